import OpubCore

/// The management API for keys (`/keys`). Needs a management key.
extension OpenRouterClient {
    /// Keys per page of `GET /keys`.
    public static let keysPageSize = 100

    struct DataEnvelope<Value: Decodable>: Decodable { var data: Value }
    struct DeletedAnswer: Decodable { var deleted: Bool }

    /// One page of keys, newest first, starting at `offset`, from the configured workspace. Expired keys
    /// are listed only with `includeExpired` (the provider hides them by default).
    ///
    /// A row that is not opub's (``ProviderKeyName``) and does not decode — an unknown field type, a
    /// missing optional field — is left out rather than failing the page: the operator's other keys must
    /// never stop opub's reconciliation. A row of opub's own that does not decode is an error.
    public func listKeys(
        offset: Int = 0, includeDisabled: Bool = false, includeExpired: Bool = false
    ) async throws -> [ProviderKey] {
        try await keyRows(offset: offset, includeDisabled: includeDisabled, includeExpired: includeExpired)
            .compactMap(\.key)
    }

    /// Every key, disabled and expired ones included by default (reconciliation needs them), paging by
    /// offset until a page comes back **empty** — a short page is not the end, since the provider may
    /// answer fewer than 100 while more exist: ⌈N/100⌉ + 1 calls.
    ///
    /// `expecting` is how many keys the caller last saw (0 when it does not know). The full pages that
    /// many keys fill are fetched `concurrently` at a time — against a provider across the internet the
    /// listing of 100,000 keys is then 250 round trips instead of a thousand; more than 4 at once ran the
    /// 2-core soak's heartbeats behind a burst of page decoding — and paging goes on one page at a time
    /// after them. A concurrent page that comes back short makes the pages after it
    /// unusable (their offsets assumed full pages), so paging resumes one at a time right after its last
    /// key: the keys are exactly the one-at-a-time listing's, and the calls too when the count has not
    /// changed (when it fell, the pages fetched past the new end are the extra calls).
    ///
    /// Keys are newest first, so a key created during the listing shifts the older ones to later
    /// offsets and one of them can be listed twice; each key is returned once.
    public func listAllKeys(
        includeDisabled: Bool = true, includeExpired: Bool = true, expecting: Int = 0, concurrently: Int = 4
    ) async throws -> [ProviderKey] {
        try await listAllKeys(
            includeDisabled: includeDisabled, includeExpired: includeExpired, expecting: expecting,
            concurrently: concurrently, { $0 }
        ).values
    }

    /// ``listAllKeys(includeDisabled:includeExpired:expecting:concurrently:)``, each key turned by
    /// `transform` as its page arrives (nil leaves it out), so that only a few pages of full keys are
    /// held at a time; with how many distinct keys were listed in all.
    public func listAllKeys<T: Sendable>(
        includeDisabled: Bool = true, includeExpired: Bool = true, expecting: Int = 0, concurrently: Int = 4,
        _ transform: @escaping @Sendable (ProviderKey) -> T?
    ) async throws -> (values: [T], listed: Int) {
        /// A page as kept: how many rows it had (the offset arithmetic), and each decoded key's hash with
        /// what `transform` made of it.
        typealias Page = (rows: Int, keys: [(hash: String, value: T?)])
        let size = Self.keysPageSize
        @Sendable func page(at offset: Int) async throws -> Page {
            let rows = try await keyRows(
                offset: offset, includeDisabled: includeDisabled, includeExpired: includeExpired)
            return (rows.count, rows.compactMap(\.key).map { ($0.hash, transform($0)) })
        }
        var values: [T] = []
        var seen: Set<String> = []
        func take(_ page: Page) {
            for (hash, value) in page.keys where seen.insert(hash).inserted {
                if let value { values.append(value) }
            }
        }
        var offset = 0
        let fullPages = max(0, expecting) / size
        if fullPages > 1 {
            let pages = try await (0..<fullPages).concurrentMap(limit: concurrently) { index in
                try await page(at: index * size)
            }
            for (index, page) in pages.enumerated() {
                if page.rows == 0 { return (values, seen.count) }
                take(page)
                offset = index * size + page.rows
                if page.rows < size { break }
            }
        }
        while true {
            let next = try await page(at: offset)
            if next.rows == 0 { return (values, seen.count) }
            offset += next.rows
            take(next)
        }
    }

    private func keyRows(offset: Int, includeDisabled: Bool, includeExpired: Bool) async throws -> [ListedKey] {
        var query = [
            ("offset", String(offset)), ("include_disabled", includeDisabled ? "true" : "false"),
            ("include_expired", includeExpired ? "true" : "false"),
        ]
        if let workspace = configuration.workspaceID { query.append(("workspace_id", workspace)) }
        return try await send(.get, "/keys", query: query, as: DataEnvelope<[ListedKey]>.self).data
    }

    /// One row of `GET /keys`: a decoded key, or nil for someone else's key that does not decode.
    struct ListedKey: Decodable {
        var key: ProviderKey?

        struct Named: Decodable { var name: String? }

        init(from decoder: any Decoder) throws {
            do {
                key = try ProviderKey(from: decoder)
            } catch {
                let name = (try? Named(from: decoder))?.name
                if let name, ProviderKeyName.isOpubs(name) { throw error }
                key = nil
            }
        }
    }

    /// Creates a key and returns it with its secret (201). Never retried: on an ambiguous failure
    /// (``OpenRouterError/providerDown(reason:mayHaveSucceeded:)`` with `mayHaveSucceeded`) the key may
    /// exist; list keys by name, delete any match, and try again.
    public func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey {
        var request = request
        if request.workspaceID == nil { request.workspaceID = configuration.workspaceID }
        return try await send(.post, "/keys", body: request, expecting: [200, 201], as: CreatedKey.self)
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
