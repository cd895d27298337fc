extension InferenceGraph {
    /// The inference graph of `model`: batch norm folded into each conv's weights and bias,
    /// activations fused as clamps, dropout dropped, the classifier as a fully connected layer.
    /// Each unfolded tensor is released as soon as it is folded when the caller passes the model
    /// without keeping a copy (`consuming`), so the peak is about one copy of the weights.
    public init(_ model: consuming MobileNetModel) throws {
        let arch = model.architecture
        let epsilon = MobileNetV1.batchNormEpsilon
        var weights = model.weights
        _ = consume model
        func tensor(_ name: String) throws -> [Float] {
            guard let t = weights.removeValue(forKey: name) else { throw MobileNetError.missingTensor(name) }
            return t.scalars
        }
        /// Per-channel (scale, shift) of the batch norm after `layer`: y = scale·x + shift.
        func batchNorm(_ layer: LayerSpec) throws -> (scale: [Float], shift: [Float]) {
            guard let names = layer.batchNormNames else {
                return ([Float](repeating: 1, count: layer.outputChannels), [Float](repeating: 0, count: layer.outputChannels))
            }
            let gamma = try tensor(names.gamma), beta = try tensor(names.beta)
            let mean = try tensor(names.mean), variance = try tensor(names.variance)
            var scale = [Float](repeating: 0, count: gamma.count), shift = scale
            for c in 0..<gamma.count {
                scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
                shift[c] = beta[c] - mean[c] * scale[c]
            }
            return (scale, shift)
        }

        var operations: [Operation] = []
        for layer in arch.layers {
            let clamp = Clamp(layer.activation)
            switch layer.kind {
            case .conv, .pointwise, .depthwise:
                // Kernels are stored with the output channel innermost ([kh][kw][in][out], and
                // [kh][kw][channels][1] for depthwise), so element i belongs to channel i % out.
                let (scale, shift) = try batchNorm(layer)
                var weights = try tensor(layer.weightNames[0])
                let channels = layer.outputChannels
                for i in weights.indices { weights[i] *= scale[i % channels] }
                if layer.kind == .depthwise {
                    operations.append(.depthwiseConvolution(DepthwiseConvolution(
                        kernelHeight: layer.kernel, kernelWidth: layer.kernel,
                        strideHeight: layer.stride, strideWidth: layer.stride, padding: layer.padding,
                        inputChannels: layer.inputChannels, multiplier: 1,
                        weights: weights, bias: shift, clamp: clamp)))
                } else {
                    operations.append(.convolution(Convolution(
                        kernelHeight: layer.kernel, kernelWidth: layer.kernel,
                        strideHeight: layer.stride, strideWidth: layer.stride, padding: layer.padding,
                        inputChannels: layer.inputChannels, outputChannels: channels,
                        weights: weights, bias: shift, clamp: clamp)))
                }
            case .pool:
                operations.append(.globalAveragePool(keepDimensions: false))
            case .dropout:
                continue
            case .fullyConnected:
                operations.append(.fullyConnected(FullyConnected(
                    inputs: layer.inputChannels, outputs: layer.outputChannels,
                    weights: try tensor(layer.weightNames[0]), bias: try tensor(layer.weightNames[1]),
                    clamp: clamp)))
            case .softmax:
                operations.append(.softmax(beta: 1))
            }
        }
        try self.init(inputShape: arch.inputShape, operations: operations)
    }
}
