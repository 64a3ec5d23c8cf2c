import OpubCore
import SQLKit

/// Reading and writing ledger rows. Internal: all writes go through ``ProjectWrite/post(_:idempotencyKey:memo:session:)``.
enum LedgerRows {
    /// Inserts the transaction and its postings; returns false (writing nothing) when its idempotency
    /// key is already taken.
    static func insertUnlessReplay(_ tx: LedgerTransaction, db: any SQLDatabase) async throws -> Bool {
        let inserted = try await db.raw(
            """
            INSERT INTO ledger_transactions (id, project_id, sequence, kind, idempotency_key, key_id, donation_id,
                session_id, memo, created_at, previous_hash, hash)
            VALUES (\(bind: tx.id.rawValue), \(bind: tx.projectID.rawValue), \(bind: tx.sequence), \(bind: tx.kind.rawValue),
                \(bind: tx.idempotencyKey), \(bind: tx.keyID?.rawValue), \(bind: tx.donationID?.rawValue),
                \(bind: tx.sessionID?.rawValue), \(bind: tx.memo), \(bind: tx.createdAt.microsSinceEpoch),
                \(bind: tx.previousHash), \(bind: tx.hash))
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id
            """
        ).first()
        guard inserted != nil else { return false }
        try await insertPostings(postingRows(of: tx), db: db)
        return true
    }

    /// The `ledger_postings` rows of `tx`, as `VALUES` tuples.
    private static func postingRows(of tx: LedgerTransaction) -> [SQLQueryString] {
        tx.postings.enumerated().map { position, posting in
            """
            (\(bind: tx.id.rawValue), \(bind: position), \(bind: tx.projectID.rawValue),
            \(bind: posting.account.description), \(bind: posting.amount.micros))
            """
        }
    }

    /// Inserts posting rows (``postingRows(of:)``) with one statement.
    private static func insertPostings(_ rows: [SQLQueryString], db: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        try await db.raw(
            """
            INSERT INTO ledger_postings (transaction_id, position, project_id, account, amount_micros)
            VALUES \(rows.joined(separator: ", "))
            """
        ).run()
    }

    /// Inserts new transactions and their postings, one statement per 500 transactions and one for
    /// their postings (no replay check: the caller made their idempotency keys fresh; a used one makes
    /// the statement, and so the whole write, fail).
    static func insertAll(_ transactions: [LedgerTransaction], db: any SQLDatabase) async throws {
        for chunk in transactions.chunks(of: 500) {
            var rows: [SQLQueryString] = []
            var postings: [SQLQueryString] = []
            for tx in chunk {
                rows.append(
                    """
                    (\(bind: tx.id.rawValue), \(bind: tx.projectID.rawValue), \(bind: tx.sequence), \(bind: tx.kind.rawValue),
                    \(bind: tx.idempotencyKey), \(bind: tx.keyID?.rawValue), \(bind: tx.donationID?.rawValue),
                    \(bind: tx.sessionID?.rawValue), \(bind: tx.memo), \(bind: tx.createdAt.microsSinceEpoch),
                    \(bind: tx.previousHash), \(bind: tx.hash))
                    """)
                postings += postingRows(of: tx)
            }
            try await db.raw(
                """
                INSERT INTO ledger_transactions (id, project_id, sequence, kind, idempotency_key, key_id, donation_id,
                    session_id, memo, created_at, previous_hash, hash) VALUES \(rows.joined(separator: ", "))
                """
            ).run()
            try await insertPostings(postings, db: db)
        }
    }

    /// Writes what posted transactions changed on their keys' rows, one statement per 500 keys.
    static func update(_ changes: [KeyBalanceChange], db: any SQLDatabase) async throws {
        for chunk in changes.chunks(of: 500) {
            let rows = chunk.map { change -> SQLQueryString in
                """
                (\(bind: change.key.rawValue), \(bind: change.reserved.micros), \(bind: change.spent.micros),
                \(bind: change.at.microsSinceEpoch), \(bind: change.spendDay ?? ""))
                """
            }
            // A spend is a usage reading: linked-spend attribution of the next one starts here. It also
            // makes the day's detail due (read once the day has ended; an earlier due day stays first).
            // '' stands for "no spend day": a NULL in a VALUES list has no type on PostgreSQL.
            try await db.raw(
                """
                UPDATE compute_keys SET reserved_micros = v.column2, spent_micros = spent_micros + v.column3,
                    updated_at = v.column4,
                    usage_read_at = CASE WHEN v.column5 = '' THEN usage_read_at ELSE v.column4 END,
                    detail_due_day = CASE WHEN v.column5 = '' THEN detail_due_day
                        ELSE COALESCE(detail_due_day, v.column5) END
                FROM (VALUES \(rows.joined(separator: ", "))) AS v WHERE compute_keys.id = v.column1
                """
            ).run()
        }
    }

