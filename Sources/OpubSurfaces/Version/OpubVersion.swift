import Foundation

/// The CLI's version, sent to the server with each session and shown by `opub --version`.
public enum OpubVersion {
    /// The running program's path (`/proc/self/exe` on Linux), nil when unknown: where the server finds
    /// the CLI it distributes and the CLI finds the record install.sh left beside it.
    public static var runningExecutable: String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? Bundle.main.executablePath
    }

    public static let current = "0.1.0"

    /// The operating system, for the server's session record (`linux-x86_64`).
    public static var operatingSystem: String {
        #if os(Linux)
        let system = "linux"
        #elseif os(macOS)
        let system = "macos"
        #else
        let system = "unknown"
        #endif
        #if arch(x86_64)
        return system + "-x86_64"
        #elseif arch(arm64)
        return system + "-arm64"
        #else
        return system
        #endif
    }
}
