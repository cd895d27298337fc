/// A quantized operation lowered for execution: weights packed for the kernels, geometry resolved
/// for the session's input shape. Built once per session.
enum QuantizedStep {
    /// A 1x1 convolution (rows: pixels) or fully connected layer (rows: images).
    case matrixProduct(SelectedGEMM)
    /// A full KxK convolution: im2col rows of every output pixel times the packed weights.
    case convolution(ConvGeometry, SelectedGEMM)
    case depthwise(ConvGeometry, I8Depthwise)
    case depthwiseMultiplier(ConvGeometry, QuantizedDepthwiseConvolution)
    case pad(height: Int, width: Int, channels: Int, Padding, value: Int8)
    case averagePool(ConvGeometry, lower: Int32, upper: Int32)
    case mean(pixels: Int, channels: Int, QuantizedMean)
    /// Same bytes, new shape: the step aliases its input buffer.
    case reshape
    /// `exponentials`: the fixed-point exp per difference to the row maximum (see
    /// `I8Head.softmaxExponentials`).
    case softmax(width: Int, exponentials: AlignedStorage<Int32>)

    /// Lowers `operation` taking one image of `input` shape to `output` shape.
    init(_ operation: QuantizedOperation, input: [Int], output: [Int]) {
        func geometry(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: Padding) -> ConvGeometry {
            ConvGeometry(input: input, output: output, kernel: (kh, kw), stride: (sh, sw), padding: p)
        }
        switch operation {
        case .convolution(let c):
            let gemm = SelectedGEMM(weights: c.weights, n: c.outputChannels,
                                     k: c.kernelHeight * c.kernelWidth * c.inputChannels, bias: c.bias,
                                     inputZeroPoint: c.inputZeroPoint, requantization: c.requantization)
            self = c.isPointwise
                ? .matrixProduct(gemm)
                : .convolution(geometry(c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth, c.padding), gemm)
        case .depthwiseConvolution(let d):
            let g = geometry(d.kernelHeight, d.kernelWidth, d.strideHeight, d.strideWidth, d.padding)
            self = d.multiplier == 1 ? .depthwise(g, I8Depthwise(d)) : .depthwiseMultiplier(g, d)
        case .fullyConnected(let f):
            self = .matrixProduct(SelectedGEMM(weights: f.weights, n: f.outputs, k: f.inputs, bias: f.bias,
                                                inputZeroPoint: f.inputZeroPoint, requantization: f.requantization))
        case .pad(let p, let value):
            self = .pad(height: input[0], width: input[1], channels: input[2], p, value: value)
        case .averagePool(let p):
            self = .averagePool(geometry(p.windowHeight, p.windowWidth, p.strideHeight, p.strideWidth, p.padding),
                                lower: p.lower, upper: p.upper)
        case .mean(let m):
            self = .mean(pixels: input[0] * input[1], channels: input[2], m)
        case .reshape:
            self = .reshape
        case .softmax(let s):
            self = .softmax(width: output.last ?? 1, exponentials: AlignedStorage(I8Head.softmaxExponentials(s)))
        }
    }

    /// True when the step may write its output over its input (same size, each element read
    /// before it is written): RESHAPE (same bytes) and SOFTMAX (row by row).
    var isInPlace: Bool {
        switch self {
        case .reshape, .softmax: return true
        default: return false
        }
    }

    /// True for a full KxK convolution (its matrix product's rows are output pixels).
    var isConvolution: Bool {
        if case .convolution = self { return true }
        return false
    }

    /// The matrix product of the step, if any (to size the workers' scratch rows).
    var matrixProduct: SelectedGEMM? {
        switch self {
        case .matrixProduct(let gemm), .convolution(_, let gemm): return gemm
        default: return nil
        }
    }
}
