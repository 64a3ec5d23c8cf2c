/// A recorded ledger transaction: append-only, chained to its project's previous transaction.
public struct LedgerTransaction: Sendable, Hashable {
    public let id: TransactionID
    public let projectID: ProjectID
    /// Position in the project's chain, starting at 1, without gaps.
    public let sequence: Int64
    public let kind: TransactionKind
    /// Unique across the whole ledger; replaying the same key returns this transaction.
    public let idempotencyKey: String
    public let keyID: KeyID?
    public let donationID: DonationID?
    public let sessionID: SessionID?
    /// Public text shown on the ledger page.
    public let memo: String
    public let createdAt: Timestamp
    public let postings: [Posting]
    /// The previous transaction's hash (``LedgerHashChain/genesis`` for the first).
    public let previousHash: String
    /// `SHA-256(previous hash ‖ canonical bytes)`, lowercase hex.
    public let hash: String

    public init(
        id: TransactionID, projectID: ProjectID, sequence: Int64, kind: TransactionKind, idempotencyKey: String,
        keyID: KeyID?, donationID: DonationID?, sessionID: SessionID?, memo: String, createdAt: Timestamp,
        postings: [Posting], previousHash: String, hash: String
    ) {
        self.id = id
        self.projectID = projectID
        self.sequence = sequence
        self.kind = kind
        self.idempotencyKey = idempotencyKey
        self.keyID = keyID
        self.donationID = donationID
        self.sessionID = sessionID
        self.memo = memo
        self.createdAt = createdAt
        self.postings = postings
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Builds the next transaction of a chain and computes its hash.
    public static func chained(
        id: TransactionID, projectID: ProjectID, sequence: Int64, kind: TransactionKind, idempotencyKey: String,
        keyID: KeyID?, donationID: DonationID?, sessionID: SessionID?, memo: String, createdAt: Timestamp,
        postings: [Posting], previousHash: String
    ) -> LedgerTransaction {
        let unhashed = LedgerTransaction(
            id: id, projectID: projectID, sequence: sequence, kind: kind, idempotencyKey: idempotencyKey,
            keyID: keyID, donationID: donationID, sessionID: sessionID, memo: memo, createdAt: createdAt,
            postings: postings, previousHash: previousHash, hash: "")
        return unhashed.withHash(LedgerHashChain.hash(of: unhashed))
    }

    func withHash(_ hash: String) -> LedgerTransaction {
        LedgerTransaction(
            id: id, projectID: projectID, sequence: sequence, kind: kind, idempotencyKey: idempotencyKey,
            keyID: keyID, donationID: donationID, sessionID: sessionID, memo: memo, createdAt: createdAt,
            postings: postings, previousHash: previousHash, hash: hash)
    }

    /// Σ of postings on the project's available account.
    public var availableChange: Money {
        postings.filter { if case .available = $0.account { true } else { false } }.map(\.amount).sum()
    }

    /// Σ of postings on `external:provider`: the spend this transaction records.
    public var providerChange: Money {
        postings.filter { $0.account == .provider }.map(\.amount).sum()
    }
}
