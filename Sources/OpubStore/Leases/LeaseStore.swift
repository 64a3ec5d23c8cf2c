import OpubCore
import SQLKit

/// Named leases with an expiry: one holder at a time across every replica sharing the database.
///
/// A holder renews its lease each cycle; a holder that dies stops renewing and loses the lease when
/// it expires, so another replica takes over within one lease period. Works the same on SQLite and
/// PostgreSQL (`INSERT … ON CONFLICT DO UPDATE … WHERE`).
public struct LeaseStore: Sendable {
    let store: Store

    /// Takes or renews `name` for `holder` until now + `seconds`; false when someone else holds it.
    public func acquire(_ name: String, holder: String, seconds: Int64) async throws -> Bool {
        let now = store.clock.now()
        let expires = now.adding(seconds: seconds)
        return try await store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: expires.microsSinceEpoch))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at <= \(bind: now.microsSinceEpoch) OR leases.holder = \(bind: holder)
                """
            ).run()
            let current = try await db.raw("SELECT holder FROM leases WHERE name = \(bind: name)").first()
            return try current?.decode(column: "holder", as: String.self) == holder
        }
    }

    /// Gives the lease up at once (graceful shutdown), if `holder` has it.
    public func release(_ name: String, holder: String) async throws {
        try await store.engine.write { db in
            try await db.raw(
                "UPDATE leases SET expires_at = 0 WHERE name = \(bind: name) AND holder = \(bind: holder)"
            ).run()
        }
    }
}

extension Store {
    public var leases: LeaseStore { LeaseStore(store: self) }
}
