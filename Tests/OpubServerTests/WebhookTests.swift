import Foundation
import HTTPTypes
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport
import Testing

@Suite("Stripe: checkout sessions and webhooks against the stand-in", .serialized)
struct WebhookTests {
    /// Signs in a donor and starts a donation; returns the checkout session id and donation id.
    func startDonation(
        _ world: ProductionWorld, login: String = "dora", amount: String = "25.00", project: String = "acme/widgets"
    ) async throws -> (Browser, String, DonationID) {
        if await world.github.addRepositoryIfMissing(project) {}
        await world.github.addUser(login)
        let donor = try await githubSignIn(world.app, login, github: world.github)
        let response = try await donor.post(
            world.app, "/api/v1/projects/\(project)/donations",
            json: #"{"amount":"\#(amount)","attribution":{"display_name":"Dora"}}"#)
        guard response.status == .created else { throw TestFailure("donation answered \(response.text)") }
        let body = try response.json()
        let donation = try #require(DonationID(body["donation_id"] as? String ?? ""))
        let session = try #require(await world.stripe.lastSession)
        #expect(body["checkout_url"] as? String == "https://checkout.stripe.test/c/pay/\(session.id)")
        return (donor, session.id, donation)
    }

    @Test(
        "a checkout session is form-encoded exactly as server.md says, keyed by the donation id",
        arguments: TestEngine.available)
    func checkoutRequest(engine: TestEngine) async throws {
        try await withProductionWorld(engine) { world in
            let (_, sessionID, donation) = try await startDonation(world)
            let session = try #require(await world.stripe.session(sessionID))
            let expected: [(String, String)] = [
                ("mode", "payment"), ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "2500"),
                ("line_items[0][price_data][product_data][name]", "Donated compute for acme/widgets"),
                ("line_items[0][quantity]", "1"), ("client_reference_id", donation.rawValue),
                ("metadata[donation_id]", donation.rawValue),
                ("success_url", "http://127.0.0.1:9/github/acme/widgets?donation=\(donation)"),
                ("cancel_url", "http://127.0.0.1:9/github/acme/widgets/donate?donation=\(donation)&cancelled=1"),
            ]
            #expect(session.fields.map(\.0) == expected.map(\.0))
            #expect(session.fields.map(\.1) == expected.map(\.1))
            #expect(await world.stripe.idempotencyKeys == [donation.rawValue])
            let record = try #require(try await world.app.store.donations.find(donation))
            #expect(record.status == .pending)
            #expect(record.checkoutSessionID == sessionID)
            #expect(try await count("ledger_transactions", world.app.store) == 0)
        }
    }

    @Test(
        "paid → completed, credited before tax; the same event 10 times credits once", arguments: TestEngine.available)
    func paidOnce(engine: TestEngine) async throws {
        try await withProductionWorld(engine) { world in
            let store = world.app.store
            let (_, sessionID, donation) = try await startDonation(world)
            let delivery = try await world.stripe.pay(sessionID, taxCents: 200)
            #expect(delivery.status == 200)
            for _ in 0..<9 {
                let again = try await world.stripe.post(delivery.payload, eventID: delivery.eventID)
                #expect(again.status == 200)
            }
            let record = try #require(try await store.donations.find(donation))
            #expect(record.status == .completed)
            #expect(record.credited == Money(dollars: 25))
            #expect(record.billingEmail == "donor@example.com")
            #expect(try await count("ledger_transactions", store) == 1)
            #expect(try await count("stripe_events", store) == 1)
            let project = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets")
            #expect(!project.text.contains("donor@example.com"))
            let donations = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/donations")
            #expect(!donations.text.contains("donor@example.com"))
            #expect(!donations.text.contains("pi_"))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("a bad signature, an old timestamp or a modified body is a 400 and records nothing")
    func refusedDeliveries() async throws {
        try await withProductionWorld(.sqlite) { world in
            let store = world.app.store
            let (_, sessionID, donation) = try await startDonation(world)
            // Build the genuine payload without delivering it: deliver to a closed port first.
            let secret = world.stripe.webhookSecret
            let event: [String: Any] = [
                "id": "evt_manual", "object": "event", "type": "checkout.session.completed",
                "data": [
                    "object": [
                        "id": sessionID, "object": "checkout.session", "amount_subtotal": 2500, "currency": "usd",
                        "payment_status": "paid", "payment_intent": "pi_manual",
                        "metadata": ["donation_id": donation.rawValue],
                    ]
                ],
            ]
            let payload = Array(try JSONSerialization.data(withJSONObject: event))
            let now = Int(Date().timeIntervalSince1970)
            let attempts: [([UInt8], String)] = [
                (payload, StripeStandIn.signature(payload: payload, secret: "whsec_wrong", timestamp: now)),
                (payload, StripeStandIn.signature(payload: payload, secret: secret, timestamp: now - 301)),
                (payload + Array(" ".utf8), StripeStandIn.signature(payload: payload, secret: secret, timestamp: now)),
                (payload, "t=\(now)"),
                (payload, "garbage"),
                (payload, ""),
            ]
            for (body, signature) in attempts {
                let delivery = try await world.stripe.post(body, eventID: "evt_manual", signature: signature)
                #expect(delivery.status == 400, "\(signature)")
            }
            #expect(try await count("stripe_events", store) == 0)
            #expect(try await count("ledger_transactions", store) == 0)
            #expect(try await store.donations.find(donation)?.status == .pending)
            // Several v1 signatures, one of them right (a secret being rolled): accepted.
            let good = StripeStandIn.signature(payload: payload, secret: secret, timestamp: now)
            let rolled = "t=\(now),v1=\(String(repeating: "0", count: 64)),\(good.split(separator: ",")[1])"
            let accepted = try await world.stripe.post(payload, eventID: "evt_manual", signature: rolled)
            #expect(accepted.status == 200)
            #expect(try await store.donations.find(donation)?.status == .completed)
        }
    }

    @Test("expired and failed checkouts move no money; asynchronous payments credit when they clear")
    func failures() async throws {
        try await withProductionWorld(.sqlite) { world in
            let store = world.app.store
            let (_, expiring, expired) = try await startDonation(world, login: "erin")
            try await world.stripe.expire(expiring)
            #expect(try await store.donations.find(expired)?.status == .failed)

            let (_, slow, slowDonation) = try await startDonation(world, login: "sam")
            try await world.stripe.pay(slow, asynchronously: true)
            #expect(try await store.donations.find(slowDonation)?.status == .pending)
            try await world.stripe.settleAsync(slow, succeeded: true)
            #expect(try await store.donations.find(slowDonation)?.status == .completed)

            let (_, bounced, bouncedDonation) = try await startDonation(world, login: "bea")
            try await world.stripe.pay(bounced, asynchronously: true)
            try await world.stripe.settleAsync(bounced, succeeded: false)
            #expect(try await store.donations.find(bouncedDonation)?.status == .failed)
            #expect(try await count("ledger_transactions", store) == 1)

            let unknown = try await world.stripe.deliver(type: "customer.created", object: ["id": "cus_1"])
            #expect(unknown.status == 200)
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test(
        "a refund after the money was reserved by keys records debt; refunds are idempotent per id",
        arguments: TestEngine.available)
    func refundIntoDebt(engine: TestEngine) async throws {
        try await withProductionWorld(engine) { world in
            let store = world.app.store
            let (_, sessionID, donation) = try await startDonation(world, amount: "20.00")
            try await world.stripe.pay(sessionID)
            let project = try #require(
                try await store.projects.find(named: try RepositoryName(parsing: "acme/widgets")))
            _ = try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "agent", limit: Money(dollars: 15)))
            let intent = try #require(try await store.donations.find(donation)?.paymentIntentID)

            let refund = try await world.stripe.refund(paymentIntent: intent, cents: 2000, refundID: "re_full")
            #expect(refund.status == 200)
            for _ in 0..<3 { _ = try await world.stripe.post(refund.payload, eventID: refund.eventID) }
            // The same refund id in a new event is still one refund.
            _ = try await world.stripe.refund(paymentIntent: intent, cents: 2000, refundID: "re_full")
            let balances = try await store.projects.balances(project.id)
            #expect(balances.available == Money(dollars: -15))
            #expect(balances.reserved == Money(dollars: 15))
            #expect(try await store.donations.find(donation)?.refunded == Money(dollars: 20))
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == 3)
        }
    }

