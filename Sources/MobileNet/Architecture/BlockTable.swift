/// One depthwise-separable block of Table 1: a 3x3 depthwise conv with `stride`, then a 1x1
/// pointwise conv to `filters` channels (before the width multiplier).
public struct SeparableBlock: Sendable, Equatable {
    /// Pointwise output channels at α = 1.
    public var filters: Int
    /// Stride of the depthwise conv (1 or 2).
    public var stride: Int

    public init(_ filters: Int, stride: Int = 1) {
        self.filters = filters
        self.stride = stride
    }
}

/// MobileNet v1's body as data (Howard et al. 2017, Table 1). Everything that needs the
/// architecture — builder, cost model, engine, importers — reads these two constants.
public enum MobileNetV1 {
    /// The stem: a full 3x3 conv, stride 2, 32 channels at α = 1.
    public static let stem = SeparableBlock(32, stride: 2)

    /// The 13 depthwise-separable blocks: 64, 128/2, 128, 256/2, 256, 512/2, 512×5, 1024/2, 1024.
    public static let blocks: [SeparableBlock] = [
        SeparableBlock(64),
        SeparableBlock(128, stride: 2), SeparableBlock(128),
        SeparableBlock(256, stride: 2), SeparableBlock(256),
        SeparableBlock(512, stride: 2),
        SeparableBlock(512), SeparableBlock(512), SeparableBlock(512), SeparableBlock(512), SeparableBlock(512),
        SeparableBlock(1024, stride: 2), SeparableBlock(1024),
    ]

    /// 1-based ids of the five 14×14×512 blocks that "Shallow MobileNet" (Table 5) removes.
    public static let shallowRemovedBlocks: ClosedRange<Int> = 7...11

    /// Keras' BatchNormalization epsilon, used by every MobileNet v1 layer.
    public static let batchNormEpsilon: Float = 1e-3
}
