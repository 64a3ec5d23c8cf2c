import Foundation
import OpubCore

/// The sandbox's generated server secret: `opub-secret-key` in the data directory, created on first
/// start (64 hex characters, file mode 0600) and reused afterwards, so sessions survive restarts.
enum SecretKeyFile {
    static let fileName = "opub-secret-key"

    static func loadOrCreate(in directory: String, random: any RandomSource) throws(ConfigurationError) -> String {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let manager = FileManager.default
        if let data = manager.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= 32 else {
                throw ConfigurationError(
                    setting: "OPUB_SECRET_KEY",
                    problem:
                        "The sandbox secret \(path) is shorter than 32 characters; delete it to generate a new one.")
            }
            return text
        }
        let secret = Hex.encode(random.bytes(32))
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard manager.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw ConfigurationError(
                setting: "OPUB_DATA_DIR",
                problem:
                    "Cannot write the sandbox secret to \(path) (\(error.localizedDescription)); set "
                    + "OPUB_DATA_DIR to a writable folder or set OPUB_SECRET_KEY."
            )
        }
        return secret
    }
}

extension ServerConfiguration {
    /// The server secret `serve` and `admin refund` run with: `OPUB_SECRET_KEY` when set (production
    /// always has it), else the sandbox's generated secret in the data directory (``SecretKeyFile``),
    /// created on first use.
    public func resolvedSecretKey(
        random: any RandomSource = SystemRandomSource()
    ) throws(ConfigurationError) -> String {
        if let secretKey { return secretKey }
        return try SecretKeyFile.loadOrCreate(in: dataDirectory, random: random)
    }
}
