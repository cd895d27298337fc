/// f32 matrix products for 1x1 convolutions and fully connected layers:
/// `output[m][n] = clamp(bias[n] + Σ_k input[m][k] · weights[k][n])`.
///
/// Weights are packed once into panels of 16 output channels, `[panel][k][16]` (zero-padded),
/// so a panel is one contiguous stream. The micro-kernel keeps a 6 × 16 tile of outputs in
/// registers (12 of AVX2's 16 vector registers, 24 of NEON's 32) and per k does 2 weight loads,
/// 6 broadcasts and 12 FMAs.
enum F32GEMM {
    /// Output rows per micro-kernel tile.
    static let tileRows = 6

    /// Packs row-major `[k][n]` weights into 64-byte-aligned `[n/16 panels][k][16]`.
    static func pack(_ weights: [Float], k: Int, n: Int) -> AlignedFloats {
        let packed = AlignedFloats(zeros: roundUp16(n) * k)
        weights.withUnsafeBufferPointer { pack($0.baseAddress!, k: k, n: n, transposed: false, into: packed.pointer) }
        return packed
    }

    /// Packs `matrix` (row-major `[k][n]`) as the weights of a `k`-deep, `n`-wide product — or,
    /// when `transposed`, its transpose (`n`-deep, `k`-wide: what backpropagating through the
    /// product needs) — into `target`, `[panels][depth][16]` with zero-padded lanes. Both read
    /// the source row by row: striding through it by whole rows (a panel at a time) missed the
    /// cache on every load and cost more than the product for the 1024-wide layers, which
    /// training repacks at every step.
    static func pack(_ matrix: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool,
                     into target: UnsafeMutablePointer<Float>) {
        if transposed {
            for p in 0..<(k + 15) / 16 {
                let panel = target + p * n * 16, lanes = min(16, k - p * 16)
                for lane in 0..<lanes {
                    let row = matrix + (p * 16 + lane) * n
                    for d in 0..<n { panel[d * 16 + lane] = row[d] }
                }
                if lanes < 16 {
                    for d in 0..<n { for lane in lanes..<16 { panel[d * 16 + lane] = 0 } }
                }
            }
            return
        }
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

    /// Bytes of packed weights in a panel group (see `multiply`): half of Zen 3's 512 KB L2, so
    /// the group stays there next to the row tiles' inputs.
    static let groupBytes = 128 * 1024

    /// Rows `rows` × panels `panels` of the product (both ranges in units of rows and panels).
    /// Kept out of line (as are the other kernels' entry points): inlined into a large caller,
    /// the SIL inliner's caller-size limit left `load16`'s `loadUnaligned` as a call per vector,
    /// with every accumulator spilled around it (seen in the assembly: 2-3× slower). For the
    /// same reason the loops over tiles are small out-of-line functions of their own.
    ///
    /// From k = 64 and more than 64 rows, the panels are taken in groups of `groupBytes` of
    /// weights, and each six-row tile runs over every panel of the group: the group is read from
    /// memory once (the network's weights are far larger than L2, so they arrive cold) and then
    /// stays in L2, and the tile's inputs stay in L1 across the group. Taking one panel at a time
    /// past all rows instead streams every panel once per L2-sized chunk of rows. On the
    /// 1.0-224 network with the other core busy, the group order made the 56×56 to 14×14 layers
    /// 2-7 % faster (on an idle machine it is within noise). For k below 64 the per-tile loop
    /// over a group cost more than it saved, and with at most 64 rows (the 7×7 layers, the
    /// classifier) every panel is read once either way and panel order was about 2 % faster.
    @inline(never)
    static func multiply(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        packedWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        k: Int, n: Int, clamp: Clamp, rows: Range<Int>, panels: Range<Int>
    ) {
        guard k >= 64 && rows.count > 64 else {
            panelsOuter(input: input, output: output, packedWeights: packedWeights, bias: bias, k: k, n: n,
                        clamp: clamp, rows: rows, panels: panels)
            return
        }
        let group = max(1, groupBytes / (k * 16 * 4))
        var first = panels.lowerBound
        while first < panels.upperBound {
            let groupPanels = first..<min(panels.upperBound, first + group)
            var m = rows.lowerBound
            while m + tileRows <= rows.upperBound {
                sixRowsAcross(groupPanels, input + m * k, k: k, packedWeights, bias, output + m * n, n: n, clamp: clamp)
                m += tileRows
            }
            // The rows left over (the same rows for any split: ranges start at multiples of six).
            if m < rows.upperBound {
                fewRowsAcross(groupPanels, input + m * k, rows: rows.upperBound - m, k: k, packedWeights, bias,
                              output + m * n, n: n, clamp: clamp)
            }
            first = groupPanels.upperBound
        }
    }

    /// One six-row tile (`a`, row stride `k`) times every panel of `panels`.
    @inline(never)
    private static func sixRowsAcross(
        _ panels: Range<Int>, _ a: UnsafePointer<Float>, k: Int, _ packedWeights: UnsafePointer<Float>,
        _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, n: Int, clamp: Clamp
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for panel in panels {
            tile6x16(a, k: k, packedWeights + panel * k * 16, load16(bias + panel * 16), out + panel * 16, n,
                     min(16, n - panel * 16), lower, upper, rows: tileRows)
        }
    }

    /// `rows` (1...5) rows times every panel of `panels`: one row by itself, 2 to 5 as a six-row
    /// tile that repeats its last row, which costs one tile instead of a latency-bound pass per row.
    @inline(never)
    private static func fewRowsAcross(
        _ panels: Range<Int>, _ a: UnsafePointer<Float>, rows: Int, k: Int, _ packedWeights: UnsafePointer<Float>,
        _ bias: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, n: Int, clamp: Clamp
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        for panel in panels {
            let w = packedWeights + panel * k * 16, b = load16(bias + panel * 16), columns = min(16, n - panel * 16)
            if rows == 1 {
                tile1x16(a, k: k, w, b, out + panel * 16, columns, lower, upper)
            } else {
                tile6x16(a, k: k, w, b, out + panel * 16, n, columns, lower, upper, rows: rows)
            }
        }
    }

    /// The product one panel at a time past all rows, the rows in chunks whose inputs stay in L2.
    @inline(never)
    private static func panelsOuter(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        packedWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        k: Int, n: Int, clamp: Clamp, rows: Range<Int>, panels: Range<Int>
    ) {
        let lower = SIMD16<Float>(repeating: clamp.lower), upper = SIMD16<Float>(repeating: clamp.upper)
        // Rows per chunk so that the chunk's inputs (rows × k floats) stay in L2 while every
        // panel of weights streams past them once.
        let chunk = max(tileRows, (64 * 1024 / max(1, k)) / tileRows * tileRows)
        var chunkStart = rows.lowerBound
        while chunkStart < rows.upperBound {
            let chunkEnd = min(rows.upperBound, chunkStart + chunk)
            for panel in panels {
                let b = load16(bias + panel * 16)
                let columns = min(16, n - panel * 16)
                let out = output + panel * 16
                let w = packedWeights + panel * k * 16
                var m = chunkStart
                while m + tileRows <= chunkEnd {
                    tile6x16(input + m * k, k: k, w, b, out + m * n, n, columns, lower, upper, rows: tileRows)
                    m += tileRows
                }
                // The rows left over (see `fewRowsAcross`; chunks start at multiples of six).
                if chunkEnd - m == 1 {
                    tile1x16(input + m * k, k: k, w, b, out + m * n, columns, lower, upper)
                } else if m < chunkEnd {
                    tile6x16(input + m * k, k: k, w, b, out + m * n, n, columns, lower, upper, rows: chunkEnd - m)
                }
            }
            chunkStart = chunkEnd
        }
    }

    /// A 6 × 16 tile: `rows` (1...6) rows of `a` times a panel, plus `bias`, clamped.
    @inline(__always)
    private static func tile6x16(
        _ a: UnsafePointer<Float>, k: Int, _ w: UnsafePointer<Float>, _ bias: SIMD16<Float>,
        _ out: UnsafeMutablePointer<Float>, _ ldo: Int, _ columns: Int,
        _ lower: SIMD16<Float>, _ upper: SIMD16<Float>, rows: Int
    ) {
        // Rows past `rows` read the last valid row again and are not stored.
        let r1 = min(1, rows - 1), r2 = min(2, rows - 1), r3 = min(3, rows - 1)
        let r4 = min(4, rows - 1), r5 = min(5, rows - 1)
        var c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias
        let a0 = a, a1 = a + r1 * k, a2 = a + r2 * k, a3 = a + r3 * k, a4 = a + r4 * k, a5 = a + r5 * k
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
        store16(clamp16(c0, lower, upper), out, count: columns)
        if rows > 1 { store16(clamp16(c1, lower, upper), out + ldo, count: columns) }
        if rows > 2 { store16(clamp16(c2, lower, upper), out + 2 * ldo, count: columns) }
        if rows > 3 { store16(clamp16(c3, lower, upper), out + 3 * ldo, count: columns) }
        if rows > 4 { store16(clamp16(c4, lower, upper), out + 4 * ldo, count: columns) }
        if rows > 5 { store16(clamp16(c5, lower, upper), out + 5 * ldo, count: columns) }
    }

    /// One row × 16: `a` times a panel, plus `bias`, clamped.
    @inline(__always)
    private static func tile1x16(
        _ a: UnsafePointer<Float>, k: Int, _ w: UnsafePointer<Float>, _ bias: SIMD16<Float>,
        _ out: UnsafeMutablePointer<Float>, _ columns: Int,
        _ lower: SIMD16<Float>, _ upper: SIMD16<Float>
    ) {
        // Four partial sums over k mod 4 (then one over the last k % 4), added at the end: one
        // chain of dependent FMAs would wait on the FMA latency at every k.
        var c0 = bias, c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
        var wk = w
        var kk = 0
        while kk + 4 <= k {
            c0 = multiplyAdd(c0, SIMD16(repeating: a[kk]), load16(wk))
            c1 = multiplyAdd(c1, SIMD16(repeating: a[kk + 1]), load16(wk + 16))
            c2 = multiplyAdd(c2, SIMD16(repeating: a[kk + 2]), load16(wk + 32))
            c3 = multiplyAdd(c3, SIMD16(repeating: a[kk + 3]), load16(wk + 48))
            wk += 64
            kk += 4
        }
        while kk < k {
            c0 = multiplyAdd(c0, SIMD16(repeating: a[kk]), load16(wk))
            wk += 16
            kk += 1
        }
        store16(clamp16((c0 + c1) + (c2 + c3), lower, upper), out, count: columns)
    }
}
