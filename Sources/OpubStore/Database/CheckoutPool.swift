/// Lends each of a fixed set of values (SQLite reader connections) to one borrower at a time,
/// waiters served in arrival order.
///
/// A SQLite connection must not be shared by concurrent requests: while one request's statement is
/// still being stepped the connection holds a read transaction, and another request's statement on it
/// would read that old snapshot — missing writes committed meanwhile (a session just created, a claim
/// just made).
actor CheckoutPool<Value: Sendable> {
    private var free: [Value]
    private var waiters: [CheckedContinuation<Value, Never>] = []

    init(_ values: [Value]) {
        precondition(!values.isEmpty, "a pool needs at least one value")
        free = values
    }

    func checkOut() async -> Value {
        if let value = free.popLast() { return value }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func checkIn(_ value: Value) {
        if waiters.isEmpty {
            free.append(value)
        } else {
            waiters.removeFirst().resume(returning: value)
        }
    }

    nonisolated func withValue<R: Sendable>(_ body: @Sendable (Value) async throws -> R) async throws -> R {
        let value = await checkOut()
        do {
            let result = try await body(value)
            await checkIn(value)
            return result
        } catch {
            await checkIn(value)
            throw error
        }
    }
}
