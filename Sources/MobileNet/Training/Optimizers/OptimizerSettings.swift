/// Which update rule an `Optimizer` applies.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    /// SGD with momentum (optionally Nesterov), PyTorch's `torch.optim.SGD`: L2 weight decay
    /// added to the gradient.
    case sgd
    /// RMSProp as Keras 3 / TensorFlow implement it (`keras.optimizers.RMSprop`), the paper's
    /// optimizer; L2 weight decay added to the gradient, as TF-Slim's regularizer loss did.
    case rmsprop
    /// Adam, PyTorch's `torch.optim.Adam`: L2 weight decay added to the gradient.
    case adam
    /// AdamW, PyTorch's `torch.optim.AdamW`: weight decay decoupled from the gradient.
    case adamw
}

/// The hyper-parameters of an `Optimizer` (the learning rate is passed to every step).
///
/// Hyper-parameters are `Double`, like the Python floats of PyTorch and Keras: derived
/// scalars such as `1 − β₂` are formed in double precision and rounded to `Float` once.
public struct OptimizerSettings: Sendable, Equatable, Codable {
    public var kind: OptimizerKind
    /// SGD's and RMSProp's momentum μ (0 for none).
    public var momentum: Double
    /// SGD only: Nesterov momentum (the update uses `g + μ·buffer`).
    public var nesterov: Bool
    /// RMSProp's discount ρ of the squared-gradient average.
    public var rho: Double
    /// RMSProp only: divide by the estimated variance (`v − ḡ²`) instead of the second moment.
    public var centered: Bool
    /// RMSProp's ε (inside the square root, as Keras) or Adam's ε (outside, as PyTorch).
    public var epsilon: Double
    /// Adam's β₁ (first-moment decay).
    public var beta1: Double
    /// Adam's β₂ (second-moment decay).
    public var beta2: Double
    /// Weight-decay coefficient applied to the parameters whose role is in `decayedRoles`.
    public var weightDecay: Double
    /// The parameter roles that receive weight decay; the others get none.
    public var decayedRoles: Set<ParameterRole>

    /// The paper's rule: decay on full/pointwise conv kernels and the classifier kernel; none on
    /// depthwise kernels ("very little or no weight decay"), batch-norm γ/β or the bias.
    public static let paperDecayedRoles: Set<ParameterRole> = [.convolutionKernel, .classifierKernel]

    public init(kind: OptimizerKind, momentum: Double = 0, nesterov: Bool = false, rho: Double = 0.9,
                centered: Bool = false, epsilon: Double = 1e-7, beta1: Double = 0.9, beta2: Double = 0.999,
                weightDecay: Double = 0, decayedRoles: Set<ParameterRole> = OptimizerSettings.paperDecayedRoles) {
        self.kind = kind
        self.momentum = momentum
        self.nesterov = nesterov
        self.rho = rho
        self.centered = centered
        self.epsilon = epsilon
        self.beta1 = beta1
        self.beta2 = beta2
        self.weightDecay = weightDecay
        self.decayedRoles = decayedRoles
    }

    /// SGD with momentum 0.9, Nesterov, weight decay 5e-4 (common CIFAR settings).
    public static func sgd(momentum: Double = 0.9, nesterov: Bool = true, weightDecay: Double = 5e-4,
                           decayedRoles: Set<ParameterRole> = paperDecayedRoles) -> OptimizerSettings {
        OptimizerSettings(kind: .sgd, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay,
                          decayedRoles: decayedRoles)
    }

    /// RMSProp with the paper's TF-Slim settings: ρ 0.9, momentum 0.9, ε 1.0, weight decay 4e-5.
    public static func rmsprop(rho: Double = 0.9, momentum: Double = 0.9, epsilon: Double = 1.0,
                               centered: Bool = false, weightDecay: Double = 4e-5,
                               decayedRoles: Set<ParameterRole> = paperDecayedRoles) -> OptimizerSettings {
        OptimizerSettings(kind: .rmsprop, momentum: momentum, rho: rho, centered: centered, epsilon: epsilon,
                          weightDecay: weightDecay, decayedRoles: decayedRoles)
    }

    /// Adam with PyTorch's defaults: β (0.9, 0.999), ε 1e-8, no weight decay.
    public static func adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                            weightDecay: Double = 0,
                            decayedRoles: Set<ParameterRole> = paperDecayedRoles) -> OptimizerSettings {
        OptimizerSettings(kind: .adam, epsilon: epsilon, beta1: beta1, beta2: beta2, weightDecay: weightDecay,
                          decayedRoles: decayedRoles)
    }

    /// AdamW with PyTorch's defaults: β (0.9, 0.999), ε 1e-8, weight decay 1e-2.
    public static func adamW(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                             weightDecay: Double = 1e-2,
                             decayedRoles: Set<ParameterRole> = paperDecayedRoles) -> OptimizerSettings {
        OptimizerSettings(kind: .adamw, epsilon: epsilon, beta1: beta1, beta2: beta2, weightDecay: weightDecay,
                          decayedRoles: decayedRoles)
    }

    /// The defaults above for `kind`.
    public static func defaults(for kind: OptimizerKind) -> OptimizerSettings {
        switch kind {
        case .sgd: return .sgd()
        case .rmsprop: return .rmsprop()
        case .adam: return .adam()
        case .adamw: return .adamW()
        }
    }

    /// Throws a one-line error for a hyper-parameter outside its range.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw MobileNetError.invalidArgument("\(kind.rawValue) optimizer: \(message)") }
        }
        try check(momentum.isFinite && (0..<1).contains(momentum), "momentum must be in [0, 1), got \(momentum)")
        try check(rho.isFinite && (0..<1).contains(rho), "rho must be in [0, 1), got \(rho)")
        try check(epsilon.isFinite && epsilon > 0, "epsilon must be positive, got \(epsilon)")
        try check((0..<1).contains(beta1), "beta1 must be in [0, 1), got \(beta1)")
        try check((0..<1).contains(beta2), "beta2 must be in [0, 1), got \(beta2)")
        try check(weightDecay.isFinite && weightDecay >= 0, "weight decay must be non-negative, got \(weightDecay)")
        try check(!nesterov || kind != .sgd || momentum > 0, "Nesterov momentum needs a momentum above 0")
    }
}
