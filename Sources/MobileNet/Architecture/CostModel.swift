/// The rows of the paper's Table 2 ("Resource per layer type"): every layer with weights
/// belongs to exactly one group.
public enum CostGroup: String, Sendable, Codable, CaseIterable {
    /// 1x1 (pointwise) convolutions.
    case pointwise
    /// 3x3 depthwise convolutions.
    case depthwise
    /// Full 3x3 convolutions: the stem, and every block of Conv MobileNet.
    case conv
    /// The classifier (`conv_preds`).
    case fullyConnected

    /// The row label the paper uses.
    public var label: String {
        switch self {
        case .pointwise: return "Conv 1×1"
        case .depthwise: return "Conv DW 3×3"
        case .conv: return "Conv 3×3"
        case .fullyConnected: return "Fully Connected"
        }
    }

    /// The group of a layer kind; nil for layers without weights (pool, dropout, softmax).
    public init?(_ kind: LayerKind) {
        switch kind {
        case .pointwise: self = .pointwise
        case .depthwise: self = .depthwise
        case .conv: self = .conv
        case .fullyConnected: self = .fullyConnected
        case .pool, .dropout, .softmax: return nil
        }
    }
}

/// The cost of one layer: its hyper-parameters, shapes, parameter counts and mult-adds.
public struct LayerCost: Sendable, Equatable, Codable {
    /// Keras layer name (`conv1`, `conv_dw_3`, `conv_pw_3`, `conv_preds`, ...).
    public var name: String
    public var kind: LayerKind
    /// Square kernel size (0 for layers without a window).
    public var kernel: Int
    public var stride: Int
    /// Input as [height, width, channels] (or [channels] after the pool).
    public var input: [Int]
    /// Output as [height, width, channels] (or [channels] after the pool).
    public var output: [Int]
    /// Conv/FC weights as the paper counts them: no batch norm, no bias.
    public var params: Int
    /// Parameters as Keras' `count_params` counts them: weights + bias + 4 BN vectors.
    public var paramsWithBN: Int
    /// Multiply-adds of the conv/FC (the paper's measure).
    public var multAdds: Int

    /// The Table 2 group, nil for layers without weights.
    public var group: CostGroup? { CostGroup(kind) }
}

/// Network totals.
public struct CostTotals: Sendable, Equatable, Codable {
    /// Conv and FC weights, as the paper counts (Tables 4-7).
    public var params: Int
    /// Multiply-adds of every conv and the FC, as the paper counts.
    public var multAdds: Int
    /// Keras `count_params`: weights, the classifier's bias and the 4 BN vectors of every conv.
    public var paramsWithBN: Int
    /// Parameters of the inference model with BN folded into the convs: weights + one bias per
    /// output channel of every conv + the classifier's bias.
    public var foldedParams: Int
    /// Size of the folded model in float32: `4 × foldedParams` bytes.
    public var fp32Bytes: Int
}

/// One row of Table 2: a group's share of the network's mult-adds and parameters.
public struct CostShare: Sendable, Equatable, Codable {
    public var group: CostGroup
    /// The paper's row label ("Conv 1×1", ...).
    public var label: String
    public var multAdds: Int
    public var params: Int
    /// `100 × multAdds / total mult-adds` (0 when the total is 0).
    public var multAddsPercent: Double
    /// `100 × params / total params` (0 when the total is 0).
    public var paramsPercent: Double
}

/// One block of Table 1 set against the standard 3x3 conv it replaces (Section 3.1): same input
/// channels M, output channels N, kernel Dk, stride and output map.
///
/// For MobileNet and Shallow MobileNet the network holds the separable form; for Conv MobileNet it
/// holds the standard conv, and the separable figures are what MobileNet would use instead.
public struct SeparableBlockCost: Sendable, Equatable, Codable {
    /// 1-based block id of Table 1.
    public var block: Int
    /// M.
    public var inputChannels: Int
    /// N.
    public var outputChannels: Int
    /// Dk.
    public var kernel: Int
    public var stride: Int
    /// Output map [height, width] (D_F × D_F in the paper when square).
    public var outputMap: [Int]
    /// Dk·Dk·M·N·H·W.
    public var standardMultAdds: Int
    /// Depthwise Dk·Dk·M·H·W + pointwise M·N·H·W.
    public var separableMultAdds: Int
    /// Dk·Dk·M·N.
    public var standardParams: Int
    /// Dk·Dk·M + M·N.
    public var separableParams: Int
    /// Measured separable / standard mult-adds.
    public var ratio: Double
    /// The paper's 1/N + 1/Dk².
    public var formula: Double

    /// Whether `ratio == 1/N + 1/Dk²` holds exactly, checked in integers:
    /// separable · N · Dk² == standard · (N + Dk²).
    public var formulaIsExact: Bool {
        let k2 = kernel * kernel
        let (lhs, o1) = separableMultAdds.multipliedReportingOverflow(by: outputChannels * k2)
        let (rhs, o2) = standardMultAdds.multipliedReportingOverflow(by: outputChannels + k2)
        return !o1 && !o2 && lhs == rhs
    }
}

/// The separable blocks taken together.
public struct CostComparison: Sendable, Equatable, Codable {
    /// Σ standard-conv mult-adds over the blocks.
    public var standardMultAdds: Int
    /// Σ separable mult-adds over the blocks.
    public var separableMultAdds: Int
    /// standardMultAdds / separableMultAdds: how many times cheaper the separable blocks are.
    public var reduction: Double
    /// The network's mult-adds with every block separable (MobileNet / Shallow MobileNet).
    public var separableNetworkMultAdds: Int
    /// The network's mult-adds with every block a standard conv (Conv MobileNet).
    public var standardNetworkMultAdds: Int
    /// standardNetworkMultAdds / separableNetworkMultAdds (stem and classifier included).
    public var networkReduction: Double
}

/// Integer helpers that report overflow instead of trapping.
enum Checked {
    static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = value
        }
        return result
    }

    static func sum(_ terms: [Int]) -> Int? {
        var result = 0
        for term in terms {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return nil }
            result = value
        }
        return result
    }
}
