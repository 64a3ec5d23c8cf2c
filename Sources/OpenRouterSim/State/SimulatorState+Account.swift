import OpenRouter
import OpubCore

/// `/key`, `/credits`, `/activity`, `/generation`, and the test-only charge and generation listing.
extension SimulatorState {
    func currentKey(_ token: String?) throws(SimFailure) -> JSONValue {
        if let token, isManagementKey(token) {
            return .object([("data", managementKeyInfo(token))])
        }
        let hash = try inferenceKeyHash(token)
        guard let key = keys[hash] else { throw .userNotFound }
        let reported = key.reportedUsage(at: now, reportLagSeconds: faults.usageLagSeconds)
        let remaining = key.limit.map { max(.zero, $0 - reported.usage(in: key.limitReset, at: now)) }
        return .object([
            (
                "data",
                .object([
                    ("label", .string(key.label)),
                    ("limit", key.limit?.json ?? .null),
                    ("limit_remaining", remaining?.json ?? .null),
                    ("limit_reset", .optionalString(key.limitReset?.rawValue)),
                    ("include_byok_in_limit", .bool(key.includeBYOKInLimit)),
                    ("usage", reported.total.json),
                    ("usage_daily", reported.usage(in: .daily, at: now).json),
                    ("usage_weekly", reported.usage(in: .weekly, at: now).json),
                    ("usage_monthly", reported.usage(in: .monthly, at: now).json),
                    ("byok_usage", .int(0)),
                    ("byok_usage_daily", .int(0)),
                    ("byok_usage_weekly", .int(0)),
                    ("byok_usage_monthly", .int(0)),
                    ("expires_at", .optionalString(key.expiresAt.map(ProviderTimestamp.formatZulu))),
                    ("creator_user_id", .null),
                    ("is_free_tier", .bool(false)),
                    ("is_management_key", .bool(false)),
                    ("is_provisioning_key", .bool(false)),
                    ("rate_limit", Self.rateLimitJSON),
                ])
            )
        ])
    }

    private func managementKeyInfo(_ token: String) -> JSONValue {
        .object([
            ("label", .string(KeyFingerprint.label(ofSecret: token))),
            ("limit", .null), ("limit_remaining", .null), ("limit_reset", .null),
            ("include_byok_in_limit", .bool(false)),
            ("usage", .int(0)), ("usage_daily", .int(0)), ("usage_weekly", .int(0)), ("usage_monthly", .int(0)),
            ("byok_usage", .int(0)), ("byok_usage_daily", .int(0)), ("byok_usage_weekly", .int(0)),
            ("byok_usage_monthly", .int(0)), ("expires_at", .null), ("creator_user_id", .null),
            ("is_free_tier", .bool(false)), ("is_management_key", .bool(true)),
            ("is_provisioning_key", .bool(true)), ("rate_limit", Self.rateLimitJSON),
        ])
    }

    static let rateLimitJSON = JSONValue.object([
        ("requests", .int(-1)), ("interval", .string("10s")),
        ("note", .string("The simulator applies no rate limit unless a fault rule injects 429s.")),
    ])

    func credits() -> JSONValue {
        .object([("data", .object([("total_credits", totalCredits.json), ("total_usage", accountUsage.json)]))])
    }

    func activity(date: String?, keyHash: String?) throws(SimFailure) -> JSONValue {
        let today = UsageWindow.day(now)
        var day: Int64?
        if let date {
            guard let parsed = ActivityLedger.day(fromDateText: date) else {
                throw .badRequest("date: a UTC date in the form YYYY-MM-DD is required")
            }
            guard parsed > today - 30, parsed <= today else {
                throw .badRequest("date: must be within the last 30 (completed or current) UTC days")
            }
            day = parsed
        }
        let rows = activity.report(today: today, day: day, keyHash: keyHash)
        return .object([
            (
                "data",
                .array(
                    rows.map { row in
                        let model = priceTable.model(named: row.model)
                        return .object([
                            ("date", .string(ActivityLedger.dateText(row.day))),
                            ("model", .string(row.model)),
                            ("model_permaslug", .string(model?.canonicalSlug ?? row.model)),
                            ("endpoint_id", .string(endpointID(for: row.model))),
                            ("provider_name", .string(model?.providerName ?? "Simulator")),
                            ("usage", row.usage.json),
                            ("byok_usage_inference", .int(0)),
                            ("requests", .int(row.requests)),
                            ("prompt_tokens", .int(row.promptTokens)),
                            ("completion_tokens", .int(row.completionTokens)),
                            ("reasoning_tokens", .int(0)),
                        ])
                    })
            )
        ])
    }

    func endpointID(for model: String) -> String {
        var stream = DigestStream(seed: "endpoint|\(model)")
        return Self.uuid(from: &stream)
    }

    /// `GET /generation?id=`: the key that made the request, or a management key, may read it.
    func generation(id: String?, token: String?) throws(SimFailure) -> JSONValue {
        guard let id, !id.isEmpty else { throw .badRequest("id: a generation id is required") }
        let callerHash: String?
        if isManagementKey(token) {
            callerHash = nil
        } else {
            callerHash = try inferenceKeyHash(token)
        }
        guard let record = generations[id], callerHash == nil || callerHash == record.keyHash else {
            throw .notFound("Generation \(id) not found")
        }
        return .object([("data", record.json())])
    }

    /// Test-only: every generation of one key, oldest first.
    func generations(ofKey hash: String) -> JSONValue {
        let records = (generationsByKey[hash] ?? []).compactMap { generations[$0] }
        return .object([("data", .array(records.map { $0.json() }))])
    }

    /// Test-only (`POST /_sim/charge`): adds usage to a key as if requests had happened.
    func charge(_ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard let hash = body["key_hash"]?.stringValue else { throw .badRequest("key_hash is required") }
        guard let usd = body["usd"],
            let amount = NanoUSD(json: usd) ?? usd.stringValue.flatMap({ NanoUSD(decimalText: $0) }),
            amount >= .zero
        else { throw .badRequest("usd: a non-negative amount is required (a number or a decimal string)") }
        let modelName = body["model"]?.stringValue ?? "openai/gpt-5.4-mini"
        guard let key = addUsage(hash: hash, amount: amount, model: modelName) else { throw .notFound("Key not found") }
        return .object([("data", keyJSON(key))])
    }

    /// Adds usage to a key as if requests had happened (what `POST /_sim/charge` does), for in-process
    /// scenarios and benchmarks. Returns false when there is no such key.
    @discardableResult
    public func addUsage(toKey hash: String, amount: Money, model: String = "openai/gpt-5.4-mini") -> Bool {
        addUsage(hash: hash, amount: NanoUSD(money: amount), model: model) != nil
    }

    private func addUsage(hash: String, amount: NanoUSD, model: String) -> SimKey? {
        guard var key = keys[hash] else { return nil }
        key.charge(amount, at: now, reportLagSeconds: faults.usageLagSeconds)
        keys[hash] = key
        accountUsage += amount
        activity.record(keyHash: hash, model: model, at: now, cost: amount, promptTokens: 0, completionTokens: 0)
        markChanged()
        return key
    }
}
