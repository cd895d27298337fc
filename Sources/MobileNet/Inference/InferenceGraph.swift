/// A lower and upper bound applied to every output element: how fused activations run.
public struct Clamp: Sendable, Equatable {
    public var lower: Float
    public var upper: Float

    public init(lower: Float, upper: Float) {
        self.lower = lower
        self.upper = upper
    }

    /// The clamp that implements `activation`.
    public init(_ activation: Activation) {
        switch activation {
        case .none: self.init(lower: -.infinity, upper: .infinity)
        case .relu: self.init(lower: 0, upper: .infinity)
        case .relu6: self.init(lower: 0, upper: 6)
        }
    }

    public static let none = Clamp(.none)
}

/// A KxK convolution (full or 1x1) with folded batch norm, bias and fused clamp.
/// Weights are packed `[kernelH][kernelW][inputChannels][outputChannels]`.
public struct Convolution: Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var inputChannels: Int, outputChannels: Int
    /// `kernelHeight·kernelWidth·inputChannels·outputChannels` weights, HWIO order.
    public var weights: [Float]
    /// `outputChannels` biases.
    public var bias: [Float]
    public var clamp: Clamp

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padding: Padding, inputChannels: Int, outputChannels: Int,
                weights: [Float], bias: [Float], clamp: Clamp) {
        precondition(weights.count == kernelHeight * kernelWidth * inputChannels * outputChannels)
        precondition(bias.count == outputChannels)
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.inputChannels = inputChannels; self.outputChannels = outputChannels
        self.weights = weights; self.bias = bias; self.clamp = clamp
    }

    /// A 1x1, stride-1, unpadded convolution: a plain matrix product over pixels.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padding == .zero
    }
}

/// A KxK depthwise convolution: output channel `c·multiplier + m` filters input channel `c`.
/// Weights are packed `[kernelH][kernelW][inputChannels·multiplier]`.
public struct DepthwiseConvolution: Sendable {
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var inputChannels: Int
    public var multiplier: Int
    public var weights: [Float]
    public var bias: [Float]
    public var clamp: Clamp

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padding: Padding, inputChannels: Int, multiplier: Int,
                weights: [Float], bias: [Float], clamp: Clamp) {
        precondition(weights.count == kernelHeight * kernelWidth * inputChannels * multiplier)
        precondition(bias.count == inputChannels * multiplier)
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding
        self.inputChannels = inputChannels; self.multiplier = multiplier
        self.weights = weights; self.bias = bias; self.clamp = clamp
    }

    public var outputChannels: Int { inputChannels * multiplier }
}

/// An average pool as TFLite defines it: each output is the mean of the in-bounds inputs under
/// its window (padding does not count toward the divisor).
public struct AveragePool: Sendable {
    public var windowHeight: Int, windowWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padding: Padding
    public var clamp: Clamp

    public init(windowHeight: Int, windowWidth: Int, strideHeight: Int, strideWidth: Int,
                padding: Padding, clamp: Clamp) {
        self.windowHeight = windowHeight; self.windowWidth = windowWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padding = padding; self.clamp = clamp
    }
}

/// `output = clamp(input · weights + bias)` on a flat vector per image.
/// Weights are packed `[inputs][outputs]`.
public struct FullyConnected: Sendable {
    public var inputs: Int, outputs: Int
    public var weights: [Float]
    public var bias: [Float]
    public var clamp: Clamp

    public init(inputs: Int, outputs: Int, weights: [Float], bias: [Float], clamp: Clamp) {
        precondition(weights.count == inputs * outputs && bias.count == outputs)
        self.inputs = inputs; self.outputs = outputs
        self.weights = weights; self.bias = bias; self.clamp = clamp
    }
}

/// One step of an inference graph. Every step reads the previous step's output.
public enum Operation: Sendable {
    case convolution(Convolution)
    case depthwiseConvolution(DepthwiseConvolution)
    /// Zero padding of the spatial dimensions.
    case pad(Padding)
    case averagePool(AveragePool)
    /// Mean over height and width; `keepDimensions` keeps a 1x1 map instead of a vector.
    case globalAveragePool(keepDimensions: Bool)
    case fullyConnected(FullyConnected)
    /// Reinterpret each image's elements with a new shape (same count).
    case reshape([Int])
    /// `exp(beta·x) / Σ exp(beta·x)` over the last dimension.
    case softmax(beta: Float)

