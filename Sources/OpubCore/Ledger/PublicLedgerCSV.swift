/// The public ledger as CSV (`GET /api/v1/projects/{owner}/{repo}/ledger?format=csv`): one row per
/// transaction, oldest first, every field the hash covers, so that anyone can re-verify a copy
/// (`opub ledger verify`). RFC 4180: every field quoted, quotes doubled, CRLF line ends. `postings`
/// holds `account micros` pairs separated by `;`.
public enum PublicLedgerCSV {
    public static let header = [
        "sequence", "id", "project", "kind", "created_at", "time", "idempotency_key", "key", "donation", "session",
        "memo", "postings", "previous_hash", "hash",
    ]

    /// Why a row could not be read back into a transaction.
    public struct MalformedRow: Error, Sendable, Equatable, CustomStringConvertible {
        /// The row's number in the file (the header is row 1).
        public let row: Int
        public let problem: String
        public var description: String { "row \(row) of the ledger CSV: \(problem)" }
    }

    /// One row's fields.
    public static func fields(of tx: LedgerTransaction) -> [String] {
        [
            String(tx.sequence), tx.id.rawValue, tx.projectID.rawValue, tx.kind.rawValue,
            String(tx.createdAt.microsSinceEpoch), tx.createdAt.iso8601, tx.idempotencyKey, tx.keyID?.rawValue ?? "",
            tx.donationID?.rawValue ?? "", tx.sessionID?.rawValue ?? "", tx.memo,
            tx.postings.map { "\($0.account) \($0.amount.micros)" }.joined(separator: ";"), tx.previousHash, tx.hash,
        ]
    }

    /// One CSV line (with its CRLF).
    public static func line(_ fields: [String]) -> String {
        fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\r\n"
    }

    /// Splits CSV text into rows of fields (quoted or not; quotes doubled inside quotes; CRLF or LF).
    public static func rows(_ text: Substring) throws(MalformedRow) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let saved = pending {
                pending = nil
                return saved
            }
            return characters.next()
        }
        while let character = next() {
            if quoted {
                if character == "\"" {
                    if let after = next() {
                        if after == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = after
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case ",":
                row.append(field)
                field = ""
                wasQuoted = false
            case "\r\n", "\n", "\r":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                wasQuoted = false
            default:
                field.append(character)
            }
        }
        if quoted { throw MalformedRow(row: rows.count + 1, problem: "a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty || wasQuoted {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    /// The transaction a row describes (`row` is its number, for messages).
    public static func transaction(from fields: [String], row: Int) throws(MalformedRow) -> LedgerTransaction {
        func fail(_ problem: String) -> MalformedRow { MalformedRow(row: row, problem: problem) }
        guard fields.count == header.count else {
            throw fail("\(fields.count) fields, expected \(header.count) (\(header.joined(separator: ",")))")
        }
        guard let sequence = Int64(fields[0]) else { throw fail("sequence '\(fields[0])' is not a number") }
        guard let id = TransactionID(fields[1]) else { throw fail("'\(fields[1])' is not a transaction id") }
        guard let project = ProjectID(fields[2]) else { throw fail("'\(fields[2])' is not a project id") }
        guard let kind = TransactionKind(rawValue: fields[3]) else { throw fail("unknown kind '\(fields[3])'") }
        guard let created = Int64(fields[4]) else { throw fail("created_at '\(fields[4])' is not a number") }
        func optional<T>(_ text: String, _ make: (String) -> T?, _ what: String) throws(MalformedRow) -> T? {
            guard !text.isEmpty else { return nil }
            guard let value = make(text) else { throw fail("'\(text)' is not a \(what)") }
            return value
        }
        let key = try optional(fields[7], KeyID.init, "compute key id")
        let donation = try optional(fields[8], DonationID.init, "donation id")
        let session = try optional(fields[9], SessionID.init, "session id")
        var postings: [Posting] = []
        for part in fields[11].split(separator: ";") {
            let pieces = part.split(separator: " ")
            guard pieces.count == 2, let account = Account(name: String(pieces[0])), let micros = Int64(pieces[1])
            else { throw fail("posting '\(part)' is not 'account micros'") }
            postings.append(Posting(account, Money(micros: micros)))
        }
        return LedgerTransaction(
            id: id, projectID: project, sequence: sequence, kind: kind, idempotencyKey: fields[6], keyID: key,
            donationID: donation, sessionID: session, memo: fields[10], createdAt: Timestamp(microsSinceEpoch: created),
            postings: postings, previousHash: fields[12], hash: fields[13])
    }
}
