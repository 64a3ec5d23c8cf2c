import OpubCore
import OpubStore
import OpubTestSupport
import SQLKit

/// A project with `dollars` granted, ready for keys.
func fundedProject(_ store: Store, dollars: Int64, name: String = "acme/widgets") async throws -> ProjectRecord {
    let project = try await store.projects.create(try RepositoryName(parsing: name))
    if dollars > 0 {
        try await store.ledger.post(
            .grant(amount: Money(dollars: dollars)), to: project.id, idempotencyKey: "grant:\(project.id):seed",
            memo: "Seed credit")
    }
    return project
}

/// Runs raw SQL outside the store's rules (what an attacker or a careless operator might do).
func rawSQL(_ store: Store, _ sql: String) async throws {
    try await store.engine.read { db in try await db.raw(SQLQueryString(sql)).run() }
}

/// Applies one scripted step to the real store, mirroring the pure model of the core tests.
struct StoreScript {
    let store: Store
    let project: ProjectID
    var donations: [DonationID] = []
    var n = 0

    mutating func apply(_ step: MoneyStep) async throws {
        n += 1
        let project = self.project
        switch step {
        case .grant(let amount):
            try await store.ledger.post(
                .grant(amount: amount), to: project, idempotencyKey: "grant:\(n)", memo: "grant")
        case .donate(let amount, let fee):
            let id = DonationID.random()
            try await store.donations.recordCompleted(id, to: project, amount: amount, fee: fee, displayName: "Ada")
            donations.append(id)
        case .donateHeld(let amount, let fee):
            let id = DonationID.random()
            try await store.holding(donations: DonationHold(seconds: 3_600)).donations.recordCompleted(
                id, to: project, amount: amount, fee: fee, displayName: "Ada")
            donations.append(id)
        case .clear(let index):
            guard !donations.isEmpty else { return }
            try await store.donations.clear(donations[index % donations.count])
        case .refund(let index, let amount):
            guard !donations.isEmpty else { return }
            do {
                try await store.donations.refund(
                    donations[index % donations.count], amount: amount, reference: "re_\(n)")
            } catch StoreError.conflict {
                // More than the donation's remaining credit: refused, nothing written.
            }
        case .createKey(let limit):
            do {
                let key = try await store.keys.reserveNewKey(in: project, KeyRequest(name: "key \(n)", limit: limit))
                _ = try await store.withProjectLock(project) { try await $0.transition(key.id, .provisioned) }
            } catch LedgerStoreError.rule(.insufficientAvailable) {
                // Refused, nothing written.
            }
        case .spend(let index, let amount):
            guard let key = try await liveKey(index) else { return }
            try await store.ledger.post(
                .spend(key.id, amount: amount), to: project, idempotencyKey: "spend:\(n)", memo: "spend")
        case .revoke(let index):
            guard let key = try await liveKey(index) else { return }
            let n = self.n
            try await store.withProjectLock(project) { write in
                _ = try await write.transition(key.id, .disable(.revoked))
                if key.reserved.isPositive {
                    _ = try await write.post(
                        .release(key.id, amount: key.reserved), idempotencyKey: "release:\(n)", memo: "release")
                }
                _ = try await write.transition(key.id, .confirmedDisabledAtProvider)
            }
        case .cap(let index, let permille):
            guard let key = try await liveKey(index) else { return }
            let kept = Money(micros: key.reserved.micros * Int64(permille) / 1000)
            guard kept < key.reserved else { return }
            let n = self.n
            _ = try await store.withProjectLock(project) { write in
                try await write.cutReservation(key.id, keeping: kept, idempotencyKey: "cap:\(n)", memo: "cap")
            }
        }
    }

    func liveKey(_ index: Int) async throws -> ComputeKeyRecord? {
        let live = try await store.keys.all(in: project).filter { $0.state == .active }.sorted {
            $0.createdAt < $1.createdAt
        }
        return live.isEmpty ? nil : live[index % live.count]
    }
}
