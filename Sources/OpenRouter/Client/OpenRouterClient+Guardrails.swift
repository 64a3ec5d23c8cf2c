/// Guardrails (`/guardrails`): provider and model allowlists applied to keys. Needs a management key.
extension OpenRouterClient {
    struct KeyHashesBody: Encodable {
        var keyHashes: [String]
        enum CodingKeys: String, CodingKey { case keyHashes = "key_hashes" }
    }

    struct AssignedAnswer: Decodable {
        var assignedCount: Int?
        var unassignedCount: Int?
        enum CodingKeys: String, CodingKey {
            case assignedCount = "assigned_count"
            case unassignedCount = "unassigned_count"
        }
    }

    /// Creates a guardrail (201).
    public func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail {
        try await send(.post, "/guardrails", body: request, expecting: [200, 201], as: DataEnvelope<Guardrail>.self)
            .data
    }

    /// Assigns keys to a guardrail (replacing any guardrail they had); returns how many were assigned.
    @discardableResult
    public func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int {
        let answer = try await send(
            .post, "/guardrails/\(id)/assignments/keys", body: KeyHashesBody(keyHashes: keyHashes),
            as: AssignedAnswer.self)
        return answer.assignedCount ?? 0
    }

    /// Removes keys from a guardrail; returns how many were removed.
    @discardableResult
    public func unassignKeys(_ keyHashes: [String], fromGuardrail id: String) async throws -> Int {
        let answer = try await send(
            .post, "/guardrails/\(id)/assignments/keys/remove", body: KeyHashesBody(keyHashes: keyHashes),
            as: AssignedAnswer.self)
        return answer.unassignedCount ?? answer.assignedCount ?? 0
    }
}
