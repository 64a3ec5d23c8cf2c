/// An async mutex: one holder at a time, waiters served in arrival order.
///
/// SQLite allows one writer per database; funnelling this process's writes through one gate keeps
/// them off SQLite's busy-wait path entirely (other processes still meet `busy_timeout`).
actor SerialGate {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    nonisolated func withHeld<R: Sendable>(_ body: @Sendable () async throws -> R) async throws -> R {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
