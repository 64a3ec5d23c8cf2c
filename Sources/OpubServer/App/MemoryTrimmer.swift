import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the server freed back to the system every few seconds (`malloc_trim`).
///
/// glibc returns freed memory to the system only from the top of a heap; memory freed below a live
/// allocation stays counted in the process's RSS until something else reuses it. The server's bursts
/// (a reconcile cycle's key lists, a wave of heartbeats over 1,000 connections) free most of what they
/// allocated, and without a trim RSS stays at the highest burst's size. A trim walks the heaps and
/// releases their free pages; on the soak's 100 MiB it takes about a millisecond.
/// A C library without `malloc_trim` (musl, macOS) makes this service do nothing.
struct MemoryTrimmer: Service {
    var interval: Duration = .seconds(5)

    func run() async throws {
        guard let trim = Self.mallocTrim else { return }
        await repeatUntilShutdown(every: interval) { _ = trim(0) }
    }

    /// glibc's `int malloc_trim(size_t pad)`, looked up at run time (its header is not in Swift's Glibc
    /// module).
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
