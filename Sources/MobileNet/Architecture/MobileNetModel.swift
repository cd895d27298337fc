/// A MobileNet v1 with its weights: the architecture plus every tensor named by
/// `MobileNetArchitecture.weightShapes` (Keras names and layouts, batch norm unfolded).
public struct MobileNetModel: Sendable {
    public let architecture: MobileNetArchitecture
    /// Weight name → tensor, e.g. `conv_dw_3.depthwise_kernel`, `conv_pw_3_bn.moving_mean`.
    public let weights: [String: Tensor<Float>]
    /// Optional human-readable names of the classes, in output order.
    public var classNames: [String]?

    /// Pairs `weights` with `architecture`; throws naming the first missing or mis-shaped tensor.
    public init(architecture: MobileNetArchitecture, weights: [String: Tensor<Float>],
                classNames: [String]? = nil) throws {
        for (name, shape) in architecture.weightShapes {
            guard let tensor = weights[name] else { throw MobileNetError.missingTensor(name) }
            guard tensor.shape == shape else {
                throw MobileNetError.shapeMismatch(
                    "weight '\(name)' is \(tensor.shape.shapeDescription), the architecture needs \(shape.shapeDescription)")
            }
        }
        if let classNames, architecture.config.includeTop, classNames.count != architecture.config.classes {
            throw MobileNetError.shapeMismatch(
                "\(classNames.count) class names for a \(architecture.config.classes)-class model")
        }
        self.architecture = architecture
        self.weights = weights
        self.classNames = classNames
    }

    /// Random weights from `seed`: He-normal convs, and batch norm with non-trivial statistics
    /// (γ ∈ [0.5, 1.5), β ~ N(0, 0.1), mean ~ N(0, 0.2), variance ∈ [0.5, 2)) so that folding
    /// is exercised. Activations stay in a useful range through all 28 layers.
    public static func random(_ architecture: MobileNetArchitecture, seed: UInt64 = 0) -> MobileNetModel {
        var rng = SeededGenerator(seed: seed)
        var weights: [String: Tensor<Float>] = [:]
        for (name, shape) in architecture.weightShapes {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            if name.hasSuffix(".gamma") {
                for i in 0..<count { values[i] = rng.uniform(0.5, 1.5) }
            } else if name.hasSuffix(".beta") {
                for i in 0..<count { values[i] = rng.normal(deviation: 0.1) }
            } else if name.hasSuffix(".moving_mean") {
                for i in 0..<count { values[i] = rng.normal(deviation: 0.2) }
            } else if name.hasSuffix(".moving_variance") {
                for i in 0..<count { values[i] = rng.uniform(0.5, 2) }
            } else if name.hasSuffix(".bias") {
                for i in 0..<count { values[i] = rng.normal(deviation: 0.05) }
            } else {
                // Fan-in of a kernel [kh, kw, in, out] (depthwise: [kh, kw, channels, 1]).
                let fanIn = name.hasSuffix(".depthwise_kernel") ? shape[0] * shape[1] : shape[0] * shape[1] * shape[2]
                let deviation = (2 / Float(fanIn)).squareRoot()
                for i in 0..<count { values[i] = rng.normal(deviation: deviation) }
            }
            weights[name] = try! Tensor(shape: shape, scalars: values)
        }
        return try! MobileNetModel(architecture: architecture, weights: weights)
    }
}
