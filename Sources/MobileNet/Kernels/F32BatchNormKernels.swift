/// f32 batch normalisation in training mode, fused with the activation clamp, over NHWC rows
/// (`rows × channels`, one row per pixel of the batch). Per-channel sums go into `partial`
/// vectors of `roundUp16(channels)` floats that the caller reduces in a fixed order.
/// Loads may run up to 15 floats past the last channel of a row (buffers carry that slack).
enum F32BatchNorm {
    /// Adds `Σ_rows x[row][c]` to `sum`.
    static func channelSums(
        _ x: UnsafePointer<Float>, channels c: Int, rows: Range<Int>, sum: UnsafeMutablePointer<Float>
    ) {
        var block = 0
        while block < c {
            var acc = load16(sum + block)
            for row in rows { acc += load16(x + row * c + block) }
            store16(acc, sum + block)
            block += 16
        }
    }

    /// Adds `Σ_rows (x[row][c] − mean[c])²` to `sum`.
    static func centredSquareSums(
        _ x: UnsafePointer<Float>, mean: UnsafePointer<Float>, channels c: Int, rows: Range<Int>,
        sum: UnsafeMutablePointer<Float>
    ) {
        var block = 0
        while block < c {
            var acc = load16(sum + block)
            let m = load16(mean + block)
            for row in rows {
                let d = load16(x + row * c + block) - m
                acc = multiplyAdd(acc, d, d)
            }
            store16(acc, sum + block)
            block += 16
        }
    }

    /// `y = clamp(x · scale + shift)` for `rows` (scale = γ/σ, shift = β − mean · scale).
    static func normalize(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, channels c: Int, clamp: Clamp,
        rows: Range<Int>
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for row in rows {
            var block = 0
            while block < c {
                let v = multiplyAdd(load16(shift + block), load16(x + row * c + block), load16(scale + block))
                store16(clamp16(v, lower, upper), y + row * c + block, count: min(16, c - block))
                block += 16
            }
        }
    }

    /// The gradient that passes the clamp: `dy` where `lower < x · scale + shift < upper`, else 0.
    /// The same multiply-add as `normalize`, so exactly where its clamped output was inside.
    @inline(__always)
    static func passed(
        _ dy: SIMD16<Float>, _ x: SIMD16<Float>, _ scale: SIMD16<Float>, _ shift: SIMD16<Float>,
        _ lower: SIMD16<Float>, _ upper: SIMD16<Float>
    ) -> SIMD16<Float> {
        let v = multiplyAdd(shift, x, scale)
        var g = dy
        g.replace(with: SIMD16<Float>(), where: v .<= lower)
        g.replace(with: SIMD16<Float>(), where: v .>= upper)
        return g
    }

    /// Sets `shiftSum` to `Σ dz` and `centredSum` to `Σ dz · (x − mean)`, where `dz` is the
    /// gradient `dy` of the clamped output passed back through the clamp (`scale`, `shift`:
    /// the forward's, which decide where the clamp passed).
    static func backwardSums(
        outputGradient dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, channels c: Int, clamp: Clamp, rows: Range<Int>,
        shiftSum: UnsafeMutablePointer<Float>, centredSum: UnsafeMutablePointer<Float>
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        var block = 0
        while block < c {
            var s = SIMD16<Float>(), t = SIMD16<Float>()
            let m = load16(mean + block), a = load16(scale + block), b = load16(shift + block)
            for row in rows {
                let offset = row * c + block, xv = load16(x + offset)
                let dz = passed(load16(dy + offset), xv, a, b, lower, upper)
                s += dz
                t = multiplyAdd(t, dz, xv - m)
            }
            store16(s, shiftSum + block)
            store16(t, centredSum + block)
            block += 16
        }
    }

    /// The input gradient, `dx = a · dz + b · (x − mean) + d` per channel, with `a = γ/σ`,
    /// `b = −γ/σ³ · Σdz(x − mean)/N` and `d = −γ/σ · Σdz/N` prepared by the caller (`a` is also
    /// the forward's scale). `dx` may be the same buffer as `dy`.
    static func inputGradient(
        outputGradient dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, d: UnsafePointer<Float>,
        channels c: Int, clamp: Clamp, rows: Range<Int>, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for row in rows {
            var block = 0
            while block < c {
                let offset = row * c + block, xv = load16(x + offset), av = load16(a + block)
                let dz = passed(load16(dy + offset), xv, av, load16(shift + block), lower, upper)
                var v = multiplyAdd(load16(d + block), av, dz)
                v = multiplyAdd(v, load16(b + block), xv - load16(mean + block))
                store16(v, dx + offset, count: min(16, c - block))
                block += 16
            }
        }
    }
}
