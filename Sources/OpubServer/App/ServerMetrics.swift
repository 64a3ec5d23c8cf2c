import Metrics
import Prometheus

/// The Prometheus registry `/metrics` exposes, and a swift-metrics factory writing into it.
/// Injected rather than bootstrapped globally, so that every app (and every test) has its own.
/// Features record with swift-metrics types: `Counter(label:dimensions:factory: metrics.factory)`.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: any MetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }
}
