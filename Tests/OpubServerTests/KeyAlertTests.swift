import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport
import Synchronization
import Testing

@Suite("Key alerts", .serialized)
struct KeyAlertTests {
    @Test(
        "direct use, a spike, expiry soon and a new model are each alerted once; a key past its direct-use threshold revokes itself",
        arguments: TestEngine.available)
    func alerts(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 30)
            let soon = try await h.provisioner.create(
                in: project.id,
                KeyRequest(
                    name: "laptop", limit: Money(dollars: 4), expiresAt: h.clock.now().adding(seconds: 3 * 86_400)))
            let ci = try await h.provisioner.create(in: project.id, KeyRequest(name: "ci", limit: Money(dollars: 10)))
            try await h.charge(soon.key, usd: "1.5")
            _ = try await h.executor.runCycle()
            var kinds = try await h.store.alerts.recent(of: project.id).map(\.kind)
            #expect(kinds.filter { $0 == .directUse }.count == 1 && kinds.contains(.spike) && kinds.contains(.expiring))
            let direct = try #require(try await h.store.alerts.recent(of: project.id).first { $0.kind == .directUse })
            #expect(direct.message.contains("“laptop” spent $1.50") && direct.amount == Money(micros: 1_500_000))
            // Again: nothing new (each alert is recorded once).
            _ = try await h.executor.runCycle()
            #expect(try await h.store.alerts.recent(of: project.id).count == kinds.count)

            // A key revokes itself once its direct-use spend passes the threshold.
            try await h.store.alerts.setDirectUseRevoke(ci.key.id, threshold: Money(cents: 25))
            try await h.charge(ci.key, usd: "0.20")
            _ = try await h.executor.runCycle()
            #expect(try await h.store.keys.find(ci.key.id)?.state == .active)
            try await h.charge(ci.key, usd: "0.10")
            _ = try await h.executor.runCycle()
            #expect(try await h.store.keys.find(ci.key.id)?.state.reason == .revoked)
            kinds = try await h.store.alerts.recent(of: project.id).map(\.kind)
            #expect(kinds.contains(.autoRevoked))

            // A model the key never used on an earlier day (its first day's models are not news).
            h.clock.advance(seconds: 86_400)
            _ = try await h.executor.runCycle()
            await h.simulator.state.addUsage(
                toKey: try #require(soon.key.providerHash), amount: Money(cents: 10),
                model: "anthropic/claude-sonnet-4.6")
            _ = try await h.executor.runCycle()
            h.clock.advance(seconds: 86_400)
            _ = try await h.executor.runCycle()
            let newModel = try await h.store.alerts.recent(of: project.id).filter { $0.kind == .newModel }
            #expect(newModel.contains { $0.message.contains("anthropic/claude-sonnet-4.6") })
            #expect(!newModel.contains { $0.message.contains("openai/gpt-5.4-mini") })
            #expect(try await h.verify() == [])
        }
    }
}

@Suite("Alert webhook", .serialized)
struct AlertWebhookTests {
    /// Records what it receives; answers 500 to the first `failFirst` posts.
    final class Receiver: Sendable {
        let received = Mutex<[(headers: HTTPFields, body: [UInt8])]>([])
        let failFirst: Int

        init(failFirst: Int) { self.failFirst = failFirst }

        var router: Router<BasicRequestContext> {
            let router = Router()
            router.post("hook") { request, _ -> Response in
                var request = request
                let body = Array(try await request.collectBody(upTo: 1 << 20).readableBytesView)
                let count = self.received.withLock { list in
                    list.append((request.headers, body))
                    return list.count
                }
                return Response(status: count <= self.failFirst ? .internalServerError : .ok)
            }
            return router
        }
    }

