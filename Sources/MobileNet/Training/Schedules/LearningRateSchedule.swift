#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The learning rate of every training step. `learningRate(step:totalSteps:stepsPerEpoch:)`
/// takes the 0-based step, the run's total steps and the steps per epoch:
///
/// - `constant`: `rate`.
/// - `step`: `rate · factor^⌊epoch / everyEpochs⌋`, `epoch = ⌊step / stepsPerEpoch⌋`
///   (PyTorch `StepLR` stepped once per epoch).
/// - `cosine`: `floor + (rate − floor)·(1 + cos(π·t/T))/2` with `t = step − W`, `T = totalSteps − W`
///   (PyTorch `CosineAnnealingLR(T_max: T, eta_min: floor)`; the last step is just above `floor`).
/// - `oneCycle`: see `OneCyclePolicy` (PyTorch `OneCycleLR`); it has its own warm-up.
///
/// The first three take an optional linear warm-up of `warmupEpochs` (W = round(warmupEpochs ·
/// stepsPerEpoch) steps): step `s < W` uses `target·(s + 1)/W`, where `target` is the schedule's
/// value at step W (PyTorch `LinearLR(start_factor: 1/W, total_iters: W − 1)` followed by the
/// schedule from step W, e.g. via `SequentialLR`).
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    case constant(rate: Float, warmupEpochs: Double = 0)
    case step(rate: Float, everyEpochs: Int, factor: Float, warmupEpochs: Double = 0)
    case cosine(rate: Float, floor: Float = 0, warmupEpochs: Double = 0)
    case oneCycle(OneCyclePolicy)

    /// The learning rate of 0-based step `step` (clamped to the run) of `totalSteps`.
    public func learningRate(step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        let total = max(totalSteps, 1)
        let s = min(max(step, 0), total - 1)
        let perEpoch = max(stepsPerEpoch, 1)
        if case .oneCycle(let policy) = self {
            return Float(policy.learningRate(step: s, totalSteps: total))
        }
        let warmup = warmupSteps(stepsPerEpoch: perEpoch, totalSteps: total)
        if s < warmup {
            let target = afterWarmup(step: warmup, warmup: warmup, totalSteps: total, stepsPerEpoch: perEpoch)
            return Float(target * Double(s + 1) / Double(warmup))
        }
        return Float(afterWarmup(step: s, warmup: warmup, totalSteps: total, stepsPerEpoch: perEpoch))
    }

    /// Warm-up steps: round(warmupEpochs · stepsPerEpoch), at most the whole run (0 for one-cycle).
    public func warmupSteps(stepsPerEpoch: Int, totalSteps: Int) -> Int {
        let epochs: Double
        switch self {
        case .constant(_, let w), .step(_, _, _, let w), .cosine(_, _, let w): epochs = w
        case .oneCycle: return 0
        }
        let steps = (epochs * Double(max(stepsPerEpoch, 1))).rounded()
        return steps.isFinite ? Int(min(max(steps, 0), Double(max(totalSteps, 0)))) : 0
    }

    /// The schedule without warm-up, at step `s` ≥ `warmup`.
    private func afterWarmup(step s: Int, warmup: Int, totalSteps: Int, stepsPerEpoch: Int) -> Double {
        switch self {
        case .constant(let rate, _):
            return Double(rate)
        case .step(let rate, let every, let factor, _):
            let drops = (s / stepsPerEpoch) / max(every, 1)
            return Double(rate) * pow(Double(factor), Double(drops))
        case .cosine(let rate, let floor, _):
            let span = Double(max(totalSteps - warmup, 1))
            let t = Double(s - warmup)
            return Double(floor) + (Double(rate) - Double(floor)) * (1 + cos(Double.pi * t / span)) / 2
        case .oneCycle(let policy):
            return policy.learningRate(step: s, totalSteps: totalSteps)
        }
    }

    /// The largest learning rate the schedule reaches (`rate`, or the one-cycle peak).
    public var peak: Float {
        switch self {
        case .constant(let rate, _), .step(let rate, _, _, _), .cosine(let rate, _, _): return rate
        case .oneCycle(let policy): return policy.peak
        }
    }

    /// Throws a one-line error for values outside their range.
    public func validate() throws {
        if let problem { throw MobileNetError.invalidArgument("learning-rate schedule: \(problem)") }
    }

    /// What is out of range, or nil.
    var problem: String? {
        func rateProblem(_ rate: Float) -> String? {
            rate.isFinite && rate > 0 ? nil : "learning rate must be positive, got \(rate)"
        }
        func warmupProblem(_ epochs: Double) -> String? {
            epochs.isFinite && epochs >= 0 ? nil : "warm-up epochs must be non-negative, got \(epochs)"
        }
        switch self {
        case .constant(let rate, let warmup):
            return rateProblem(rate) ?? warmupProblem(warmup)
        case .step(let rate, let every, let factor, let warmup):
            if every < 1 { return "step interval must be at least 1 epoch, got \(every)" }
            if !(factor.isFinite && factor > 0) { return "step factor must be positive, got \(factor)" }
            return rateProblem(rate) ?? warmupProblem(warmup)
        case .cosine(let rate, let floor, let warmup):
            if !(floor.isFinite && floor >= 0 && floor <= rate) { return "cosine floor must be in [0, \(rate)], got \(floor)" }
            return rateProblem(rate) ?? warmupProblem(warmup)
        case .oneCycle(let policy):
            return policy.problem
        }
    }
}
