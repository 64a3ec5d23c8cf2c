import Testing

@testable import OpubCore

@Suite("Linked spend")
struct LinkedSpendTests {
    let base = Timestamp(microsSinceEpoch: 1_000_000_000_000)

    func at(_ seconds: Int64) -> Timestamp { base.adding(seconds: seconds) }

    func window(_ name: String, _ start: Int64, heartbeat: Int64, end: Int64? = nil) -> SessionWindow {
        SessionWindow(
            id: SessionID("ls_\(name)")!, startedAt: at(start), lastHeartbeatAt: at(heartbeat), endedAt: end.map(at))
    }

    @Test("a session a provider trace names inside the interval wins over overlap; the latest trace wins")
    func traced() {
        let old = SessionWindow(
            id: SessionID("ls_old")!, startedAt: at(0), lastHeartbeatAt: at(100), endedAt: nil, tracedAt: at(70))
        let new = window("new", 40, heartbeat: 100)
        #expect(LinkedSpend.session(coveringFrom: at(50), to: at(100), among: [old, new]) == SessionID("ls_old"))
        let other = SessionWindow(
            id: SessionID("ls_other")!, startedAt: at(45), lastHeartbeatAt: at(100), endedAt: nil, tracedAt: at(90))
        #expect(
            LinkedSpend.session(coveringFrom: at(50), to: at(100), among: [old, new, other]) == SessionID("ls_other"))
        // A trace outside the interval says nothing about this spend: overlap decides.
        let stale = SessionWindow(
            id: SessionID("ls_old")!, startedAt: at(0), lastHeartbeatAt: at(100), endedAt: nil, tracedAt: at(20))
        #expect(LinkedSpend.session(coveringFrom: at(50), to: at(100), among: [stale, new]) == SessionID("ls_new"))
    }

    @Test("a trace gap is what rounding cannot explain")
    func traceGap() {
        #expect(
            TraceGap.of(
                activity: Money(micros: 1_000), activityRequests: 3, traces: Money(micros: 998), traceRequests: 3)
                == nil)
        #expect(
            TraceGap.of(
                activity: Money(micros: 1_000), activityRequests: 3, traces: Money(micros: 500), traceRequests: 2)
                == Money(micros: 500))
        #expect(
            TraceGap.of(activity: .zero, activityRequests: 0, traces: Money(micros: 50), traceRequests: 1)
                == Money(micros: -50))
    }

    @Test("a session overlapping the interval links the spend")
    func overlap() {
        let sessions = [window("a", 10, heartbeat: 50, end: 55)]
        #expect(LinkedSpend.session(coveringFrom: at(0), to: at(60), among: sessions) == SessionID("ls_a"))
        #expect(LinkedSpend.session(coveringFrom: at(50), to: at(120), among: sessions) == SessionID("ls_a"))
    }

    @Test("a session that ended before the interval, or started after it, does not")
    func outside() {
        let ended = [window("a", 10, heartbeat: 50, end: 55)]
        #expect(LinkedSpend.session(coveringFrom: at(55), to: at(120), among: ended) == nil)
        let later = [window("b", 120, heartbeat: 130)]
        #expect(LinkedSpend.session(coveringFrom: at(0), to: at(120), among: later) == nil)
    }

    @Test("a silent session counts until its last heartbeat plus the grace")
    func grace() {
        let silent = [window("a", 0, heartbeat: 30)]
        #expect(LinkedSpend.session(coveringFrom: at(100), to: at(200), among: silent) == SessionID("ls_a"))
        #expect(LinkedSpend.session(coveringFrom: at(120), to: at(200), among: silent) == nil)
    }

    @Test("the most recently started of several overlapping sessions wins")
    func newest() {
        let sessions = [window("old", 0, heartbeat: 100), window("new", 40, heartbeat: 100)]
        #expect(LinkedSpend.session(coveringFrom: at(50), to: at(60), among: sessions) == SessionID("ls_new"))
    }
}
