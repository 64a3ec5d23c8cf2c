import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Management API: client and simulator over HTTP")
struct ManagementAPITests {
    @Test("create returns 201 with the secret; get, list, update and delete round-trip")
    func keyLifecycle() async throws {
        try await withSimulatorWorld { sim in
            let expiry = SimulatorWorld.start.adding(seconds: 86_400 * 30)
            let created = try await sim.admin.createKey(
                CreateKeyRequest(
                    name: "opub:ck_1", limit: Money(dollars: 5), includeBYOKInLimit: true, expiresAt: expiry))
            #expect(KeyFingerprint.isWellFormedSecret(created.secret))
            #expect(created.key.hash == KeyFingerprint.hash(ofSecret: created.secret))
            #expect(created.key.label == KeyFingerprint.label(ofSecret: created.secret))
            #expect(created.key.limit == Money(dollars: 5))
            #expect(created.key.limitRemaining == Money(dollars: 5))
            #expect(created.key.includeBYOKInLimit)
            #expect(created.key.updatedAt == nil)
            #expect(created.key.expiresAt == expiry.truncatedToMilliseconds)
            #expect(!"\(created)".contains(created.secret))

            let fetched = try await sim.admin.key(hash: created.key.hash)
            #expect(fetched.name == "opub:ck_1")
            #expect(fetched.createdAt == SimulatorWorld.start)

            let renamed = try await sim.admin.updateKey(
                hash: created.key.hash, UpdateKeyRequest(name: "renamed", limit: .set(Money(dollars: 7))))
            #expect(renamed.name == "renamed")
            #expect(renamed.limit == Money(dollars: 7))
            #expect(renamed.updatedAt != nil)
            let unlimited = try await sim.admin.updateKey(hash: created.key.hash, UpdateKeyRequest(limit: .remove))
            #expect(unlimited.limit == nil)
            #expect(unlimited.limitRemaining == nil)
            let reset = try await sim.admin.updateKey(
                hash: created.key.hash, UpdateKeyRequest(limitReset: .set(.weekly), includeBYOKInLimit: false))
            #expect(reset.limitReset == .weekly)
            #expect(!reset.includeBYOKInLimit)

            let page = try await sim.admin.listKeys()
            #expect(page.map(\.hash) == [created.key.hash])

            try await sim.admin.deleteKey(hash: created.key.hash)
            let missing = await openRouterError { _ = try await sim.admin.key(hash: created.key.hash) }
            #expect(missing == .notFound(message: "Key not found"))
            let gone = await openRouterError { _ = try await sim.chat(created.secret) }
            #expect(gone == .unauthorized(message: "User not found."))
        }
    }

    @Test("listing pages by 100, newest first, and hides disabled keys unless asked")
    func listing() async throws {
        try await withSimulatorWorld { sim in
            let hashes = await sim.state.seedKeys(count: 250)
            let first = try await sim.admin.listKeys(offset: 0)
            #expect(first.count == 100)
            #expect(first.first?.hash == hashes.last)
            let last = try await sim.admin.listKeys(offset: 200)
            #expect(last.count == 50)
            #expect(last.last?.hash == hashes.first)
            _ = try await sim.admin.updateKey(hash: hashes[0], UpdateKeyRequest(disabled: true))
            #expect(try await sim.admin.listAllKeys(includeDisabled: false).count == 249)
            let all = try await sim.admin.listAllKeys(includeDisabled: true)
            #expect(all.count == 250)
            #expect(all.first { $0.hash == hashes[0] }?.disabled == true)
            _ = try await sim.admin.updateKey(hash: hashes[0], UpdateKeyRequest(disabled: false))
            #expect(try await sim.admin.listAllKeys(includeDisabled: false).last?.hash == hashes[0])
        }
    }

    @Test("listing 10,000 keys takes ⌈N/100⌉ + 1 calls: it stops at an empty page, never at a short one")
    func listingAtScale() async throws {
        try await withSimulatorWorld { sim in
            await sim.state.seedKeys(count: 10_000)
            await sim.state.resetRequestCounts()
            let all = try await sim.admin.listAllKeys()
            #expect(all.count == 10_000)
            #expect(Set(all.map(\.hash)).count == 10_000)
            #expect(await sim.state.requestCount("GET /keys") == 101)

            await sim.state.seedKeys(count: 1)
            await sim.state.resetRequestCounts()
            #expect(try await sim.admin.listAllKeys().count == 10_001)
            #expect(await sim.state.requestCount("GET /keys") == 102)

            // The provider may answer a short page while more keys exist: listing goes on until an empty one.
            await sim.state.setFaults(FaultSettings(keysPageSize: 37))
            await sim.state.resetRequestCounts()
            let paged = try await sim.admin.listAllKeys()
            #expect(Set(paged.map(\.hash)).count == 10_001)
            #expect(await sim.state.requestCount("GET /keys") == (10_001 + 36) / 37 + 1)
        }
    }

