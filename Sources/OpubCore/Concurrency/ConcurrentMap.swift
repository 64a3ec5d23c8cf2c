extension Collection where Element: Sendable {
    /// `transform` applied to every element, at most `limit` at a time, the results in the elements'
    /// order. A throwing `transform` cancels the ones still running and rethrows.
    public func concurrentMap<T: Sendable>(
        limit: Int, _ transform: @escaping @Sendable (Element) async throws -> T
    ) async throws -> [T] {
        let items = Array(self)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: items.count)
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await transform(items[index])) }
            }
            for _ in 0..<Swift.max(1, limit) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                startNext()
            }
            return results.map { $0! }
        }
    }
}
