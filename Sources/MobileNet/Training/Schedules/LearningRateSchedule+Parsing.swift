/// Command-line form of a schedule, with the base (or peak) rate given separately:
///
///     constant | step:EPOCHS:FACTOR | cosine[:FLOOR] | onecycle[:FRACTION[:cosine|linear]]
///
/// optionally followed by `,warmup:EPOCHS` (not for onecycle, which warms up by itself).
/// Examples: `constant`, `step:30:0.1`, `cosine:0.0001,warmup:5`, `onecycle:0.15` (15 % warm-up),
/// `onecycle:0.3:linear` (linear fall). FLOOR is an absolute learning rate; FRACTION is the
/// warm-up share of all steps.
extension LearningRateSchedule {
    /// The accepted forms, for help texts and errors.
    public static let syntax = "constant | step:EPOCHS:FACTOR | cosine[:FLOOR] | onecycle[:FRACTION[:cosine|linear]], then optionally ,warmup:EPOCHS"

    /// Parses `text` (see the type's syntax) with `learningRate` as the base or peak rate;
    /// throws a one-line error naming what is wrong.
    public init(parsing text: String, learningRate: Float) throws {
        func fail(_ reason: String) -> MobileNetError {
            .invalidArgument("learning-rate schedule '\(text)': \(reason) (expected \(Self.syntax))")
        }
        var pieces = text.lowercased().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var warmup = 0.0
        if pieces.count == 2 {
            let option = pieces.removeLast().split(separator: ":", omittingEmptySubsequences: false)
            guard option.count == 2, option[0] == "warmup", let epochs = Double(option[1]) else {
                throw fail("the option after ',' must be warmup:EPOCHS")
            }
            warmup = epochs
        }
        guard pieces.count == 1 else { throw fail("at most one ',' option") }
        let fields = pieces[0].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ index: Int, _ what: String) throws -> Double {
            guard let value = Double(fields[index]) else { throw fail("\(what) '\(fields[index])' is not a number") }
            return value
        }
        switch (fields[0], fields.count) {
        case ("constant", 1):
            self = .constant(rate: learningRate, warmupEpochs: warmup)
        case ("step", 3):
            guard let every = Int(fields[1]) else { throw fail("EPOCHS '\(fields[1])' is not a whole number") }
            self = .step(rate: learningRate, everyEpochs: every, factor: Float(try number(2, "FACTOR")),
                         warmupEpochs: warmup)
        case ("cosine", 1), ("cosine", 2):
            let floor = fields.count == 2 ? Float(try number(1, "FLOOR")) : 0
            self = .cosine(rate: learningRate, floor: floor, warmupEpochs: warmup)
        case ("onecycle", 1...3):
            guard warmup == 0 else { throw fail("onecycle has its own warm-up (FRACTION), not ,warmup") }
            var policy = OneCyclePolicy(peak: learningRate)
            if fields.count >= 2 { policy.warmupFraction = try number(1, "FRACTION") }
            if fields.count == 3 {
                guard let shape = Anneal(rawValue: fields[2]) else { throw fail("the fall must be cosine or linear") }
                policy.decay = shape
            }
            self = .oneCycle(policy)
        default:
            throw fail("unknown form")
        }
        if let problem { throw fail(problem) }
    }

    /// The command-line form (without the rate), which `init(parsing:learningRate:)` reads back.
    /// One-cycle start/end fractions and warm-up shape are not part of it.
    public var argument: String {
        func withWarmup(_ base: String, _ epochs: Double) -> String {
            epochs == 0 ? base : "\(base),warmup:\(epochs)"
        }
        switch self {
        case .constant(_, let warmup): return withWarmup("constant", warmup)
        case .step(_, let every, let factor, let warmup): return withWarmup("step:\(every):\(factor)", warmup)
        case .cosine(_, let floor, let warmup): return withWarmup(floor == 0 ? "cosine" : "cosine:\(floor)", warmup)
        case .oneCycle(let policy): return "onecycle:\(policy.warmupFraction):\(policy.decay.rawValue)"
        }
    }
}
