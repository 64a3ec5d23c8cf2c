import Foundation
import Hummingbird
import OpubStore

/// `GET /healthz` (the process answers), `GET /readyz` (the database answers and its schema is
/// current; 503 otherwise), `GET /metrics` (Prometheus text), `GET /api/openapi.yaml` (`/install.sh` is
/// served by ``DownloadRoutes``).
struct OperationsRoutes: RouteModule {
    let dependencies: AppDependencies

    struct Health: Encodable {
        let status: String
        let checks: [String: String]
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/healthz") { _, _ in
            JSON.response(Health(status: "ok", checks: [:]))
        }
        routes.get("/readyz") { _, context in
            var checks: [String: String] = [:]
            do {
                try await dependencies.store.ping()
                checks["database"] = "ok"
                let pending = try await dependencies.store.pendingMigrations()
                checks["migrations"] =
                    pending.isEmpty ? "ok" : "pending: \(pending.map(String.init).joined(separator: ","))"
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                checks["database"] = "unreachable"
            }
            if dependencies.provider != nil {
                checks["provider"] = dependencies.providerHealth.check
                checks["recommended_models"] = dependencies.recommendedModels.check
            }
            let ready =
                checks["database"] == "ok" && checks["migrations"] == "ok" && !dependencies.providerHealth.isFailing
            return JSON.response(
                Health(status: ready ? "ready" : "not_ready", checks: checks), status: ready ? .ok : .serviceUnavailable
            )
        }
        routes.get("/metrics") { _, _ in
            PlainResponse.text(
                dependencies.metrics.registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        routes.get("/api/openapi.yaml") { _, _ in
            guard let document = OpenAPIDocument.yaml else {
                throw APIError.notFound("openapi_missing", "This build of opub-server does not carry openapi.yaml.")
            }
            return PlainResponse.text(document, contentType: "application/yaml; charset=utf-8")
        }
    }

    /// The CLI installer, a resource of this module (`install.sh` at the repository root links to it).
    static let installScript: String? = Bundle.module.url(forResource: "install", withExtension: "sh").flatMap {
        try? String(contentsOf: $0, encoding: .utf8)
    }
}
