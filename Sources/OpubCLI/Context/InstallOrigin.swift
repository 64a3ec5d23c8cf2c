import Foundation
import OpubSurfaces

/// Where this `opub` came from: the `.opub-installed-from` file that the server's install.sh writes
/// beside the binaries (`server=…`, `version=…`). Absent for a build from source.
public struct InstallOrigin: Sendable, Equatable {
    public var server: String
    public var version: String

    public static let fileName = ".opub-installed-from"

    public init(server: String, version: String) {
        self.server = server
        self.version = version
    }

    /// The origin recorded beside `executable`, nil when there is none or it is malformed.
    public static func read(besideExecutable executable: String?) -> InstallOrigin? {
        guard let executable else { return nil }
        let file = (executable as NSString).deletingLastPathComponent + "/" + fileName
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return parse(text)
    }

    static func parse(_ text: String) -> InstallOrigin? {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard let server = values["server"], !server.isEmpty, let version = values["version"] else { return nil }
        return InstallOrigin(server: server, version: version)
    }

    /// `opub --version`: the version, and the server it was installed from when install.sh recorded one.
    /// The record is read only when the command line asks for the version, so that no other command
    /// (`opub run` above all) pays a file read at start-up.
    public static func versionLine(arguments: [String] = CommandLine.arguments) -> String {
        guard arguments.contains("--version") else { return OpubVersion.current }
        return versionLine(origin: read(besideExecutable: OpubVersion.runningExecutable))
    }

    /// The version line for a known origin.
    public static func versionLine(origin: InstallOrigin?) -> String {
        guard let origin else { return OpubVersion.current }
        return "\(OpubVersion.current) (installed from \(origin.server), which distributed \(origin.version))"
    }
}

/// Dotted versions compared number by number (`0.10.0` is newer than `0.9.1`); anything after a `-` or
/// `+` is ignored.
public struct DottedVersion: Comparable, Sendable {
    let parts: [Int]

    public init?(_ text: String) {
        let core = text.split(whereSeparator: { $0 == "-" || $0 == "+" }).first.map(String.init) ?? ""
        let numbers = core.split(separator: ".").map { Int($0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
        parts = numbers.map { $0! }
    }

    /// `1.0` and `1.0.0` are the same version.
    public static func == (lhs: DottedVersion, rhs: DottedVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }

    public static func < (lhs: DottedVersion, rhs: DottedVersion) -> Bool {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            let left = index < lhs.parts.count ? lhs.parts[index] : 0
            let right = index < rhs.parts.count ? rhs.parts[index] : 0
            if left != right { return left < right }
        }
        return false
    }
}
