#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One axis of a chart: the value range it shows, its tick values and their labels.
///
/// Ticks are "nice" numbers (1, 2 or 5 times a power of ten) and the range is widened to
/// whole ticks; a range of one value is widened around it, and an empty one is 0…1.
struct ChartAxis {
    let lower: Double
    let upper: Double
    let ticks: [Double]
    /// Digits after the point in the tick labels.
    let places: Int

    /// An axis covering every finite value in `values` (others ignored), about `tickCount`
    /// ticks, kept within `limits` when given (unless the values lie wholly outside them).
    init(covering values: [Double], tickCount: Int = 5, limits: ClosedRange<Double>? = nil) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if !(high > low) {
            let pad = low == 0 ? 0.5 : low.magnitude * 0.05
            low -= pad
            high += pad
        }
        if let limits, max(low, limits.lowerBound) < min(high, limits.upperBound) {
            low = max(low, limits.lowerBound)
            high = min(high, limits.upperBound)
        }
        guard let step = Self.niceStep(span: high - low, tickCount: tickCount) else {
            // A span too wide for doubles: just the ends.
            self.init(lower: low, upper: high, ticks: [low, high], places: 0)
            return
        }
        var lower = (low / step).rounded(.down) * step
        var upper = (high / step).rounded(.up) * step
        if let limits, max(lower, limits.lowerBound) < min(upper, limits.upperBound) {
            lower = max(lower, limits.lowerBound)
            upper = min(upper, limits.upperBound)
        }
        self.init(lower: lower, upper: upper, step: step)
    }

    /// An axis of whole numbers (epochs) from `first` to `last`, ticks on whole multiples.
    init(wholeNumbersFrom first: Int, to last: Int, tickCount: Int = 6) {
        var low = Double(min(first, last))
        var high = Double(max(first, last))
        if high == low {
            low -= 1
            high += 1
        }
        let step = max(1, (Self.niceStep(span: high - low, tickCount: tickCount) ?? 1).rounded(.up))
        let ticks = Self.multiples(of: step, from: low, to: high)
        self.init(lower: low, upper: high, ticks: ticks, places: 0)
    }

    private init(lower: Double, upper: Double, step: Double) {
        let places = max(0, min(10, Int((-log10(step) - 1e-9).rounded(.up))))
        self.init(lower: lower, upper: upper, ticks: Self.multiples(of: step, from: lower, to: upper),
                  places: places)
    }

    private init(lower: Double, upper: Double, ticks: [Double], places: Int) {
        self.lower = lower
        self.upper = upper
        self.ticks = ticks
        self.places = places
    }

    /// Where `value` falls between `lower` (0) and `upper` (1), computed on halves so that
    /// the difference of two huge doubles cannot overflow.
    func fraction(_ value: Double) -> Double {
        let span = upper / 2 - lower / 2
        return span > 0 ? (value / 2 - lower / 2) / span : 0.5
    }

    /// The label of a tick value.
    func label(_ value: Double) -> String {
        decimalText(value, places: places)
    }

    /// The 1, 2 or 5 × 10ⁿ step giving about `tickCount` intervals over `span`; nil when the
    /// span is not a positive finite number.
    private static func niceStep(span: Double, tickCount: Int) -> Double? {
        let raw = span / Double(max(1, tickCount))
        guard raw.isFinite, raw > 0 else { return nil }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let normalized = raw / magnitude
        let factor: Double = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10
        return factor * magnitude
    }

    /// The multiples of `step` within `low…high` (computed by index, so no drift).
    private static func multiples(of step: Double, from low: Double, to high: Double) -> [Double] {
        let first = (low / step - 1e-9).rounded(.up)
        let last = (high / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1000 else { return [low, high] }
        return (0...Int(last - first)).map { (first + Double($0)) * step }
    }
}
