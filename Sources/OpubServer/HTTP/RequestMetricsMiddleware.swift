import Dispatch
import HTTPTypes
import Hummingbird
import Metrics

/// Counts requests by route, method and status (`opub_http_requests_total`) and records their
/// latency (`opub_http_request_duration_seconds`, a histogram by route and method). Routes are the
/// registered patterns (`/api/v1/projects/{owner}/{repo}`), so labels stay few; anything that
/// matched no route is `unmatched`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let factory: any MetricsFactory

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            record(request, context: context, status: 500, start: start)
            throw error
        }
        record(request, context: context, status: response.status.code, start: start)
        return response
    }

    func record(_ request: Request, context: Context, status: Int, start: UInt64) {
        var route = context.endpointPath ?? "unmatched"
        if route == "NotFound" { route = "unmatched" }
        let method = request.method.rawValue
        Counter(
            label: "opub_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", "\(status)")],
            factory: factory
        ).increment()
        Metrics.Timer(
            label: "opub_http_request_duration_seconds", dimensions: [("route", route), ("method", method)],
            factory: factory
        ).recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}