    @Test("a dispute is a refund; a refund before completion is answered 409 and recorded later")
    func disputes() async throws {
        try await withProductionWorld(.sqlite) { world in
            let store = world.app.store
            let (_, sessionID, donation) = try await startDonation(world, amount: "10.00")
            try await world.stripe.pay(sessionID, asynchronously: true)
            let intent = try #require(try await store.donations.find(donation)?.paymentIntentID)
            let early = try await world.stripe.refund(paymentIntent: intent, cents: 300, refundID: "re_early")
            #expect(early.status == 409)
            try await world.stripe.settleAsync(sessionID, succeeded: true)
            let retried = try await world.stripe.post(early.payload, eventID: early.eventID)
            #expect(retried.status == 200)
            let dispute = try await world.stripe.dispute(paymentIntent: intent, cents: 1000)
            #expect(dispute.status == 200)
            let record = try #require(try await store.donations.find(donation))
            // The dispute refunds what is left, never more than was credited.
            #expect(record.refunded == Money(dollars: 10))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("Stripe failing to create the session fails the donation with a 502 and no money")
    func checkoutOutage() async throws {
        try await withProductionWorld(.sqlite) { world in
            await world.stripe.failNextCheckoutRequest()
            await world.github.addUser("dora")
            _ = await world.github.addRepositoryIfMissing("acme/widgets")
            let donor = try await githubSignIn(world.app, "dora", github: world.github)
            let response = try await donor.post(
                world.app, "/api/v1/projects/acme/widgets/donations", json: #"{"amount":"5.00"}"#)
            #expect(response.status == .badGateway)
            #expect(response.errorCode == "payments_unavailable")
            let mine = try await donor.get(world.app, "/api/v1/me/donations").json()
            #expect((mine["items"] as? [[String: Any]])?.first?["status"] as? String == "failed")
        }
    }

    @Test("a first donation creates the unclaimed page only for a public, unarchived repository")
    func firstDonation() async throws {
        try await withProductionWorld(.sqlite) { world in
            await world.github.addUser("dora")
            await world.github.addRepository("acme/private", isPrivate: true)
            let donor = try await githubSignIn(world.app, "dora", github: world.github)
            let missing = try await donor.post(
                world.app, "/api/v1/projects/acme/nothing/donations", json: #"{"amount":"5.00"}"#)
            #expect(missing.errorCode == "repository_not_found")
            let hidden = try await donor.post(
                world.app, "/api/v1/projects/acme/private/donations", json: #"{"amount":"5.00"}"#)
            #expect(hidden.status == .notFound)
            #expect(try await count("projects", world.app.store) == 0)
            #expect(try await count("donations", world.app.store) == 0)
        }
    }
}

extension GitHubStandIn {
    /// Adds a public repository nobody administers, unless one of that name exists.
    @discardableResult
    func addRepositoryIfMissing(_ fullName: String) -> Bool {
        if hasRepository(fullName) { return false }
        addRepository(fullName)
        return true
    }
}
