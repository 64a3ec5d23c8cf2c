import Hummingbird

/// The management key check of every route in its router group (`/keys`, `/credits`, `/activity`,
/// `/guardrails`, `/_sim/…`).
///
/// The refusal (401 with no key or an unknown one, 403 with an inference key) is not answered here but
/// handed on in ``RouteRunner/refusal``: a route answers it where its own work begins, after the request
/// was counted and the route's faults applied, so a refused call counts and faults as any other does.
/// (The group's context is the embedding app's own type, so the check cannot ride in it.)
struct ManagementKeyCheck<Context: RequestContext>: RouterMiddleware {
    let state: SimulatorState

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let refusal = await state.managementRefusal(HTTPAnswers.token(request))
        return try await RouteRunner.$refusal.withValue(refusal) { try await next(request, context) }
    }
}
