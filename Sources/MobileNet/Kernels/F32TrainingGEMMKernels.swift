/// f32 matrix products of the training passes, `output[m][n] = Σ_k input[m][k] · weights[k][n]`
/// (the pointwise forward and, with transposed weights, its input gradient), and the packing
/// of the trainable Keras-layout weights that precedes them at every step.
///
/// Same micro-kernel as the inference GEMM (6 rows × 16 channels in registers, weights packed
/// `[panel][k][16]`), with two differences that matter for training's shapes: a last tile of
/// fewer than 6 rows still runs the 6-row kernel (reading row 0 again in place of the missing
/// rows and storing only its rows) instead of a latency-bound one-row loop, and packing reads
/// the source row by row (packing panel by panel strides through it by whole rows, which missed
/// the cache on every load and cost more than the product for the 1024-wide layers).
enum F32TrainingGEMM {
    /// Output rows per micro-kernel tile.
    static let tileRows = 6

    /// Packs row-major `[k][n]` into `[roundUp16(n) / 16 panels][k][16]`, padded lanes zero.
    static func pack(_ matrix: UnsafePointer<Float>, k: Int, n: Int, into target: UnsafeMutablePointer<Float>) {
        let full = n / 16, tail = n - full * 16
        for d in 0..<k {
            let row = matrix + d * n
            for p in 0..<full { store16(load16(row + p * 16), target + (p * k + d) * 16) }
            if tail > 0 {
                let out = target + (full * k + d) * 16
                for lane in 0..<tail { out[lane] = row[full * 16 + lane] }
                for lane in tail..<16 { out[lane] = 0 }
            }
        }
    }

    /// Packs the transpose of row-major `[k][n]` (an `n`-deep, `k`-wide product: the input
    /// gradient's weights) into `[roundUp16(k) / 16 panels][n][16]`, padded lanes zero.
    static func packTransposed(_ matrix: UnsafePointer<Float>, k: Int, n: Int, into target: UnsafeMutablePointer<Float>) {
        for p in 0..<(k + 15) / 16 {
            let panel = target + p * n * 16, lanes = min(16, k - p * 16)
            for lane in 0..<lanes {
                let row = matrix + (p * 16 + lane) * n
                for d in 0..<n { panel[d * 16 + lane] = row[d] }
            }
            if lanes < 16 {
                for d in 0..<n {
                    for lane in lanes..<16 { panel[d * 16 + lane] = 0 }
                }
            }
        }
    }

    /// Rows `rows` of the product, all `n` columns. Rows go in chunks whose inputs stay in L2
    /// while every weight panel streams past them once; tiles start at `rows.lowerBound`.
    static func multiply(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, packedWeights: UnsafePointer<Float>,
        k: Int, n: Int, rows: Range<Int>
    ) {
        let chunk = max(tileRows, (64 * 1024 / max(1, k)) / tileRows * tileRows)
        var chunkStart = rows.lowerBound
        while chunkStart < rows.upperBound {
            let chunkEnd = min(rows.upperBound, chunkStart + chunk)
            for panel in 0..<(n + 15) / 16 {
                let w = packedWeights + panel * k * 16, columns = min(16, n - panel * 16)
                var m = chunkStart
                while m < chunkEnd {
                    tile(input + m * k, k: k, w, output + m * n + panel * 16, ldo: n, columns: columns,
                         rows: min(tileRows, chunkEnd - m))
                    m += tileRows
                }
            }
            chunkStart = chunkEnd
        }
    }

    /// A 6 × 16 tile; with `rows` < 6 the missing rows recompute row 0 and are not stored.
    @inline(__always)
    private static func tile(
        _ a: UnsafePointer<Float>, k: Int, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        ldo: Int, columns: Int, rows: Int
    ) {
        var c0 = SIMD16<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        let a0 = a, a1 = rows > 1 ? a + k : a, a2 = rows > 2 ? a + 2 * k : a
        let a3 = rows > 3 ? a + 3 * k : a, a4 = rows > 4 ? a + 4 * k : a, a5 = rows > 5 ? a + 5 * k : a
        var wk = w
        for kk in 0..<k {
            let wv = load16(wk)
            c0 = multiplyAdd(c0, SIMD16(repeating: a0[kk]), wv)
            c1 = multiplyAdd(c1, SIMD16(repeating: a1[kk]), wv)
            c2 = multiplyAdd(c2, SIMD16(repeating: a2[kk]), wv)
            c3 = multiplyAdd(c3, SIMD16(repeating: a3[kk]), wv)
            c4 = multiplyAdd(c4, SIMD16(repeating: a4[kk]), wv)
            c5 = multiplyAdd(c5, SIMD16(repeating: a5[kk]), wv)
            wk += 16
        }
        store16(c0, out, count: columns)
        if rows > 1 { store16(c1, out + ldo, count: columns) }
        if rows > 2 { store16(c2, out + 2 * ldo, count: columns) }
        if rows > 3 { store16(c3, out + 3 * ldo, count: columns) }
        if rows > 4 { store16(c4, out + 4 * ldo, count: columns) }
        if rows > 5 { store16(c5, out + 5 * ldo, count: columns) }
    }
}
