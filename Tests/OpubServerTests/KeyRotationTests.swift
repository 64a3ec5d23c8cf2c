import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("Key rotation", .serialized)
struct KeyRotationTests {
    @Test(
        "the successor takes over the reservation; available never moves; the old key stops at the provider",
        arguments: TestEngine.available)
    func rotate(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let expiry = h.clock.now().adding(seconds: 30 * 86_400)
            let old = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "laptop", limit: Money(dollars: 8), expiresAt: expiry))
            try await h.charge(old.key, usd: "1.25")
            let before = try await h.store.projects.balances(project.id)
            #expect(before.available == Money(dollars: 12))

            // Usage the old key made since the last cycle is settled by the rotation itself.
            let rotated = try await h.rotator().rotate(old.key.id, by: nil)
            let successor = rotated.key
            #expect(successor.state == .active && successor.name == "laptop" && successor.expiresAt == expiry)
            #expect(successor.replaces == old.key.id)
            #expect(successor.limit == Money(micros: 6_750_000) && successor.reserved == Money(micros: 6_750_000))
            let previous = try #require(try await h.store.keys.find(old.key.id))
            #expect(previous.state == .disabled(.rotated, .disabledAtProvider))
            #expect(previous.replacedBy == successor.id && previous.reserved == .zero)
            #expect(previous.spent == Money(micros: 1_250_000))
            #expect(try await h.store.projects.balances(project.id).available == before.available)

            // At the provider: the old key disabled, the new one capped at what was left.
            #expect(try await h.providerKey(old.key).disabled)
            let remote = try await h.providerKey(successor)
            #expect(!remote.disabled && remote.limit == Money(micros: 6_750_000))
            // The provider keeps expiry to the second.
            #expect(remote.expiresAt.map { $0.microsSinceEpoch / 1_000_000 } == expiry.microsSinceEpoch / 1_000_000)
            #expect(rotated.secret.hasPrefix("sk-or-v1-") && rotated.secret != old.secret)

            // The ledger: spend, then a release and a reserve of the same amount.
            let rotation = try await h.store.ledger.all(of: project.id).suffix(2)
            #expect(rotation.map(\.kind) == [.release, .reserve])
            #expect(rotation.map(\.keyID) == [old.key.id, successor.id])
            // The old key's late charges settle as after a revoke; the cycle changes nothing else.
            _ = try await h.executor.runCycle()
            #expect(try await h.store.keys.find(successor.id)?.state == .active)
            #expect(try await h.verify() == [])
            #expect(try await h.noUsableKeyWithoutRecord())
        }
    }

    @Test("only an active key rotates, once at a time; a failed provider step leaves the old key working")
    func refusals() async throws {
        try await withLifecycleWorld(.sqlite) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))
            // The provider refuses to create the successor: nothing changes for the old key.
            await h.simulator.state.addFaultRules([FaultRule(route: "POST /keys", errorStatus: 400, count: 1)])
            await #expect(throws: KeyProvisioningError.self) { try await h.rotator().rotate(made.key.id, by: nil) }
            let still = try #require(try await h.store.keys.find(made.key.id))
            #expect(still.state == .active && still.reserved == Money(dollars: 5))
            #expect(try await !h.providerKey(made.key).disabled)
            // Disabling the old key fails (and it is still enabled): the successor is removed.
            await h.simulator.state.addFaultRules([
                FaultRule(route: "PATCH /keys/{hash}", errorStatus: 400, count: 1)
            ])
            await #expect(throws: KeyProvisioningError.self) { try await h.rotator().rotate(made.key.id, by: nil) }
            #expect(try await h.store.keys.find(made.key.id)?.state == .active)
            #expect(try await h.opubProviderKeys().filter { !$0.disabled }.map(\.hash) == [made.key.providerHash])

            // A rotation already in progress refuses a second; a rotated key cannot rotate again.
            _ = try await h.store.withProjectLock(project.id) { write in
                try await write.insertSuccessor(of: made.key.id, id: .random(), createdBy: nil)
            }
            await #expect(throws: KeyRotation.Refusal.self) { try await h.rotator().rotate(made.key.id, by: nil) }
            h.clock.advance(seconds: 121)
            _ = try await h.executor.runCycle()  // abandons the stuck successor
            let rotated = try await h.rotator().rotate(made.key.id, by: nil)
            await #expect(throws: KeyRotation.Refusal.self) { try await h.rotator().rotate(made.key.id, by: nil) }
            #expect(try await h.store.keys.find(rotated.key.id)?.state == .active)
            #expect(try await h.verify() == [])
        }
    }
}

@Suite("Key rotation over HTTP", .serialized)
struct KeyRotationRouteTests {
    @Test("a maintainer rotates through the API; others and link tokens cannot; the CLI names the successor")
    func api() async throws {
        try await withKeyWorld(.sqlite) { world in
            let ada = try await world.maintainer("ada", of: "acme/widgets", dollars: 20)
            let made = try await world.createKey(ada, in: "acme/widgets", limit: "6.00")
            let path = "/api/v1/projects/acme/widgets/keys/\(made.id)/rotate"

            let stranger = try await world.signIn("mallory")
            #expect(try await stranger.post(world.app, path).status == .forbidden)
            let token = LinkToken.derive(secret: made.secret, keyID: made.id)
            #expect(try await world.cli("POST", path, token: token).status == 401)

            let answer = try await ada.post(world.app, path)
            #expect(answer.status == .created, "\(answer.text)")
            let json = try answer.json()
            let key = try #require(json["key"] as? [String: Any])
            let successor = try #require((key["id"] as? String).flatMap(KeyID.init))
            #expect(key["replaces"] as? String == made.id.rawValue && key["name"] as? String == "laptop")
            #expect((json["secret"] as? String)?.hasPrefix("sk-or-v1-") == true)
            #expect(answer.headers[.cacheControl] == "no-store")
            // Again: the old key is no longer active.
            let again = try await ada.post(world.app, path)
            #expect(again.status == .conflict && again.text.contains("key_not_active"))

            // The old key's CLI sees which key replaced it.
            let status = try await world.cli("GET", "/api/v1/cli/keys/\(made.id)", token: token)
            #expect(status.body.contains(#""replaced_by":"\#(successor.rawValue)""#), "\(status.body)")
            let session = try await world.cli(
                "PUT", "/api/v1/cli/sessions/\(SessionID.random())", token: token,
                json: #"{"key_id":"\#(made.id.rawValue)","surface":"claude","cli_version":"1.0.0","os":"linux"}"#)
            #expect(session.status == 409 && session.body.contains("replaced by \(successor.rawValue)"))
            let list = try await ada.get(world.app, "/api/v1/projects/acme/widgets/keys").json()
            let rows = try #require(list["items"] as? [[String: Any]])
            #expect(
                rows.first { $0["id"] as? String == made.id.rawValue }?["replaced_by"] as? String == successor.rawValue)
        }
    }
}
