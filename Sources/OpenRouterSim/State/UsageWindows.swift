import OpenRouter
import OpubCore

/// The calendar windows a key's usage is counted in. Days start at 00:00 UTC; weeks start on Monday;
/// months on the 1st.
enum UsageWindow {
    static func day(_ time: Timestamp) -> Int64 {
        let micros = time.microsSinceEpoch
        let perDay: Int64 = 86_400_000_000
        return micros >= 0 ? micros / perDay : (micros - perDay + 1) / perDay
    }

    /// The day number of the Monday that starts `time`'s week (1970-01-01 was a Thursday).
    static func week(_ time: Timestamp) -> Int64 {
        let day = day(time)
        let sinceMonday = ((day + 3) % 7 + 7) % 7
        return day - sinceMonday
    }

    static func month(_ time: Timestamp) -> Int64 {
        let civil = CivilDate(daysSinceEpoch: day(time))
        return civil.year * 12 + civil.month - 1
    }

    static func index(_ reset: KeyLimitReset, _ time: Timestamp) -> Int64 {
        switch reset {
        case .daily: return day(time)
        case .weekly: return week(time)
        case .monthly: return month(time)
        }
    }
}

/// A key's usage: lifetime, and the current day, week and month (each remembers which window it counts,
/// so a read in a later window sees zero without any reset job).
struct UsageCounters: Sendable, Codable, Hashable {
    var total = NanoUSD.zero
    var daily = NanoUSD.zero
    var weekly = NanoUSD.zero
    var monthly = NanoUSD.zero
    var dayIndex: Int64 = .min
    var weekIndex: Int64 = .min
    var monthIndex: Int64 = .min

    mutating func add(_ amount: NanoUSD, at time: Timestamp) {
        total += amount
        let day = UsageWindow.day(time)
        let week = UsageWindow.week(time)
        let month = UsageWindow.month(time)
        if dayIndex != day { (dayIndex, daily) = (day, .zero) }
        if weekIndex != week { (weekIndex, weekly) = (week, .zero) }
        if monthIndex != month { (monthIndex, monthly) = (month, .zero) }
        daily += amount
        weekly += amount
        monthly += amount
    }

    func usage(in reset: KeyLimitReset?, at time: Timestamp) -> NanoUSD {
        switch reset {
        case nil: return total
        case .daily: return dayIndex == UsageWindow.day(time) ? daily : .zero
        case .weekly: return weekIndex == UsageWindow.week(time) ? weekly : .zero
        case .monthly: return monthIndex == UsageWindow.month(time) ? monthly : .zero
        }
    }

    /// Removes a charge made at `chargedAt` from the counts as seen at `now` (for delayed reporting).
    mutating func hide(_ amount: NanoUSD, chargedAt: Timestamp, now: Timestamp) {
        total -= amount
        if UsageWindow.day(chargedAt) == dayIndex, dayIndex == UsageWindow.day(now) { daily -= amount }
        if UsageWindow.week(chargedAt) == weekIndex, weekIndex == UsageWindow.week(now) { weekly -= amount }
        if UsageWindow.month(chargedAt) == monthIndex, monthIndex == UsageWindow.month(now) { monthly -= amount }
    }
}