    @Test("deliveries are signed t=…,v1=…; a replay is recognisable; a failure is retried and logged")
    func deliveries() async throws {
        let clock = ManualClock(Timestamp.now())
        let receiver = Receiver(failFirst: 1)
        try await withStandIn(receiver.router) { base in
            try await withTestStore(.sqlite, clock: clock) { store, _ in
                try await withAppWorld(try await sandboxConfiguration(), store: store, clock: clock) { app in
                    let ada = try await sandboxSignIn(app, "ada")
                    #expect(
                        try await ada.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#).status
                            == .created)
                    let bad = try await ada.put(
                        app, "/api/v1/projects/acme/widgets/alert-webhook", json: #"{"url":"ftp://x"}"#)
                    #expect(bad.status == .badRequest && bad.text.contains("invalid_webhook_url"))
                    let set = try await ada.put(
                        app, "/api/v1/projects/acme/widgets/alert-webhook", json: #"{"url":"\#(base)/hook"}"#)
                    #expect(set.status == .ok, "\(set.text)")
                    let secret = try #require(
                        (try set.json()["webhook"] as? [String: Any])?["signing_secret"] as? String)
                    #expect(secret.hasPrefix("whsec_"))
                    // Someone else cannot read or change it.
                    let mallory = try await sandboxSignIn(app, "mallory")
                    #expect(try await mallory.get(app, "/api/v1/projects/acme/widgets/alerts").status == .forbidden)

                    let project = try await store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: 5)), to: project.id, idempotencyKey: "grant", memo: "seed")
                    let key = try await store.withProjectLock(project.id) { write in
                        try await write.insertProvisioningKey(
                            id: .random(), KeyRequest(name: "laptop", limit: Money(dollars: 2)), createdBy: nil)
                    }
                    let recorded = try await store.alerts.record([
                        KeyAlertDraft(
                            kind: .directUse, keyID: key.id, projectID: project.id, message: "spent outside",
                            amount: Money(cents: 42), dedupeKey: "direct:test")
                    ])
                    #expect(recorded == 1)
                    let deliverer = AlertDeliverer(
                        store: store, secrets: app.dependencies.secrets, httpClient: .shared, logger: quietLogger())
                    #expect(try await deliverer.deliverDue() == 1)
                    // The first attempt got a 500: pending, logged, retried after the first delay.
                    var log = try await store.alerts.deliveries(of: project.id)
                    #expect(
                        log.first?.status == .pending && log.first?.attempts == 1 && log.first?.lastStatusCode == 500)
                    #expect(try await deliverer.deliverDue() == 0)
                    clock.advance(seconds: AlertDeliverer.retryDelays[0] + 1)
                    #expect(try await deliverer.deliverDue() == 1)
                    log = try await store.alerts.deliveries(of: project.id)
                    #expect(log.first?.status == .delivered && log.first?.attempts == 2)

                    let last = try #require(receiver.received.withLock { $0.last })
                    let signature = last.headers[HTTPField.Name("Opub-Signature")!]
                    try StripeSignature.verify(payload: last.body, header: signature, secret: secret, now: clock.now())
                    let alert = try #require(try await store.alerts.recent(of: project.id).first)
                    #expect(last.headers[HTTPField.Name("Opub-Event-Id")!] == alert.id.rawValue)
                    let event = try #require(try JSONSerialization.jsonObject(with: Data(last.body)) as? [String: Any])
                    #expect(event["type"] as? String == "key.alert")
                    #expect(((event["data"] as? [String: Any])?["kind"] as? String) == "direct_use")
                    // Replayed ten minutes later, the same delivery is refused by its timestamp.
                    #expect(throws: StripeSignature.Failure.outsideTolerance) {
                        try StripeSignature.verify(
                            payload: last.body, header: signature, secret: secret, now: clock.now().adding(seconds: 600)
                        )
                    }
                    // A new signing secret: the old one no longer verifies what is sent next.
                    let rolled = try await ada.post(app, "/api/v1/projects/acme/widgets/alert-webhook/secret")
                    let newSecret = try #require(
                        (try rolled.json()["webhook"] as? [String: Any])?["signing_secret"] as? String)
                    #expect(newSecret != secret)
                    let overview = try await ada.get(app, "/api/v1/projects/acme/widgets/alerts").json()
                    #expect((overview["items"] as? [[String: Any]])?.count == 1)
                    #expect((overview["deliveries"] as? [[String: Any]])?.first?["status"] as? String == "delivered")
                }
            }
        }
    }

    @Test("production webhooks must be https and public")
    func urls() throws {
        #expect(throws: APIError.self) { try AlertWebhookURL.check("http://example.org/hook", production: true) }
        #expect(throws: APIError.self) { try AlertWebhookURL.check("https://127.0.0.1/hook", production: true) }
        #expect(throws: APIError.self) { try AlertWebhookURL.check("https://10.1.2.3/hook", production: true) }
        #expect(throws: APIError.self) { try AlertWebhookURL.check("https://localhost/hook", production: true) }
        #expect(
            try AlertWebhookURL.check("https://hooks.example.org/opub", production: true)
                == "https://hooks.example.org/opub")
        #expect(try AlertWebhookURL.check("http://127.0.0.1:9/hook", production: false) == "http://127.0.0.1:9/hook")
    }
}