    @Test(
        "listing with the last count fetches those pages at once: the same keys, ⌈N/100⌉ + 1 calls when unchanged, one-at-a-time paging after a short page"
    )
    func concurrentListing() async throws {
        try await withSimulatorWorld { sim in
            await sim.state.seedKeys(count: 2_050)
            let sequential = try await sim.admin.listAllKeys()
            await sim.state.resetRequestCounts()
            let concurrent = try await sim.admin.listAllKeys(expecting: 2_050, concurrently: 4)
            #expect(concurrent.map(\.hash) == sequential.map(\.hash))
            #expect(await sim.state.requestCount("GET /keys") == 22)

            // More keys than expected: the pages past the expected ones are read one at a time.
            await sim.state.seedKeys(count: 120)
            await sim.state.resetRequestCounts()
            let grown = try await sim.admin.listAllKeys(expecting: 2_050, concurrently: 4)
            #expect(grown.count == 2_170)
            #expect(Set(grown.map(\.hash)).count == 2_170)
            #expect(await sim.state.requestCount("GET /keys") == 23)

            // Fewer than expected: an empty page ends the listing, with no key lost or repeated.
            #expect(try await sim.admin.listAllKeys(expecting: 5_000).count == 2_170)

            // Short pages while more keys exist: the concurrent pages after the first short one are set
            // aside and paging goes on from its last key, so no key in between is skipped.
            await sim.state.setFaults(FaultSettings(keysPageSize: 37))
            let paged = try await sim.admin.listAllKeys(expecting: 2_170, concurrently: 4)
            #expect(paged.map(\.hash) == grown.map(\.hash))
        }
    }

