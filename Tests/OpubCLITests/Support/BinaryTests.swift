import Testing

/// The tests that run the `opub` binary as a process. They run one at a time: each starts agents,
/// servers and timers, and on 2 cores running them all at once measures the machine, not opub.
@Suite("opub binary", .serialized)
enum BinaryTests {}
