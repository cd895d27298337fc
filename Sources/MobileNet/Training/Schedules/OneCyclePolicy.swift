#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shape of a learning-rate ramp between two values.
public enum Anneal: String, Sendable, Codable, CaseIterable {
    /// `start + (end − start)·p`.
    case linear
    /// `end + (start − end)·(1 + cos(π·p))/2` (PyTorch's `anneal_strategy="cos"`).
    case cosine

    /// The value a fraction `progress` ∈ [0, 1] of the way from `start` to `end`.
    public func value(from start: Double, to end: Double, progress: Double) -> Double {
        switch self {
        case .linear: return (end - start) * progress + start
        case .cosine: return end + (start - end) / 2 * (cos(Double.pi * progress) + 1)
        }
    }
}

/// Smith's one-cycle policy as PyTorch's `OneCycleLR` (two phases, `three_phase=False`):
/// over `T` total steps, with `e₁ = warmupFraction·T − 1` and `e₂ = T − 1`,
///
///     step s ≤ e₁:  lr = warmup.value(from: peak·startFraction, to: peak, progress: s / e₁)
///     step s > e₁:  lr = decay.value(from: peak, to: peak·endFraction, progress: (s − e₁) / (e₂ − e₁))
///
/// PyTorch's defaults are `warmupFraction` 0.3 (`pct_start`), `startFraction` 1/25
/// (`div_factor` 25), `endFraction` 1/25/10⁴ (`final_div_factor` 10⁴) and cosine for both phases;
/// this type's default warm-up is linear (PyTorch's `anneal_strategy` applies one shape to both).
public struct OneCyclePolicy: Sendable, Equatable, Codable {
    /// The largest learning rate, reached at the end of the warm-up.
    public var peak: Float
    /// Fraction of the steps spent rising to `peak` (PyTorch's `pct_start`).
    public var warmupFraction: Double
    /// The first learning rate as a fraction of `peak` (1/`div_factor`; 0 starts from zero).
    public var startFraction: Double
    /// The last learning rate as a fraction of `peak` (1/(`div_factor`·`final_div_factor`)).
    public var endFraction: Double
    /// The shape of the rise.
    public var warmup: Anneal
    /// The shape of the fall.
    public var decay: Anneal

    public init(peak: Float, warmupFraction: Double = 0.3, startFraction: Double = 1.0 / 25,
                endFraction: Double = 1.0 / 25 / 1e4, warmup: Anneal = .linear, decay: Anneal = .cosine) {
        self.peak = peak
        self.warmupFraction = warmupFraction
        self.startFraction = startFraction
        self.endFraction = endFraction
        self.warmup = warmup
        self.decay = decay
    }

    /// The learning rate of step `step` (0-based, clamped to the run) of `totalSteps`.
    public func learningRate(step: Int, totalSteps: Int) -> Double {
        let peak = Double(self.peak)
        let total = Double(max(totalSteps, 1))
        let s = Double(min(max(step, 0), max(totalSteps, 1) - 1))
        let warmupEnd = warmupFraction * total - 1
        if warmupEnd > 0 && s <= warmupEnd {
            return warmup.value(from: peak * startFraction, to: peak, progress: s / warmupEnd)
        }
        let decaySteps = total - 1 - warmupEnd  // > 0 since warmupFraction < 1
        guard decaySteps > 0 else { return peak }
        return decay.value(from: peak, to: peak * endFraction, progress: (s - warmupEnd) / decaySteps)
    }

    /// Throws a one-line error for values outside their range.
    public func validate() throws {
        if let problem { throw MobileNetError.invalidArgument("learning-rate schedule: \(problem)") }
    }

    /// What is out of range, or nil.
    var problem: String? {
        if !(peak.isFinite && peak > 0) { return "one-cycle peak learning rate must be positive, got \(peak)" }
        if !(0..<1).contains(warmupFraction) { return "one-cycle warm-up fraction must be in [0, 1), got \(warmupFraction)" }
        if !(0...1).contains(startFraction) || !(0...1).contains(endFraction) {
            return "one-cycle start and end fractions must be in [0, 1], got \(startFraction) and \(endFraction)"
        }
        return nil
    }
}
