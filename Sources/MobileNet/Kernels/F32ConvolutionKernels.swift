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

    /// Output columns whose whole window lies inside the input (no clipping needed).
    var interiorColumns: Range<Int> {
        let low = min(outputWidth, (padLeft + strideWidth - 1) / strideWidth)
        let high = max(low, min(outputWidth, (inputWidth + padLeft - kernelWidth) / strideWidth + 1))
        return low..<high
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
    /// (a row is one (image, output y) pair). Interior pixels go six at a time through
    /// `tile6x16`; pixels whose window is clipped by the padding take a per-pixel loop over the
    /// in-bounds taps, so no inner loop carries a branch.
    static func direct(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels, coutPacked = roundUp16(cout)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        let interior = g.interiorColumns
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            var edgeStart = 0
            if kys.count == g.kernelHeight {
                var ox = interior.lowerBound
                let windowRow = input + ((image * g.inputHeight + iy0) * g.inputWidth) * cin
                while ox + 6 <= interior.upperBound {
                    var block = 0
                    while block < cout {
                        tile6x16(input: windowRow + (ox * g.strideWidth - g.padLeft) * cin,
                                 output: output + (row * g.outputWidth + ox) * cout + block,
                                 weights: weights + block, bias: load16(bias + block), g: g,
                                 columns: min(16, cout - block), lower: lower, upper: upper)
                        block += 16
                    }
                    ox += 6
                }
                // Columns before the interior, then what the tiles left of it, then after it.
                for ox in 0..<interior.lowerBound { pixel(ox) }
                edgeStart = ox
            }
            for ox in edgeStart..<g.outputWidth { pixel(ox) }

            func pixel(_ ox: Int) {
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

    /// Six horizontally adjacent output pixels × 16 output channels whose windows lie inside the
    /// input: for every tap (ky, kx, ci) one weight vector and six broadcasts, as a GEMM whose
    /// rows are the six pixels' strided windows. `input` points at the first pixel's window.
    @inline(__always)
    private static func tile6x16(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: SIMD16<Float>, g: ConvGeometry,
        columns: Int, lower: SIMD16<Float>, upper: SIMD16<Float>
    ) {
        let cin = g.inputChannels, coutPacked = roundUp16(g.outputChannels)
        let step = g.strideWidth * cin
        var c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias
        var w = weights
        for ky in 0..<g.kernelHeight {
            var a = input + ky * g.inputWidth * cin
            for _ in 0..<g.kernelWidth * cin {
                let wv = load16(w)
                c0 = multiplyAdd(c0, SIMD16(repeating: a[0]), wv)
                c1 = multiplyAdd(c1, SIMD16(repeating: a[step]), wv)
                c2 = multiplyAdd(c2, SIMD16(repeating: a[2 * step]), wv)
                c3 = multiplyAdd(c3, SIMD16(repeating: a[3 * step]), wv)
                c4 = multiplyAdd(c4, SIMD16(repeating: a[4 * step]), wv)
                c5 = multiplyAdd(c5, SIMD16(repeating: a[5 * step]), wv)
                a += 1
                w += coutPacked
            }
        }
        let cout = g.outputChannels
        store16(clamp16(c0, lower, upper), output, count: columns)
        store16(clamp16(c1, lower, upper), output + cout, count: columns)
        store16(clamp16(c2, lower, upper), output + 2 * cout, count: columns)
        store16(clamp16(c3, lower, upper), output + 3 * cout, count: columns)
        store16(clamp16(c4, lower, upper), output + 4 * cout, count: columns)
        store16(clamp16(c5, lower, upper), output + 5 * cout, count: columns)
    }
}
