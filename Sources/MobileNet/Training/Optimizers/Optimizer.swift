/// Updates `TrainableParameter`s in place from their gradients: SGD (PyTorch), RMSProp
/// (Keras/TensorFlow), Adam and AdamW (PyTorch), with weight decay only on the roles in
/// `settings.decayedRoles`.
///
/// Per-parameter state (momentum, velocity, …) is created at a parameter's first step, keyed by
/// its name; each step is one SIMD pass over each parameter and allocates nothing. The state
/// exports as named tensors (`state()`) and restores exactly (`restore(_:for:)`), so a training
/// run resumed from a checkpoint continues bit for bit. All parameters are expected to step
/// together (the step count, for Adam's bias correction, is shared).
public final class Optimizer {
    public let settings: OptimizerSettings
    /// Completed steps (Keras' `iterations`, PyTorch's `step`).
    public internal(set) var iterations = 0
    /// Parameter name → its state buffers.
    var slots: [String: ParameterSlots] = [:]

    /// Name of the step-count tensor in `state()`.
    public static let iterationsName = "iterations"

    /// Throws if a hyper-parameter is out of range.
    public init(settings: OptimizerSettings) throws {
        try settings.validate()
        self.settings = settings
    }

    /// The state buffers each parameter has, e.g. `["momentum"]` for SGD,
    /// `["velocity", "momentum"]` for RMSProp with momentum, `["momentum", "velocity"]` for Adam.
    public var slotNames: [String] {
        switch settings.kind {
        case .sgd: return ["momentum"]
        case .rmsprop:
            return ["velocity"] + (settings.momentum > 0 ? ["momentum"] : []) + (settings.centered ? ["average_gradient"] : [])
        case .adam, .adamw: return ["momentum", "velocity"]
        }
    }

    /// Whether `parameter` receives weight decay.
    public func decays(_ parameter: TrainableParameter) -> Bool {
        settings.weightDecay > 0 && settings.decayedRoles.contains(parameter.role)
    }

    /// One update of every parameter from its `gradient`, with learning rate `learningRate`.
    public func step(_ parameters: [TrainableParameter], learningRate: Float) {
        iterations += 1
        for parameter in parameters where parameter.count > 0 {
            update(parameter, slots: slots(for: parameter), learningRate: learningRate)
        }
    }

    private func update(_ parameter: TrainableParameter, slots: ParameterSlots, learningRate: Float) {
        let s = settings
        let decay = decays(parameter) ? s.weightDecay : 0
        let value = parameter.value.baseAddress!
        let gradient = UnsafePointer(parameter.gradient.baseAddress!)
        let count = parameter.count
        switch s.kind {
        case .sgd:
            OptimizerKernels.sgd(value: value, gradient: gradient, buffer: slots.buffers[0].pointer, count: count,
                                 learningRate: learningRate, momentum: Float(s.momentum), nesterov: s.nesterov,
                                 weightDecay: Float(decay))
        case .rmsprop:
            let hasMomentum = s.momentum > 0
            OptimizerKernels.rmsprop(
                value: value, gradient: gradient, velocity: slots.buffers[0].pointer,
                momentumBuffer: hasMomentum ? slots.buffers[1].pointer : nil,
                averageGradient: s.centered ? slots.buffers[hasMomentum ? 2 : 1].pointer : nil, count: count,
                learningRate: learningRate, rho: Float(s.rho), oneMinusRho: Float(1 - s.rho),
                momentum: Float(s.momentum), epsilon: Float(s.epsilon), weightDecay: Float(decay))
        case .adam, .adamw:
            let t = iterations
            let correction1 = 1 - power(s.beta1, t)
            let correction2 = 1 - power(s.beta2, t)
            let decoupled = s.kind == .adamw
            OptimizerKernels.adam(
                value: value, gradient: gradient, firstMoment: slots.buffers[0].pointer,
                secondMoment: slots.buffers[1].pointer, count: count,
                decayScale: decoupled ? Float(1 - Double(learningRate) * decay) : 1,
                l2: decoupled ? 0 : Float(decay), oneMinusBeta1: Float(1 - s.beta1), beta2: Float(s.beta2),
                oneMinusBeta2: Float(1 - s.beta2), stepSize: Float(Double(learningRate) / correction1),
                correction2Root: Float(correction2.squareRoot()), epsilon: Float(s.epsilon))
        }
    }

    /// The state of `parameter`, created (zeros) at its first step or if its size changed.
    private func slots(for parameter: TrainableParameter) -> ParameterSlots {
        if let existing = slots[parameter.name], existing.count == parameter.count { return existing }
        let created = ParameterSlots(shape: parameter.shape, count: parameter.count, slotCount: slotNames.count)
        slots[parameter.name] = created
        return created
    }

    /// `base^exponent` by repeated squaring (a few double ulps, far below `Float` precision).
    private func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0, factor = base, n = exponent
        while n > 0 {
            if n & 1 == 1 { result *= factor }
            factor *= factor
            n >>= 1
        }
        return result
    }
}

/// The state buffers of one parameter, in `Optimizer.slotNames` order.
final class ParameterSlots {
    let shape: [Int]
    let count: Int
    let buffers: [AlignedFloats]

    init(shape: [Int], count: Int, slotCount: Int) {
        self.shape = shape
        self.count = count
        buffers = (0..<slotCount).map { _ in AlignedFloats(zeros: count) }
    }
}
