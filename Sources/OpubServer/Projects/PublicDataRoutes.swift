import HTTPTypes
import Hummingbird
import NIOCore
import OpubCore
import OpubStore

/// What anyone may read about a project besides its summary and donations: the ledger (JSON pages
/// newest first, or the whole chain as CSV), the spend detail (usage records), the per-request rows from provider traces and the linked
/// sessions.
struct PublicDataRoutes: RouteModule {
    let dependencies: AppDependencies

    var store: Store { dependencies.store }

    func register(on routes: RouteRegistrar) {
        routes.get("/api/v1/projects/{owner}/{repo}/ledger") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            let query = request.uri.queryParameters
            switch query.get("format") ?? "json" {
            case "csv":
                try await dependencies.rateLimits.check(dependencies.rateLimits.ledgerExport, context: context)
                return try await csv(resolved.record)
            case "json":
                let limit = try QueryParameters.limit(query.get("limit"))
                let cursor = try QueryParameters.cursor(query.get("cursor")) { text throws(StoreError) in
                    try LedgerCursor(decoding: text)
                }
                let page = try await store.ledger.page(of: resolved.record.id, cursor: cursor, limit: limit)
                return JSON.response(
                    PageJSON(items: page.items.map(LedgerTransactionJSON.init), nextCursor: page.nextCursor))
            default:
                throw APIError.badRequest(
                    "invalid_parameter", "format must be json or csv.", details: ["parameter": .string("format")])
            }
        }
        routes.get("/api/v1/projects/{owner}/{repo}/spend") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            let query = request.uri.queryParameters
            let limit = try QueryParameters.limit(query.get("limit"))
            let cursor = try QueryParameters.cursor(query.get("cursor")) { text throws(StoreError) in
                try UsageCursor(decoding: text)
            }
            let page = try await store.usage.page(of: resolved.record.id, cursor: cursor, limit: limit)
            let pending = try await store.keys.detailPendingCount(of: resolved.record.id)
            return JSON.response(SpendPageJSON(page: page, detailPendingKeys: pending))
        }
        routes.get("/api/v1/projects/{owner}/{repo}/requests") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            let query = request.uri.queryParameters
            let limit = try QueryParameters.limit(query.get("limit"))
            let cursor = try QueryParameters.cursor(query.get("cursor")) { text throws(StoreError) in
                try TraceCursor(decoding: text)
            }
            let page = try await store.traces.page(of: resolved.record.id, cursor: cursor, limit: limit)
            return JSON.response(PageJSON(items: page.items.map(TraceRequestJSON.init), nextCursor: page.nextCursor))
        }
        routes.get("/api/v1/projects/{owner}/{repo}/sessions") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            let query = request.uri.queryParameters
            let limit = try QueryParameters.limit(query.get("limit"))
            let cursor = try QueryParameters.cursor(query.get("cursor")) { text throws(StoreError) in
                try TimeCursor.sessions(decoding: text)
            }
            let page = try await store.agentSessions.page(of: resolved.record.id, cursor: cursor, limit: limit)
            return JSON.response(PageJSON(items: page.items.map(PublicSessionJSON.init), nextCursor: page.nextCursor))
        }
    }

    /// The whole chain, oldest first, as CSV (what the hash re-verifier reads in order), streamed in
    /// batches of 500 transactions: memory stays flat however long the chain. The export ends at the
    /// newest transaction when it started, so it is one consistent prefix of the chain.
    func csv(_ project: ProjectRecord) async throws -> Response {
        let end = try await store.ledger.lastSequence(of: project.id)
        let store = self.store
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] =
            "attachment; filename=\"\(project.name.owner)-\(project.name.repo)-ledger.csv\""
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: PublicLedgerCSV.line(PublicLedgerCSV.header)))
                var from: Int64 = 1
                while true {
                    let batch = try await store.ledger.chainBatch(
                        of: project.id, fromSequence: from, throughSequence: end)
                    guard let last = batch.last else { break }
                    var text = ""
                    for tx in batch { text += PublicLedgerCSV.line(PublicLedgerCSV.fields(of: tx)) }
                    try await writer.write(ByteBuffer(string: text))
                    from = last.sequence + 1
                }
                try await writer.finish(nil)
            })
    }
}
