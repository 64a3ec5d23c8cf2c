import OpenRouter
import OpubCore
import OpubSurfaces

/// The management API for keys.
extension SimulatorState {
    static let pageSize = 100

    func keyJSON(_ key: SimKey) -> JSONValue {
        key.json(at: now, reportLagSeconds: faults.usageLagSeconds, defaultWorkspaceID: workspaceID)
    }

    /// `GET /keys`: pages of 100, newest first, from one workspace (the default unless named); disabled
    /// keys only with `include_disabled`, expired keys only with `include_expired`.
    func listKeys(
        offset: Int, includeDisabled: Bool, includeExpired: Bool, workspace: String?
    ) throws(SimFailure) -> JSONValue {
        let workspace = try self.workspace(workspace)
        let time = now
        let size = faults.keysPageSize ?? Self.pageSize
        let filtered = !workspaces.isEmpty || (!includeExpired && expiringKeys > 0)
        let hashes =
            filtered
            ? order.page(offset: offset, limit: size, includeDisabled: includeDisabled) { hash in
                guard let key = keys[hash] else { return false }
                return (key.workspaceID ?? workspaceID) == workspace && (includeExpired || !key.isExpired(at: time))
            }
            : order.page(offset: offset, limit: size, includeDisabled: includeDisabled)
        return .object([("data", .array(hashes.compactMap { keys[$0].map(keyJSON) }))])
    }

    /// Keys that carry an expiry: while there are none, listing needs no filtering walk.
    var expiringKeys: Int { expiringKeyCount }

    /// `POST /keys`: validates like the provider, then mints a key. Returns the key object and secret.
    func createKey(_ body: JSONValue) throws(SimFailure) -> (key: JSONValue, secret: String) {
        guard body.isObject else { throw .badRequest("The request body must be a JSON object") }
        let name = try Self.name(body["name"])
        let limit = try Self.limit(body["limit"])
        let reset = try Self.limitReset(body["limit_reset"])
        let includeBYOK = try Self.bool(body["include_byok_in_limit"], "include_byok_in_limit")
        let expiresAt = try expiry(body["expires_at"])
        let workspace = try self.workspace(body["workspace_id"]?.stringValue)
        let sequence = nextSequence
        nextSequence += 1
        let secret = secret(forSequence: sequence)
        let hash = KeyFingerprint.hash(ofSecret: secret)
        var key = SimKey(
            hash: hash, label: KeyFingerprint.label(ofSecret: secret), name: name, sequence: sequence,
            createdAt: now)
        key.limit = limit ?? nil
        key.limitReset = reset ?? nil
        key.includeBYOKInLimit = includeBYOK ?? false
        key.expiresAt = expiresAt
        key.workspaceID = workspace == workspaceID ? nil : workspace
        if expiresAt != nil { expiringKeyCount += 1 }
        keys[hash] = key
        order.append(.init(sequence: sequence, hash: hash), enabled: true)
        markChanged()
        return (keyJSON(key), secret)
    }

    func getKey(_ hash: String) throws(SimFailure) -> JSONValue {
        guard let key = keys[hash] else { throw .notFound("Key not found") }
        return .object([("data", keyJSON(key))])
    }

    /// `PATCH /keys/{hash}`: changes only the fields present; `limit: null` removes the limit.
    func updateKey(_ hash: String, _ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard var key = keys[hash] else { throw .notFound("Key not found") }
        guard body.isObject else { throw .badRequest("The request body must be a JSON object") }
        if let value = body["name"] { key.name = try Self.name(value) }
        if let disabled = try Self.bool(body["disabled"], "disabled") { key.disabled = disabled }
        if let limit = try Self.limit(body["limit"]) { key.limit = limit }
        if let reset = try Self.limitReset(body["limit_reset"]) { key.limitReset = reset }
        if let byok = try Self.bool(body["include_byok_in_limit"], "include_byok_in_limit") {
            key.includeBYOKInLimit = byok
        }
        key.updatedAt = now
        keys[hash] = key
        order.setEnabled(.init(sequence: key.sequence, hash: hash), !key.disabled)
        markChanged()
        return .object([("data", keyJSON(key))])
    }

    func deleteKey(_ hash: String) throws(SimFailure) -> JSONValue {
        guard let key = keys.removeValue(forKey: hash) else { throw .notFound("Key not found") }
        if key.expiresAt != nil { expiringKeyCount -= 1 }
        order.remove(.init(sequence: key.sequence, hash: hash))
        markChanged()
        return .object([("deleted", .bool(true))])
    }

    /// Mints `count` keys at once without HTTP, for benchmarks and scale tests. Returns their hashes,
    /// oldest first.
    @discardableResult
    public func seedKeys(count: Int, namePrefix: String = "seed", limit: Money? = nil) -> [String] {
        var hashes: [String] = []
        hashes.reserveCapacity(count)
        for index in 0..<count {
            let sequence = nextSequence
            nextSequence += 1
            let secret = secret(forSequence: sequence)
            let hash = KeyFingerprint.hash(ofSecret: secret)
            var key = SimKey(
                hash: hash, label: KeyFingerprint.label(ofSecret: secret), name: "\(namePrefix)-\(index)",
                sequence: sequence, createdAt: now)
            key.limit = limit.map(NanoUSD.init(money:))
            keys[hash] = key
            order.append(.init(sequence: sequence, hash: hash), enabled: true)
            hashes.append(hash)
        }
        markChanged()
        return hashes
    }

    // MARK: Validation

    /// A key's or guardrail's `name`: a string that is not only spaces.
    static func name(_ value: JSONValue?) throws(SimFailure) -> String {
        guard let name = value?.stringValue, !name.trimmingSpacesAndNewlines.isEmpty else {
            throw .badRequest("name: a non-empty string is required")
        }
        return name
    }

    /// nil: absent; .some(nil): explicit null (no limit); .some(x): a limit.
    static func limit(_ value: JSONValue?) throws(SimFailure) -> NanoUSD?? {
        guard let value else { return nil }
        if value.isNull { return .some(nil) }
        guard let amount = NanoUSD(json: value), amount >= .zero, amount <= NanoUSD(dollars: 1_000_000_000) else {
            throw .badRequest("limit: a non-negative number of USD, or null for no limit, is required")
        }
        return .some(amount)
    }

    static func limitReset(_ value: JSONValue?) throws(SimFailure) -> KeyLimitReset?? {
        guard let value else { return nil }
        if value.isNull { return .some(nil) }
        guard let text = value.stringValue, let reset = KeyLimitReset(rawValue: text) else {
            throw .badRequest("limit_reset: one of daily, weekly, monthly, or null")
        }
        return .some(reset)
    }

    static func bool(_ value: JSONValue?, _ name: String) throws(SimFailure) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw .badRequest("\(name): true or false") }
        return flag
    }

    func expiry(_ value: JSONValue?) throws(SimFailure) -> Timestamp? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let time = ProviderTimestamp.parse(text) else {
            throw .badRequest("expires_at: an ISO 8601 timestamp in UTC is required, e.g. 2027-01-31T00:00:00Z")
        }
        guard ProviderTimestamp.isUTC(text) else {
            throw .badRequest("expires_at: only UTC timestamps are accepted (end it with Z or +00:00)")
        }
        guard time > now else { throw .badRequest("expires_at: must be in the future") }
        return time
    }
}

extension String {
    var trimmingSpacesAndNewlines: Substring {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
