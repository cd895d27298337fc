#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// f32 kernels for the head of the network and for layout: pooling, padding, dense, softmax.
enum F32Head {
    /// TFLite AVERAGE_POOL_2D: mean of the in-bounds pixels under each window, then clamp.
    static func averagePool(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        geometry g: ConvGeometry, clamp: Clamp, rows: Range<Int>
    ) {
        let c = g.inputChannels
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let out = output + (row * g.outputWidth + ox) * c
                for ch in 0..<c { out[ch] = 0 }
                for ky in kys {
                    for kx in kxs {
                        let pixel = input + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0 + kx) * c
                        for ch in 0..<c { out[ch] += pixel[ch] }
                    }
                }
                let count = Float(max(1, kys.count * kxs.count))
                for ch in 0..<c { out[ch] = min(max(out[ch] / count, clamp.lower), clamp.upper) }
            }
        }
    }

    /// Mean over each image's `pixels` pixels of `channels` channels.
    static func globalAverage(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        images: Int, pixels: Int, channels: Int
    ) {
        let scale = 1 / Float(pixels)
        for image in 0..<images {
            let out = output + image * channels
            for ch in 0..<channels { out[ch] = 0 }
            for p in 0..<pixels {
                let pixel = input + (image * pixels + p) * channels
                for ch in 0..<channels { out[ch] += pixel[ch] }
            }
            for ch in 0..<channels { out[ch] *= scale }
        }
    }

    /// Zero-pads each image's spatial dimensions.
    static func pad(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        images: Int, height: Int, width: Int, channels: Int, padding p: Padding
    ) {
        let outWidth = width + p.left + p.right, outHeight = height + p.top + p.bottom
        let outCount = images * outHeight * outWidth * channels
        output.initialize(repeating: 0, count: outCount)
        let rowCount = width * channels
        for image in 0..<images {
            for y in 0..<height {
                let src = input + (image * height + y) * rowCount
                let dst = output + ((image * outHeight + y + p.top) * outWidth + p.left) * channels
                dst.update(from: src, count: rowCount)
            }
        }
    }

    /// Softmax with temperature `beta` over each row of `width` values (max-subtracted), sixteen
    /// lanes at a time: the maximum and the sum as sixteen partial results, the exponentials
    /// by `exp16` (within 2 ulp of `expf`; a scalar `expf` per value cost 7 µs for 1,000 classes,
    /// 1.3% of the α = 0.25, 128 model).
    static func softmax(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, beta: Float
    ) {
        let full = width / 16 * 16
        for row in 0..<rows {
            let x = input + row * width, y = output + row * width
            var largest16 = SIMD16<Float>(repeating: -.infinity)
            var i = 0
            while i < full {
                let v = load16(x + i)
                largest16.replace(with: v, where: v .> largest16)
                i += 16
            }
            var largest = largest16.max()
            for j in full..<width { largest = max(largest, x[j]) }
            let shift = SIMD16<Float>(repeating: largest), scale = SIMD16<Float>(repeating: beta)
            var sum16 = SIMD16<Float>()
            i = 0
            while i < full {
                let e = exp16((load16(x + i) - shift) * scale)
                store16(e, y + i)
                sum16 += e
                i += 16
            }
            var sum = sum16.sum()
            for j in full..<width {
                y[j] = expf((x[j] - largest) * beta)
                sum += y[j]
            }
            let inverse = 1 / sum
            for j in 0..<width { y[j] *= inverse }
        }
    }

    /// `e^x` for x ≤ 0 (softmax arguments; below −87.3 it returns 0): x = n·ln 2 + r with
    /// |r| ≤ ln 2 / 2, a degree-6 polynomial for e^r (Cephes' `expf` coefficients) and 2^n built
    /// in the exponent bits. n comes from adding 1.5·2^23, which rounds to an integer in the
    /// low mantissa bits; no lane-by-lane conversion.
    @inline(__always)
    static func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5 · 2^23
        var clipped = x
        clipped.replace(with: SIMD16(repeating: -87.3), where: x .< -87.3)
        let shifted = clipped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = multiplyAdd(clipped, n, SIMD16(repeating: -0.693_359_375))
        r = multiplyAdd(r, n, SIMD16(repeating: 2.121_944_4e-4))
        var p = SIMD16<Float>(repeating: 1.987_569_1e-4)
        p = multiplyAdd(SIMD16(repeating: 1.398_199_9e-3), p, r)
        p = multiplyAdd(SIMD16(repeating: 8.333_452e-3), p, r)
        p = multiplyAdd(SIMD16(repeating: 4.166_579_6e-2), p, r)
        p = multiplyAdd(SIMD16(repeating: 1.666_666_5e-1), p, r)
        p = multiplyAdd(SIMD16(repeating: 0.5), p, r)
        let er = multiplyAdd(r + 1, p, r * r)
        // 2^n: n + 127 in the exponent field (n ≥ −126 after the clip).
        let bits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        var result = er * unsafeBitCast(bits, to: SIMD16<Float>.self)
        result.replace(with: SIMD16(), where: x .< -87.3)
        return result
    }
}
