/// f32 NHWC depthwise convolution kernels. Weights arrive packed `[kh][kw][roundUp16(channels)]`.
enum F32Depthwise {
    /// Depthwise KxK, multiplier 1, channels in SIMD lanes, for output rows `rows`.
    /// Reads up to 15 floats past a pixel's last channel (the activation buffers carry that
    /// slack); those lanes are discarded.
    static func channelsInLanes(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
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
