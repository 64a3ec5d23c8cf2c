import OpenRouter
import OpubCore
import OpubSurfaces

/// `/key`, `/credits`, `/activity`, `/generation`, and the test-only charge and generation listing.
extension SimulatorState {
    func currentKey(_ token: String?) throws(SimFailure) -> JSONValue {
        if let token, isManagementKey(token) {
            return .object([("data", managementKeyInfo(token))])
        }
        let hash = try inferenceKeyHash(token)
        guard let key = keys[hash] else { throw .userNotFound }
        return .object([
            (
                "data",
                .object(
                    [("label", .string(key.label))]
                        + key.usageFields(at: now, reportLagSeconds: faults.usageLagSeconds) + [
                            ("expires_at", .optionalString(key.expiresAt.map(ProviderTimestamp.formatZulu))),
                            ("creator_user_id", .null),
                            ("is_free_tier", .bool(false)),
                            ("is_management_key", .bool(false)),
                            ("is_provisioning_key", .bool(false)),
                            ("workspace_id", .string(key.workspaceID ?? workspaceID)),
                        ] + Self.accountFields)
            )
        ])
    }

    /// Fields of `GET /key` the simulated account answers the same for every key: not an organization,
    /// no data-region rules, no budgets reported (guardrail budgets are enforced, not listed here).
    static let accountFields: [(String, JSONValue)] = [
        ("rate_limit", rateLimitJSON),
        ("allowed_data_regions", .array([])),
        ("budgets", .array([])),
        ("effective_budget", .null),
        ("free_model_daily_requests", .object([("limit", .int(50)), ("remaining", .int(50)), ("used", .int(0))])),
        ("organization_id", .null),
    ]

    private func managementKeyInfo(_ token: String) -> JSONValue {
        .object(
            [
                ("label", .string(KeyFingerprint.label(ofSecret: token))),
                ("limit", .null), ("limit_remaining", .null), ("limit_reset", .null),
                ("include_byok_in_limit", .bool(false)),
                ("usage", .int(0)), ("usage_daily", .int(0)), ("usage_weekly", .int(0)), ("usage_monthly", .int(0)),
                ("byok_usage", .int(0)), ("byok_usage_daily", .int(0)), ("byok_usage_weekly", .int(0)),
                ("byok_usage_monthly", .int(0)), ("expires_at", .null), ("creator_user_id", .null),
                ("is_free_tier", .bool(false)), ("is_management_key", .bool(true)),
                ("is_provisioning_key", .bool(true)), ("workspace_id", .string(workspaceID)),
            ] + Self.accountFields)
    }

    static let rateLimitJSON = JSONValue.object([
        ("requests", .int(-1)), ("interval", .string("10s")),
        ("note", .string("The simulator applies no rate limit unless a fault rule injects 429s.")),
    ])

    func credits() -> JSONValue {
        .object([("data", .object([("total_credits", totalCredits.json), ("total_usage", accountUsage.json)]))])
    }

    /// `GET /activity`: the last 30 completed UTC days, one row per model endpoint and day. Today is
    /// never included; asking for it, or for a day older than 30 days, is refused as the real service
    /// refuses it.
    func activity(date: String?, keyHash: String?, workspace: String?) throws(SimFailure) -> JSONValue {
        let today = UsageWindow.day(now)
        var day: Int64?
        if let date {
            guard let parsed = ActivityLedger.day(fromDateText: date) else {
                throw .badRequest("date: a UTC date in the form YYYY-MM-DD is required")
            }
            guard parsed >= today - 30, parsed < today else {
                throw .badRequest("Date must be within the last 30 (completed) UTC days")
            }
            day = parsed
        }
        // Without `workspace_id` the rows cover every workspace; with it, only its keys' spend. A deleted
        // key's spend is no longer reported (the real service promises nothing for it), which is why opub
        // reads a key's last day before it deletes the key.
        let workspace = try workspace.map { value throws(SimFailure) in try self.workspace(value) }
        let rows = activity.report(today: today, day: day, keyHash: keyHash) { hash in
            guard let key = keys[hash] else { return false }
            return workspace.map { (key.workspaceID ?? workspaceID) == $0 } ?? true
        }
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
                            ("endpoint_id", .string(endpointID(for: row.model, endpoint: row.endpoint ?? 0))),
                            ("provider_name", .string(model?.providerName ?? "Simulator")),
                            ("usage", row.usage.json),
                            ("byok_usage_inference", (row.byokUsage ?? .zero).json),
                            ("requests", .int(row.requests)),
                            ("prompt_tokens", .int(row.promptTokens)),
                            ("completion_tokens", .int(row.completionTokens)),
                            ("reasoning_tokens", .int(0)),
                            ("cached_tokens", .int(0)),
                        ])
                    })
            )
        ])
    }

    /// Each model is served by two endpoints of its provider (deployments), so one model can have
    /// two activity rows a day, as on the real service.
    func endpointID(for model: String, endpoint: Int) -> String {
        var stream = DigestStream(seed: endpoint == 0 ? "endpoint|\(model)" : "endpoint|\(model)|\(endpoint)")
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
        guard let record = generations[id], callerHash == nil || callerHash == record.keyHash,
            record.createdAt.adding(seconds: Int64(faults.generationLagSeconds)) <= now
        else {
            throw .notFound("Generation \(id) not found")
        }
        return .object([("data", record.json(defaultWorkspaceID: workspaceID))])
    }

    /// Test-only: every generation of one key, oldest first.
    func generations(ofKey hash: String) -> JSONValue {
        let records = (generationsByKey[hash] ?? []).compactMap { generations[$0] }
        return .object([("data", .array(records.map { $0.json(defaultWorkspaceID: workspaceID) }))])
    }

    /// Test-only (`POST /_sim/charge`): adds usage to a key as if requests had happened.
    func charge(_ body: JSONValue) throws(SimFailure) -> JSONValue {
        guard let hash = body["key_hash"]?.stringValue else { throw .badRequest("key_hash is required") }
        guard let usd = body["usd"],
            let amount = NanoUSD(json: usd) ?? usd.stringValue.flatMap({ NanoUSD(decimalText: $0) }),
            amount >= .zero
        else { throw .badRequest("usd: a non-negative amount is required (a number or a decimal string)") }
        let modelName = body["model"]?.stringValue ?? "openai/gpt-5.4-mini"
        let byok = try Self.bool(body["byok"], "byok") ?? false
        guard let key = addUsage(hash: hash, amount: amount, model: modelName, byok: byok) else {
            throw .notFound("Key not found")
        }
        return .object([("data", keyJSON(key))])
    }

    /// Adds usage to a key as if requests had happened (what `POST /_sim/charge` does), for in-process
    /// scenarios and benchmarks; `byok` charges it through the account's own provider keys. Returns
    /// false when there is no such key.
    @discardableResult
    public func addUsage(
        toKey hash: String, amount: Money, model: String = "openai/gpt-5.4-mini", byok: Bool = false
    ) -> Bool {
        addUsage(hash: hash, amount: NanoUSD(money: amount), model: model, byok: byok) != nil
    }

    private func addUsage(hash: String, amount: NanoUSD, model: String, byok: Bool) -> SimKey? {
        guard var key = keys[hash] else { return nil }
        key.charge(amount, byok: byok, at: now, reportLagSeconds: faults.usageLagSeconds)
        keys[hash] = key
        if !byok { accountUsage += amount }
        activity.record(
            keyHash: hash, model: model, at: now, cost: amount, byok: byok, promptTokens: 0, completionTokens: 0)
        markChanged()
        return key
    }
}
