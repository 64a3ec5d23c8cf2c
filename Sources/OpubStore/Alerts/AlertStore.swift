import OpubCore
import SQLKit

/// An alert as pages, JSON and the webhook show it.
public struct KeyAlertRecord: Sendable, Hashable {
    public let id: AlertID
    public let projectID: ProjectID
    public let keyID: KeyID
    public let keyName: String
    public let kind: KeyAlertKind
    public let message: String
    public let amount: Money?
    public let createdAt: Timestamp

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = AlertID(idText), let project = ProjectID(try row.decode(column: "project_id", as: String.self)),
            let key = KeyID(try row.decode(column: "key_id", as: String.self)),
            let kind = KeyAlertKind(rawValue: try row.decode(column: "kind", as: String.self))
        else { throw StoreError.corrupt("alert '\(idText)' is malformed") }
        self.id = id
        projectID = project
        keyID = key
        keyName = try row.decode(column: "key_name", as: String.self)
        self.kind = kind
        message = try row.decode(column: "message", as: String.self)
        amount = try row.decode(column: "amount_micros", as: Int64?.self).map(Money.init(micros:))
        createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
    }
}

/// A project's alert webhook: where alerts go. Its signing secret is derived, never stored.
public struct AlertWebhook: Sendable, Hashable {
    public let projectID: ProjectID
    public let url: String
    public let secretVersion: Int64
}

/// One delivery of an alert: what the retry worker works on and the page's delivery log shows.
public struct AlertDeliveryRecord: Sendable, Hashable {
    public enum Status: String, Sendable { case pending, delivered, failed }

    public let id: DeliveryID
    public let alertID: AlertID
    public let projectID: ProjectID
    public let url: String
    public let status: Status
    public let attempts: Int64
    public let lastStatusCode: Int64?
    public let lastError: String?
    public let nextAttemptAt: Timestamp
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = DeliveryID(idText), let alert = AlertID(try row.decode(column: "alert_id", as: String.self)),
            let project = ProjectID(try row.decode(column: "project_id", as: String.self)),
            let status = Status(rawValue: try row.decode(column: "status", as: String.self))
        else { throw StoreError.corrupt("alert delivery '\(idText)' is malformed") }
        self.id = id
        alertID = alert
        projectID = project
        url = try row.decode(column: "url", as: String.self)
        self.status = status
        attempts = try row.decode(column: "attempts", as: Int64.self)
        lastStatusCode = try row.decode(column: "last_status_code", as: Int64?.self)
        lastError = try row.decode(column: "last_error", as: String?.self)
        nextAttemptAt = Timestamp(microsSinceEpoch: try row.decode(column: "next_attempt_at", as: Int64.self))
        createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        updatedAt = Timestamp(microsSinceEpoch: try row.decode(column: "updated_at", as: Int64.self))
    }
}

/// Alerts on unusual key use, the projects' alert webhooks and their deliveries.
public struct AlertStore: Sendable {
    let store: Store

    static let selectAlerts = "SELECT a.*, k.name AS key_name FROM key_alerts a JOIN compute_keys k ON k.id = a.key_id"

    /// Records the alerts not recorded before (by dedupe key) and queues a delivery for each whose
    /// project has a webhook; returns how many were new.
    @discardableResult
    public func record(_ drafts: [KeyAlertDraft]) async throws -> Int {
        guard !drafts.isEmpty else { return 0 }
        let now = store.clock.now().microsSinceEpoch
        // A cycle can raise an alert per key (direct use of every key): two statements per chunk of
        // drafts — the alerts (new dedupe keys only) and their deliveries.
        return try await store.engine.write { db in
            var made = 0
            for chunk in drafts.chunks(of: Self.draftsPerStatement) {
                let ids = chunk.map { _ in AlertID.random() }
                var values: [SQLQueryString] = []
                for (id, draft) in zip(ids, chunk) {
                    values.append(
                        """
                        (\(bind: id.rawValue), \(bind: draft.projectID.rawValue), \(bind: draft.keyID.rawValue),
                        \(bind: draft.kind.rawValue), \(bind: draft.message), \(bind: draft.amount?.micros),
                        \(bind: draft.dedupeKey), \(bind: now))
                        """)
                }
                let inserted = Set(
                    try await db.raw(
                        """
                        INSERT INTO key_alerts (id, project_id, key_id, kind, message, amount_micros, dedupe_key,
                            created_at)
                        VALUES \(values.joined(separator: ", "))
                        ON CONFLICT (dedupe_key) DO NOTHING
                        RETURNING id
                        """
                    ).all().map { try $0.decode(column: "id", as: String.self) })
                let new = zip(ids, chunk).filter { inserted.contains($0.0.rawValue) }
                guard !new.isEmpty else { continue }
                made += new.count
                var deliveries: [SQLQueryString] = []
                for (id, draft) in new {
                    deliveries.append(
                        "(\(bind: DeliveryID.random().rawValue), \(bind: id.rawValue), \(bind: draft.projectID.rawValue))"
                    )
                }
                try await db.raw(
                    """
                    INSERT INTO alert_deliveries (id, alert_id, project_id, url, status, next_attempt_at, created_at,
                        updated_at)
                    SELECT v.column1, v.column2, w.project_id, w.url, 'pending', \(bind: now), \(bind: now), \(bind: now)
                    FROM (VALUES \(deliveries.joined(separator: ", "))) AS v
                    JOIN alert_webhooks w ON w.project_id = v.column3
                    """
                ).run()
            }
            return made
        }
    }

