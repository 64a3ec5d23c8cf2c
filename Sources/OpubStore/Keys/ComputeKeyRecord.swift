import OpubCore
import SQLKit

/// A compute key row. The provider secret is never part of it.
public struct ComputeKeyRecord: Sendable, Hashable {
    public let id: KeyID
    public let projectID: ProjectID
    public let name: String
    public let state: ComputeKeyState
    /// opub's effective limit: what the provider key may spend in total.
    public let limit: Money
    /// Σ of the key's reservation account.
    public let reserved: Money
    /// The provider usage last recorded (= Σ of the key's spend).
    public let spent: Money
    public let providerHash: String?
    public let providerLabel: String?
    /// SHA-256 (hex) of the link token; the token itself is never stored.
    public let linkTokenHash: String?
    public let expiresAt: Timestamp?
    public let createdBy: UserID?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp
    public let disabledAt: Timestamp?
    /// When a usage reading last found growth (spend was posted).
    public let usageReadAt: Timestamp?
    /// The earliest UTC day (`YYYY-MM-DD`) with recorded spend whose detail (per model, from the
    /// provider's `/activity`) has not been read; nil when nothing is due.
    public let detailDueDay: String?
    /// For a key made by a rotation: the key it replaced.
    public let replaces: KeyID?
    /// For a rotated key: the key that replaced it.
    public let replacedBy: KeyID?
    /// A monthly allowance key's allowance per UTC month; nil for a one-off limit.
    public let allowance: Money?
    /// The month whose allowance the key holds (rolled over at the first cycle of the next).
    public let allowanceMonth: AllowanceMonth?

    init(
        id: KeyID, projectID: ProjectID, name: String, state: ComputeKeyState, limit: Money, reserved: Money,
        spent: Money, providerHash: String?, providerLabel: String?, linkTokenHash: String?, expiresAt: Timestamp?,
        createdBy: UserID?, createdAt: Timestamp, updatedAt: Timestamp, disabledAt: Timestamp?,
        usageReadAt: Timestamp? = nil, detailDueDay: String? = nil, replaces: KeyID? = nil, replacedBy: KeyID? = nil,
        allowance: Money? = nil, allowanceMonth: AllowanceMonth? = nil
    ) {
        self.allowance = allowance
        self.allowanceMonth = allowanceMonth
        self.replaces = replaces
        self.replacedBy = replacedBy
        self.id = id
        self.projectID = projectID
        self.name = name
        self.state = state
        self.limit = limit
        self.reserved = reserved
        self.spent = spent
        self.providerHash = providerHash
        self.providerLabel = providerLabel
        self.linkTokenHash = linkTokenHash
        self.expiresAt = expiresAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.disabledAt = disabledAt
        self.usageReadAt = usageReadAt
        self.detailDueDay = detailDueDay
    }

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = KeyID(idText), let project = ProjectID(try row.decode(column: "project_id", as: String.self))
        else { throw StoreError.corrupt("compute key '\(idText)' has a malformed id or project") }
        let status = try row.decode(column: "status", as: String.self)
        let reason = try row.decode(column: "disabled_reason", as: String?.self)
        let sync = try row.decode(column: "provider_sync", as: String?.self)
        guard let state = ComputeKeyState(status: status, reason: reason, sync: sync) else {
            throw StoreError.corrupt(
                "compute key \(idText) has an impossible state \(status)/\(reason ?? "-")/\(sync ?? "-")")
        }
        self.id = id
        self.projectID = project
        self.name = try row.decode(column: "name", as: String.self)
        self.state = state
        self.limit = Money(micros: try row.decode(column: "limit_micros", as: Int64.self))
        self.reserved = Money(micros: try row.decode(column: "reserved_micros", as: Int64.self))
        self.spent = Money(micros: try row.decode(column: "spent_micros", as: Int64.self))
        self.providerHash = try row.decode(column: "provider_hash", as: String?.self)
        self.providerLabel = try row.decode(column: "provider_label", as: String?.self)
        self.linkTokenHash = try row.decode(column: "link_token_hash", as: String?.self)
        self.expiresAt = try row.decode(column: "expires_at", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
        self.createdBy = try row.decode(column: "created_by", as: String?.self).flatMap(UserID.init)
        self.createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        self.updatedAt = Timestamp(microsSinceEpoch: try row.decode(column: "updated_at", as: Int64.self))
        self.disabledAt = try row.decode(column: "disabled_at", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
        self.usageReadAt = try row.decode(column: "usage_read_at", as: Int64?.self).map(
            Timestamp.init(microsSinceEpoch:))
        self.detailDueDay = try row.decode(column: "detail_due_day", as: String?.self)
        self.replaces = try row.decode(column: "replaces", as: String?.self).flatMap(KeyID.init)
        self.replacedBy = try row.decode(column: "replaced_by", as: String?.self).flatMap(KeyID.init)
        self.allowance = try row.decode(column: "allowance_micros", as: Int64?.self).map(Money.init(micros:))
        self.allowanceMonth = try row.decode(column: "allowance_month", as: String?.self).flatMap(AllowanceMonth.init)
    }

    /// What the key may still spend: its limit minus its spend while it is live, zero once disabled.
    public var remaining: Money {
        state.remaining(limit: limit, spent: spent)
    }

    public var auditRecord: KeyAuditRecord {
        KeyAuditRecord(id: id, state: state, limit: limit, recordedUsage: spent, cachedReserved: reserved)
    }

    /// The reconcile planner's view of this key.
    public var reconcileSnapshot: LocalKeySnapshot {
        LocalKeySnapshot(
            id: id, projectID: projectID, state: state, limit: limit, reserved: reserved, spent: spent,
            providerHash: providerHash, expiresAt: expiresAt, createdAt: createdAt, disabledAt: disabledAt,
            detailDue: detailDueDay != nil, replaces: replaces)
    }
}
