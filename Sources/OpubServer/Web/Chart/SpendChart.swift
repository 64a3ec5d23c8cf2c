import Foundation
import OpubCore
import OpubStore

/// The project page's spend chart: daily spend over 30 days as stacked bars, linked (solid) under
/// unlinked (hatched), computed here as plain geometry and drawn as inline SVG by the template (so no
/// script, no image request, and every number it prints goes through the template's escaping).
///
/// The same numbers are offered as text: a one-sentence summary (the SVG's description) and a table.
struct SpendChart: Sendable {
    static let width = 600.0
    static let height = 236.0
    static let plotLeft = 70.0
    static let plotRight = 584.0
    static let plotTop = 12.0
    static let plotBottom = 196.0

    struct Bar: Sendable {
        let x: String
        let width: String
        let linkedY: String
        let linkedHeight: String
        let unlinkedY: String
        let unlinkedHeight: String
        let hasLinked: Bool
        let hasUnlinked: Bool
        /// The bar's tooltip: `Nov 3: $0.12 linked, $0.03 unlinked`.
        let label: String
    }

    struct Tick: Sendable {
        let y: String
        let label: String
    }

    struct DayLabel: Sendable {
        let x: String
        let label: String
    }

    struct Row: Sendable {
        let date: String
        let linked: String
        let unlinked: String
        let total: String
    }

    let bars: [Bar]
    let ticks: [Tick]
    let dayLabels: [DayLabel]
    /// Days with spend, newest first, for the table (days without spend are left out of it).
    let rows: [Row]
    let summary: String
    let hasSpend: Bool
    let viewBox = "0 0 \(Int(width)) \(Int(height))"
    let plotLeft = format(SpendChart.plotLeft)
    let plotRight = format(SpendChart.plotRight)
    let plotBottom = format(SpendChart.plotBottom)

    init(days: [DailySpend]) {
        let maximum = days.map(\.total.micros).max() ?? 0
        // At least $0.0002, so that the middle tick is a whole $0.0001 (the finest the labels show).
        let scale = maximum > 0 ? Self.niceCeiling(max(maximum, 200)) : Money.microsPerDollar
        let plotHeight = Self.plotBottom - Self.plotTop
        let slot = (Self.plotRight - Self.plotLeft) / Double(max(days.count, 1))
        let barWidth = max(slot * 0.7, 1)
        func y(_ micros: Int64) -> Double { Self.plotBottom - Double(micros) / Double(scale) * plotHeight }

        var bars: [Bar] = []
        var labels: [DayLabel] = []
        for (index, day) in days.enumerated() {
            let x = Self.plotLeft + Double(index) * slot + (slot - barWidth) / 2
            let linkedTop = y(day.linked.micros)
            let totalTop = y(day.total.micros)
            let date = day.date
            bars.append(
                Bar(
                    x: Self.format(x), width: Self.format(barWidth), linkedY: Self.format(linkedTop),
                    linkedHeight: Self.format(Self.plotBottom - linkedTop), unlinkedY: Self.format(totalTop),
                    unlinkedHeight: Self.format(linkedTop - totalTop), hasLinked: day.linked.isPositive,
                    hasUnlinked: day.unlinked.isPositive,
                    label: "\(Self.short(date)): \(day.linked.formattedPrecise()) linked, "
                        + "\(day.unlinked.formattedPrecise()) unlinked"))
            if (days.count - 1 - index) % 7 == 0 {  // every seventh day, ending today
                labels.append(DayLabel(x: Self.format(x + barWidth / 2), label: Self.short(date)))
            }
        }
        self.bars = bars
        dayLabels = labels
        ticks = [0, 1, 2].map { step in
            let value = scale / 2 * Int64(step)
            return Tick(y: Self.format(y(value)), label: Money(micros: value).formattedPrecise())
        }
        rows = days.filter { !$0.total.isZero }.reversed().map { day in
            Row(
                date: day.date.iso8601,
                linked: day.linked.formattedPrecise(), unlinked: day.unlinked.formattedPrecise(),
                total: day.total.formattedPrecise())
        }
        let total = days.reduce(Money.zero) { $0 + $1.total }
        let linked = days.reduce(Money.zero) { $0 + $1.linked }
        hasSpend = total.isPositive
        if let first = days.first, let last = days.last, total.isPositive {
            let busiest = days.max { $0.total < $1.total }!
            summary =
                "Spend per day from \(Self.short(first.date)) to "
                + "\(Self.short(last.date)): \(total.formattedPrecise()) in all, "
                + "\(linked.formattedPrecise()) of it linked (\(WebFormat.percent(Double(linked.micros) / Double(total.micros)))). "
                + "The busiest day was \(Self.short(busiest.date)) with "
                + "\(busiest.total.formattedPrecise())."
        } else {
            summary = "No spend in the last \(days.count) days."
        }
    }

    /// The smallest 1, 2 or 5 × 10ⁿ micro-dollars at or above `value`, so the axis reads in round numbers.
    static func niceCeiling(_ value: Int64) -> Int64 {
        var magnitude: Int64 = 1
        while magnitude <= Int64.max / 10, magnitude * 10 <= value { magnitude *= 10 }
        for step in [1, 2, 5, 10] as [Int64] where magnitude * step >= value { return magnitude * step }
        return value
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func short(_ date: CivilDate) -> String { "\(months[Int(date.month) - 1]) \(date.day)" }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
