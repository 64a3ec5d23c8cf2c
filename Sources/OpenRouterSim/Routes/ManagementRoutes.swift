import Hummingbird
import OpubSurfaces

/// `/keys`, `/credits`, `/activity` and `/guardrails`: management key only, checked by
/// ``ManagementKeyCheck``.
struct ManagementRoutes: Sendable {
    let state: SimulatorState
    var runner: RouteRunner { RouteRunner(state: state) }

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("keys") { request, context in
            try await runner.run("GET", "/keys", context: context) {
                let query = request.uri.queryParameters
                let offsetText = query.get("offset") ?? "0"
                guard let offset = Int(offsetText), offset >= 0 else {
                    throw SimFailure.badRequest("offset: a non-negative integer is required")
                }
                return HTTPAnswers.json(
                    try await state.listKeys(
                        offset: offset,
                        includeDisabled: try Self.flag(query.get("include_disabled"), "include_disabled"),
                        includeExpired: try Self.flag(query.get("include_expired"), "include_expired"),
                        workspace: query.get("workspace_id")))
            }
        }
        router.post("keys") { request, context in
            try await runner.run("POST", "/keys", context: context) {
                let created = try await state.createKey(try await HTTPAnswers.body(request))
                return HTTPAnswers.json(
                    .object([("data", created.key), ("key", .string(created.secret))]), status: 201)
            }
        }
        router.get("keys/:hash") { _, context in
            let hash = context.parameters.get("hash") ?? ""
            return try await runner.run("GET", "/keys/{hash}", context: context) {
                return HTTPAnswers.json(try await state.getKey(hash))
            }
        }
        router.patch("keys/:hash") { request, context in
            let hash = context.parameters.get("hash") ?? ""
            return try await runner.run("PATCH", "/keys/{hash}", context: context) {
                return HTTPAnswers.json(try await state.updateKey(hash, try await HTTPAnswers.body(request)))
            }
        }
        router.delete("keys/:hash") { _, context in
            let hash = context.parameters.get("hash") ?? ""
            return try await runner.run("DELETE", "/keys/{hash}", context: context) {
                return HTTPAnswers.json(try await state.deleteKey(hash))
            }
        }
        router.get("credits") { _, context in
            try await runner.run("GET", "/credits", context: context) {
                return HTTPAnswers.json(await state.credits())
            }
        }
        router.get("activity") { request, context in
            try await runner.run("GET", "/activity", context: context) {
                let query = request.uri.queryParameters
                return HTTPAnswers.json(
                    try await state.activity(
                        date: query.get("date"), keyHash: query.get("api_key_hash"),
                        workspace: query.get("workspace_id")))
            }
        }
        addGuardrails(to: router)
    }

    /// A `true`/`false` query flag; absent is false.
    static func flag(_ text: String?, _ name: String) throws(SimFailure) -> Bool {
        switch text?.lowercased() {
        case nil, "false": return false
        case "true": return true
        default: throw .badRequest("\(name): true or false")
        }
    }

    /// `offset`/`limit` paging of the guardrail listings: limit 1…100, default 50.
    static func paging(_ request: Request) throws(SimFailure) -> Paging {
        let query = request.uri.queryParameters
        let offset = query.get("offset")
        let limit = query.get("limit")
        var paging = Paging()
        if let offset {
            guard let value = Int(offset), value >= 0 else {
                throw .badRequest("offset: a non-negative integer is required")
            }
            paging.offset = value
        }
        if let limit {
            guard let value = Int(limit), (1...100).contains(value) else {
                throw .badRequest("limit: an integer from 1 to 100 is required")
            }
            paging.limit = value
        }
        return paging
    }

    private func addGuardrails<Context: RequestContext>(to router: some RouterMethods<Context>) {
        managed(router, .post, "guardrails", status: 201) { request, _ in
            try await state.createGuardrail(try await HTTPAnswers.body(request))
        }
        managed(router, .get, "guardrails") { request, _ in
            try await state.listGuardrails(
                try Self.paging(request), workspace: request.uri.queryParameters.get("workspace_id"))
        }
        managed(router, .get, "guardrails/assignments/keys") { request, _ in
            try await state.keyAssignments(ofGuardrail: nil, try Self.paging(request))
        }
        managed(router, .get, "guardrails/assignments/members") { request, _ in
            try await state.memberAssignments(ofGuardrail: nil, try Self.paging(request))
        }
        managed(router, .get, "guardrails/:id") { _, id in try await state.getGuardrail(id) }
        managed(router, .patch, "guardrails/:id") { request, id in
            try await state.updateGuardrail(id, try await HTTPAnswers.body(request))
        }
        managed(router, .delete, "guardrails/:id") { _, id in try await state.deleteGuardrail(id) }
        managed(router, .get, "guardrails/:id/assignments/keys") { request, id in
            try await state.keyAssignments(ofGuardrail: id, try Self.paging(request))
        }
        managed(router, .get, "guardrails/:id/assignments/members") { request, id in
            try await state.memberAssignments(ofGuardrail: id, try Self.paging(request))
        }
        managed(router, .post, "guardrails/:id/assignments/keys") { request, id in
            try await state.assignKeys(toGuardrail: id, try await HTTPAnswers.body(request))
        }
        managed(router, .post, "guardrails/:id/assignments/keys/remove") { request, id in
            try await state.unassignKeys(fromGuardrail: id, try await HTTPAnswers.body(request))
        }
    }

    /// A management-key route: counted and faulted under its template (`:id` written `{id}`), `answer`
    /// given the request and the `:id` parameter (empty when the path has none).
    private func managed<Context: RequestContext>(
        _ router: some RouterMethods<Context>, _ method: HTTPRequest.Method, _ path: String, status: Int = 200,
        _ answer: @escaping @Sendable (Request, String) async throws -> JSONValue
    ) {
        let template = "/" + path.replacingOccurrences(of: ":id", with: "{id}")
        router.on(RouterPath(path), method: method) { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await runner.run(method.rawValue, template, context: context) {
                return HTTPAnswers.json(try await answer(request, id), status: status)
            }
        }
    }
}
