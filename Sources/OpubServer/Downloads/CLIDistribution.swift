import Crypto
import Foundation
import OpubSurfaces
import Synchronization

/// The prebuilt `opub` and `opub-mcp` binaries this server hands out (`GET /downloads/opub/…`), so that
/// the key page's install line works on a machine without Swift.
///
/// Where they come from:
/// - `OPUB_CLI_DIST_DIR`: one folder per platform, `{dir}/{os}-{arch}/opub` and `…/opub-mcp` (what
///   `scripts/dist` writes), optionally with a `SHA256SUMS` file per platform (served as is, so a
///   release pipeline's sums are what installers check);
/// - otherwise the binaries beside the running `opub-server` (a sandbox started from a build serves
///   the CLI it was built with), for this machine's platform only.
///
/// Every binary served is this server's own version (``OpubVersion/current``): the distribution is the
/// CLI built from the same source. Sums are computed once per file (size and modification time) and
/// cached; the files themselves are streamed from disk.
public final class CLIDistribution: Sendable {
    /// The programs of a distribution, in the order installers fetch them.
    public static let programs = ["opub", "opub-mcp"]

    public let version: String
    private let root: Root
    private let sums = Mutex<[String: CachedSum]>([:])

    enum Root: Sendable {
        /// `{dir}/{platform}/{program}`.
        case folders(String)
        /// `{dir}/{program}`, for `platform` only.
        case besideServer(String, platform: String)
    }

    struct CachedSum: Sendable {
        let size: Int
        let modified: Date
        let hex: String
    }

    public init(directory: String?, serverExecutable: String? = OpubVersion.runningExecutable) {
        version = OpubVersion.current
        if let directory {
            root = .folders(directory)
        } else {
            let folder = serverExecutable.map { ($0 as NSString).deletingLastPathComponent } ?? ""
            root = .besideServer(folder, platform: OpubVersion.operatingSystem)
        }
    }

    /// The platforms (`linux-x86_64`, …) for which every program is present, sorted.
    public var platforms: [String] {
        switch root {
        case .folders(let directory):
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return entries.filter { isComplete(platform: $0) }.sorted()
        case .besideServer(_, let platform):
            return isComplete(platform: platform) ? [platform] : []
        }
    }

    func isComplete(platform: String) -> Bool {
        Self.isPlatformName(platform)
            && Self.programs.allSatisfy { path(of: $0, platform: platform).map(Self.isExecutableFile) ?? false }
    }

    /// `os-arch`, lowercase letters, digits and `_` only: never a path.
    static func isPlatformName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } }
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    /// The file of `program` for `platform`, nil for a program or platform this distribution cannot have.
    func path(of program: String, platform: String) -> String? {
        guard Self.programs.contains(program) || program == "SHA256SUMS", Self.isPlatformName(platform) else {
            return nil
        }
        switch root {
        case .folders(let directory):
            return "\(directory)/\(platform)/\(program)"
        case .besideServer(let directory, let served):
            guard platform == served, program != "SHA256SUMS" else { return nil }
            return "\(directory)/\(program)"
        }
    }

    /// The binary to stream, or nil when this distribution has none for that platform.
    public func binary(_ program: String, platform: String) -> String? {
        guard Self.programs.contains(program), isComplete(platform: platform) else { return nil }
        return path(of: program, platform: platform)
    }

    /// `SHA256SUMS` for a platform in `sha256sum` format (`<hex>  <program>` per line): the operator's file
    /// when the distribution folder has one, else computed from the binaries.
    public func checksums(platform: String) throws -> String? {
        guard isComplete(platform: platform) else { return nil }
        if let given = path(of: "SHA256SUMS", platform: platform), FileManager.default.fileExists(atPath: given) {
            return try String(contentsOfFile: given, encoding: .utf8)
        }
        return try Self.programs.map { program in
            "\(try sum(of: path(of: program, platform: platform)!))  \(program)\n"
        }.joined()
    }

    /// The SHA-256 of a file, from the cache while its size and modification time are unchanged.
    func sum(of path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        if let cached = sums.withLock({ $0[path] }), cached.size == size, cached.modified == modified {
            return cached.hex
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        sums.withLock { $0[path] = CachedSum(size: size, modified: modified, hex: hex) }
        return hex
    }
}
