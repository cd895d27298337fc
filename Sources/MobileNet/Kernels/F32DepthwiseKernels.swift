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
            let image = row / g.outputHeight, oy = row % g.outputHeight
            let iy0 = oy * g.strideHeight - g.padTop
            let kyLow = max(0, -iy0), kyHigh = min(g.kernelHeight, g.inputHeight - iy0)
            for ox in 0..<g.outputWidth {
                let ix0 = ox * g.strideWidth - g.padLeft
                let kxLow = max(0, -ix0), kxHigh = min(g.kernelWidth, g.inputWidth - ix0)
                let out = output + (row * g.outputWidth + ox) * c
                var block = 0
                while block < c {
                    var acc = load16(bias + block)
                    var ky = kyLow
                    while ky < kyHigh {
                        let inRow = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0) * c + block
                        let wRow = weights + ky * g.kernelWidth * cPacked + block
                        var kx = kxLow
                        while kx < kxHigh {
                            acc += load16(inRow + kx * c) * load16(wRow + kx * cPacked)
                            kx += 1
                        }
                        ky += 1
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
            let image = row / g.outputHeight, oy = row % g.outputHeight
            let iy0 = oy * g.strideHeight - g.padTop
            let kyLow = max(0, -iy0), kyHigh = min(g.kernelHeight, g.inputHeight - iy0)
            for ox in 0..<g.outputWidth {
                let ix0 = ox * g.strideWidth - g.padLeft
                let kxLow = max(0, -ix0), kxHigh = min(g.kernelWidth, g.inputWidth - ix0)
                let out = output + (row * g.outputWidth + ox) * cout
                for oc in 0..<cout { out[oc] = bias[oc] }
                for ky in kyLow..<max(kyLow, kyHigh) {
                    for kx in kxLow..<max(kxLow, kxHigh) {
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
