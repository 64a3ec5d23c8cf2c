import Foundation
import OpubCore
import OpubSurfaces
import SQLKit

@testable import OpubServer
@testable import OpubStore

/// A database row made of values. The store's records read themselves from rows, so the answer samples
/// build them from one of these, without a database; a column's type is the one the record decodes.
struct SampleRow: SQLRow {
    /// SQL NULL.
    struct Null: Sendable {}
    static let null = Null()

    let values: [String: any Sendable]

    init(_ values: [String: any Sendable]) { self.values = values }

    var allColumns: [String] { Array(values.keys) }

    func contains(column: String) -> Bool { values[column] != nil }

    func decodeNil(column: String) throws -> Bool { try value(column) is Null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let value = try value(column)
        if value is Null, let optional = D.self as? any ExpressibleByNilLiteral.Type,
            let none = optional.init(nilLiteral: ()) as? D
        {
            return none
        }
        guard let typed = value as? D else {
            throw TestFailure("the sample row's \(column) is a \(Swift.type(of: value)), not a \(D.self)")
        }
        return typed
    }

    func value(_ column: String) throws -> any Sendable {
        guard let value = values[column] else { throw TestFailure("the sample row has no column \(column)") }
        return value
    }
}

/// Realistic records of one project, acme/widgets: a key rotated after a month of use (every optional
/// field set), its successor, a linked session, a donation, spend, a trace, an alert and its delivery.
/// Each JSON answer type of the server is built from these the way its route builds it.
enum AnswerSamples {
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 24 * hour
    /// 2026-11-23T02:13:20.123456Z, in microseconds.
    static let now: Int64 = 1_795_400_000_123_456

    static let projectID = "prj_ab3kq7w2m9x4t6b8n5c1v0z2"
    static let keyID = "ck_7m2x9q4w6t3b8n5c1v0z2yah"
    static let previousKeyID = "ck_2b5n8c1v4x7z0q3w6t9m2k5j"
    static let successorID = "ck_9t6w3q0z7x4v1c8n5b2m9k6j"
    static let sessionID = "ls_4c7v0z3x6q9w2t5b8n1m4k7j"
    static let userID = "usr_6q9w2t5b8n1m4k7j0z3x6v9c"
    static let donationID = "don_8n1m4k7j0z3x6v9c2q5w8t1b"
    static let alertID = "alr_1m4k7j0z3x6v9c2q5w8t1b4n"
    static let deliveryID = "dlv_5w8t1b4n7m0k3j6z9x2v5c8q"
    static let chainHead = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f1a3c5e7b9d2f"
    static let secret = "sk-or-v1-" + String(repeating: "3f", count: 32)
    static let server = "https://opub.example.org"
    static let installCommand = "curl -fsSL https://opub.example.org/install.sh | sh"

    static func time(_ micros: Int64) -> Timestamp { Timestamp(microsSinceEpoch: micros) }

    static var project: ProjectID { ProjectID(unchecked: projectID) }

    static func repository() throws -> RepositoryName { try RepositoryName(owner: "acme", repo: "widgets") }

    /// available + held + reserved (75.565433) = donated + granted − fees − spent.
    static func projectSummary() throws -> ProjectSummary {
        try ProjectSummary(
            row: SampleRow([
                "id": projectID, "owner": "acme", "repo": "widgets", "github_repo_id": Int64(48_213_907),
                "created_at": now - 90 * day, "claimed_at": now - 89 * day, "suspended_at": SampleRow.null,
                "available_micros": Int64(61_800_000), "held_micros": Int64(5_000_000),
                "reserved_micros": Int64(8_765_433), "donated_micros": Int64(100_000_000),
                "granted_micros": Int64(10_000_000), "spent_micros": Int64(31_234_567),
                "fees_micros": Int64(3_200_000), "chain_length": Int64(42), "chain_head": chainHead,
                "active_keys": Int64(1), "active_sessions": Int64(1), "spent_30d": Int64(31_234_567),
                "linked_spent_30d": Int64(20_000_000),
            ]))
    }

