import Foundation

/// Where a key's secret lives: a 0600 file in a 0700 directory (the default), or the OS keychain
/// through `secret-tool` (libsecret) with `--store keyring`.
public enum SecretStoreKind: String, Sendable, CaseIterable {
    case file
    case keyring
}

/// Stores, reads and forgets provider secrets.
public struct SecretStore: Sendable {
    let paths: OpubPaths
    let processes: any ProcessRunner
    let environment: [String: String]

    public init(paths: OpubPaths, processes: any ProcessRunner, environment: [String: String]) {
        self.paths = paths
        self.processes = processes
        self.environment = environment
    }

    public func save(_ secret: String, keyID: String, in kind: SecretStoreKind) async throws {
        switch kind {
        case .file:
            try PrivateFiles.makeDirectory(paths.dataDirectory)
            try PrivateFiles.write(secret + "\n", to: paths.secretFile(for: keyID))
        case .keyring:
            let tool = try secretTool()
            let output = try await processes.run(
                tool, ["store", "--label=opub compute key \(keyID)", "service", "opub", "key", keyID], input: secret,
                environment: environment, directory: nil, timeout: .seconds(30))
            guard output.status == 0 else {
                throw CLIError(
                    "The keychain refused to store the key (secret-tool: \(output.standardError.trimmed)). "
                        + "Unlock it, or use --store file.")
            }
        }
    }

    /// The secret, or nil when none is stored.
    public func load(keyID: String, from kind: SecretStoreKind) async throws -> String? {
        switch kind {
        case .file:
            return try PrivateFiles.read(paths.secretFile(for: keyID))?.trimmed
        case .keyring:
            let tool = try secretTool()
            let output = try await processes.run(
                tool, ["lookup", "service", "opub", "key", keyID], input: nil, environment: environment,
                directory: nil, timeout: .seconds(30))
            let secret = output.standardOutput.trimmed
            return output.status == 0 && !secret.isEmpty ? secret : nil
        }
    }

    public func delete(keyID: String, from kind: SecretStoreKind) async throws {
        switch kind {
        case .file:
            PrivateFiles.remove(paths.secretFile(for: keyID))
        case .keyring:
            let tool = try secretTool()
            _ = try await processes.run(
                tool, ["clear", "service", "opub", "key", keyID], input: nil, environment: environment,
                directory: nil, timeout: .seconds(30))
        }
    }

    private func secretTool() throws -> String {
        guard let tool = ExecutableLookup.find("secret-tool", path: environment["PATH"]) else {
            throw CLIError(
                "No usable keychain: `secret-tool` is not installed (Debian/Ubuntu: apt install libsecret-tools). "
                    + "Install it, or keep the key in a 0600 file with --store file (the default).")
        }
        return tool
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
