/// Geometry of a spatial operator over NHWC tensors, shared by the convolution kernels.
struct ConvGeometry {
    var inputHeight: Int, inputWidth: Int, inputChannels: Int
    var outputHeight: Int, outputWidth: Int, outputChannels: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var padTop: Int, padLeft: Int

    /// For output row `row` (image-major): the image, the first input row under the window
    /// (may be negative) and the window rows `ky` that fall inside the input.
    @inline(__always)
    func rowWindow(_ row: Int) -> (image: Int, inputRow: Int, taps: Range<Int>) {
        let image = row / outputHeight, oy = row % outputHeight
        let iy0 = oy * strideHeight - padTop
        let low = max(0, -iy0), high = max(low, min(kernelHeight, inputHeight - iy0))
        return (image, iy0, low..<high)
    }

    /// For output column `ox`: the first input column under the window and the in-bounds `kx`.
    @inline(__always)
    func columnWindow(_ ox: Int) -> (inputColumn: Int, taps: Range<Int>) {
        let ix0 = ox * strideWidth - padLeft
        let low = max(0, -ix0), high = max(low, min(kernelWidth, inputWidth - ix0))
        return (ix0, low..<high)
    }
}

/// f32 NHWC convolution kernels. Weights arrive pre-packed `[kh][kw][cin][roundUp16(cout)]`
/// with a bias of `roundUp16(cout)`; padded lanes are zero and never stored.
enum F32Convolution {
    /// Direct KxK convolution (any stride/padding, no im2col) for output rows `rows`
    /// (a row is one (image, output y) pair). Padding is handled by clipping the kernel window
    /// per output row and column, so the inner loops have no branches.
    static func direct(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels, coutPacked = roundUp16(cout)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let out = output + (row * g.outputWidth + ox) * cout
                var block = 0
                while block < cout {
                    var acc = load16(bias + block)
                    for ky in kys {
                        let inRow = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth) * cin
                        for kx in kxs {
                            let pixel = inRow + (ix0 + kx) * cin
                            let w = weights + ((ky * g.kernelWidth + kx) * cin) * coutPacked + block
                            for ci in 0..<cin {
                                acc = multiplyAdd(acc, SIMD16(repeating: pixel[ci]), load16(w + ci * coutPacked))
                            }
                        }
                    }
                    store16(clamp16(acc, lower, upper), out + block, count: min(16, cout - block))
                    block += 16
                }
            }
        }
    }
}
