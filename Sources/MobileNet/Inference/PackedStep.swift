/// An operation lowered for execution: weights packed for the kernels, geometry resolved for
/// the session's input shape. Built once per session.
enum PackedStep {
    case convolution(ConvGeometry, weights: AlignedFloats, bias: AlignedFloats, clamp: Clamp)
    /// A 1x1 convolution or fully connected layer: a matrix product over pixels (or images).
    case pointwise(inputs: Int, outputs: Int, weights: AlignedFloats, bias: AlignedFloats, clamp: Clamp)
    case depthwise(ConvGeometry, weights: AlignedFloats, bias: AlignedFloats, clamp: Clamp)
    case depthwiseMultiplier(ConvGeometry, multiplier: Int, weights: AlignedFloats, bias: AlignedFloats, clamp: Clamp)
    case pad(height: Int, width: Int, channels: Int, Padding)
    case averagePool(ConvGeometry, clamp: Clamp)
    case globalAverage(pixels: Int, channels: Int)
    /// Same elements, new shape: the step aliases its input buffer.
    case reshape
    case softmax(width: Int, beta: Float)

    /// Lowers `operation` taking one image of `input` shape to `output` shape.
    init(_ operation: Operation, input: [Int], output: [Int]) {
        func geometry(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ p: Padding) -> ConvGeometry {
            ConvGeometry(input: input, output: output, kernel: (kh, kw), stride: (sh, sw), padding: p)
        }
        switch operation {
        case .convolution(let c):
            let bias = Self.padColumns(c.bias, columns: c.outputChannels)
            if c.isPointwise {
                self = .pointwise(inputs: c.inputChannels, outputs: c.outputChannels,
                                  weights: F32GEMM.pack(c.weights, k: c.inputChannels, n: c.outputChannels),
                                  bias: bias, clamp: c.clamp)
            } else {
                let weights = Self.padColumns(c.weights, columns: c.outputChannels)
                self = .convolution(geometry(c.kernelHeight, c.kernelWidth, c.strideHeight, c.strideWidth, c.padding),
                                    weights: weights, bias: bias, clamp: c.clamp)
            }
        case .depthwiseConvolution(let d):
            let g = geometry(d.kernelHeight, d.kernelWidth, d.strideHeight, d.strideWidth, d.padding)
            if d.multiplier == 1 {
                self = .depthwise(g, weights: Self.padColumns(d.weights, columns: d.outputChannels),
                                  bias: Self.padColumns(d.bias, columns: d.outputChannels), clamp: d.clamp)
            } else {
                self = .depthwiseMultiplier(g, multiplier: d.multiplier, weights: AlignedFloats(d.weights),
                                            bias: AlignedFloats(d.bias), clamp: d.clamp)
            }
        case .pad(let p):
            self = .pad(height: input[0], width: input[1], channels: input[2], p)
        case .averagePool(let p):
            self = .averagePool(geometry(p.windowHeight, p.windowWidth, p.strideHeight, p.strideWidth, p.padding),
                                clamp: p.clamp)
        case .globalAveragePool:
            self = .globalAverage(pixels: input[0] * input[1], channels: input[2])
        case .fullyConnected(let f):
            self = .pointwise(inputs: f.inputs, outputs: f.outputs,
                              weights: F32GEMM.pack(f.weights, k: f.inputs, n: f.outputs),
                              bias: Self.padColumns(f.bias, columns: f.outputs), clamp: f.clamp)
        case .reshape:
            self = .reshape
        case .softmax(let beta):
            self = .softmax(width: output.last ?? 1, beta: beta)
        }
    }

    /// Copies a row-major `[rows][columns]` matrix into aligned `[rows][roundUp16(columns)]`,
    /// zero-filled.
    static func padColumns(_ matrix: [Float], columns: Int) -> AlignedFloats {
        let padded = roundUp16(columns)
        let rows = matrix.count / columns
        let result = AlignedFloats(zeros: rows * padded)
        for r in 0..<rows {
            for c in 0..<columns { result.pointer[r * padded + c] = matrix[r * columns + c] }
        }
        return result
    }
}
