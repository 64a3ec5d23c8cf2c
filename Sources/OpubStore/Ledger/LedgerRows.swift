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
        var query = SQLQueryString(
            "INSERT INTO ledger_postings (transaction_id, position, project_id, account, amount_micros) VALUES ")
        for (position, posting) in tx.postings.enumerated() {
            if position > 0 { query.appendLiteral(", ") }
            query.appendLiteral("(")
            query.appendInterpolation(
                binds: [
                    tx.id.rawValue, position, tx.projectID.rawValue, posting.account.description, posting.amount.micros,
                ])
            query.appendLiteral(")")
        }
        try await db.raw(query).run()
        return true
    }

    /// Inserts new transactions and their postings with one statement for the transactions and one
    /// for the postings (no replay check: the caller made their idempotency keys fresh; a used one makes
    /// the statement, and so the whole write, fail).
    static func insertAll(_ transactions: [LedgerTransaction], db: any SQLDatabase) async throws {
        guard !transactions.isEmpty else { return }
        var rows = SQLQueryString(
            """
            INSERT INTO ledger_transactions (id, project_id, sequence, kind, idempotency_key, key_id, donation_id,
                session_id, memo, created_at, previous_hash, hash) VALUES\u{20}
            """)
        var postings = SQLQueryString(
            "INSERT INTO ledger_postings (transaction_id, position, project_id, account, amount_micros) VALUES ")
        var firstPosting = true
        for (index, tx) in transactions.enumerated() {
            if index > 0 { rows.appendLiteral(", ") }
            rows.appendLiteral("(")
            rows.appendInterpolation(
                binds: [
                    tx.id.rawValue, tx.projectID.rawValue, tx.sequence, tx.kind.rawValue, tx.idempotencyKey,
                    tx.keyID?.rawValue, tx.donationID?.rawValue, tx.sessionID?.rawValue, tx.memo,
                    tx.createdAt.microsSinceEpoch, tx.previousHash, tx.hash,
                ] as [any Encodable & Sendable])
            rows.appendLiteral(")")
            for (position, posting) in tx.postings.enumerated() {
                if !firstPosting { postings.appendLiteral(", ") }
                firstPosting = false
                postings.appendLiteral("(")
                postings.appendInterpolation(
                    binds: [
                        tx.id.rawValue, position, tx.projectID.rawValue, posting.account.description,
                        posting.amount.micros,
                    ])
                postings.appendLiteral(")")
            }
        }
        try await db.raw(rows).run()
        if !firstPosting { try await db.raw(postings).run() }
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
