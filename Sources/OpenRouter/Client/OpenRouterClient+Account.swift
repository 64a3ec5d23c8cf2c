import Foundation

/// Account-level reads: the calling key, credits, activity.
extension OpenRouterClient {
    /// `GET /key`: the calling key's limit, usage and kind. Works with an inference key; the CLI uses it
    /// to check a pasted key.
    public func currentKey() async throws -> CurrentKeyInfo {
        try await send(.get, "/key", as: DataEnvelope<CurrentKeyInfo>.self).data
    }

    /// `GET /credits` (management key): the account's credits and total usage.
    public func credits() async throws -> AccountCredits {
        try await send(.get, "/credits", as: DataEnvelope<AccountCredits>.self).data
    }

    /// `GET /activity` (management key): spend by day and model endpoint over the last 30 **completed**
    /// UTC days (today is never included; asking for it is refused), optionally for one day
    /// (`YYYY-MM-DD`) and one key hash, in the configured workspace.
    public func activity(date: String? = nil, apiKeyHash: String? = nil) async throws -> [ActivityRecord] {
        var query: [(String, String)] = []
        if let date { query.append(("date", date)) }
        if let apiKeyHash { query.append(("api_key_hash", apiKeyHash)) }
        if let workspace = configuration.workspaceID { query.append(("workspace_id", workspace)) }
        return try await send(.get, "/activity", query: query, as: DataEnvelope<[ActivityRecord]>.self).data
    }

    /// `GET /models`: every model the provider lists, following `links.next` while it pages (at most
    /// 20 pages).
    public func listModels() async throws -> [ListedModel] {
        struct Page: Decodable {
            var data: [ListedModel]
            var links: Links?
            struct Links: Decodable { var next: String? }
        }
        var models: [ListedModel] = []
        var query: [(String, String)] = []
        for _ in 0..<20 {
            let page = try await send(.get, "/models", query: query, as: Page.self)
            models += page.data
            guard let next = page.links?.next, !page.data.isEmpty,
                let items = URLComponents(string: next)?.queryItems
            else { break }
            query = items.compactMap { item in item.value.map { (item.name, $0) } }
        }
        return models
    }
}
