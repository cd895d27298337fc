/// Affine quantization of an activation tensor: `real = scale · (quantized − zeroPoint)`.
public struct QuantizationParameters: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// How an int32 accumulator becomes an int8 output: a fixed-point multiplier per output channel,
/// the output zero point, and the clamp of the fused activation on the quantized range.
public struct Requantization: Sendable, Equatable {
    /// One multiplier per output channel (per-tensor quantization repeats the same one).
    public var multipliers: [FixedPointMultiplier]
    public var outputZeroPoint: Int32
    /// The fused activation as bounds on the quantized output (within -128...127).
    public var lower: Int32, upper: Int32

    public init(multipliers: [FixedPointMultiplier], outputZeroPoint: Int32, lower: Int32, upper: Int32) {
        self.multipliers = multipliers
        self.outputZeroPoint = outputZeroPoint
        self.lower = lower
        self.upper = upper
    }

    /// TFLite's requantization of one accumulator of channel `channel`.
    @inline(__always)
    public func apply(_ accumulator: Int32, channel: Int) -> Int8 {
        let scaled = multipliers[channel].apply(accumulator) &+ outputZeroPoint
        return Int8(min(max(scaled, lower), upper))
    }
}

/// An int8 KxK convolution (full or 1x1): `Σ (x − inputZeroPoint) · w + bias`, requantized.
/// Weights are TFLite's `[outputChannels][kernelH][kernelW][inputChannels]` (OHWI).
public struct QuantizedConvolution: Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var inputChannels: Int, outputChannels: Int
    public var weights: [Int8]
    public var bias: [Int32]
    public var inputZeroPoint: Int32
    public var requantization: Requantization

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding,
                inputChannels: Int, outputChannels: Int, weights: [Int8], bias: [Int32],
                inputZeroPoint: Int32, requantization: Requantization) {
        precondition(weights.count == outputChannels * kernelHeight * kernelWidth * inputChannels)
        precondition(bias.count == outputChannels && requantization.multipliers.count == outputChannels)
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.inputChannels = inputChannels; self.outputChannels = outputChannels
        self.weights = weights; self.bias = bias
        self.inputZeroPoint = inputZeroPoint; self.requantization = requantization
    }

    /// A 1x1, stride-1, unpadded convolution: a matrix product over pixels.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padding == .zero
    }
}

/// An int8 KxK depthwise convolution; output channel `c·multiplier + m` filters input channel `c`.
/// Weights are TFLite's `[kernelH][kernelW][outputChannels]`.
public struct QuantizedDepthwiseConvolution: Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var inputChannels: Int, multiplier: Int
    public var weights: [Int8]
    public var bias: [Int32]
    public var inputZeroPoint: Int32
    public var requantization: Requantization

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding,
                inputChannels: Int, multiplier: Int, weights: [Int8], bias: [Int32],
                inputZeroPoint: Int32, requantization: Requantization) {
        precondition(weights.count == kernelHeight * kernelWidth * inputChannels * multiplier)
        precondition(bias.count == inputChannels * multiplier && requantization.multipliers.count == bias.count)
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.inputChannels = inputChannels; self.multiplier = multiplier
        self.weights = weights; self.bias = bias
        self.inputZeroPoint = inputZeroPoint; self.requantization = requantization
    }

    public var outputChannels: Int { inputChannels * multiplier }
}

/// An int8 fully connected layer on a flat vector per image. Weights are `[outputs][inputs]`.
public struct QuantizedFullyConnected: Sendable {
    public var inputs: Int, outputs: Int
    public var weights: [Int8]
    public var bias: [Int32]
    public var inputZeroPoint: Int32
    public var requantization: Requantization

    public init(inputs: Int, outputs: Int, weights: [Int8], bias: [Int32], inputZeroPoint: Int32,
                requantization: Requantization) {
        precondition(weights.count == inputs * outputs && bias.count == outputs)
        precondition(requantization.multipliers.count == outputs)
        self.inputs = inputs; self.outputs = outputs
        self.weights = weights; self.bias = bias
        self.inputZeroPoint = inputZeroPoint; self.requantization = requantization
    }
}