    /// The shape of one image's output for one image's `input` shape, or a one-line error.
    func outputShape(for input: [Int]) throws -> [Int] {
        func spatial() throws -> (Int, Int, Int) {
            guard input.count == 3 else {
                throw MobileNetError.shapeMismatch("\(name) needs an [H, W, C] input, got \(input.shapeDescription)")
            }
            return (input[0], input[1], input[2])
        }
        func window(_ size: Int, _ before: Int, _ after: Int, _ k: Int, _ s: Int) throws -> Int {
            let padded = size + before + after
            guard padded >= k, s >= 1 else {
                throw MobileNetError.shapeMismatch("\(name): window \(k) does not fit in \(padded) pixels")
            }
            return (padded - k) / s + 1
        }
        /// A window of kh×kw with strides and padding over the input: output height and width.
        func windowed(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: Padding) throws -> (Int, Int) {
            let (h, w, _) = try spatial()
            return (try window(h, p.top, p.bottom, kh, sh), try window(w, p.left, p.right, kw, sw))
        }
        func requireChannels(_ expected: Int) throws {
            let (_, _, ch) = try spatial()
            guard ch == expected else {
                throw MobileNetError.shapeMismatch("\(name) expects \(expected) input channels, got \(ch)")
            }
        }
        switch self {
        case .convolution(let c):
            try requireChannels(c.inputChannels)
            let (h, w) = try windowed(c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth, c.padding)
            return [h, w, c.outputChannels]
        case .depthwiseConvolution(let d):
            try requireChannels(d.inputChannels)
            let (h, w) = try windowed(d.kernelHeight, d.kernelWidth, d.strideHeight, d.strideWidth, d.padding)
            return [h, w, d.outputChannels]
        case .pad(let p):
            let (h, w, ch) = try spatial()
            return [h + p.top + p.bottom, w + p.left + p.right, ch]
        case .averagePool(let p):
            let (_, _, ch) = try spatial()
            let (h, w) = try windowed(p.windowHeight, p.windowWidth, p.strideHeight, p.strideWidth, p.padding)
            return [h, w, ch]
        case .globalAveragePool(let keep):
            let (_, _, ch) = try spatial()
            return keep ? [1, 1, ch] : [ch]
        case .fullyConnected(let f):
            let count = input.reduce(1, *)
            guard count == f.inputs else {
                throw MobileNetError.shapeMismatch("fully connected expects \(f.inputs) inputs, got \(count)")
            }
            return [f.outputs]
        case .reshape(let shape):
            guard shape.reduce(1, *) == input.reduce(1, *) else {
                throw MobileNetError.shapeMismatch(
                    "cannot reshape \(input.shapeDescription) to \(shape.shapeDescription)")
            }
            return shape
        case .softmax:
            return input
        }
    }

    /// A short lower-case name, as TFLite's operators are named (`conv_2d`, `depthwise_conv_2d`, ...).
    public var name: String {
        switch self {
        case .convolution: return "conv_2d"
        case .depthwiseConvolution: return "depthwise_conv_2d"
        case .pad: return "pad"
        case .averagePool: return "average_pool_2d"
        case .globalAveragePool: return "mean"
        case .fullyConnected: return "fully_connected"
        case .reshape: return "reshape"
        case .softmax: return "softmax"
        }
    }
}

/// A network ready for the engine: the per-image input shape and a chain of operations.
/// Both the TFLite importer and the MobileNet builder produce one.
public struct InferenceGraph: Sendable {
    /// One image's input, [height, width, channels].
    public var inputShape: [Int]
    public var operations: [Operation]

    public init(inputShape: [Int], operations: [Operation]) throws {
        self.inputShape = inputShape
        self.operations = operations
        _ = try shapes()
    }

    /// The per-image shape after each operation, in order (validates the chain).
    public func shapes() throws -> [[Int]] {
        var shape = inputShape
        var result: [[Int]] = []
        for op in operations {
            shape = try op.outputShape(for: shape)
            result.append(shape)
        }
        return result
    }

    /// One image's output shape.
    public var outputShape: [Int] { (try? shapes().last) ?? inputShape }
}

extension InferenceGraph {
    /// Multiply-adds of each operation for one image (convolutions and fully connected layers;
    /// 0 for the rest), counted as the cost model counts them.
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
