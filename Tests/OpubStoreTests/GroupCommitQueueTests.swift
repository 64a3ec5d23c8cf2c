import OpubStore
import Testing

/// ``GroupCommitQueue``: callers who arrive while a write is in flight share the next write; each is
/// answered with its own outcome.
@Suite("Group commit queue")
struct GroupCommitQueueTests {
    struct Refused: Error {}

    @Test("steady callers share writes, each answered with its own item's outcome, refusals alone")
    func steadyCallersShareWrites() async throws {
        let queue = GroupCommitQueue<String, Int, Int>(maximumBatch: 64)
        let (callers, rounds) = (16, 50)
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var wrong = 0
                    for round in 0..<rounds {
                        let item = caller * 1_000 + round
                        let refused = item % 7 == 0
                        do {
                            let answer = try await queue.submit(item, to: "p") { _, items in
                                try await Task.sleep(for: .milliseconds(1))
                                return items.map { $0 % 7 == 0 ? .failure(Refused()) : .success($0 * 2) }
                            }
                            if refused || answer != item * 2 { wrong += 1 }
                        } catch is Refused {
                            if !refused { wrong += 1 }
                        }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(wrong == 0)
        #expect(await queue.itemsWritten == callers * rounds)
        // Sixteen steady callers: far fewer writes than items (each write carries several).
        #expect(await queue.writes < callers * rounds / 4)
        #expect(await queue.activeKeys == 0)
    }
}
