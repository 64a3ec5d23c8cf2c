/// How far a day's provider traces of a key fall short of (or exceed) the provider's `/activity` for
/// that day. Traces never move money, so a gap is an operator's signal — a Broadcast destination that
/// drops deliveries, or one set up late — not a ledger error.
public enum TraceGap {
    /// `activity − traces` when it is more than rounding: each trace's cost is rounded to a micro-dollar,
    /// so up to one micro-dollar per request on either side is no gap. Nil when the two agree.
    public static func of(activity: Money, activityRequests: Int64, traces: Money, traceRequests: Int64) -> Money? {
        let gap = activity - traces
        let rounding = Money(micros: max(activityRequests, traceRequests, 1))
        return gap.micros.magnitude > rounding.micros.magnitude ? gap : nil
    }
}
