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

    /// Softmax with temperature `beta` over each row of `width` values (max-subtracted).
    static func softmax(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, beta: Float
    ) {
        for row in 0..<rows {
            let x = input + row * width, y = output + row * width
            var largest = -Float.infinity
            for i in 0..<width { largest = max(largest, x[i]) }
            var sum: Float = 0
            for i in 0..<width {
                let e = expf((x[i] - largest) * beta)
                y[i] = e
                sum += e
            }
            let inverse = 1 / sum
            for i in 0..<width { y[i] *= inverse }
        }
    }
}
