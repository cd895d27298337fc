/// f32 NHWC convolution kernels. Weights arrive pre-packed `[kh][kw][cin][roundUp16(cout)]`
/// with a bias of `roundUp16(cout)`; padded lanes are zero and never stored.
enum F32Convolution {
    /// Direct KxK convolution (any stride/padding, no im2col) for output rows `rows`
    /// (a row is one (image, output y) pair). Pixels whose window is not clipped horizontally go
    /// six at a time through `tile6x16` (twelve through `tile12x8` for eight output channels),
    /// over the window rows inside the input (so the top and bottom rows too); a last group of
    /// fewer pixels repeats its last pixel. Pixels clipped horizontally take a per-pixel loop
    /// over the in-bounds taps, so no inner loop carries a branch. Out of line: see
    /// `F32GEMM.multiply`.
    @inline(never)
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
            let tiled = kys.isEmpty ? interior.lowerBound..<interior.lowerBound : interior
            if !tiled.isEmpty {
                // The first window row inside the input, and the weights of that kernel row.
                let windowRow = input + ((image * g.inputHeight + iy0 + kys.lowerBound) * g.inputWidth) * cin
                let rowWeights = weights + kys.lowerBound * g.kernelWidth * cin * coutPacked
                var ox = tiled.lowerBound
                if cout == 8 {
                    while ox + 12 <= tiled.upperBound {
                        tile12x8(input: windowRow + (ox * g.strideWidth - g.padLeft) * cin,
                                 output: output + (row * g.outputWidth + ox) * 8,
                                 weights: rowWeights, bias: load8(bias), g: g, kernelRows: kys.count,
                                 lower: lower, upper: upper)
                        ox += 12
                    }
                }
                @inline(__always) func tiles(_ ox: Int, pixels: Int) {
                    var block = 0
                    while block < cout {
                        tile6x16(input: windowRow + (ox * g.strideWidth - g.padLeft) * cin,
                                 output: output + (row * g.outputWidth + ox) * cout + block,
                                 weights: rowWeights + block, bias: load16(bias + block), g: g,
                                 kernelRows: kys.count, pixels: pixels,
                                 columns: min(16, cout - block), lower: lower, upper: upper)
                        block += 16
                    }
                }
                while ox + 6 <= tiled.upperBound {
                    tiles(ox, pixels: 6)
                    ox += 6
                }
                if ox < tiled.upperBound { tiles(ox, pixels: tiled.upperBound - ox) }
            }
            for ox in 0..<tiled.lowerBound { pixel(ox) }
            for ox in tiled.upperBound..<g.outputWidth { pixel(ox) }

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

    /// Twelve horizontally adjacent output pixels × 8 output channels (the stem of α = 0.25)
    /// over `kernelRows` window rows (`input` and `weights` at the first): each vector holds two
    /// pixels' eight channels, so every
    /// lane is used and the twelve outputs are six whole-vector stores. Per tap one weight load
    /// (the eight weights in both halves) and twelve broadcasts, as in `tile6x16`.
    @inline(__always)
    private static func tile12x8(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: SIMD8<Float>, g: ConvGeometry, kernelRows: Int,
        lower: SIMD16<Float>, upper: SIMD16<Float>
    ) {
        let cin = g.inputChannels
        let step = g.strideWidth * cin
        let b = SIMD16(lowHalf: bias, highHalf: bias)
        var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b
        var w = weights
        @inline(__always) func pair(_ a: UnsafePointer<Float>, _ first: Int) -> SIMD16<Float> {
            SIMD16(lowHalf: SIMD8(repeating: a[first * step]), highHalf: SIMD8(repeating: a[(first + 1) * step]))
        }
        for ky in 0..<kernelRows {
            var a = input + ky * g.inputWidth * cin
            for _ in 0..<g.kernelWidth * cin {
                let w8 = load8(w), wv = SIMD16(lowHalf: w8, highHalf: w8)
                c0 = multiplyAdd(c0, pair(a, 0), wv)
                c1 = multiplyAdd(c1, pair(a, 2), wv)
                c2 = multiplyAdd(c2, pair(a, 4), wv)
                c3 = multiplyAdd(c3, pair(a, 6), wv)
                c4 = multiplyAdd(c4, pair(a, 8), wv)
                c5 = multiplyAdd(c5, pair(a, 10), wv)
                a += 1
                w += 16  // weights are packed [kh][kw][cin][16], lanes 8..15 zero
            }
        }
        store16(clamp16(c0, lower, upper), output)
        store16(clamp16(c1, lower, upper), output + 16)
        store16(clamp16(c2, lower, upper), output + 32)
        store16(clamp16(c3, lower, upper), output + 48)
        store16(clamp16(c4, lower, upper), output + 64)
        store16(clamp16(c5, lower, upper), output + 80)
    }

    /// Six horizontally adjacent output pixels × 16 output channels whose windows are not
    /// clipped horizontally, over `kernelRows` window rows (`input` and `weights` at the first):
    /// for every tap (ky, kx, ci) one weight vector and six broadcasts, as a GEMM whose rows are
    /// the six pixels' strided windows. With `pixels` < 6 the missing pixels repeat the last one
    /// and are not stored.
    @inline(__always)
    private static func tile6x16(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: SIMD16<Float>, g: ConvGeometry, kernelRows: Int, pixels: Int,
        columns: Int, lower: SIMD16<Float>, upper: SIMD16<Float>
    ) {
        let cin = g.inputChannels, coutPacked = roundUp16(g.outputChannels)
        let step = g.strideWidth * cin, last = pixels - 1
        let o1 = min(1, last) * step, o2 = min(2, last) * step, o3 = min(3, last) * step
        let o4 = min(4, last) * step, o5 = min(5, last) * step
        var c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias
        var w = weights
        for ky in 0..<kernelRows {
            var a = input + ky * g.inputWidth * cin
            for _ in 0..<g.kernelWidth * cin {
                let wv = load16(w)
                c0 = multiplyAdd(c0, SIMD16(repeating: a[0]), wv)
                c1 = multiplyAdd(c1, SIMD16(repeating: a[o1]), wv)
                c2 = multiplyAdd(c2, SIMD16(repeating: a[o2]), wv)
                c3 = multiplyAdd(c3, SIMD16(repeating: a[o3]), wv)
                c4 = multiplyAdd(c4, SIMD16(repeating: a[o4]), wv)
                c5 = multiplyAdd(c5, SIMD16(repeating: a[o5]), wv)
                a += 1
                w += coutPacked
            }
        }
        let cout = g.outputChannels
        store16(clamp16(c0, lower, upper), output, count: columns)
        if pixels > 1 { store16(clamp16(c1, lower, upper), output + cout, count: columns) }
        if pixels > 2 { store16(clamp16(c2, lower, upper), output + 2 * cout, count: columns) }
        if pixels > 3 { store16(clamp16(c3, lower, upper), output + 3 * cout, count: columns) }
        if pixels > 4 { store16(clamp16(c4, lower, upper), output + 4 * cout, count: columns) }
        if pixels > 5 { store16(clamp16(c5, lower, upper), output + 5 * cout, count: columns) }
    }
}
