/// A MobileNet v1 configuration expanded into its concrete layers, in order, with every shape.
/// Built from `MobileNetV1.blocks` and a `MobileNetConfig`; the engine builder, the cost model
/// and the weight importers all walk `layers`.
public struct MobileNetArchitecture: Sendable, Equatable {
    public let config: MobileNetConfig
    public let layers: [LayerSpec]

    /// Expands `config`; throws for an invalid configuration (see `MobileNetConfig.validate`).
    public init(_ config: MobileNetConfig) throws {
        try config.validate()
        self.config = config
        var layers: [LayerSpec] = []
        var shape = [config.height, config.width, 3]
        let act = config.activation
        func ch(_ base: Int) -> Int { config.rounding.channels(base, alpha: config.alpha) }

        func conv(_ name: String, kind: LayerKind, kernel: Int, stride: Int, padding: Padding,
                  out: Int, block: Int?) {
            let h = Padding.outputSize(shape[0], before: padding.top, after: padding.bottom,
                                       kernel: kernel, stride: stride)
            let w = Padding.outputSize(shape[1], before: padding.left, after: padding.right,
                                       kernel: kernel, stride: stride)
            let output = [h, w, out]
            layers.append(LayerSpec(name: name, kind: kind, kernel: kernel, stride: stride,
                                    padding: padding, inputShape: shape, outputShape: output,
                                    block: block, batchNorm: true, activation: act))
            shape = output
        }
        func samePadding(_ kernel: Int, _ stride: Int) -> Padding {
            .same(height: shape[0], width: shape[1], kernel: kernel, stride: stride)
        }
        func depthwisePadding(_ stride: Int) -> Padding {
            if stride == 1 || config.stridePadding == .same { return samePadding(3, stride) }
            return Padding(top: 0, left: 0, bottom: 1, right: 1)
        }

        let stem = MobileNetV1.stem
        conv("conv1", kind: .conv, kernel: 3, stride: stem.stride,
             padding: samePadding(3, stem.stride), out: ch(stem.filters), block: nil)

        for (index, block) in MobileNetV1.blocks.enumerated() {
            let id = index + 1
            if config.variant == .shallow && MobileNetV1.shallowRemovedBlocks.contains(id) { continue }
            let filters = ch(block.filters)
            if config.variant == .conv {
                conv("conv_\(id)", kind: .conv, kernel: 3, stride: block.stride,
                     padding: depthwisePadding(block.stride), out: filters, block: id)
            } else {
                conv("conv_dw_\(id)", kind: .depthwise, kernel: 3, stride: block.stride,
                     padding: depthwisePadding(block.stride), out: shape[2], block: id)
                conv("conv_pw_\(id)", kind: .pointwise, kernel: 1, stride: 1, padding: .zero,
                     out: filters, block: id)
            }
        }
        guard shape[0] >= 1, shape[1] >= 1 else {
            throw MobileNetError.invalidArgument(
                "input \(config.height)x\(config.width) shrinks to nothing before the pool")
        }

        let channels = shape[2]
        func head(_ name: String, _ kind: LayerKind, _ output: [Int], _ act: Activation = .none) {
            layers.append(LayerSpec(name: name, kind: kind, kernel: kind == .fullyConnected ? 1 : 0,
                                    stride: 1, padding: .zero, inputShape: shape, outputShape: output,
                                    block: nil, batchNorm: false, activation: act))
            shape = output
        }
        head("global_average_pooling", .pool, [channels])
        if config.includeTop {
            head("dropout", .dropout, [channels])
            head("conv_preds", .fullyConnected, [config.classes])
            head("predictions", .softmax, [config.classes])
        }
        self.layers = layers
    }

    /// The shape of one input image, [height, width, 3].
    public var inputShape: [Int] { [config.height, config.width, 3] }

    /// The shape of one output: [classes] with the top, [channels] of pooled features without.
    public var outputShape: [Int] { layers.last!.outputShape }

    /// Every weight tensor the network needs, name → shape, in layer order (BN vectors included).
    public var weightShapes: [(name: String, shape: [Int])] {
        var result: [(String, [Int])] = []
        for layer in layers {
            for (name, shape) in zip(layer.weightNames, layer.weightShapes) { result.append((name, shape)) }
            if let bn = layer.batchNormNames {
                for name in [bn.gamma, bn.beta, bn.mean, bn.variance] {
                    result.append((name, [layer.outputChannels]))
                }
            }
        }
        return result
    }
}
