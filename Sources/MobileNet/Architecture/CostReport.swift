#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cost of a MobileNet v1 network counted as Howard et al. 2017 count it: per layer, in total,
/// per layer type (Table 2), and per separable block against the standard conv it replaces.
///
/// "Params" are conv and FC weights only (no batch norm, no bias) and "mult-adds" are those of the
/// convs and the FC, so α = 1 at 224×224 gives exactly 4,209,088 and 568,740,352.
/// All counts are exact integers; only the shares and ratios are `Double`.
public struct CostReport: Sendable, Equatable {
    /// The configuration the report describes.
    public let config: MobileNetConfig
    /// Every layer in order, including pool, dropout and softmax (which cost nothing).
    public let layers: [LayerCost]
    public let totals: CostTotals
    /// One row per Table 2 group, in the paper's order, groups absent from the network at 0.
    public let shares: [CostShare]
    /// Every block of Table 1 present in the network, in order.
    public let blocks: [SeparableBlockCost]
    /// The blocks taken together.
    public let comparison: CostComparison

    /// Builds the report for `config`; throws `MobileNetError.invalidArgument` for an invalid
    /// configuration or one whose counts overflow 64-bit integers.
    public init(_ config: MobileNetConfig) throws {
        try self.init(MobileNetArchitecture(config))
    }

    /// Builds the report for an expanded architecture.
    public init(_ architecture: MobileNetArchitecture) throws {
        let config = architecture.config
        self.config = config
        let tooLarge = { (what: String) -> MobileNetError in
            .invalidArgument("\(what) overflows 64-bit integers for alpha \(config.alpha), "
                             + "input \(config.height)x\(config.width)")
        }

        var layers: [LayerCost] = []
        var folded: [Int] = []
        for spec in architecture.layers {
            let spatial = spec.outputShape.count == 3 ? [spec.outputShape[0], spec.outputShape[1]] : []
            // Guard LayerSpec's unchecked arithmetic: weights · spatial · 8 must fit.
            guard Checked.product([spec.kernel, spec.kernel, spec.inputChannels,
                                   spec.outputChannels, 8] + spatial) != nil else {
                throw tooLarge("layer \(spec.name)")
            }
            layers.append(LayerCost(name: spec.name, kind: spec.kind, kernel: spec.kernel,
                                    stride: spec.stride, input: spec.inputShape,
                                    output: spec.outputShape, params: spec.weightCount,
                                    paramsWithBN: spec.parameterCountWithBatchNorm,
                                    multAdds: spec.multAdds))
            let hasBias = spec.batchNorm || spec.hasBias
            folded.append(spec.weightCount + (hasBias ? spec.outputChannels : 0))
        }
        self.layers = layers

        guard let params = Checked.sum(layers.map(\.params)),
              let multAdds = Checked.sum(layers.map(\.multAdds)),
              let withBN = Checked.sum(layers.map(\.paramsWithBN)),
              let foldedParams = Checked.sum(folded),
              let bytes = Checked.product([foldedParams, 4]) else { throw tooLarge("a total") }
        totals = CostTotals(params: params, multAdds: multAdds, paramsWithBN: withBN,
                            foldedParams: foldedParams, fp32Bytes: bytes)

        func percent(_ part: Int, _ whole: Int) -> Double {
            whole == 0 ? 0 : 100 * Double(part) / Double(whole)
        }
        shares = CostGroup.allCases.map { group in
            let members = layers.filter { $0.group == group }
            let m = members.reduce(0) { $0 + $1.multAdds }  // ≤ total: cannot overflow
            let p = members.reduce(0) { $0 + $1.params }
            return CostShare(group: group, label: group.label, multAdds: m, params: p,
                             multAddsPercent: percent(m, multAdds), paramsPercent: percent(p, params))
        }

        blocks = try Self.blockCosts(architecture.layers, tooLarge: tooLarge)
        guard let standardSum = Checked.sum(blocks.map(\.standardMultAdds)),
              let separableSum = Checked.sum(blocks.map(\.separableMultAdds)) else {
            throw tooLarge("the block comparison")
        }
        // The network's own blocks are one of the two forms; swap them for the other.
        let isConv = config.variant == .conv
        let outside = multAdds - (isConv ? standardSum : separableSum)
        guard let separableNet = Checked.sum([outside, separableSum]),
              let standardNet = Checked.sum([outside, standardSum]) else {
            throw tooLarge("the block comparison")
        }
        comparison = CostComparison(
            standardMultAdds: standardSum, separableMultAdds: separableSum,
            reduction: separableSum == 0 ? 0 : Double(standardSum) / Double(separableSum),
            separableNetworkMultAdds: separableNet, standardNetworkMultAdds: standardNet,
            networkReduction: Double(standardNet) / Double(separableNet))
    }

    /// The row of Table 2 for `group`.
    public func share(of group: CostGroup) -> CostShare {
        shares.first { $0.group == group }!
    }

    /// Groups the layers of each Table 1 block (depthwise + pointwise, or one full conv).
    private static func blockCosts(_ specs: [LayerSpec],
                                   tooLarge: (String) -> MobileNetError) throws -> [SeparableBlockCost] {
        var ids: [Int] = []
        for spec in specs { if let id = spec.block, ids.last != id { ids.append(id) } }
        return try ids.map { id in
            let members = specs.filter { $0.block == id }
            // The window layer (depthwise or full conv) fixes Dk, stride, M and the output map;
            // the last layer fixes N.
            guard let window = members.first(where: { $0.kind == .depthwise || $0.kind == .conv }),
                  let last = members.last, window.outputShape.count == 3 else {
                throw MobileNetError.shapeMismatch("block \(id) has no 3x3 conv")
            }
            let k = window.kernel, m = window.inputChannels, n = last.outputChannels
            let h = window.outputShape[0], w = window.outputShape[1]
            guard let standard = Checked.product([k, k, m, n, h, w]),
                  let depthwise = Checked.product([k, k, m, h, w]),
                  let pointwise = Checked.product([m, n, h, w]),
                  let separable = Checked.sum([depthwise, pointwise]) else {
                throw tooLarge("block \(id)")
            }
            return SeparableBlockCost(
                block: id, inputChannels: m, outputChannels: n, kernel: k, stride: window.stride,
                outputMap: [h, w], standardMultAdds: standard, separableMultAdds: separable,
                standardParams: k * k * m * n, separableParams: k * k * m + m * n,
                ratio: Double(separable) / Double(standard),
                formula: 1 / Double(n) + 1 / Double(k * k))
        }
    }
}

extension CostReport {
    /// The report as one JSON object with sorted keys: `config`, `layers`, `totals`, `shares`,
    /// and with `includeBlocks` also `blocks` and `comparison`.
    public func jsonData(includeBlocks: Bool = false) throws -> Data {
        struct Document: Encodable {
            var config: MobileNetConfig
            var layers: [LayerCost]
            var totals: CostTotals
            var shares: [CostShare]
            var blocks: [SeparableBlockCost]?
            var comparison: CostComparison?
        }
        let document = Document(config: config, layers: layers, totals: totals, shares: shares,
                                blocks: includeBlocks ? blocks : nil,
                                comparison: includeBlocks ? comparison : nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }
}
