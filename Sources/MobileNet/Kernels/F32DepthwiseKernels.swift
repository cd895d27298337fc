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
    /// input: sixteen channels at a time, the nine taps unrolled. `input` points at the first of
    /// the window's three input rows. (Holding the nine weight vectors in registers as SIMD8
    /// was tried: LLVM split them into lanes and the loop ran 4× slower.)
    @inline(__always)
    private static func row3x3(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        g: ConvGeometry, clamp: Clamp, columns: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let rowStride = g.inputWidth * c, step = g.strideWidth * c
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        var block = 0
        while block < c {
            let w = weights + block
            let b = load16(bias + block)
            let count = min(16, c - block)
            var p = input + (columns.lowerBound * g.strideWidth - g.padLeft) * c + block
            var out = output + columns.lowerBound * c + block
            for _ in columns {
                let q = p + rowStride, r = q + rowStride
                var acc = multiplyAdd(b, load16(p), load16(w))
                acc = multiplyAdd(acc, load16(p + c), load16(w + cPacked))
                acc = multiplyAdd(acc, load16(p + 2 * c), load16(w + 2 * cPacked))
                acc = multiplyAdd(acc, load16(q), load16(w + 3 * cPacked))
                acc = multiplyAdd(acc, load16(q + c), load16(w + 4 * cPacked))
                acc = multiplyAdd(acc, load16(q + 2 * c), load16(w + 5 * cPacked))
                acc = multiplyAdd(acc, load16(r), load16(w + 6 * cPacked))
                acc = multiplyAdd(acc, load16(r + c), load16(w + 7 * cPacked))
                acc = multiplyAdd(acc, load16(r + 2 * c), load16(w + 8 * cPacked))
                store16(clamp16(acc, lower, upper), out, count: count)
                p += step
                out += c
            }
            block += 16
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
