import PostgresNIO
import Synchronization

/// How database failures that are not the caller's fault reach callers: as
/// ``StoreError/unavailable(_:)`` or ``StoreError/storageFull(_:)``, never as a driver's error type,
/// so that the server answers 503 with a reason instead of a 500.
enum EngineFailures {
    static let unavailableMessage =
        "The database is not answering right now; nothing was changed. Try again in a few seconds."
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

    /// Runs `operation`, which first waits for a connection (`leased` is set once it has one), and
    /// gives up with ``StoreError/unavailable(_:)`` when no connection came within `wait`: a database
    /// that is down answers at once instead of holding every request until the pool gives up.
    /// Once a connection is held the operation runs to its end.
    static func withConnectionDeadline<R: Sendable>(
        _ wait: Duration, _ operation: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> R
    ) async throws -> R {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await operation { leased.value.store(true, ordering: .releasing) }
            }
            group.addTask {
                try await Task.sleep(for: wait)
                if leased.value.load(ordering: .acquiring) { return nil }
                throw StoreError.unavailable(unavailableMessage)
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

/// Set once an operation holds its connection.
final class LeaseFlag: Sendable {
    let value = Atomic<Bool>(false)
}