/// TFLite's int8 AVERAGE_POOL_2D: the in-bounds values under the window summed and divided with
/// rounding half away from zero (input and output share scale and zero point), then clamped.
public struct QuantizedAveragePool: Sendable {
    public var windowHeight: Int, windowWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var lower: Int32, upper: Int32

    public init(windowHeight: Int, windowWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding,
                lower: Int32, upper: Int32) {
        self.windowHeight = windowHeight; self.windowWidth = windowWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.lower = lower; self.upper = upper
    }
}

/// TFLite's int8 MEAN over height and width (`reference_ops::QuantizedMeanOrSum`): the sum minus
/// `count · inputZeroPoint`, times `inputScale / outputScale / count` as a fixed-point multiplier.
public struct QuantizedMean: Sendable {
    public var keepDimensions: Bool
    public var inputZeroPoint: Int32
    /// The multiplier of `input scale / output scale` before the division by the pixel count.
    public var scale: FixedPointMultiplier
    public var outputZeroPoint: Int32

    public init(keepDimensions: Bool, inputZeroPoint: Int32, scale: FixedPointMultiplier, outputZeroPoint: Int32) {
        self.keepDimensions = keepDimensions
        self.inputZeroPoint = inputZeroPoint
        self.scale = scale
        self.outputZeroPoint = outputZeroPoint
    }
}

/// TFLite's int8 SOFTMAX as its reference kernel computes it: gemmlowp fixed-point exp of the
/// rescaled differences to the row maximum, a fixed-point reciprocal of their sum, output scale
/// 1/256 and zero point -128.
public struct QuantizedSoftmax: Sendable {
    /// `beta · inputScale · 2^26` as a multiplier greater than one.
    public var inputMultiplier: Int32
    public var inputLeftShift: Int
    /// Differences below this contribute nothing (`-CalculateInputRadius(5, leftShift)`).
    public var differenceMinimum: Int32

    public init(inputMultiplier: Int32, inputLeftShift: Int, differenceMinimum: Int32) {
        self.inputMultiplier = inputMultiplier
        self.inputLeftShift = inputLeftShift
        self.differenceMinimum = differenceMinimum
    }
}

/// One step of an int8 graph. Every step reads the previous step's output.
public enum QuantizedOperation: Sendable {
    case convolution(QuantizedConvolution)
    case depthwiseConvolution(QuantizedDepthwiseConvolution)
    /// Spatial padding with a constant (the zero point of the tensor, i.e. real zero).
    case pad(Padding, value: Int8)
    case averagePool(QuantizedAveragePool)
    case mean(QuantizedMean)
    case fullyConnected(QuantizedFullyConnected)
    /// Same elements, new per-image shape.
    case reshape([Int])
    case softmax(QuantizedSoftmax)

    /// TFLite's lower-case operator name (`conv_2d`, `depthwise_conv_2d`, ...).
    public var name: String {
        switch self {
        case .convolution: return "conv_2d"
        case .depthwiseConvolution: return "depthwise_conv_2d"
        case .pad: return "pad"
        case .averagePool: return "average_pool_2d"
        case .mean: return "mean"
        case .fullyConnected: return "fully_connected"
        case .reshape: return "reshape"
        case .softmax: return "softmax"
        }
    }

