/// f32 NHWC depthwise convolution kernels. Weights arrive packed `[kh][kw][roundUp16(channels)]`.
enum F32Depthwise {
    /// Depthwise KxK, multiplier 1, channels in SIMD lanes, for output rows `rows`.
    /// The columns of a 3x3 conv whose windows are not clipped horizontally take `row3x3`
    /// (`row3x3Pairs` first for eight channels at stride 1), with the window rows that lie inside
    /// the input, so the top and bottom rows too; the edge columns take the clipped loop. Reads up to 15 floats past a pixel's last channel (the
    /// activation buffers carry that slack); those lanes are discarded. Out of line: see
    /// `F32GEMM.multiply`.
    @inline(never)
    static func channelsInLanes(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let c = g.inputChannels
        let interior = g.interiorColumns
        let is3x3 = g.kernelHeight == 3 && g.kernelWidth == 3
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            let outputRow = output + row * g.outputWidth * c
            guard is3x3 && !kys.isEmpty && !interior.isEmpty else {
                clippedPixels(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                              row: row, columns: 0..<g.outputWidth)
                continue
            }
            // The first window row inside the input, and the weights of that kernel row.
            let window = input + ((image * g.inputHeight + iy0 + kys.lowerBound) * g.inputWidth) * c
            let rowWeights = weights + kys.lowerBound * 3 * roundUp16(c)
            var first = interior.lowerBound
            if c == 8 && g.strideWidth == 1 {
                first = row3x3Pairs(input: window, output: outputRow, weights: rowWeights, bias: bias,
                                    g: g, clamp: clamp, kernelRows: kys.count, columns: interior)
            }
            row3x3(input: window, output: outputRow, weights: rowWeights, bias: bias,
                   g: g, clamp: clamp, kernelRows: kys.count, columns: first..<interior.upperBound)
            clippedPixels(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                          row: row, columns: 0..<interior.lowerBound)
            clippedPixels(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                          row: row, columns: interior.upperBound..<g.outputWidth)
        }
    }

    /// Output pixels `columns` of `row` over the taps inside the input (any kernel size), one
    /// pixel at a time; four (or two) channel blocks at once, so that the FMAs of one pixel form
    /// independent chains instead of waiting on each other.
    @inline(__always)
    private static func clippedPixels(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, row: Int, columns: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        let (image, iy0, kys) = g.rowWindow(row)
        for ox in columns {
            let (ix0, kxs) = g.columnWindow(ox)
            let out = output + (row * g.outputWidth + ox) * c
            let pixel = input + ((image * g.inputHeight + iy0) * g.inputWidth + ix0) * c
            var block = 0
            while block + 64 <= c {
                var a0 = load16(bias + block), a1 = load16(bias + block + 16)
                var a2 = load16(bias + block + 32), a3 = load16(bias + block + 48)
                for ky in kys {
                    let inRow = pixel + ky * g.inputWidth * c + block
                    let wRow = weights + ky * g.kernelWidth * cPacked + block
                    for kx in kxs {
                        let x = inRow + kx * c, w = wRow + kx * cPacked
                        a0 = multiplyAdd(a0, load16(x), load16(w))
                        a1 = multiplyAdd(a1, load16(x + 16), load16(w + 16))
                        a2 = multiplyAdd(a2, load16(x + 32), load16(w + 32))
                        a3 = multiplyAdd(a3, load16(x + 48), load16(w + 48))
                    }
                }
                store16(clamp16(a0, lower, upper), out + block)
                store16(clamp16(a1, lower, upper), out + block + 16)
                store16(clamp16(a2, lower, upper), out + block + 32)
                store16(clamp16(a3, lower, upper), out + block + 48)
                block += 64
            }
            while block + 32 <= c {
                var a0 = load16(bias + block), a1 = load16(bias + block + 16)
                for ky in kys {
                    let inRow = pixel + ky * g.inputWidth * c + block
                    let wRow = weights + ky * g.kernelWidth * cPacked + block
                    for kx in kxs {
                        let x = inRow + kx * c, w = wRow + kx * cPacked
                        a0 = multiplyAdd(a0, load16(x), load16(w))
                        a1 = multiplyAdd(a1, load16(x + 16), load16(w + 16))
                    }
                }
                store16(clamp16(a0, lower, upper), out + block)
                store16(clamp16(a1, lower, upper), out + block + 16)
                block += 32
            }
            while block < c {
                var acc = load16(bias + block)
                for ky in kys {
                    let inRow = pixel + ky * g.inputWidth * c + block
                    let wRow = weights + ky * g.kernelWidth * cPacked + block
                    for kx in kxs {
                        acc = multiplyAdd(acc, load16(inRow + kx * c), load16(wRow + kx * cPacked))
                    }
                }
                store16(clamp16(acc, lower, upper), out + block, count: min(16, c - block))
                block += 16
            }
        }
    }

    /// One output row of a 3x3 depthwise conv over `columns`, whose windows are not clipped
    /// horizontally, over `kernelRows` window rows (3, or fewer at the top and bottom edges;
    /// `input` and `weights` point at the first of them): four output pixels × sixteen channels
    /// at a time, each weight vector loaded once for the four; a last group of fewer pixels
    /// repeats its last pixel (not stored). Pixels are the outer loop and channel blocks the
    /// inner one, so the window (3 rows × 6 pixels × all channels) stays in L1 while every block
    /// reads it. (Unrolling the nine taps of one pixel instead made LLVM split the vectors into
    /// 128-bit pieces: 4× slower; blocks outside pixels re-read each row from L2 once per
    /// block: 3× slower.)
    @inline(__always)
    private static func row3x3(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, kernelRows: Int, columns: Range<Int>
    ) {
        let c = g.inputChannels, step = g.strideWidth * c
        var ox = columns.lowerBound
        // Full groups with the kernel rows and offsets constant, as LLVM schedules them best
        // (variable ones made this loop about 25% slower), then the last group.
        if kernelRows == 3 {
            while ox + 4 <= columns.upperBound {
                quad3x3(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                        kernelRows: 3, column: ox, offsets: (step, 2 * step, 3 * step), pixels: 4)
                ox += 4
            }
        } else {
            while ox + 4 <= columns.upperBound {
                quad3x3(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                        kernelRows: kernelRows, column: ox, offsets: (step, 2 * step, 3 * step), pixels: 4)
                ox += 4
            }
        }
        let pixels = columns.upperBound - ox
        if pixels > 0 {
            let s1 = pixels > 1 ? step : 0, s2 = pixels > 2 ? 2 * step : s1
            quad3x3(input: input, output: output, weights: weights, bias: bias, g: g, clamp: clamp,
                    kernelRows: kernelRows, column: ox, offsets: (s1, s2, s2), pixels: pixels)
        }
    }

    /// Output pixels `column ..< column + pixels` (pixels ≤ 4) of `row3x3`: the window of pixel
    /// `j > 0` starts `offsets.j` floats after the first one's (a repeated offset recomputes a
    /// pixel that is not stored).
    @inline(__always)
    private static func quad3x3(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, kernelRows: Int, column ox: Int,
        offsets: (Int, Int, Int), pixels: Int
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let rowStride = g.inputWidth * c
        let (s1, s2, s3) = offsets
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        let window = input + (ox * g.strideWidth - g.padLeft) * c
        var block = 0
        while block < c {
            let b = load16(bias + block)
            var a0 = b, a1 = b, a2 = b, a3 = b
            var p = window + block
            var w = weights + block
            for _ in 0..<kernelRows {
                var x = p, wk = w
                for _ in 0..<3 {
                    let wv = load16(wk)
                    a0 = multiplyAdd(a0, load16(x), wv)
                    a1 = multiplyAdd(a1, load16(x + s1), wv)
                    a2 = multiplyAdd(a2, load16(x + s2), wv)
                    a3 = multiplyAdd(a3, load16(x + s3), wv)
                    x += c
                    wk += cPacked
                }
                p += rowStride
                w += cPacked &* 3
            }
            let out = output + ox * c + block, count = min(16, c - block)
            store16(clamp16(a0, lower, upper), out, count: count)
            if pixels > 1 { store16(clamp16(a1, lower, upper), out + c, count: count) }
            if pixels > 2 { store16(clamp16(a2, lower, upper), out + 2 * c, count: count) }
            if pixels > 3 { store16(clamp16(a3, lower, upper), out + 3 * c, count: count) }
            block += 16
        }
    }

    /// `row3x3` for eight channels at stride 1: a vector holds two adjacent output pixels, whose
    /// windows lie one pixel (eight floats) apart, so one load of sixteen floats feeds both and
    /// every lane is used; four pairs at a time, over `kernelRows` window rows as in `row3x3`.
    /// Returns the first column it left undone (at most one, for an odd count).
    @inline(__always)
    private static func row3x3Pairs(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, kernelRows: Int, columns: Range<Int>
    ) -> Int {
        let rowStride = g.inputWidth * 8, wStride = 16  // weights: [3][3][16], lanes 8..15 zero
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        let b8 = load8(bias), b = SIMD16(lowHalf: b8, highHalf: b8)
        var ox = columns.lowerBound
        while ox + 2 <= columns.upperBound {
            let pairs = min(4, (columns.upperBound - ox) / 2)
            var a0 = b, a1 = b, a2 = b, a3 = b
            var p = input + (ox - g.padLeft) * 8
            var w = weights
            for _ in 0..<kernelRows {
                var x = p, wk = w
                for _ in 0..<3 {
                    let w8 = load8(wk), wv = SIMD16(lowHalf: w8, highHalf: w8)
                    a0 = multiplyAdd(a0, load16(x), wv)
                    // Pairs past `pairs` repeat the first one (never stored).
                    a1 = multiplyAdd(a1, load16(x + (pairs > 1 ? 16 : 0)), wv)
                    a2 = multiplyAdd(a2, load16(x + (pairs > 2 ? 32 : 0)), wv)
                    a3 = multiplyAdd(a3, load16(x + (pairs > 3 ? 48 : 0)), wv)
                    x += 8
                    wk += wStride
                }
                p += rowStride
                w += 3 * wStride
            }
            let out = output + ox * 8
            store16(clamp16(a0, lower, upper), out)
            if pairs > 1 { store16(clamp16(a1, lower, upper), out + 16) }
            if pairs > 2 { store16(clamp16(a2, lower, upper), out + 32) }
            if pairs > 3 { store16(clamp16(a3, lower, upper), out + 48) }
            ox += 2 * pairs
        }
        return ox
    }

    /// Depthwise KxK with a channel multiplier > 1: output channel `ci·m + j` filters input
    /// channel `ci`. Weights packed `[kh][kw][outputChannels]` (unpadded), scalar loops.
    @inline(never)
    static func withMultiplier(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, multiplier m: Int,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let out = output + (row * g.outputWidth + ox) * cout
                for oc in 0..<cout { out[oc] = bias[oc] }
                for ky in kys {
                    for kx in kxs {
                        let pixel = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0 + kx) * cin
                        let w = weights + (ky * g.kernelWidth + kx) * cout
                        for oc in 0..<cout { out[oc] += pixel[oc / m] * w[oc] }
                    }
                }
                for oc in 0..<cout { out[oc] = min(max(out[oc], clamp.lower), clamp.upper) }
            }
        }
    }
}
