/// What a layer computes, as the paper's Table 2 groups them.
public enum LayerKind: String, Sendable, Codable, CaseIterable {
    /// A full KxK convolution (the stem; every block of Conv MobileNet).
    case conv
    /// A KxK depthwise convolution (one filter per channel).
    case depthwise
    /// A 1x1 convolution.
    case pointwise
    /// Global average pooling.
    case pool
    /// Dropout (identity at inference).
    case dropout
    /// The classifier (Keras' `conv_preds`, a 1x1 conv on the pooled vector).
    case fullyConnected
    /// Softmax over the classes.
    case softmax
}

/// One layer of an expanded MobileNet: its shapes, its hyper-parameters and the names of its
/// weights (Keras' layer names, so Keras/h5 weights map one to one).
public struct LayerSpec: Sendable, Equatable, Codable {
    /// Keras layer name: `conv1`, `conv_dw_3`, `conv_pw_3`, `conv_5` (Conv MobileNet), `conv_preds`, ...
    public var name: String
    public var kind: LayerKind
    /// Square kernel size (3 or 1; 0 for layers without a window).
    public var kernel: Int
    public var stride: Int
    public var padding: Padding
    /// Input as [height, width, channels] (no batch).
    public var inputShape: [Int]
    /// Output as [height, width, channels], or [channels] after the pool.
    public var outputShape: [Int]
    /// 1-based id of the separable block this layer belongs to (nil for stem and head).
    public var block: Int?
    /// Whether batch normalisation follows (and the conv has no bias of its own).
    public var batchNorm: Bool
    /// The activation after the (normalised) output.
    public var activation: Activation

    /// Input channels.
    public var inputChannels: Int { inputShape.last ?? 0 }
    /// Output channels.
    public var outputChannels: Int { outputShape.last ?? 0 }
    /// Whether the layer owns a bias vector (only the classifier; BN supplies the others').
    public var hasBias: Bool { kind == .fullyConnected }

    /// Conv/FC weights as the paper counts them (no BN, no bias).
    public var weightCount: Int {
        switch kind {
        case .conv, .pointwise, .fullyConnected: return kernel * kernel * inputChannels * outputChannels
        case .depthwise: return kernel * kernel * outputChannels
        case .pool, .dropout, .softmax: return 0
        }
    }

    /// Parameters as Keras' `count_params` counts them: weights, bias, and the four BN vectors
    /// (gamma, beta, moving mean, moving variance).
    public var parameterCountWithBatchNorm: Int {
        weightCount + (hasBias ? outputChannels : 0) + (batchNorm ? 4 * outputChannels : 0)
    }

    /// Multiply-adds of the conv/FC itself (the paper's measure; BN, bias and activation excluded).
    public var multAdds: Int {
        let spatial = outputShape.count == 3 ? outputShape[0] * outputShape[1] : 1
        return weightCount * spatial
    }

    /// Safetensors names of this layer's weights, Keras layout:
    /// conv `[kh, kw, in, out]`, depthwise `[kh, kw, channels, 1]`, classifier `[1, 1, in, classes]` + bias.
    public var weightNames: [String] {
        switch kind {
        case .conv, .pointwise: return ["\(name).kernel"]
        case .depthwise: return ["\(name).depthwise_kernel"]
        case .fullyConnected: return ["\(name).kernel", "\(name).bias"]
        case .pool, .dropout, .softmax: return []
        }
    }

    /// Safetensors names of the batch-norm vectors that follow this layer (Keras `<name>_bn`).
    public var batchNormNames: (gamma: String, beta: String, mean: String, variance: String)? {
        guard batchNorm else { return nil }
        let bn = "\(name)_bn"
        return ("\(bn).gamma", "\(bn).beta", "\(bn).moving_mean", "\(bn).moving_variance")
    }

    /// The shape each weight tensor must have, in the order of `weightNames`.
    public var weightShapes: [[Int]] {
        switch kind {
        case .conv, .pointwise: return [[kernel, kernel, inputChannels, outputChannels]]
        case .depthwise: return [[kernel, kernel, inputChannels, 1]]
        case .fullyConnected: return [[1, 1, inputChannels, outputChannels], [outputChannels]]
        case .pool, .dropout, .softmax: return []
        }
    }
}
