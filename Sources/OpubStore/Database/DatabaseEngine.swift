import Logging
import OpubCore
import SQLKit

/// Which database an engine speaks; the few places where SQL differs switch on it.
public enum EngineKind: String, Sendable {
    case sqlite
    case postgres
}

/// A database that runs reads and serialisable-enough write transactions.
///
/// Implementations: ``SQLiteEngine`` (one writer connection behind a gate, `BEGIN IMMEDIATE`, WAL)
/// and ``PostgresEngine`` (a connection pool; callers lock rows with `SELECT … FOR UPDATE`).
public protocol DatabaseEngine: Sendable {
    var kind: EngineKind { get }

    /// Runs `body` on a connection outside any explicit transaction.
    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body` inside one write transaction: committed when it returns, rolled back when it throws.
    func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body` like ``write(_:)``, after the writers already queued behind `key` (a project's id)
    /// in this process. An engine whose writes are serialised anyway runs it as ``write(_:)``.
    func write<R: Sendable>(
        queuedBehind key: String, _ body: @Sendable (any SQLDatabase) async throws -> R
    )
        async throws -> R

    /// Runs `body` like ``write(_:)``, after the writers already queued behind each of `keys` (taken
    /// in sorted order, so that two such writes cannot wait for each other).
    func write<R: Sendable>(
        queuedBehindAll keys: [String], _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R

    /// This database's group-commit queues (one set per engine, shared by every ``Store`` over it).
    var groupCommits: GroupCommits { get }

    /// Tells every connection that the schema changed (a migration ran), before they are used again.
    func schemaDidChange() async throws

    /// Closes every connection. The engine must not be used afterwards.
    func shutdown() async
}

extension DatabaseEngine {
    public func write<R: Sendable>(
        queuedBehindAll keys: [String], _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await write(body)
    }

    /// Nothing to do for an engine whose connections see schema changes by themselves.
    public func schemaDidChange() async throws {}

    public func write<R: Sendable>(
        queuedBehind key: String, _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await write(body)
    }
}

/// Database failures a caller can act on.
public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case notFound(String)
    case conflict(String)
    case corrupt(String)
    /// The database cannot be reached or cannot answer now (down, restarting, connection lost, no
    /// sign of life from it within the engine's wait). Nothing was written; trying again later is safe.
    case unavailable(String)
    /// The database answers, but this request could not get its turn within the request deadline (a
    /// burst of writers, every pooled connection in use). Nothing was written; trying again soon is safe.
    case busy(String)
    /// The database's disk is full: nothing was written.
    case storageFull(String)

    public var description: String {
        switch self {
        case .notFound(let what): return what
        case .conflict(let what): return what
        case .corrupt(let what): return "Stored data is inconsistent: \(what)"
        case .unavailable(let what): return what
        case .busy(let what): return what
        case .storageFull(let what): return what
        }
    }
}

extension Error {
    /// True when the database refused a row because a unique constraint already holds its value.
    var isUniqueViolation: Bool {
        let text = String(reflecting: self)
        return text.contains("UNIQUE constraint failed") || text.contains("23505")
            || text.contains("unique_violation") || text.contains("duplicate key")
    }
}

/// The group-commit queues of one database: writes that many concurrent callers make of the same kind
/// are applied in batches, one durable commit each (``GroupCommitQueue``).
public final class GroupCommits: Sendable {
    /// New keys' reservations, per project (``KeyStore/reserve(_:in:)``).
    public let reservations = GroupCommitQueue<ProjectID, KeyReservation, ComputeKeyRecord>(maximumBatch: 256)

    public init() {}
}
