import Foundation

/// What a finished helper process said.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

/// Runs short helper programs (`git`, `secret-tool`, `claude --version`) and captures their output.
public protocol ProcessRunner: Sendable {
    /// - Parameter executable: an absolute path.
    func run(
        _ executable: String, _ arguments: [String], input: String?, environment: [String: String],
        directory: String?, timeout: Duration
    ) async throws -> ProcessOutput
}

/// Helper processes through Foundation's `Process`.
public struct FoundationProcessRunner: ProcessRunner {
    public init() {}

    public func run(
        _ executable: String, _ arguments: [String], input: String?, environment: [String: String],
        directory: String?, timeout: Duration
    ) async throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        // Reading both pipes to the end cannot deadlock: each is drained on its own thread. A helper that
        // outlives `timeout` is terminated, which closes its pipes and ends the reads.
        let (out, err) = await withTaskGroup(of: (Data, Data)?.self) { group in
            group.addTask {
                async let outData = Self.readAll(output.fileHandleForReading)
                async let errData = Self.readAll(errors.fileHandleForReading)
                return await (outData, errData)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled, process.isRunning { process.terminate() }
                return nil
            }
            var result: (Data, Data) = (Data(), Data())
            while let next = await group.next() {
                if let next {
                    result = next
                    group.cancelAll()
                }
            }
            return result
        }
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: err, as: UTF8.self))
    }

    private static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}

/// Finds programs on a `PATH`.
public enum ExecutableLookup {
    /// The first executable file named `program` in `path`'s directories (or `program` itself when it
    /// contains a slash).
    public static func find(_ program: String, path: String?) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(program)" : "\(directory)/\(program)"
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
