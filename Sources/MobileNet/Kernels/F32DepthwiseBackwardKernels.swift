/// The taps of a window that reach one input position along one axis: pairs (k, o) of kernel
/// offset and output position with `o · stride + k − pad = input position`. At most 3 for the
/// 3x3 kernels MobileNet uses; larger kernels take the general path.
struct WindowTaps {
    private(set) var count = 0
    private var kernel: (Int, Int, Int) = (0, 0, 0)
    private var output: (Int, Int, Int) = (0, 0, 0)

    /// The taps of input position `position` for `kernelSize`, `stride`, `pad` and `outputs`.
    @inline(__always)
    init(position: Int, kernelSize: Int, stride: Int, pad: Int, outputs: Int) {
        for k in 0..<kernelSize {
            let t = position + pad - k
            guard t >= 0, t % stride == 0, t / stride < outputs else { continue }
            switch count {
            case 0: kernel.0 = k; output.0 = t / stride
            case 1: kernel.1 = k; output.1 = t / stride
            default: kernel.2 = k; output.2 = t / stride
            }
            count += 1
        }
    }

    @inline(__always)
    subscript(index: Int) -> (k: Int, o: Int) {
        switch index {
        case 0: return (kernel.0, output.0)
        case 1: return (kernel.1, output.1)
        default: return (kernel.2, output.2)
        }
    }
}

/// The input gradient of a depthwise convolution (multiplier 1), NHWC.
enum F32DepthwiseBackward {
    /// `dx[input pixel][c] = Σ_taps dy[output pixel][c] · w[ky][kx][c]` for the input rows
    /// `inputRows` (a row is one (image, input y) pair), overwriting them. Written as a gather
    /// over the output pixels whose windows cover each input pixel, so threads that take
    /// disjoint input rows never write the same memory. Weights are packed
    /// `[kh][kw][roundUp16(channels)]`; kernels up to 3x3 (the taps of one position ≤ 3).
    static func inputGradient(
        outputGradient dy: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, inputRows: Range<Int>
    ) {
        precondition(g.kernelHeight <= 3 && g.kernelWidth <= 3, "depthwise backward supports kernels up to 3x3")
        let c = g.inputChannels, cPacked = roundUp16(c)
        for row in inputRows {
            let image = row / g.inputHeight, iy = row % g.inputHeight
            let rowTaps = WindowTaps(position: iy, kernelSize: g.kernelHeight, stride: g.strideHeight,
                                     pad: g.padTop, outputs: g.outputHeight)
            for ix in 0..<g.inputWidth {
                let columnTaps = WindowTaps(position: ix, kernelSize: g.kernelWidth, stride: g.strideWidth,
                                            pad: g.padLeft, outputs: g.outputWidth)
                let out = dx + (row * g.inputWidth + ix) * c
                var block = 0
                while block < c {
                    var acc = SIMD16<Float>()
                    for r in 0..<rowTaps.count {
                        let (ky, oy) = rowTaps[r]
                        let dyRow = dy + ((image * g.outputHeight + oy) * g.outputWidth) * c + block
                        let wRow = weights + ky * g.kernelWidth * cPacked + block
                        for t in 0..<columnTaps.count {
                            let (kx, ox) = columnTaps[t]
                            acc = multiplyAdd(acc, load16(dyRow + ox * c), load16(wRow + kx * cPacked))
                        }
                    }
                    store16(acc, out + block, count: min(16, c - block))
                    block += 16
                }
            }
        }
    }
}
