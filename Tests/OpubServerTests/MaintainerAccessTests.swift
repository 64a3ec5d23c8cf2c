import Foundation
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

/// Keys do not outlive their maintainer's access: a maintainer GitHub no longer confirms loses the
/// keys they created, found by the daily background re-verification or by the next check a request makes.
@Suite("Maintainer access", .serialized)
struct MaintainerAccessTests {
    @Test(
        "the daily re-verification revokes the keys of a maintainer who lost permission, and only theirs",
        arguments: TestEngine.available)
    func backgroundReverification(engine: TestEngine) async throws {
        let clock = ManualClock(Timestamp.now())
        try await withKeyWorld(engine, clock: clock) { world in
            await world.github.addUser("alice")
            await world.github.addUser("bob")
            let repo = await world.github.addRepository("acme/widgets", access: ["alice": .admin, "bob": .admin])
            let alice = try await githubSignIn(world.app, "alice", github: world.github)
            let bob = try await githubSignIn(world.app, "bob", github: world.github)
            for browser in [alice, bob] {
                let claim = try await browser.post(
                    world.app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
                #expect([200, 201].contains(claim.status.code), "\(claim.text)")
            }
            let project = try await world.store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
            try await world.store.ledger.post(
                .grant(amount: Money(dollars: 20)), to: project.id, idempotencyKey: "grant:acme", memo: "seed")
            let alicesKey = try await world.createKey(alice, in: "acme/widgets", keyName: "alice", limit: "6.00")
            let bobsKey = try await world.createKey(bob, in: "acme/widgets", keyName: "bob", limit: "4.00")
            let reverifier = MaintainerReverifier(dependencies: world.app.dependencies)

            // Verified just now: nothing is due.
            #expect(try await reverifier.pass() == .init())
            await world.github.setAccess(repo, login: "alice", .push)
            clock.advance(seconds: 24 * 3600 + 1)
            #expect(try await reverifier.pass() == .init(confirmed: 1, lost: 1, skipped: 0))

            let revoked = try #require(try await world.store.keys.find(alicesKey.id))
            #expect(revoked.state.reason == .maintainerLostAccess)
            #expect(revoked.reserved == .zero)
            #expect(try await world.store.keys.find(bobsKey.id)?.state == .active)
            #expect(try await world.store.projects.maintainer(of: project.id, user: revoked.createdBy!) == nil)
            // Alice's $6 is available again; Bob's $4 stays reserved.
            #expect(try await world.store.projects.balances(project.id).available == Money(dollars: 16))
            #expect(try await world.provider.key(hash: try #require(revoked.providerHash)).disabled)
            let page = try await bob.get(world.app, "/github/acme/widgets/keys")
            #expect(page.text.contains("the maintainer who created it lost access to the repository"))
            // Bob was confirmed: not due again for a day.
            #expect(try await reverifier.pass() == .init())
            #expect(try await LedgerVerifier(store: world.store).verify().violations == [])
        }
    }

    @Test("a request's own re-check that finds the repository archived revokes that maintainer's keys")
    func requestReverification() async throws {
        let clock = ManualClock(Timestamp.now())
        try await withKeyWorld(.sqlite, clock: clock) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 10)
            let key = try await world.createKey(owner, in: "acme/widgets", limit: "5.00")
            let project = try await world.store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
            await world.github.setArchived(try #require(project.githubRepoID), true)
            clock.advance(seconds: 24 * 3600 + 1)
            let refused = try await owner.post(
                world.app, "/api/v1/projects/acme/widgets/keys", json: #"{"name":"another","limit":"1.00"}"#)
            #expect(refused.status == .forbidden, "\(refused.text)")
            #expect(try await world.store.keys.find(key.id)?.state.reason == .maintainerLostAccess)
            #expect(try await world.store.projects.balances(project.id).available == Money(dollars: 10))
        }
    }
}
