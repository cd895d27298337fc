extension MobileNetModel {
    /// Fresh weights for training from scratch, drawn from `seed`: convolution and depthwise
    /// kernels He-normal (deviation √(2 / fan-in), fan-in = kh · kw · inputs, or kh · kw for
    /// depthwise), the classifier Glorot-uniform with a zero bias, batch norm γ = 1, β = 0,
    /// running mean 0 and variance 1 (Keras' initial state).
    public static func initialized(_ architecture: MobileNetArchitecture, seed: UInt64) -> MobileNetModel {
        var rng = SeededGenerator(seed: seed)
        var weights: [String: Tensor<Float>] = [:]
        for (name, shape) in architecture.weightShapes {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            if name.hasSuffix(".gamma") || name.hasSuffix(".moving_variance") {
                values = [Float](repeating: 1, count: count)
            } else if name.hasSuffix(".beta") || name.hasSuffix(".moving_mean") || name.hasSuffix(".bias") {
                // zeros
            } else if name.hasPrefix("conv_preds.") {
                let limit = (6 / Float(shape[2] + shape[3])).squareRoot()
                for i in 0..<count { values[i] = rng.uniform(-limit, limit) }
            } else {
                let fanIn = name.hasSuffix(".depthwise_kernel") ? shape[0] * shape[1] : shape[0] * shape[1] * shape[2]
                let deviation = (2 / Float(fanIn)).squareRoot()
                for i in 0..<count { values[i] = rng.normal(deviation: deviation) }
            }
            weights[name] = try! Tensor(shape: shape, scalars: values)
        }
        return try! MobileNetModel(architecture: architecture, weights: weights)
    }
}
