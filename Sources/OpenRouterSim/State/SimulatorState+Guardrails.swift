import OpenRouter
import OpubCore

/// Guardrails: create, read, delete, and key assignments (a key holds at most one).
extension SimulatorState {
    func createGuardrail(_ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard let name = body["name"]?.stringValue, !name.trimmingSpacesAndNewlines.isEmpty else {
            throw .badRequest("name: a non-empty string is required")
        }
        let providers = try Self.stringList(body["allowed_providers"], "allowed_providers")
        let models = try Self.stringList(body["allowed_models"], "allowed_models")
        let limit = try Self.limit(body["limit_usd"]) ?? nil
        let reset = try Self.limitReset(body["reset_interval"]) ?? nil
        var stream = DigestStream(seed: "\(seed)|guardrail|\(guardrails.count)|\(name)|\(now.microsSinceEpoch)")
        let guardrail = SimGuardrail(
            id: Self.uuid(from: &stream), name: name, description: body["description"]?.stringValue,
            allowedProviders: providers, allowedModels: models, limit: limit, resetInterval: reset, createdAt: now)
        guardrails[guardrail.id] = guardrail
        markChanged()
        return .object([("data", guardrail.json(assignedKeys: 0))])
    }

    func listGuardrails() -> JSONValue {
        let all = guardrails.values.sorted { $0.createdAt > $1.createdAt }
        return .object([("data", .array(all.map { $0.json(assignedKeys: assignedCount($0.id)) }))])
    }

    func getGuardrail(_ id: String) throws(SimFailure) -> JSONValue {
        guard let guardrail = guardrails[id] else { throw .notFound("Guardrail not found") }
        return .object([("data", guardrail.json(assignedKeys: assignedCount(id)))])
    }

    func deleteGuardrail(_ id: String) throws(SimFailure) -> JSONValue {
        guard guardrails.removeValue(forKey: id) != nil else { throw .notFound("Guardrail not found") }
        for (hash, key) in keys where key.guardrailID == id { keys[hash]?.guardrailID = nil }
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
            removed += 1
        }
        markChanged()
        return .object([("unassigned_count", .int(removed))])
    }

    func guardrailKeyAssignments(_ id: String) throws(SimFailure) -> JSONValue {
        guard guardrails[id] != nil else { throw .notFound("Guardrail not found") }
        let assigned = keys.values.filter { $0.guardrailID == id }.sorted { $0.sequence > $1.sequence }
        return .object([
            (
                "data",
                .array(
                    assigned.map {
                        .object([("key_hash", .string($0.hash)), ("guardrail_id", .string(id))])
                    })
            )
        ])
    }

    private func assignedCount(_ id: String) -> Int { keys.values.count { $0.guardrailID == id } }

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
