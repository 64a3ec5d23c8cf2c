/// Writers of the same key (a project's id) wait here, in arrival order, one holder at a time —
/// in the process, holding no database connection while they wait.
///
/// On PostgreSQL a project's money changes are serialised by its row lock (`SELECT … FOR UPDATE`).
/// Without this queue, a burst of writers on one project would each lease a pooled connection only to
/// sit blocked on that row lock, starving every other request of connections. With it, one writer per
/// project (per process) holds a connection; the row lock still serialises writers of other replicas.
///
/// A writer that is not first in line within its deadline gives up with ``StoreError/busy(_:)``:
/// nothing was written and a retry is safe.
actor ProjectQueue {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Void, any Error>
        let timer: Task<Void, Never>
    }

    /// The keys currently held, with the writers waiting for each (first in line first).
    private var lines: [String: [Waiter]] = [:]
    private var nextID = 0

    /// Keys currently held or waited for (what the queue's memory costs: nothing once all are released).
    var activeKeys: Int { lines.count }

    func acquire(_ key: String, until deadline: ContinuousClock.Instant) async throws {
        guard lines[key] != nil else {
            lines[key] = []
            return
        }
        let id = nextID
        nextID += 1
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let timer = Task { [weak self] in
                guard (try? await TimerSleep.sleep(until: deadline)) != nil else { return }
                await self?.expire(key, id)
            }
            lines[key, default: []].append(Waiter(id: id, continuation: continuation, timer: timer))
        }
    }

    func release(_ key: String) {
        guard var waiters = lines[key] else { return }
        if waiters.isEmpty {
            lines[key] = nil
            return
        }
        let next = waiters.removeFirst()
        lines[key] = waiters
        next.timer.cancel()
        next.continuation.resume()
    }

    private func expire(_ key: String, _ id: Int) {
        guard var waiters = lines[key], let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        lines[key] = waiters
        waiter.continuation.resume(throwing: StoreError.busy(EngineFailures.busyMessage))
    }

    nonisolated func withHeld<R: Sendable>(
        _ key: String, until deadline: ContinuousClock.Instant, _ body: @Sendable () async throws -> R
    ) async throws -> R {
        try await acquire(key, until: deadline)
        do {
            let result = try await body()
            await release(key)
            return result
        } catch {
            await release(key)
            throw error
        }
    }
}
