import Testing

@testable import OpubCore

@Suite("Compute key state machine")
struct ComputeKeyStateTests {
    static let states: [ComputeKeyState] =
        [.provisioning, .active]
        + DisabledReason.allCases.flatMap { reason in ProviderSync.allCases.map { .disabled(reason, $0) } }
    static let events: [ComputeKeyEvent] =
        [.provisioned, .confirmedDisabledAtProvider, .confirmedDeletedAtProvider]
        + DisabledReason.allCases.map { .disable($0) }

    /// The whole transition table, written out independently of the implementation.
    static func expected(_ state: ComputeKeyState, _ event: ComputeKeyEvent) -> ComputeKeyState? {
        switch (state, event) {
        case (.provisioning, .provisioned): return .active
        case (.provisioning, .disable(.provisioningFailed)): return .disabled(.provisioningFailed, .disablePending)
        case (.active, .disable(let reason)):
            return reason == .provisioningFailed ? nil : .disabled(reason, .disablePending)
        case (.disabled(let reason, .disablePending), .confirmedDisabledAtProvider):
            return .disabled(reason, .disabledAtProvider)
        case (.disabled(let reason, .disablePending), .confirmedDeletedAtProvider),
            (.disabled(let reason, .disabledAtProvider), .confirmedDeletedAtProvider):
            return .disabled(reason, .deletedAtProvider)
        default: return nil
        }
    }

    @Test("allows exactly the legal transitions", arguments: states)
    func table(state: ComputeKeyState) {
        for event in Self.events {
            if let next = Self.expected(state, event) {
                #expect((try? state.applying(event)) == next, "\(state) + \(event)")
            } else {
                #expect(throws: IllegalKeyTransition(from: state, event: event)) { try state.applying(event) }
            }
        }
    }

    @Test("disabled never becomes active again")
    func final() {
        for reason in DisabledReason.allCases {
            for sync in ProviderSync.allCases {
                let state = ComputeKeyState.disabled(reason, sync)
                #expect(throws: IllegalKeyTransition.self) { try state.applying(.provisioned) }
                #expect(throws: IllegalKeyTransition.self) { try state.applying(.disable(.revoked)) }
            }
        }
    }

    @Test("stored columns round-trip, impossible combinations are refused", arguments: states)
    func columns(state: ComputeKeyState) {
        #expect(
            ComputeKeyState(status: state.status, reason: state.reason?.rawValue, sync: state.providerSync?.rawValue)
                == state)
    }

    @Test("impossible stored combinations are refused")
    func impossible() {
        #expect(ComputeKeyState(status: "active", reason: "revoked", sync: nil) == nil)
        #expect(ComputeKeyState(status: "disabled", reason: nil, sync: "disable_pending") == nil)
        #expect(ComputeKeyState(status: "disabled", reason: "bored", sync: "disable_pending") == nil)
        #expect(ComputeKeyState(status: "enabled", reason: nil, sync: nil) == nil)
    }

    @Test("a key is settled once the provider confirmed the disable")
    func settled() {
        #expect(!ComputeKeyState.active.isSettled)
        #expect(!ComputeKeyState.disabled(.revoked, .disablePending).isSettled)
        #expect(ComputeKeyState.disabled(.revoked, .disabledAtProvider).isSettled)
        #expect(ComputeKeyState.disabled(.expired, .deletedAtProvider).isSettled)
    }
}