    /// Alerts per multi-row statement (8 binds each).
    static let draftsPerStatement = 500

    /// A project's latest alerts.
    public func recent(of project: ProjectID, limit: Int = 20) async throws -> [KeyAlertRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                \(unsafeRaw: Self.selectAlerts) WHERE a.project_id = \(bind: project.rawValue)
                ORDER BY a.created_at DESC, a.id DESC LIMIT \(bind: min(max(limit, 1), 100))
                """
            ).all().map(KeyAlertRecord.init)
        }
    }

    /// A key's alerts since `since`, newest first.
    public func recent(ofKey key: KeyID, since: Timestamp, limit: Int = 5) async throws -> [KeyAlertRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                \(unsafeRaw: Self.selectAlerts) WHERE a.key_id = \(bind: key.rawValue)
                AND a.created_at >= \(bind: since.microsSinceEpoch)
                ORDER BY a.created_at DESC, a.id DESC LIMIT \(bind: min(max(limit, 1), 100))
                """
            ).all().map(KeyAlertRecord.init)
        }
    }

    /// The latest alerts of every project `user` maintains.
    public func recent(forMaintainer user: UserID, limit: Int = 10) async throws -> [KeyAlertRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                \(unsafeRaw: Self.selectAlerts) JOIN maintainers m ON m.project_id = a.project_id
                WHERE m.user_id = \(bind: user.rawValue)
                ORDER BY a.created_at DESC, a.id DESC LIMIT \(bind: min(max(limit, 1), 100))
                """
            ).all().map(KeyAlertRecord.init)
        }
    }

    /// What `key` spent while none of its linked sessions ran (unlinked spend), since `since`.
    public func directUse(of key: KeyID, since: Timestamp?) async throws -> Money {
        try await store.engine.read { db in
            let row = try await db.raw(
                """
                SELECT CAST(COALESCE(SUM(p.amount_micros), 0) AS BIGINT) AS spent
                FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
                WHERE t.key_id = \(bind: key.rawValue) AND t.kind = 'spend' AND t.session_id IS NULL
                AND p.account = 'external:provider' AND t.created_at > \(bind: since?.microsSinceEpoch ?? 0)
                """
            ).first()
            return Money(micros: try row?.decode(column: "spent", as: Int64.self) ?? 0)
        }
    }

    /// When the latest ended session of `key` (other than `excluding`) ended; nil when none did.
    public func lastSessionEnd(of key: KeyID, excluding: SessionID? = nil) async throws -> Timestamp? {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT MAX(ended_at) AS ended FROM agent_sessions
                WHERE key_id = \(bind: key.rawValue) AND ended_at IS NOT NULL AND id <> \(bind: excluding?.rawValue ?? "")
                """
            ).first()?.decode(column: "ended", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
        }
    }

    // MARK: Webhook

    public func webhook(of project: ProjectID) async throws -> AlertWebhook? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM alert_webhooks WHERE project_id = \(bind: project.rawValue)").first().map {
                AlertWebhook(
                    projectID: project, url: try $0.decode(column: "url", as: String.self),
                    secretVersion: try $0.decode(column: "secret_version", as: Int64.self))
            }
        }
    }

    /// Sets (or with nil removes) a project's webhook URL; the signing secret stays the same.
    public func setWebhook(_ project: ProjectID, url: String?) async throws {
        let now = store.clock.now().microsSinceEpoch
        try await store.engine.write { db in
            if let url {
                try await db.raw(
                    """
                    INSERT INTO alert_webhooks (project_id, url, updated_at)
                    VALUES (\(bind: project.rawValue), \(bind: url), \(bind: now))
                    ON CONFLICT (project_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                    """
                ).run()
            } else {
                try await db.raw("DELETE FROM alert_webhooks WHERE project_id = \(bind: project.rawValue)").run()
            }
        }
    }

    /// A new signing secret for the project's webhook (the old one stops verifying at once).
    public func rollWebhookSecret(_ project: ProjectID) async throws {
        let now = store.clock.now().microsSinceEpoch
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE alert_webhooks SET secret_version = secret_version + 1, updated_at = \(bind: now)
                WHERE project_id = \(bind: project.rawValue)
                """
            ).run()
        }
    }

    // MARK: Deliveries

    /// A project's latest deliveries, for the delivery log.
    public func deliveries(of project: ProjectID, limit: Int = 20) async throws -> [AlertDeliveryRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT * FROM alert_deliveries WHERE project_id = \(bind: project.rawValue)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: min(max(limit, 1), 100))
                """
            ).all().map(AlertDeliveryRecord.init)
        }
    }

    /// Deliveries whose attempt is due, with their alert and the project's current secret version —
    /// each claimed for `claimSeconds` (its next attempt moved on) in the same write, so that two
    /// replicas never attempt the same delivery at once; the attempt's outcome then sets the real next
    /// attempt.
    public func due(
        at now: Timestamp, limit: Int = 50, claimSeconds: Int64 = 60
    ) async throws -> [(
        delivery: AlertDeliveryRecord, alert: KeyAlertRecord, secretVersion: Int64
    )] {
        try await store.engine.write { db in
            let candidates = try await db.raw(
                """
                SELECT * FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: now.microsSinceEpoch)
                ORDER BY next_attempt_at, id LIMIT \(bind: limit)
                """
            ).all().map(AlertDeliveryRecord.init)
            var deliveries: [AlertDeliveryRecord] = []
            for candidate in candidates {
                let claimed = try await db.raw(
                    """
                    UPDATE alert_deliveries SET next_attempt_at = \(bind: now.adding(seconds: claimSeconds).microsSinceEpoch)
                    WHERE id = \(bind: candidate.id.rawValue) AND status = 'pending'
                    AND next_attempt_at = \(bind: candidate.nextAttemptAt.microsSinceEpoch)
                    RETURNING id
                    """
                ).all()
                if !claimed.isEmpty { deliveries.append(candidate) }
            }
            var out: [(AlertDeliveryRecord, KeyAlertRecord, Int64)] = []
            for delivery in deliveries {
                guard
                    let alert = try await db.raw(
                        "\(unsafeRaw: Self.selectAlerts) WHERE a.id = \(bind: delivery.alertID.rawValue)"
                    ).first().map(KeyAlertRecord.init)
                else { continue }
                let version =
                    try await db.raw(
                        "SELECT secret_version FROM alert_webhooks WHERE project_id = \(bind: delivery.projectID.rawValue)"
                    ).first()?.decode(column: "secret_version", as: Int64.self) ?? 1
                out.append((delivery, alert, version))
            }
            return out
        }
    }

    /// Records one attempt: delivered, or failed with when to try again (nil: give up).
    public func recordAttempt(
        _ id: DeliveryID, delivered: Bool, statusCode: Int?, error: String?, retryAt: Timestamp?
    ) async throws {
        let now = store.clock.now().microsSinceEpoch
        let status = delivered ? "delivered" : (retryAt == nil ? "failed" : "pending")
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE alert_deliveries SET status = \(bind: status), attempts = attempts + 1,
                    last_status_code = \(bind: statusCode.map(Int64.init)), last_error = \(bind: error.map { String($0.prefix(300)) }),
                    next_attempt_at = \(bind: retryAt?.microsSinceEpoch ?? now), updated_at = \(bind: now)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }

    /// A key's direct-use revoke threshold (nil: none).
    public func setDirectUseRevoke(_ key: KeyID, threshold: Money?) async throws {
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE compute_keys SET direct_use_revoke_micros = \(bind: threshold?.micros) WHERE id = \(bind: key.rawValue)
                """
            ).run()
        }
    }

    /// Every direct-use revoke threshold set on a key of `project` (one read for the keys page).
    public func directUseRevokes(in project: ProjectID) async throws -> [KeyID: Money] {
        let rows = try await store.engine.read { db in
            try await db.raw(
                """
                SELECT id, direct_use_revoke_micros FROM compute_keys
                WHERE project_id = \(bind: project.rawValue) AND direct_use_revoke_micros IS NOT NULL
                """
            ).all()
        }
        return try Self.thresholds(rows)
    }

    /// The direct-use revoke thresholds set on any of `keys` (keys without one are absent).
    public func directUseRevokes(of keys: [KeyID]) async throws -> [KeyID: Money] {
        let rows = try await store.readEach(of: keys) { db, ids in
            try await db.raw(
                """
                SELECT id, direct_use_revoke_micros FROM compute_keys
                WHERE id IN (\(binds: ids)) AND direct_use_revoke_micros IS NOT NULL
                """
            ).all()
        }
        return try Self.thresholds(rows)
    }

    static func thresholds(_ rows: [any SQLRow]) throws -> [KeyID: Money] {
        var thresholds: [KeyID: Money] = [:]
        for row in rows {
            if let id = KeyID(try row.decode(column: "id", as: String.self)) {
                thresholds[id] = Money(micros: try row.decode(column: "direct_use_revoke_micros", as: Int64.self))
            }
        }
        return thresholds
    }

    public func directUseRevoke(of key: KeyID) async throws -> Money? {
        try await store.engine.read { db in
            try await db.raw("SELECT direct_use_revoke_micros FROM compute_keys WHERE id = \(bind: key.rawValue)")
                .first()
                .flatMap { try $0.decode(column: "direct_use_revoke_micros", as: Int64?.self) }.map(Money.init(micros:))
        }
    }
}

extension Store {
    public var alerts: AlertStore { AlertStore(store: self) }
}
