import Foundation
import Synchronization

/// Where a command's words go: results on stdout, diagnostics on stderr; colour only on a terminal
/// and never with `NO_COLOR`; informational lines dropped with `--quiet`.
public struct Console: Sendable {
    public enum Stream: Sendable { case output, error }

    let sink: any OutputSink
    public let useColor: Bool
    public let quiet: Bool
    public let json: Bool

    public init(sink: any OutputSink, environment: [String: String], quiet: Bool, json: Bool) {
        self.sink = sink
        self.quiet = quiet
        self.json = json
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        self.useColor = !noColor && environment["TERM"] != "dumb" && sink.isTerminal(.error)
    }

    /// A result line on stdout.
    public func result(_ line: String) { sink.write(line + "\n", to: .output) }

    /// An informational line on stderr, dropped with `--quiet`.
    public func info(_ line: String) {
        guard !quiet else { return }
        sink.write(line + "\n", to: .error)
    }

    /// A warning on stderr (kept with `--quiet`).
    public func warn(_ line: String) { sink.write("opub: " + line + "\n", to: .error) }

    /// `✓`/`✗` marks, green and red on a colour terminal.
    public func mark(_ ok: Bool) -> String {
        let symbol = ok ? "✓" : "✗"
        guard useColor else { return symbol }
        return (ok ? "\u{1B}[32m" : "\u{1B}[31m") + symbol + "\u{1B}[0m"
    }

    /// Writes `value` as pretty JSON on stdout.
    public func emitJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        result(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// The two output streams.
public protocol OutputSink: Sendable {
    func write(_ text: String, to stream: Console.Stream)
    func isTerminal(_ stream: Console.Stream) -> Bool
}

/// The process's real stdout and stderr.
public struct StandardStreams: OutputSink {
    public init() {}

    public func write(_ text: String, to stream: Console.Stream) {
        let descriptor: Int32 = stream == .output ? 1 : 2
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    public func isTerminal(_ stream: Console.Stream) -> Bool { isatty(stream == .output ? 1 : 2) == 1 }
}

/// Output kept in memory, for tests.
public final class RecordedOutput: OutputSink {
    private let state = Mutex<(output: String, error: String)>(("", ""))

    public init() {}

    public func write(_ text: String, to stream: Console.Stream) {
        state.withLock { recorded in
            if stream == .output { recorded.output += text } else { recorded.error += text }
        }
    }

    public func isTerminal(_ stream: Console.Stream) -> Bool { false }

    public var output: String { state.withLock { $0.output } }
    public var error: String { state.withLock { $0.error } }
}
