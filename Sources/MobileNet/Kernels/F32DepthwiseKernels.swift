/// f32 NHWC depthwise convolution kernels. Weights arrive packed `[kh][kw][roundUp16(channels)]`.
enum F32Depthwise {
    /// Depthwise KxK, multiplier 1, channels in SIMD lanes, for output rows `rows`.
    /// 3x3 windows that lie wholly inside the input take `row3x3`; edges take the clipped loop.
    /// Reads up to 15 floats past a pixel's last channel (the activation buffers carry that
    /// slack); those lanes are discarded.
    static func channelsInLanes(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        let interior = g.interiorColumns
        let is3x3 = g.kernelHeight == 3 && g.kernelWidth == 3
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            // Columns left to the clipped loop: all of them, or the two edges of the interior.
            var left = 0..<g.outputWidth, right = g.outputWidth..<g.outputWidth
            if is3x3 && kys.count == 3 && !interior.isEmpty {
                row3x3(input: input + ((image * g.inputHeight + iy0) * g.inputWidth) * c,
                       output: output + row * g.outputWidth * c, weights: weights, bias: bias,
                       g: g, clamp: clamp, columns: interior)
                left = 0..<interior.lowerBound
                right = interior.upperBound..<g.outputWidth
            }
            for ox in left.lowerBound..<right.upperBound where !(left.upperBound..<right.lowerBound).contains(ox) {
                let (ix0, kxs) = g.columnWindow(ox)
                let out = output + (row * g.outputWidth + ox) * c
                var block = 0
                while block < c {
                    var acc = load16(bias + block)
                    for ky in kys {
                        let inRow = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0) * c + block
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
    }

    /// One output row of a 3x3 depthwise conv over `columns`, whose windows are all inside the
    /// input: four output pixels × sixteen channels at a time, each weight vector loaded once
    /// for the four. Pixels are the outer loop and channel blocks the inner one, so the window
    /// (3 rows × 6 pixels × all channels) stays in L1 while every block reads it.
    /// `input` points at the first of the window's three input rows. (Unrolling the nine taps
    /// of one pixel instead made LLVM split the vectors into 128-bit pieces: 4× slower; blocks
    /// outside pixels re-read each row from L2 once per block: 3× slower.)
    @inline(__always)
    private static func row3x3(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, columns: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let rowStride = g.inputWidth * c, step = g.strideWidth * c
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        var ox = columns.lowerBound
        while ox + 4 <= columns.upperBound {
            let window = input + (ox * g.strideWidth - g.padLeft) * c
            var block = 0
            while block < c {
                let b = load16(bias + block)
                var a0 = b, a1 = b, a2 = b, a3 = b
                var p = window + block
                var w = weights + block
                for _ in 0..<3 {
                    var x = p, wk = w
                    for _ in 0..<3 {
                        let wv = load16(wk)
                        a0 = multiplyAdd(a0, load16(x), wv)
                        a1 = multiplyAdd(a1, load16(x + step), wv)
                        a2 = multiplyAdd(a2, load16(x + step &* 2), wv)
                        a3 = multiplyAdd(a3, load16(x + step &* 3), wv)
                        x += c
                        wk += cPacked
                    }
                    p += rowStride
                    w += cPacked &* 3
                }
                let out = output + ox * c + block, count = min(16, c - block)
                store16(clamp16(a0, lower, upper), out, count: count)
                store16(clamp16(a1, lower, upper), out + c, count: count)
                store16(clamp16(a2, lower, upper), out + 2 * c, count: count)
                store16(clamp16(a3, lower, upper), out + 3 * c, count: count)
                block += 16
            }
            ox += 4
        }
        while ox < columns.upperBound {
            let window = input + (ox * g.strideWidth - g.padLeft) * c
            var block = 0
            while block < c {
                var a0 = load16(bias + block)
                var p = window + block
                var w = weights + block
                for _ in 0..<3 {
                    for kx in 0..<3 { a0 = multiplyAdd(a0, load16(p + kx * c), load16(w + kx * cPacked)) }
                    p += rowStride
                    w += 3 * cPacked
                }
                store16(clamp16(a0, lower, upper), output + ox * c + block, count: min(16, c - block))
                block += 16
            }
            ox += 1
        }
    }

    /// Depthwise KxK with a channel multiplier > 1: output channel `ci·m + j` filters input
    /// channel `ci`. Weights packed `[kh][kw][outputChannels]` (unpadded), scalar loops.
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
