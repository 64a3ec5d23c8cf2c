import OpubCore
import OpubStore

/// A ledger transaction as published: every field the hash covers, named as in `docs/ledger.md`'s
/// re-verifier, so that anyone can re-check a downloaded copy.
struct LedgerTransactionJSON: Encodable {
    struct PostingJSON: Encodable {
        let account: String
        let micros: Int64
        let usd: String
    }

    let id: String
    let project: String
    let sequence: Int64
    let kind: String
    let idempotencyKey: String
    @NullEncoded var key: String?
    @NullEncoded var donation: String?
    @NullEncoded var session: String?
    let memo: String
    /// Microseconds since the Unix epoch (what the hash covers).
    let createdAt: Int64
    let time: String
    let postings: [PostingJSON]
    let previousHash: String
    let hash: String

    init(_ tx: LedgerTransaction) {
        id = tx.id.rawValue
        project = tx.projectID.rawValue
        sequence = tx.sequence
        kind = tx.kind.rawValue
        idempotencyKey = tx.idempotencyKey
        key = tx.keyID?.rawValue
        donation = tx.donationID?.rawValue
        session = tx.sessionID?.rawValue
        memo = tx.memo
        createdAt = tx.createdAt.microsSinceEpoch
        time = tx.createdAt.iso8601
        postings = tx.postings.map {
            PostingJSON(account: $0.account.description, micros: $0.amount.micros, usd: $0.amount.usdString)
        }
        previousHash = tx.previousHash
        hash = tx.hash
    }

    enum CodingKeys: String, CodingKey {
        case id, project, sequence, kind, key, donation, session, memo, time, postings, hash
        case idempotencyKey = "idempotency_key"
        case createdAt = "created_at"
        case previousHash = "previous_hash"
    }
}

/// A usage record as published: a key's spend on one model on one UTC day.
struct UsageRecordJSON: Encodable {
    let date: String
    let key: KeyRefJSON
    let model: String
    let provider: String
    let requests: Int64
    let promptTokens: Int64
    let completionTokens: Int64
    let reasoningTokens: Int64
    let cost: AmountJSON
    let linked: Bool
    @NullEncoded var session: String?

    init(_ record: UsageRecord) {
        date = record.reading.date
        key = KeyRefJSON(id: record.keyID.rawValue, name: record.keyName)
        model = record.reading.model
        provider = record.reading.providerName
        requests = record.reading.requests
        promptTokens = record.reading.promptTokens
        completionTokens = record.reading.completionTokens
        reasoningTokens = record.reading.reasoningTokens
        cost = AmountJSON(record.reading.cost)
        linked = record.isLinked
        session = record.sessionID?.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case date, key, model, provider, requests, cost, linked, session
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case reasoningTokens = "reasoning_tokens"
    }
}

/// A key named in public data: its id and name, nothing else.
struct KeyRefJSON: Encodable {
    let id: String
    let name: String
}

/// A linked session as the public sees it: surface, key name and times; never host details.
struct PublicSessionJSON: Encodable {
    let id: String
    let key: KeyRefJSON
    let surface: String
    @NullEncoded var surfaceVersion: String?
    let startedAt: String
    let lastHeartbeatAt: String
    @NullEncoded var endedAt: String?
    @NullEncoded var endReason: String?
    let durationSeconds: Int64
    let running: Bool

    init(_ record: AgentSessionRecord) {
        id = record.id.rawValue
        key = KeyRefJSON(id: record.keyID.rawValue, name: record.keyName ?? "")
        surface = record.surface
        surfaceVersion = record.surfaceVersion
        startedAt = record.startedAt.iso8601
        lastHeartbeatAt = record.lastHeartbeatAt.iso8601
        endedAt = record.endedAt?.iso8601
        endReason = record.endReason
        durationSeconds = record.durationSeconds
        running = record.isOpen
    }

    enum CodingKeys: String, CodingKey {
        case id, key, surface, running
        case surfaceVersion = "surface_version"
        case startedAt = "started_at"
        case lastHeartbeatAt = "last_heartbeat_at"
        case endedAt = "ended_at"
        case endReason = "end_reason"
        case durationSeconds = "duration_seconds"
    }
}

/// One request as the provider's traces reported it, seconds after it ran. `source` is always
/// `provider_traces`; `settled` turns true once the reconciler has posted the key's spend at or after
/// the request's time, i.e. once the ledger's provider-reported spend covers it. Only a session of the
/// same key is named; any other session id the request carried is not shown.
struct TraceRequestJSON: Encodable {
    let at: String
    let key: KeyRefJSON
    let model: String
    let provider: String
    let promptTokens: Int64
    let completionTokens: Int64
    let reasoningTokens: Int64
    let cost: AmountJSON
    let linked: Bool
    @NullEncoded var session: String?
    @NullEncoded var generationId: String?
    let source: String
    let settled: Bool

    init(_ record: TraceRecord) {
        at = record.usage.occurredAt.iso8601
        key = KeyRefJSON(id: record.usage.keyID.rawValue, name: record.keyName)
        model = record.usage.model
        provider = record.usage.providerName
        promptTokens = record.usage.promptTokens
        completionTokens = record.usage.completionTokens
        reasoningTokens = record.usage.reasoningTokens
        cost = AmountJSON(record.usage.cost)
        linked = record.linkedSession != nil
        session = record.linkedSession?.rawValue
        generationId = record.usage.generationID
        source = "provider_traces"
        settled = record.settled
    }

    enum CodingKeys: String, CodingKey {
        case at, key, model, provider, cost, linked, session, source, settled
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case reasoningTokens = "reasoning_tokens"
        case generationId = "generation_id"
    }
}
