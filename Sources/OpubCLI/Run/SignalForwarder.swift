import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Forwards signals opub receives to the agent. A signal that arrives before the agent exists is held
/// and delivered as soon as it does. Owned by the one function that runs the agent.
final class SignalForwarder {
    private let sources: [any DispatchSourceSignal]
    private let target = ForwardingTarget()

    init(signals: [Int32]) {
        let queue = DispatchQueue(label: "opub.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            // The default action would end opub before the agent; the source sees the signal instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let target = self.target
            source.setEventHandler { target.deliver(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func attach(to pid: pid_t) { target.attach(to: pid) }

    func stop() {
        for source in sources { source.cancel() }
    }
}

/// The agent's pid once it exists, and the signals held until then.
private final class ForwardingTarget: Sendable {
    private let state = Mutex<(child: Int32, pending: [Int32])>((0, []))

    func deliver(_ number: Int32) {
        state.withLock { state in
            if state.child > 0 { kill(state.child, number) } else { state.pending.append(number) }
        }
    }

    func attach(to pid: pid_t) {
        state.withLock { state in
            state.child = pid
            for number in state.pending { kill(pid, number) }
            state.pending.removeAll()
        }
    }
}