    @Test("a client configured with a workspace creates, lists and reads activity there only")
    func workspace() async throws {
        try await withSimulatorWorld { sim in
            let made = try await sim.rawJSON(
                "POST", "/_sim/workspaces", key: SimulatorWorld.managementKey, body: #"{"name":"opub"}"#)
            let workspace = try #require((made.json["data"] as? [String: Any])?["id"] as? String)
            let operatorsKey = try await sim.createKey("opub:ck_not_in_the_workspace")
            let scoped = OpenRouterClient(
                apiKey: SimulatorWorld.managementKey,
                configuration: .init(baseURL: sim.running.baseURL, workspaceID: workspace))
            let mine = try await scoped.createKey(CreateKeyRequest(name: "opub:ck_in_the_workspace"))
            #expect(mine.key.workspaceID == workspace)
            // Even a key named like opub's outside the workspace is never seen, so never touched.
            #expect(try await scoped.listAllKeys().map(\.hash) == [mine.key.hash])
            #expect(try await sim.admin.listAllKeys().map(\.hash) == [operatorsKey.key.hash])
            _ = try await sim.chat(operatorsKey.secret, model: "openai/gpt-5.4-mini", prompt: "outside")
            sim.clock.advance(seconds: 86_400)
            #expect(try await scoped.activity().isEmpty)
            #expect(try await sim.admin.activity().count == 1)
            let unknown = await openRouterError {
                _ = try await OpenRouterClient(
                    apiKey: SimulatorWorld.managementKey,
                    configuration: .init(
                        baseURL: sim.running.baseURL, workspaceID: "00000000-0000-0000-0000-000000000000")
                ).listKeys()
            }
            #expect(unknown?.status == 400)
        }
    }

    @Test("expired keys are listed only when asked; someone else's odd key never fails a listing")
    func expiredAndForeignKeys() async throws {
        try await withSimulatorWorld { sim in
            let expiring = try await sim.createKey(expiresAt: SimulatorWorld.start.adding(seconds: 60))
            let plain = try await sim.createKey()
            sim.clock.advance(seconds: 120)
            let hidden = try await sim.admin.listKeys(includeDisabled: true)
            #expect(hidden.map(\.hash) == [plain.key.hash])
            let all = try await sim.admin.listAllKeys()
            #expect(Set(all.map(\.hash)) == [plain.key.hash, expiring.key.hash])
            #expect(try await sim.admin.key(hash: expiring.key.hash).expiresAt != nil)
        }
    }

    @Test("validation errors are 400 with a message")
    func validation() async throws {
        try await withSimulatorWorld { sim in
            let noName = await openRouterError { _ = try await sim.admin.createKey(CreateKeyRequest(name: "")) }
            #expect(noName?.status == 400)
            let paris = try await sim.rawJSON(
                "POST", "/keys", key: SimulatorWorld.managementKey,
                body: #"{"name":"x","expires_at":"2027-01-01T00:00:00+01:00"}"#)
            #expect(paris.status == 400)
            let past = await openRouterError {
                _ = try await sim.createKey(expiresAt: SimulatorWorld.start.adding(seconds: -60))
            }
            #expect(past?.status == 400)
            let badOffset = try await sim.raw("GET", "/keys?offset=-1", key: SimulatorWorld.managementKey)
            #expect(badOffset.status == 400)
        }
    }

    @Test("GET /key describes the calling key; credits and activity add up")
    func accountReads() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(dollars: 1))
            let first = try await sim.chat(key.secret, model: "openai/gpt-5.4-mini", prompt: "one")
            let second = try await sim.chat(key.secret, model: "anthropic/claude-sonnet-4.6", prompt: "two")
            let third = try await sim.chat(key.secret, model: "openai/gpt-5.4-mini", prompt: "three")
            let total = first.usage.cost + second.usage.cost + third.usage.cost

            let info = try await sim.client(key.secret).currentKey()
            #expect(info.label == key.key.label)
            #expect(info.usage == total)
            #expect(info.limit == Money(dollars: 1))
            #expect(info.limitRemaining == Money(dollars: 1) - total)
            #expect(!info.isManagementKey)
            #expect(try await sim.admin.currentKey().isManagementKey)

            let credits = try await sim.admin.credits()
            #expect(credits.totalCredits == Money(dollars: 1_000_000))
            #expect(credits.totalUsage == total)

            // Activity covers completed UTC days only: nothing today, then yesterday's rows once it ended.
            #expect(try await sim.admin.activity(apiKeyHash: key.key.hash).isEmpty)
            let today = await openRouterError { _ = try await sim.admin.activity(date: "2026-03-04") }
            #expect(today?.status == 400)
            #expect(
                "\(today.map(String.init(describing:)) ?? "")".contains(
                    "Date must be within the last 30 (completed) UTC days"))
            sim.clock.advance(seconds: 86_400)
            // One row per model endpoint: the three requests went to alternating endpoints.
            let endpointRows = try await sim.admin.activity(apiKeyHash: key.key.hash)
            #expect(endpointRows.count == 3)
            #expect(Set(endpointRows.compactMap(\.endpointID)).count == 3)
            let rows = Dictionary(grouping: endpointRows, by: \.model).map { model, parts in
                (
                    model, parts.reduce(Money.zero) { $0 + $1.usage }, parts.reduce(0) { $0 + $1.requests },
                    parts.reduce(0) { $0 + $1.promptTokens }, parts[0]
                )
            }
            #expect(rows.count == 2)
            let mini = try #require(rows.first { $0.0 == "openai/gpt-5.4-mini" })
            #expect(mini.2 == 2)
            #expect(mini.1 == first.usage.cost + third.usage.cost)
            #expect(mini.3 == first.usage.promptTokens + third.usage.promptTokens)
            #expect(mini.4.date == "2026-03-04")
            #expect(mini.4.providerName == "OpenAI")
            #expect(try await sim.admin.activity(date: "2026-03-03").isEmpty)
            #expect(try await sim.admin.activity(date: "2026-03-04", apiKeyHash: key.key.hash).count == 3)
            let old = await openRouterError { _ = try await sim.admin.activity(date: "2025-01-01") }
            #expect(old?.status == 400)
        }
    }

    @Test("guardrails: create, assign, enforce the provider allowlist, unassign")
    func guardrails() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let guardrail = try await sim.admin.createGuardrail(
                CreateGuardrailRequest(name: "opub allowlist", allowedProviders: ["openai", "mistralai"]))
            #expect(guardrail.allowedProviders == ["openai", "mistralai"])
            #expect(try await sim.admin.assignKeys([key.key.hash], toGuardrail: guardrail.id) == 1)

            _ = try await sim.chat(key.secret, model: "openai/gpt-5.4-mini")
            _ = try await sim.chat(key.secret, model: "mistralai/devstral-2512")
            let refused = await openRouterError {
                _ = try await sim.chat(key.secret, model: "anthropic/claude-sonnet-4.6")
            }
            guard case .forbidden(let message)? = refused else {
                Issue.record("expected 403, got \(String(describing: refused))")
                return
            }
            #expect(message.contains("not allowed by the guardrail"))

            #expect(try await sim.admin.unassignKeys([key.key.hash], fromGuardrail: guardrail.id) == 1)
            _ = try await sim.chat(key.secret, model: "anthropic/claude-sonnet-4.6")
            let unknown = await openRouterError { try await sim.admin.assignKeys(["nope"], toGuardrail: guardrail.id) }
            #expect(unknown?.status == 404)
        }
    }

    @Test("a request body's provider field outside the guardrail's allowlist is refused too")
    func guardrailProviderField() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let guardrail = try await sim.admin.createGuardrail(
                CreateGuardrailRequest(name: "openai only", allowedProviders: ["openai"]))
            try await sim.admin.assignKeys([key.key.hash], toGuardrail: guardrail.id)
            let answer = try await sim.rawJSON(
                "POST", "/chat/completions", key: key.secret,
                body: #"{"model":"qwen/qwen3-coder","messages":[{"role":"user","content":"x"}]}"#)
            #expect(answer.status == 403)
            let pinned = try await sim.rawJSON(
                "POST", "/chat/completions", key: key.secret,
                body: #"{"model":"openai/gpt-5.4-mini","provider":{"only":["anthropic"]},"#
                    + #""messages":[{"role":"user","content":"x"}]}"#)
            #expect(pinned.status == 404)
        }
    }
}

extension Timestamp {
    /// Requests carry expiry with millisecond precision.
    var truncatedToMilliseconds: Timestamp { Timestamp(microsSinceEpoch: microsSinceEpoch / 1000 * 1000) }
}
