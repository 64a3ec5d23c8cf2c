import Foundation
import Logging
import MCP

/// Stdio, with one repair on the way in: the MCP spec lets a client's `capabilities.experimental`
/// hold objects (Codex sends `{"codex/auth-change": {}}`), but the MCP SDK in use decodes that field as
/// string values and answers such an `initialize` with an internal error — Codex then drops opub's
/// server without a word. Object (or other non-string) values there are rewritten to their JSON text
/// before the SDK decodes the message; every other message passes through unchanged.
actor InitializeCompatibleTransport: Transport {
    private let inner = StdioTransport()

    nonisolated var logger: Logger { inner.logger }

    func connect() async throws { try await inner.connect() }

    func disconnect() async { await inner.disconnect() }

    func send(_ data: Data) async throws { try await inner.send(data) }

    func receive() -> AsyncThrowingStream<Data, any Swift.Error> {
        let upstream = inner
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await message in await upstream.receive() {
                        continuation.yield(Self.repaired(message))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `message` with non-string `params.capabilities.experimental` values of an `initialize` request
    /// turned into their JSON text; anything else (or anything unparsable) unchanged.
    static func repaired(_ message: Data) -> Data {
        guard message.range(of: Data("\"initialize\"".utf8)) != nil,
            var object = (try? JSONSerialization.jsonObject(with: message)) as? [String: Any],
            object["method"] as? String == "initialize",
            var params = object["params"] as? [String: Any],
            var capabilities = params["capabilities"] as? [String: Any],
            let experimental = capabilities["experimental"] as? [String: Any],
            experimental.values.contains(where: { !($0 is String) })
        else { return message }
        capabilities["experimental"] = experimental.mapValues { value -> String in
            if let text = value as? String { return text }
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
            return data.flatMap { String(data: $0, encoding: .utf8) } ?? ""
        }
        params["capabilities"] = capabilities
        object["params"] = params
        return (try? JSONSerialization.data(withJSONObject: object)) ?? message
    }
}
