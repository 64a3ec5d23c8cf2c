import Foundation
import OpubServer

#if os(Linux)
/// glibc's `mallopt` (malloc.h, not exported by the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

// glibc keeps a malloc arena per thread and returns little of it: with NIO's and SQLite's threads
// that inflated the server's resident memory under load (docs/operations.md, "Memory"). Two arenas
// (M_ARENA_MAX is -8) hold it nearer its working set; MALLOC_ARENA_MAX in the environment still wins.
if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil {
    _ = glibcMallopt(-8, 2)
}
#endif

exit(await OpubServerCommand.run())
