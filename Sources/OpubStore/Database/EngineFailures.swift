import PostgresNIO
import Synchronization

/// How database failures that are not the caller's fault reach callers: as
/// ``StoreError/unavailable(_:)`` or ``StoreError/storageFull(_:)``, never as a driver's error type,
/// so that the server answers 503 with a reason instead of a 500.
enum EngineFailures {
    static let unavailableMessage =
        "The database is not answering right now; nothing was changed. Try again in a few seconds."
    static let busyMessage =
        "The server is busy right now and could not take this in time; nothing was changed. Try again in a few seconds."
    static let fullMessage = "The server's database disk is full; nothing was changed. Try again later."

    /// PostgreSQL: lost or refused connections, a server shutting down or starting up (SQLSTATE 57P…),
    /// connection exceptions (08…), and insufficient resources (53…, including a full disk).
    static func translatePostgres(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed:
            return StoreError.unavailable(unavailableMessage)
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            if state == "53100" { return StoreError.storageFull(fullMessage) }
            if state.hasPrefix("57P") || state.hasPrefix("08") || state.hasPrefix("53") {
                return StoreError.unavailable(unavailableMessage)
            }
            return error
        default:
            return error
        }
    }

    /// SQLite: a full disk (SQLITE_FULL) or an I/O error writing the file.
    static func translateSQLite(_ error: any Error) -> any Error {
        let text = String(reflecting: error)
        if text.contains("database or disk is full") { return StoreError.storageFull(fullMessage) }
        if text.contains("disk I/O error") { return StoreError.unavailable(unavailableMessage) }
        return error
    }

    /// Runs `operation`, which first waits for a connection (`leased` is set once it has one), telling
    /// a database that is down from one that is busy:
    /// - when, for `patience.silence`, the pool handed out no connection at all and `answers` (a
    ///   connection of its own, ``LivenessProbe``) finds the server refusing, resetting or silent, the
    ///   database is not answering: ``StoreError/unavailable(_:)`` at once, instead of holding every
    ///   request until the pool gives up. Connections merely held do not count as a sign of life: one
    ///   stuck on a database that went away looks held until its socket times out;
    /// - while the pool keeps handing out connections, the database answers and this caller only waits
    ///   its turn, up to `patience.deadline` in all, and past it ``StoreError/busy(_:)``.
    /// Once a connection is held the operation runs to its end.
    static func withConnectionDeadline<R: Sendable>(
        _ patience: ConnectionPatience, activity: PoolActivity,
        answers: @escaping @Sendable () async -> Bool = { false },
        _ operation: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> R
    ) async throws -> R {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await operation { leased.value.store(true, ordering: .releasing) }
            }
            group.addTask {
                let giveUp = ContinuousClock.now + patience.deadline
                var grantsSeen = activity.grants
                while true {
                    try await TimerSleep.sleep(until: min(ContinuousClock.now + patience.silence, giveUp))
                    if leased.value.load(ordering: .acquiring) { return nil }
                    let grants = activity.grants
                    // No connection handed out for a whole silence: ask the server itself. One that
                    // accepts a connection is busy (or slow to connect), not down.
                    if grants == grantsSeen, await !answers() {
                        if leased.value.load(ordering: .acquiring) { return nil }
                        throw StoreError.unavailable(unavailableMessage)
                    }
                    grantsSeen = grants
                    if ContinuousClock.now >= giveUp { throw StoreError.busy(busyMessage) }
                }
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw StoreError.unavailable(unavailableMessage)
        }
    }
}

/// How long a database operation waits for its connection (see
/// ``EngineFailures/withConnectionDeadline(_:activity:_:)``).
public struct ConnectionPatience: Sendable {
    /// No sign of life from the database for this long means it is down.
    public var silence: Duration
    /// The longest a caller waits its turn on a busy database (the request deadline).
    public var deadline: Duration

    public init(silence: Duration, deadline: Duration) {
        self.silence = silence
        self.deadline = max(silence, deadline)
    }

    public static let standard = ConnectionPatience(silence: .seconds(5), deadline: .seconds(30))
}

/// What a connection pool is doing, as seen by the operations that use it: how many leases it has
/// handed out so far (a count that moves while the database answers).
final class PoolActivity: Sendable {
    private let granted = Atomic<Int>(0)

    var grants: Int { granted.load(ordering: .acquiring) }

    func leased() {
        granted.add(1, ordering: .releasing)
    }
}

/// Set once an operation holds its connection.
final class LeaseFlag: Sendable {
    let value = Atomic<Bool>(false)
}