    static func transaction(idempotencyKey: String, db: any SQLDatabase) async throws -> LedgerTransaction? {
        guard
            let row = try await db.raw(
                "SELECT * FROM ledger_transactions WHERE idempotency_key = \(bind: idempotencyKey)"
            )
            .first()
        else { return nil }
        return try await withPostings([row], db: db).first
    }

    /// Transactions of `project` in chain order (with postings), from `fromSequence` on, at most `limit`.
    static func transactions(
        project: ProjectID, fromSequence: Int64, limit: Int, db: any SQLDatabase
    ) async throws -> [LedgerTransaction] {
        let rows = try await db.raw(
            """
            SELECT * FROM ledger_transactions WHERE project_id = \(bind: project.rawValue)
            AND sequence >= \(bind: fromSequence) ORDER BY sequence LIMIT \(bind: limit)
            """
        ).all()
        return try await withPostings(rows, db: db)
    }

    /// Decodes transaction rows and attaches their postings (one query for all of them).
    static func withPostings(_ rows: [any SQLRow], db: any SQLDatabase) async throws -> [LedgerTransaction] {
        guard !rows.isEmpty else { return [] }
        let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
        let postingRows = try await db.raw(
            """
            SELECT transaction_id, position, account, amount_micros FROM ledger_postings
            WHERE transaction_id IN (\(binds: ids)) ORDER BY transaction_id, position
            """
        ).all()
        var postings: [String: [Posting]] = [:]
        for row in postingRows {
            let txID = try row.decode(column: "transaction_id", as: String.self)
            let name = try row.decode(column: "account", as: String.self)
            guard let account = Account(name: name) else {
                throw StoreError.corrupt("transaction \(txID) posts to an unknown account '\(name)'")
            }
            postings[txID, default: []].append(
                Posting(account, Money(micros: try row.decode(column: "amount_micros", as: Int64.self))))
        }
        return try rows.map { row in
            let id = try row.decode(column: "id", as: String.self)
            return try decode(row, postings: postings[id] ?? [])
        }
    }

    static func decode(_ row: any SQLRow, postings: [Posting]) throws -> LedgerTransaction {
        func id<T: PrefixedID>(_ column: String, _: T.Type) throws -> T? {
            guard let text = try row.decode(column: column, as: String?.self) else { return nil }
            guard let value = T(text) else { throw StoreError.corrupt("\(column) '\(text)' is not a valid id") }
            return value
        }
        let kindText = try row.decode(column: "kind", as: String.self)
        guard let kind = TransactionKind(rawValue: kindText) else {
            throw StoreError.corrupt("unknown transaction kind '\(kindText)'")
        }
        guard let txID = try id("id", TransactionID.self), let project = try id("project_id", ProjectID.self) else {
            throw StoreError.corrupt("a ledger transaction lacks its id or project")
        }
        return LedgerTransaction(
            id: txID, projectID: project, sequence: try row.decode(column: "sequence", as: Int64.self), kind: kind,
            idempotencyKey: try row.decode(column: "idempotency_key", as: String.self),
            keyID: try id("key_id", KeyID.self), donationID: try id("donation_id", DonationID.self),
            sessionID: try id("session_id", SessionID.self), memo: try row.decode(column: "memo", as: String.self),
            createdAt: Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)),
            postings: postings, previousHash: try row.decode(column: "previous_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self))
    }
}

/// What one posted transaction changes on its key's row: what the key holds after it, the spend it
/// adds and when; a spend is also a usage reading and makes its day's detail due.
struct KeyBalanceChange: Sendable {
    let key: KeyID
    let reserved: Money
    let spent: Money
    let at: Timestamp
    /// The UTC day (`YYYY-MM-DD`) of a spend; nil for every other kind.
    let spendDay: String?

    init(_ key: KeyID, by transaction: LedgerTransaction, reserved: Money) {
        self.key = key
        self.reserved = reserved
        let isSpend = transaction.kind == .spend
        spent = isSpend ? transaction.providerChange : .zero
        at = transaction.createdAt
        spendDay = isSpend ? transaction.createdAt.civilDate.iso8601 : nil
    }
}
