import OpubCore
import OpubSurfaces

/// Links a running session to opub without ever holding up the agent: `PUT /cli/sessions/{ls}` with
/// retries in the background (backoff from 0.5 s doubling to 5 s), heartbeats every interval once
/// linked, and the end call when the agent exits. While opub is unreachable, one line on stderr says
/// the session is unlinked; a later successful link says so too.
actor SessionLinker {
    private let client: OpubServerClient
    private let sessionID: SessionID
    private let start: CLISessionStart
    private let heartbeatInterval: Duration
    private let console: Console
    private let onLinkChange: @Sendable (Bool) -> Void
    private let debug: Bool

    private(set) var linked = false
    private var announcedUnlinked = false
    private var announcedDisabled = false

    init(
        client: OpubServerClient, sessionID: SessionID, start: CLISessionStart, heartbeatInterval: Duration,
        console: Console, debug: Bool = false, onLinkChange: @escaping @Sendable (Bool) -> Void
    ) {
        self.debug = debug
        self.client = client
        self.sessionID = sessionID
        self.start = start
        self.heartbeatInterval = heartbeatInterval
        self.console = console
        self.onLinkChange = onLinkChange
    }

    /// Links, then heartbeats, until cancelled (when the agent exits).
    func run() async {
        var backoff = Duration.milliseconds(500)
        while !Task.isCancelled, !linked {
            if await tryLink() { break }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
        // A session the server refused for good (a 4xx) has nothing to heartbeat.
        guard linked else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: heartbeatInterval)
            if Task.isCancelled { return }
            await beat()
        }
    }

    /// Runs one call to completion even when the agent exits meanwhile: a link or end call that reached
    /// the server must get its answer, or the session would be half recorded. The detached task lives at
    /// most the client's timeout.
    private func uncancelled<R: Sendable>(
        _ call: @escaping @Sendable (OpubServerClient) async throws -> R
    ) async throws -> R {
        let client = self.client
        return try await Task.detached { try await call(client) }.value
    }

    private func note(_ error: any Error) {
        if debug { console.warn("debug: \(error)") }
    }

    /// One attempt to link; true once linked (or when the server refused for good).
    private func tryLink() async -> Bool {
        let (sessionID, start) = (self.sessionID, self.start)
        do {
            let notices = try await uncancelled { try await $0.startSession(sessionID, start) }
            linked = true
            onLinkChange(true)
            if announcedUnlinked { console.info("opub: session \(sessionID) is now linked") }
            for notice in notices { console.warn(notice) }
            return true
        } catch is CancellationError {
            return false
        } catch let error as OpubServerError {
            note(error)
            if case .unreachable = error {
                announceUnlinked(because: error.description)
                return false
            }
            if let status = error.status, (400..<500).contains(status), status != 408, status != 429 {
                announceUnlinked(because: error.description)
                return true
            }
            announceUnlinked(because: error.description)
            return false
        } catch {
            note(error)
            announceUnlinked(because: "\(error)")
            return false
        }
    }

    private func announceUnlinked(because reason: String) {
        guard !announcedUnlinked else { return }
        announcedUnlinked = true
        console.warn(
            "session \(sessionID) is unlinked: \(reason) The agent runs anyway; opub keeps trying to link "
                + "in the background.")
    }

    private func beat() async {
        let sessionID = self.sessionID
        do {
            try await uncancelled { try await $0.heartbeat(sessionID) }
        } catch let error as OpubServerError where error.code == "key_disabled" {
            guard !announcedDisabled else { return }
            announcedDisabled = true
            console.warn(
                "opub disabled this key (\(error)). The agent's requests will now be refused; "
                    + "see `opub status`.")
        } catch {
            // A missed heartbeat is retried at the next interval; the sweeper allows three.
            note(error)
        }
    }

    /// Ends the session at opub. A session that never linked gets one last link attempt first, so that
    /// short sessions are recorded too; the end call goes out even when that attempt's answer was lost
    /// (the server may have recorded it). Each call is bounded by the client's timeout.
    func finish(exit: AgentExit?) async {
        if !linked { _ = await tryLinkQuietly() }
        let reason = exit == nil ? "failed_to_start" : (exit?.signal != nil ? "signal" : "exited")
        let body = CLISessionEnd(exitCode: exit.map { Int($0.shellStatus) }, reason: reason)
        do {
            try await client.endSession(sessionID, body)
        } catch let error as OpubServerError {
            if linked || error.status != 404 { note(error) }
        } catch {
            note(error)
        }
    }

    private func tryLinkQuietly() async -> Bool {
        do {
            try await client.startSession(sessionID, start)
            linked = true
            return true
        } catch {
            note(error)
            return false
        }
    }
}
