/// What a provider key has spent, as opub's ledger follows it (money.md): exactly what the provider's
/// cap counts. opub's keys set `include_byok_in_limit: true`, so usage through OpenRouter credits and
/// usage through the operator's own provider keys (BYOK) both consume the cap — and both are spend.
/// Counting credits alone would let BYOK spend eat a reservation without ever reaching the ledger.
public enum ProviderSpend {
    public static func counted(creditUsage: Money, byokUsage: Money) -> Money { creditUsage + byokUsage }
}

/// How opub names its keys at the provider: `opub:{ck_id}`. A key named otherwise is not opub's.
public enum ProviderKeyName {
    public static let prefix = "opub:"

    public static func of(_ key: KeyID) -> String { prefix + key.rawValue }

    public static func isOpubs(_ name: String) -> Bool { name.hasPrefix(prefix) }

    /// The opub key a provider key name names, or nil when the name is not `opub:{ck_id}` with a
    /// well-formed id (a provider trace or listing row of someone else's key).
    public static func keyID(of name: String) -> KeyID? {
        guard isOpubs(name) else { return nil }
        return KeyID(String(name.dropFirst(prefix.count)))
    }
}