    /// The rotated key (disabled, every field set), or its successor as just created.
    static func key(rotated: Bool) -> ComputeKeyRecord {
        guard rotated else {
            return ComputeKeyRecord(
                id: KeyID(unchecked: successorID), projectID: project, name: "laptop", state: .active,
                limit: Money(dollars: 25), reserved: Money(dollars: 25), spent: .zero,
                providerHash: "b41f0c9d2e7a5836c1f4e9a0d3b6c8f2e5a7d9b1c3e5f7a9b2d4c6e8f0a1c3e5",
                providerLabel: "sk-or-v1-3f3…f3f",
                linkTokenHash: "0d8e2f4a6c8e0b2d4f6a8c0e2b4d6f8a1c3e5b7d9f1a3c5e7b9d2f4a6c8e0b2d",
                expiresAt: time(now + 60 * day), createdBy: UserID(unchecked: userID), createdAt: time(now),
                updatedAt: time(now), disabledAt: nil, replaces: KeyID(unchecked: keyID), allowance: Money(dollars: 25),
                allowanceMonth: AllowanceMonth(year: 2026, month: 11))
        }
        return ComputeKeyRecord(
            id: KeyID(unchecked: keyID), projectID: project, name: "laptop",
            state: .disabled(.rotated, .disabledAtProvider), limit: Money(dollars: 25), reserved: .zero,
            spent: Money(micros: 3_456_789),
            providerHash: "5f0c9d2e7a4b8361c1f4e9a0d3b6c8f2e5a7d9b1c3e5f7a9b2d4c6e8f0a1c3e5",
            providerLabel: "sk-or-v1-a1b…c2d",
            linkTokenHash: "7c1e3a5f7b9d1c3e5a7f9b1d3c5e7a9f2b4d6c8e0a2f4b6d8c0e2a4f6b8d0c2e",
            expiresAt: time(now + 60 * day), createdBy: UserID(unchecked: userID), createdAt: time(now - 30 * day),
            updatedAt: time(now), disabledAt: time(now), usageReadAt: time(now - hour), detailDueDay: "2026-11-22",
            replaces: KeyID(unchecked: previousKeyID), replacedBy: KeyID(unchecked: successorID),
            allowance: Money(dollars: 25), allowanceMonth: AllowanceMonth(year: 2026, month: 11))
    }

    /// A session of the rotated key that ran for an hour and exited.
    static func session() throws -> AgentSessionRecord {
        try AgentSessionRecord(
            row: SampleRow([
                "id": sessionID, "key_id": keyID, "project_id": projectID, "surface": "claude",
                "surface_version": "2.0.14", "cli_version": "0.1.0", "os": "linux", "started_at": now - 3 * hour,
                "last_heartbeat_at": now - 2 * hour, "ended_at": now - 2 * hour + 30_000_000, "end_reason": "exited",
                "exit_code": 0, "key_name": "laptop",
            ]))
    }

    static func user() throws -> UserRecord {
        try UserRecord(
            row: SampleRow([
                "id": userID, "github_id": Int64(583_231), "login": "octocat", "name": "The Octocat",
                "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4", "created_at": now - 100 * day,
                "suspended_at": SampleRow.null,
            ]))
    }

    /// A completed, partly refunded donation with public attribution.
    static func donation() throws -> DonationRecord {
        try DonationRecord(
            row: SampleRow([
                "id": donationID, "project_id": projectID, "user_id": userID, "status": "completed",
                "amount_micros": Int64(25_000_000), "credited_micros": Int64(25_000_000),
                "refunded_micros": Int64(5_000_000), "is_anonymous": 0, "display_name": "Ada",
                "message": "Thanks for widgets!", "billing_email": "ada@example.org",
                "stripe_checkout_session_id": "cs_test_a1b2c3d4", "stripe_payment_intent_id": "pi_3Pq0a1b2c3d4",
                "checkout_url": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4", "created_at": now - 10 * day,
                "completed_at": now - 10 * day + 60_000_000, "failed_at": SampleRow.null,
            ]))
    }

    /// The donation's transaction and a linked spend of the rotated key.
    static func transactions() -> [LedgerTransaction] {
        let credit = LedgerTransaction.chained(
            id: TransactionID(unchecked: "tx_3j6z9x2v5c8q1w4t7b0n3m6k"), projectID: project, sequence: 41,
            kind: .donation, idempotencyKey: "donation:\(donationID)", keyID: nil,
            donationID: DonationID(unchecked: donationID), sessionID: nil, memo: "Donation from Ada",
            createdAt: time(now - 10 * day),
            postings: [.init(.donations, Money(dollars: -25)), .init(.available(project), Money(dollars: 25))],
            previousHash: "4e6a8c0b2d4f6e8a0c2b4d6f8e0a2c4b6d8f0e2a4c6b8d0f2e4a6c8b0d2f4e6a")
        let spend = LedgerTransaction.chained(
            id: TransactionID(unchecked: "tx_6k3m0n7b4t1w8q5c2v9x6z3j"), projectID: project, sequence: 42,
            kind: .spend, idempotencyKey: "spend:\(keyID):3456789", keyID: KeyID(unchecked: keyID), donationID: nil,
            sessionID: SessionID(unchecked: sessionID), memo: "Provider usage of laptop", createdAt: time(now - hour),
            postings: [
                .init(.reserved(KeyID(unchecked: keyID)), Money(micros: -1_234_567)),
                .init(.provider, Money(micros: 1_234_567)),
            ],
            previousHash: credit.hash)
        return [spend, credit]
    }

