import Crypto

/// The per-project hash chain.
///
/// `hash = SHA-256(previous hash bytes ‖ canonical bytes)`, where the first transaction's previous
/// hash is 32 zero bytes. The canonical bytes are the line `opub-ledger/v1` followed by one line per
/// field, `name=<UTF-8 byte length>:<value>`, in this order: `id`, `project`, `sequence`, `kind`,
/// `idempotency_key`, `key`, `donation`, `session` (empty when absent), `memo`, `created_at`
/// (microseconds since the Unix epoch), then one `posting=` line per posting in stored order with
/// the value `<account> <signed micro-dollars>`. Length prefixes make the encoding unambiguous
/// whatever a memo contains. `docs/ledger.md` shows how to re-verify an export.
public enum LedgerHashChain {
    /// The previous hash of a project's first transaction.
    public static let genesis = String(repeating: "0", count: 64)

    public static func canonicalBytes(of transaction: LedgerTransaction) -> [UInt8] {
        var out = Array("opub-ledger/v1\n".utf8)
        func field(_ name: String, _ value: String) {
            let bytes = Array(value.utf8)
            out += Array("\(name)=\(bytes.count):".utf8)
            out += bytes
            out.append(0x0A)
        }
        field("id", transaction.id.rawValue)
        field("project", transaction.projectID.rawValue)
        field("sequence", String(transaction.sequence))
        field("kind", transaction.kind.rawValue)
        field("idempotency_key", transaction.idempotencyKey)
        field("key", transaction.keyID?.rawValue ?? "")
        field("donation", transaction.donationID?.rawValue ?? "")
        field("session", transaction.sessionID?.rawValue ?? "")
        field("memo", transaction.memo)
        field("created_at", String(transaction.createdAt.microsSinceEpoch))
        for posting in transaction.postings {
            field("posting", "\(posting.account) \(posting.amount.micros)")
        }
        return out
    }

    /// The hash `transaction` must carry given its `previousHash`.
    public static func hash(of transaction: LedgerTransaction) -> String {
        var hasher = SHA256()
        hasher.update(data: hexBytes(transaction.previousHash) ?? [UInt8](repeating: 0, count: 32))
        hasher.update(data: canonicalBytes(of: transaction))
        return hex(Array(hasher.finalize()))
    }

    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 64 else { return nil }
        return Hex.decode(text)
    }
}