    /// The per-image output shape for a per-image input shape, or a one-line error.
    func outputShape(for input: [Int]) throws(RuntimeError) -> [Int] {
        func spatial() throws(RuntimeError) -> (Int, Int, Int) {
            guard input.count == 3 else {
                throw RuntimeError.shapeMismatch("\(name) needs an [H, W, C] input, got \(input.shapeDescription)")
            }
            return (input[0], input[1], input[2])
        }
        func windowed(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: Padding, channels: Int?) throws(RuntimeError) -> (Int, Int) {
            let (h, w, c) = try spatial()
            if let channels, channels != c {
                throw RuntimeError.shapeMismatch("\(name) expects \(channels) input channels, got \(c)")
            }
            guard sh >= 1, sw >= 1, h + p.top + p.bottom >= kh, w + p.left + p.right >= kw else {
                throw RuntimeError.shapeMismatch("\(name): a \(kh)x\(kw) window does not fit in \(input.shapeDescription) with its padding")
            }
            return (Padding.outputSize(h, before: p.top, after: p.bottom, kernel: kh, stride: sh),
                    Padding.outputSize(w, before: p.left, after: p.right, kernel: kw, stride: sw))
        }
        switch self {
        case .convolution(let c):
            let (h, w) = try windowed(c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth, c.padding,
                                      channels: c.inputChannels)
            return [h, w, c.outputChannels]
        case .depthwiseConvolution(let d):
            let (h, w) = try windowed(d.kernelHeight, d.kernelWidth, d.strideHeight, d.strideWidth, d.padding,
                                      channels: d.inputChannels)
            return [h, w, d.outputChannels]
        case .pad(let p, _):
            let (h, w, c) = try spatial()
            return [h + p.top + p.bottom, w + p.left + p.right, c]
        case .averagePool(let p):
            let (h, w) = try windowed(p.windowHeight, p.windowWidth, p.strideHeight, p.strideWidth, p.padding,
                                      channels: nil)
            return [h, w, input[2]]
        case .mean(let m):
            let (_, _, c) = try spatial()
            return m.keepDimensions ? [1, 1, c] : [c]
        case .fullyConnected(let f):
            let count = input.reduce(1, *)
            guard count == f.inputs else {
                throw RuntimeError.shapeMismatch("fully_connected expects \(f.inputs) inputs, got \(count)")
            }
            return [f.outputs]
        case .reshape(let shape):
            guard shape.reduce(1, *) == input.reduce(1, *) else {
                throw RuntimeError.shapeMismatch("cannot reshape \(input.shapeDescription) to \(shape.shapeDescription)")
            }
            return shape
        case .softmax:
            guard !input.isEmpty else { throw RuntimeError.shapeMismatch("softmax of a scalar") }
            return input
        }
    }
}

/// A fully quantized network: int8 activations from input to output, per-channel int8 weights,
/// int32 biases. The quantization of the input and output tensors converts between real values
/// and the int8 the graph computes on (TFLite's QUANTIZE / DEQUANTIZE at the model's edges).
public struct QuantizedGraph: Sendable {
    /// One image's input, [height, width, channels].
    public var inputShape: [Int]
    /// The quantization of the int8 input the first operation reads.
    public var inputQuantization: QuantizationParameters
    /// The quantization of the int8 output the last operation writes.
    public var outputQuantization: QuantizationParameters
    /// True when the model file takes float input (and quantizes it with QUANTIZE).
    public var takesFloatInput: Bool
    /// True when the model file returns float output (after DEQUANTIZE).
    public var returnsFloatOutput: Bool
    public var operations: [QuantizedOperation]

    public init(inputShape: [Int], inputQuantization: QuantizationParameters,
                outputQuantization: QuantizationParameters, takesFloatInput: Bool = false,
                returnsFloatOutput: Bool = false, operations: [QuantizedOperation]) throws(RuntimeError) {
        self.inputShape = inputShape
        self.inputQuantization = inputQuantization
        self.outputQuantization = outputQuantization
        self.takesFloatInput = takesFloatInput
        self.returnsFloatOutput = returnsFloatOutput
        self.operations = operations
        _ = try shapes()
    }

    /// The per-image shape after each operation (validates the chain).
    public func shapes() throws(RuntimeError) -> [[Int]] {
        var shape = inputShape
        return try operations.map { (op) throws(RuntimeError) in
            shape = try op.outputShape(for: shape)
            return shape
        }
    }

    /// One image's output shape.
    public var outputShape: [Int] { (try? shapes().last) ?? inputShape }

    /// Multiply-adds per image of each operation (convolutions and fully connected layers).
    public func multiplyAdds() -> [Int] {
        guard let shapes = try? shapes() else { return operations.map { _ in 0 } }
        return zip(operations, shapes).map { op, out in
            switch op {
            case .convolution(let c):
                return c.kernelHeight * c.kernelWidth * c.inputChannels * c.outputChannels * out[0] * out[1]
            case .depthwiseConvolution(let d):
                return d.kernelHeight * d.kernelWidth * d.outputChannels * out[0] * out[1]
            case .fullyConnected(let f):
                return f.inputs * f.outputs
            default:
                return 0
            }
        }
    }
}