    /// A day of the rotated key's spend on one model, linked to its session.
    static func usage() throws -> UsageRecord {
        try UsageRecord(
            row: SampleRow([
                "key_id": keyID, "project_id": projectID, "key_name": "laptop", "usage_date": "2026-11-21",
                "model": "anthropic/claude-sonnet-4.5", "provider_name": "Anthropic", "requests": Int64(57),
                "prompt_tokens": Int64(412_339), "completion_tokens": Int64(18_201), "reasoning_tokens": Int64(2_048),
                "cost_micros": Int64(1_234_567), "is_linked": Int64(1), "session_id": sessionID,
                "updated_at": now - hour,
            ]))
    }

    /// One request of the session, from provider traces, settled since.
    static func trace() throws -> TraceRecord {
        try TraceRecord(
            row: SampleRow([
                "key_id": keyID, "project_id": projectID, "occurred_at": now - 3 * hour + 600_000_000,
                "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "session_id": sessionID,
                "generation_id": "gen-1795389600-AbCdEfGhIjKlMnOp", "model": "anthropic/claude-sonnet-4.5",
                "provider_name": "Anthropic", "prompt_tokens": Int64(9_120), "completion_tokens": Int64(640),
                "reasoning_tokens": Int64(128), "cost_micros": Int64(37_080), "key_name": "laptop",
                "linked_session": sessionID, "usage_read_at": now - hour, "received_at": now - 3 * hour + 605_000_000,
            ]))
    }

    static func alert() throws -> KeyAlertRecord {
        try KeyAlertRecord(
            row: SampleRow([
                "id": alertID, "project_id": projectID, "key_id": keyID, "kind": "direct_use", "key_name": "laptop",
                "message": "Key laptop spent $0.42 while no opub session ran.", "amount_micros": Int64(420_000),
                "created_at": now - 4 * hour,
            ]))
    }

    static func delivery() throws -> AlertDeliveryRecord {
        try AlertDeliveryRecord(
            row: SampleRow([
                "id": deliveryID, "alert_id": alertID, "project_id": projectID,
                "url": "https://example.org/opub-alerts", "status": "failed", "attempts": Int64(6),
                "last_status_code": Int64(502), "last_error": "the webhook answered 502",
                "next_attempt_at": now + hour, "created_at": now - 4 * hour, "updated_at": now - hour,
            ]))
    }

    static func alertsOverview() throws -> MaintainerAlerts.Overview {
        MaintainerAlerts.Overview(
            project: try projectSummary().record, alerts: [try alert()],
            webhook: AlertWebhook(projectID: project, url: "https://example.org/opub-alerts", secretVersion: 2),
            signingSecret: "whsec_" + String(repeating: "5a", count: 24), deliveries: [try delivery()],
            thresholds: [KeyID(unchecked: keyID): Money(dollars: 5)])
    }

    /// The successor key as its creation (or the rotation) answers it, with the launch table's setup.
    static func createdKey() throws -> CreatedComputeKey {
        let successor = Self.key(rotated: false)
        return CreatedComputeKey(
            key: successor, project: try repository(), secret: secret,
            configs: KeyCreationConfigs(
                repository: try repository(), keyID: successor.id, providerBaseURL: "https://openrouter.ai/api/v1",
                recommendedModels: ["claude": "anthropic/claude-sonnet-4.5", "codex": "openai/gpt-5-codex"],
                secret: secret, server: server))
    }

    /// What `opub status` hears about the rotated key.
    static func cliKeyStatus() -> CLIKeyStatus {
        CLIKeyStatus(
            key: .init(
                id: keyID, name: "laptop", state: "disabled", disabledReason: "rotated",
                limit: CLIAmount(Money(dollars: 25)), spent: CLIAmount(Money(micros: 3_456_789)),
                remaining: CLIAmount(.zero), replacedBy: successorID, allowance: CLIAmount(Money(dollars: 25)),
                renewsOn: "2026-12-01", alerts: ["Key laptop spent $0.42 while no opub session ran."],
                directUseSinceLastSession: CLIAmount(Money(micros: 420_000))),
            project: .init(
                fullName: "acme/widgets", available: CLIAmount(Money(micros: 61_800_000)),
                url: server + "/github/acme/widgets"),
            recommendedModels: ["claude": "anthropic/claude-sonnet-4.5", "codex": "openai/gpt-5-codex"],
            heartbeatIntervalSeconds: 60, providerURL: "https://openrouter.ai/api/v1")
    }
}
