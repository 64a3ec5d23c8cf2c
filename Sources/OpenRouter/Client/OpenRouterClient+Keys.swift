/// The management API for keys (`/keys`). Needs a management key.
extension OpenRouterClient {
    /// Keys per page of `GET /keys`.
    public static let keysPageSize = 100

    struct DataEnvelope<Value: Decodable>: Decodable { var data: Value }
    struct DeletedAnswer: Decodable { var deleted: Bool }

    /// One page of keys, newest first, starting at `offset`.
    public func listKeys(offset: Int = 0, includeDisabled: Bool = false) async throws -> [ProviderKey] {
        let query = [("offset", String(offset)), ("include_disabled", includeDisabled ? "true" : "false")]
        return try await send(.get, "/keys", query: query, as: DataEnvelope<[ProviderKey]>.self).data
    }

    /// Every key, paging by offset: ⌈N/100⌉ calls, plus one empty page when N is a multiple of 100.
    /// Includes disabled keys by default, as reconciliation needs.
    public func listAllKeys(includeDisabled: Bool = true) async throws -> [ProviderKey] {
        var keys: [ProviderKey] = []
        while true {
            let page = try await listKeys(offset: keys.count, includeDisabled: includeDisabled)
            keys += page
            if page.count < Self.keysPageSize { return keys }
        }
    }

    /// Creates a key and returns it with its secret (201). Never retried: on an ambiguous failure
    /// (``OpenRouterError/providerDown(reason:mayHaveSucceeded:)`` with `mayHaveSucceeded`) the key may
    /// exist; list keys by name, delete any match, and try again.
    public func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey {
        try await send(.post, "/keys", body: request, expecting: [200, 201], as: CreatedKey.self)
    }

    /// One key by hash; ``OpenRouterError/notFound(message:)`` when there is none.
    public func key(hash: String) async throws -> ProviderKey {
        try await send(.get, "/keys/\(hash)", as: DataEnvelope<ProviderKey>.self).data
    }

    /// Changes a key's name, disabled flag, limit, reset window or BYOK setting.
    public func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey {
        try await send(.patch, "/keys/\(hash)", body: update, as: DataEnvelope<ProviderKey>.self).data
    }

    /// Deletes a key; its secret stops working at once.
    public func deleteKey(hash: String) async throws {
        let answer = try await send(.delete, "/keys/\(hash)", as: DeletedAnswer.self)
        guard answer.deleted else { throw OpenRouterError.malformedResponse("DELETE /keys/…: deleted is false") }
    }
}
