/// Which network of the paper to build.
public enum MobileNetVariant: String, Sendable, CaseIterable, Codable {
    /// MobileNet v1 as in Table 1.
    case mobilenet
    /// "Conv MobileNet" (Table 4): every separable block replaced by a full 3x3 conv.
    case conv
    /// "Shallow MobileNet" (Table 5): the five 14×14×512 separable blocks removed.
    case shallow
}

/// How the width multiplier turns a channel count into an integer.
public enum ChannelRounding: String, Sendable, CaseIterable, Codable {
    /// Keras `applications.MobileNet`: `int(c·α)`.
    case keras
    /// TF-Slim `mobilenet_v1`: `max(int(c·α), 8)`.
    case slim

    /// The channel count for `base` channels at width multiplier `alpha`.
    public func channels(_ base: Int, alpha: Double) -> Int {
        // Python's int() truncates toward zero; a tiny epsilon guards 0.3·1024-style products
        // whose binary value lands just below an integer that the decimal product hits exactly.
        let exact = Double(base) * alpha
        let truncated = Int((exact + 1e-9).rounded(.towardZero))
        switch self {
        case .keras: return truncated
        case .slim: return max(truncated, 8)
        }
    }
}

/// The nonlinearity after every batch-normalised conv.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case none, relu, relu6
}

/// How a stride-2 3x3 depthwise conv is padded.
public enum StridePadding: String, Sendable, CaseIterable, Codable {
    /// Keras: zero-pad one row/column at the bottom/right, then a VALID conv.
    case keras
    /// TensorFlow "SAME": total padding split with the extra row/column at the bottom/right.
    case same
}

/// Everything that determines a MobileNet v1 network's layers and shapes.
public struct MobileNetConfig: Sendable, Equatable, Codable {
    /// Width multiplier α (> 0): scales every channel count.
    public var alpha: Double
    /// Input height in pixels (≥ 32). The resolution multiplier is ρ = height / 224.
    public var height: Int
    /// Input width in pixels (≥ 32).
    public var width: Int
    /// Number of output classes of the classifier.
    public var classes: Int
    /// With `false` the network ends at the global average pool (a feature vector).
    public var includeTop: Bool
    /// MobileNet, Conv MobileNet or Shallow MobileNet.
    public var variant: MobileNetVariant
    /// Keras or TF-Slim channel rounding.
    public var rounding: ChannelRounding
    /// The activation after every conv (ReLU6 for TF/Keras weights).
    public var activation: Activation
    /// Padding of the stride-2 depthwise convs.
    public var stridePadding: StridePadding
    /// Dropout rate before the classifier (training only; identity at inference).
    public var dropout: Double

    public init(alpha: Double = 1, height: Int = 224, width: Int? = nil, classes: Int = 1000,
                includeTop: Bool = true, variant: MobileNetVariant = .mobilenet,
                rounding: ChannelRounding = .keras, activation: Activation = .relu6,
                stridePadding: StridePadding = .keras, dropout: Double = 1e-3) {
        self.alpha = alpha
        self.height = height
        self.width = width ?? height
        self.classes = classes
        self.includeTop = includeTop
        self.variant = variant
        self.rounding = rounding
        self.activation = activation
        self.stridePadding = stridePadding
        self.dropout = dropout
    }

    /// The resolution multiplier ρ = height / 224.
    public var rho: Double { Double(height) / 224 }

    /// Throws a one-line error for a configuration that cannot be built.
    public func validate() throws {
        guard alpha > 0, alpha.isFinite else {
            throw MobileNetError.invalidArgument("alpha must be a positive number, got \(alpha)")
        }
        // Upper bounds keep every channel count, parameter and mult-add count far inside Int
        // (int(c·α) of a huge α, or H·W·C·N of a huge input, would otherwise trap).
        guard alpha <= 1_000_000 else {
            throw MobileNetError.invalidArgument("alpha must be at most 1e6, got \(alpha)")
        }
        guard height >= 32, width >= 32 else {
            throw MobileNetError.invalidArgument("input must be at least 32x32, got \(height)x\(width)")
        }
        guard height <= 65_536, width <= 65_536 else {
            throw MobileNetError.invalidArgument("input must be at most 65536x65536, got \(height)x\(width)")
        }
        guard classes >= 1 || !includeTop else {
            throw MobileNetError.invalidArgument("classes must be at least 1, got \(classes)")
        }
        guard (0..<1).contains(dropout) else {
            throw MobileNetError.invalidArgument("dropout must be in [0, 1), got \(dropout)")
        }
        if rounding.channels(MobileNetV1.stem.filters, alpha: alpha) < 1 {
            throw MobileNetError.invalidArgument(
                "alpha \(alpha) leaves the stem with no channels with \(rounding.rawValue) rounding (int(32·α) = 0)")
        }
    }
}
