extension Collection {
    /// The elements in consecutive slices of `size` (the last one shorter), in order: how a write of
    /// many rows is split into statements that stay under the engines' bind limits.
    public func chunks(of size: Int) -> [SubSequence] {
        precondition(size > 0, "a chunk holds at least one element")
        var slices: [SubSequence] = []
        var start = startIndex
        while start != endIndex {
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            slices.append(self[start..<end])
            start = end
        }
        return slices
    }
}
