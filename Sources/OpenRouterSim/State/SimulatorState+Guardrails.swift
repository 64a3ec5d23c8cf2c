import OpenRouter
import OpubCore
import OpubSurfaces

/// The `offset`/`limit` of a guardrail listing (limit 1…100, default 50).
struct Paging: Sendable {
    var offset = 0
    var limit = 50

    /// One page of `items` with the `total_count` of all of them.
    func json<Item>(_ items: [Item], _ render: (Item) -> JSONValue) -> JSONValue {
        let page = items.dropFirst(offset).prefix(limit)
        return .object([("data", .array(page.map(render))), ("total_count", .int(items.count))])
    }
}

/// Guardrails: create, read, update, delete, and key assignments (a key holds at most one).
extension SimulatorState {
    func guardrailJSON(_ guardrail: SimGuardrail) -> JSONValue { guardrail.json(defaultWorkspaceID: workspaceID) }

    func createGuardrail(_ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard body.isObject else { throw .badRequest("The request body must be a JSON object") }
        let name = try Self.name(body["name"])
        let workspace = try self.workspace(body["workspace_id"]?.stringValue)
        var stream = DigestStream(seed: "\(seed)|guardrail|\(guardrails.count)|\(name)|\(now.microsSinceEpoch)")
        var guardrail = SimGuardrail(
            id: Self.uuid(from: &stream), name: name, description: nil, allowedProviders: [], allowedModels: [],
            limit: nil, resetInterval: nil, includeBYOKInBudgets: false,
            workspaceID: workspace == workspaceID ? nil : workspace, createdAt: now)
        try Self.apply(body, to: &guardrail)
        guardrails[guardrail.id] = guardrail
        markChanged()
        return .object([("data", guardrailJSON(guardrail))])
    }

    /// `PATCH /guardrails/{id}`: changes the fields present; null clears a list, budget or interval.
    func updateGuardrail(_ id: String, _ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard var guardrail = guardrails[id] else { throw .notFound("Guardrail not found") }
        guard body.isObject else { throw .badRequest("The request body must be a JSON object") }
        if let value = body["name"] { guardrail.name = try Self.name(value) }
        try Self.apply(body, to: &guardrail)
        guardrail.updatedAt = now
        guardrails[id] = guardrail
        markChanged()
        return .object([("data", guardrailJSON(guardrail))])
    }

    /// The settable fields other than `name`, as create and update share them.
    private static func apply(_ body: JSONValue, to guardrail: inout SimGuardrail) throws(SimFailure) {
        if let value = body["description"] { guardrail.description = value.stringValue }
        if let value = body["allowed_providers"] {
            guardrail.allowedProviders = try nonEmptyList(value, "allowed_providers")
        }
        if let value = body["allowed_models"] { guardrail.allowedModels = try nonEmptyList(value, "allowed_models") }
        if let limit = try Self.limit(body["limit_usd"]) { guardrail.limit = limit }
        if let reset = try Self.limitReset(body["reset_interval"]) { guardrail.resetInterval = reset }
        if let byok = try Self.bool(body["include_byok_in_budgets"], "include_byok_in_budgets") {
            guardrail.includeBYOKInBudgets = byok
        }
    }

    /// An allowlist: null clears it; an array must hold at least one string.
    private static func nonEmptyList(_ value: JSONValue, _ name: String) throws(SimFailure) -> [String] {
        if value.isNull { return [] }
        let list = try stringList(value, name)
        guard !list.isEmpty else { throw .badRequest("\(name): give at least one item, or null for no restriction") }
        return list
    }

    func listGuardrails(_ paging: Paging, workspace: String?) throws(SimFailure) -> JSONValue {
        let workspace = try self.workspace(workspace)
        let all = guardrails.values.filter { ($0.workspaceID ?? workspaceID) == workspace }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return paging.json(all, guardrailJSON)
    }

    func getGuardrail(_ id: String) throws(SimFailure) -> JSONValue {
        guard let guardrail = guardrails[id] else { throw .notFound("Guardrail not found") }
        return .object([("data", guardrailJSON(guardrail))])
    }

    func deleteGuardrail(_ id: String) throws(SimFailure) -> JSONValue {
        guard guardrails.removeValue(forKey: id) != nil else { throw .notFound("Guardrail not found") }
        for (hash, key) in keys where key.guardrailID == id {
            keys[hash]?.guardrailID = nil
            keys[hash]?.guardrailAssignedAt = nil
        }
        markChanged()
        return .object([("deleted", .bool(true))])
    }

    /// Assigns keys, replacing any guardrail they held. Unknown hashes → 404, nothing assigned.
    func assignKeys(toGuardrail id: String, _ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard guardrails[id] != nil else { throw .notFound("Guardrail not found") }
        let hashes = try keyHashes(body)
        var assigned = 0
        for hash in hashes where keys[hash]?.guardrailID != id {
            keys[hash]?.guardrailID = id
            keys[hash]?.guardrailAssignedAt = now
            assigned += 1
        }
        markChanged()
        return .object([("assigned_count", .int(assigned))])
    }

    func unassignKeys(fromGuardrail id: String, _ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard guardrails[id] != nil else { throw .notFound("Guardrail not found") }
        let hashes = try keyHashes(body)
        var removed = 0
        for hash in hashes where keys[hash]?.guardrailID == id {
            keys[hash]?.guardrailID = nil
            keys[hash]?.guardrailAssignedAt = nil
            removed += 1
        }
        markChanged()
        return .object([("unassigned_count", .int(removed))])
    }

    /// Key assignment rows, newest first: of one guardrail, or of all of them when `id` is nil.
    func keyAssignments(ofGuardrail id: String?, _ paging: Paging) throws(SimFailure) -> JSONValue {
        if let id, guardrails[id] == nil { throw .notFound("Guardrail not found") }
        let assigned = keys.values.filter { key in key.guardrailID.map { id == nil || $0 == id } ?? false }
            .sorted { $0.sequence > $1.sequence }
        return paging.json(assigned) { key in
            let guardrailID = key.guardrailID ?? ""
            var stream = DigestStream(seed: "assignment|\(guardrailID)|\(key.hash)")
            return .object([
                ("id", .string(Self.uuid(from: &stream))),
                ("key_hash", .string(key.hash)),
                ("key_name", .string(key.name)),
                ("key_label", .string(key.label)),
                ("guardrail_id", .string(guardrailID)),
                ("created_at", .string(ProviderTimestamp.formatWithOffset(key.guardrailAssignedAt ?? key.createdAt))),
                ("assigned_by", .null),
            ])
        }
    }

    /// Member assignment rows: the simulated account is not an organization, so it has no members.
    func memberAssignments(ofGuardrail id: String?, _ paging: Paging) throws(SimFailure) -> JSONValue {
        if let id, guardrails[id] == nil { throw .notFound("Guardrail not found") }
        return paging.json([JSONValue]()) { $0 }
    }

    private func keyHashes(_ body: JSONValue) throws(SimFailure) -> [String] {
        let hashes = try Self.stringList(body["key_hashes"], "key_hashes")
        guard !hashes.isEmpty else { throw .badRequest("key_hashes: a non-empty array of key hashes is required") }
        if let unknown = hashes.first(where: { keys[$0] == nil }) {
            throw .notFound("Key \(unknown) not found")
        }
        return hashes
    }

    static func stringList(_ value: JSONValue?, _ name: String) throws(SimFailure) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw .badRequest("\(name): an array of strings is required") }
        let strings = items.compactMap(\.stringValue)
        guard strings.count == items.count else { throw .badRequest("\(name): an array of strings is required") }
        return strings
    }
}
