/// Rotation (`money.md`, "Rotate"): an active key K is replaced by a new key K′ with the same name,
/// expiry and allowance, which takes over K's reservation.
///
/// The order that keeps the money rules:
/// 1. K′ is inserted `provisioning` with limit 0 and nothing reserved (it `replaces` K); one rotation
///    of a key at a time.
/// 2. K′ is created at the provider with limit 0 (and the operator's guardrail): it exists but cannot
///    spend. Its hash and link-token verifier are stored; it stays `provisioning`.
/// 3. K is disabled at the provider, and its usage read.
/// 4. One transaction: K's usage growth is posted as spend (from K's reservation), K becomes
///    `disabled(rotated)` and names K′, K's remaining reservation R is released and R reserved for K′
///    (so available does not move), K′ becomes `active` with limit R.
/// 5. K′'s provider limit is raised to R.
///
/// So K and K′ together never can spend more than K's reservation: K′'s provider limit is 0 until K is
/// disabled there and settled. Every failure leaves K working unchanged or K′ working. Recovery, by the
/// reconciler once the provisioning grace has passed (a slower request is still running and must not be
/// overtaken):
/// - stopped before 3: K works unchanged; K′ is abandoned as any stuck provisioning key.
/// - stopped after 3, before 4: nobody holds K′'s secret (it exists only in the request that died), so
///   K′ is abandoned and K enabled again at the provider, unchanged — it still holds its reservation
///   (``ReconcileAction/undoRotation(old:new:_:)``). The rotation did not happen; the maintainer
///   rotates again.
/// - stopped after 4: K′ is active; its provider limit is put right by the limit restore.
/// K's late charges settle as after a revoke. A project in debt cannot rotate (the cap runs first);
/// should available still fall below what K held, K′ reserves only what is left.
public enum KeyRotation {
    /// Why a key cannot be rotated.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case notActive(ComputeKeyState)
        case expired
        case inProgress(KeyID)
        case projectSuspended
        case projectInDebt
        /// The rotation was overtaken: the reconciler abandoned the successor (the request was slower
        /// than the provisioning grace) or the old key was revoked meanwhile.
        case overtaken

        public var code: String {
            switch self {
            case .notActive: "key_not_active"
            case .expired: "key_expired"
            case .inProgress: "rotation_in_progress"
            case .projectSuspended: "project_suspended"
            case .projectInDebt: "project_in_debt"
            case .overtaken: "rotation_overtaken"
            }
        }

        public var description: String {
            switch self {
            case .notActive(let state):
                "Only an active key can be rotated; this one is \(state). Create a new key instead."
            case .expired: "This key has expired; create a new key instead."
            case .inProgress(let successor):
                "This key is already being rotated (to \(successor)); wait a moment and reload."
            case .projectSuspended: "The project is suspended; no key can be rotated or created."
            case .projectInDebt:
                "The project is in debt; opub lowers its keys first. Rotate once the balance is positive again."
            case .overtaken:
                "The rotation did not finish in time or the key was revoked meanwhile; reload the keys page to see "
                    + "where it stands."
            }
        }
    }

    /// Checks that `state` (expiring at `expiresAt`) may be rotated now.
    public static func check(
        state: ComputeKeyState, expiresAt: Timestamp?, successorInProgress: KeyID?, projectSuspended: Bool,
        projectAvailable: Money, now: Timestamp
    ) throws(Refusal) {
        guard !projectSuspended else { throw .projectSuspended }
        guard !projectAvailable.isNegative else { throw .projectInDebt }
        guard state == .active else { throw .notActive(state) }
        if let expiresAt, expiresAt <= now { throw .expired }
        if let successorInProgress { throw .inProgress(successorInProgress) }
    }

    /// What the successor reserves: all that the old key still held once its final usage was posted,
    /// but never more than available after that is released (a project that fell into debt meanwhile
    /// keeps the rest toward its debt).
    public static func transfer(released: Money, availableAfterRelease available: Money) -> Money {
        max(.zero, min(released, available))
    }
}
