import Testing

@testable import OpubStore

/// The watchdog's sleep: it lasts until its deadline, and a cancelled one ends at once (its timer
/// removed, not left pending until the deadline as `Task.sleep`'s is).
@Suite("Timer sleep")
struct TimerSleepTests {
    @Test("returns no earlier than its deadline")
    func lastsUntilTheDeadline() async throws {
        let start = ContinuousClock.now
        try await TimerSleep.sleep(until: start + .milliseconds(50))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test("a deadline already past returns at once")
    func pastDeadline() async throws {
        try await TimerSleep.sleep(until: .now - .seconds(1))
    }

    @Test("cancelled, it throws CancellationError long before its deadline")
    func cancelled() async throws {
        let start = ContinuousClock.now
        let sleeper = Task { try await TimerSleep.sleep(until: .now + .seconds(60)) }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("a task cancelled before it sleeps does not sleep")
    func cancelledBefore() async throws {
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await TimerSleep.sleep(until: .now + .seconds(60))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}
