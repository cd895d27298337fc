/// f32 weight gradients of the training backward pass (NHWC, batch folded into rows).
///
/// Each kernel reads the layer's input `x` and the gradient `dy` of its (pre-batch-norm)
/// output. Loads may run up to 15 floats past a row's last channel (activation buffers carry
/// that slack); those lanes are never stored.
enum F32WeightGradient {
    /// `dw[cin][cout] = Σ_m x[m][cin] · dy[m][cout]` (`xᵀ · dy`, the 1x1 conv and classifier
    /// kernel gradient) for the 16-wide output-channel panels `panels`, overwriting them.
    ///
    /// The `m` rows go in chunks small enough that the chunk of `x` and `dy` stays in L2 while
    /// every 6 × 16 tile of `dw` streams over it; the tile accumulates in registers (6 broadcasts
    /// of `x`, one load of `dy` and 6 FMAs per row) and is added to memory once per chunk.
    /// Each output element's sum runs in a fixed order, so results do not depend on threads.
    static func pointwise(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        gradient dw: UnsafeMutablePointer<Float>, m: Int, cin: Int, cout: Int, panels: Range<Int>
    ) {
        let chunk = 256
        var start = 0
        while start < m {
            let count = min(m - start, chunk)
            for panel in panels {
                let columns = min(16, cout - panel * 16)
                var i = 0
                while i < cin {
                    tile6x16(x + start * cin + i, ldx: cin, dy + start * cout + panel * 16, ldy: cout,
                             count: count, out: dw + i * cout + panel * 16, ldo: cout,
                             rows: min(6, cin - i), columns: columns, accumulate: start > 0)
                    i += 6
                }
            }
            start += count
        }
    }

    /// Rows of `x` and `dy` that `pointwisePacked` packs at a time.
    static let packedChunk = 256

    /// Floats of scratch `pointwisePacked` needs for `cin` input channels and `panels` panels.
    static func packedScratchCount(cin: Int, panels: Int) -> Int {
        packedChunk * ((cin + 5) / 6 * 6 + 16 * panels)
    }

    /// `pointwise` for wide layers: each chunk of rows is first copied into `scratch` as
    /// contiguous strips (`x` as `[cin/6][rows][6]`, `dy` as `[panel][rows][16]`), so the tile
    /// streams both sequentially. Read in place, a strip strides by whole rows, and rows of 512
    /// or more floats fall into one or two L1 sets: every load then came from L2 (measured
    /// 2× slower for the 512- and 1024-channel layers). Same sums in the same order as
    /// `pointwise` with chunks of `packedChunk` rows.
    static func pointwisePacked(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        gradient dw: UnsafeMutablePointer<Float>, m: Int, cin: Int, cout: Int, panels: Range<Int>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let tiles = (cin + 5) / 6
        let xp = scratch, dp = scratch + packedChunk * tiles * 6
        var start = 0
        while start < m {
            let count = min(m - start, packedChunk)
            for r in 0..<count {
                let row = UnsafeRawPointer(x + (start + r) * cin)
                for t in 0..<tiles {
                    let target = UnsafeMutableRawPointer(xp + (t * count + r) * 6), source = row + t * 24
                    target.storeBytes(of: source.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                    (target + 16).storeBytes(of: (source + 16).loadUnaligned(as: SIMD2<Float>.self), as: SIMD2<Float>.self)
                }
            }
            for (index, panel) in panels.enumerated() {
                let target = dp + index * count * 16, source = dy + start * cout + panel * 16
                for r in 0..<count { store16(load16(source + r * cout), target + r * 16) }
            }
            for (index, panel) in panels.enumerated() {
                let columns = min(16, cout - panel * 16), strip = UnsafePointer(dp + index * count * 16)
                for t in 0..<tiles {
                    tile6x16(UnsafePointer(xp + t * count * 6), ldx: 6, strip, ldy: 16, count: count,
                             out: dw + t * 6 * cout + panel * 16, ldo: cout,
                             rows: min(6, cin - t * 6), columns: columns, accumulate: start > 0)
                }
            }
            start += count
        }
    }

    @inline(__always)
    private static func tile6x16(
        _ x: UnsafePointer<Float>, ldx: Int, _ dy: UnsafePointer<Float>, ldy: Int, count: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, rows: Int, columns: Int, accumulate: Bool
    ) {
        var c0 = SIMD16<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var xr = x, dr = dy
        for _ in 0..<count {
            let v = load16(dr)
            c0 = multiplyAdd(c0, SIMD16(repeating: xr[0]), v)
            c1 = multiplyAdd(c1, SIMD16(repeating: xr[1]), v)
            c2 = multiplyAdd(c2, SIMD16(repeating: xr[2]), v)
            c3 = multiplyAdd(c3, SIMD16(repeating: xr[3]), v)
            c4 = multiplyAdd(c4, SIMD16(repeating: xr[4]), v)
            c5 = multiplyAdd(c5, SIMD16(repeating: xr[5]), v)
            xr += ldx
            dr += ldy
        }
        func put(_ value: SIMD16<Float>, _ row: Int) {
            let target = out + row * ldo
            store16(accumulate ? value + load16(target) : value, target, count: columns)
        }
        put(c0, 0)
        if rows > 1 { put(c1, 1) }
        if rows > 2 { put(c2, 2) }
        if rows > 3 { put(c3, 3) }
        if rows > 4 { put(c4, 4) }
        if rows > 5 { put(c5, 5) }
    }

    /// Adds `Σ x[window tap][c] · dy[pixel][c]` over the output rows `rows` to `partial`,
    /// laid out `[kh][kw][roundUp16(channels)]` (the depthwise kernel gradient).
    ///
    /// For 3-wide kernels the columns whose window lies inside the input accumulate the three
    /// taps of one kernel row in registers over the whole output row, and add them to `partial`
    /// once; the clipped edge columns add tap by tap.
    static func depthwise(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        partial: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c), step = g.strideWidth * c
        let interior = g.kernelWidth == 3 ? insideColumns(g) : 0..<0
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            let dyRow = dy + row * g.outputWidth * c
            for ky in kys {
                let inRow = x + ((image * g.inputHeight + iy0 + ky) * g.inputWidth) * c
                let wRow = partial + ky * g.kernelWidth * cPacked
                if !interior.isEmpty {
                    let first = inRow + (interior.lowerBound * g.strideWidth - g.padLeft) * c
                    var block = 0
                    while block < c {
                        var a0 = SIMD16<Float>(), a1 = a0, a2 = a0
                        var p = first + block, d = dyRow + interior.lowerBound * c + block
                        for _ in interior {
                            let dv = load16(d)
                            a0 = multiplyAdd(a0, load16(p), dv)
                            a1 = multiplyAdd(a1, load16(p + c), dv)
                            a2 = multiplyAdd(a2, load16(p + 2 * c), dv)
                            p += step
                            d += c
                        }
                        let w = wRow + block
                        store16(load16(w) + a0, w)
                        store16(load16(w + cPacked) + a1, w + cPacked)
                        store16(load16(w + 2 * cPacked) + a2, w + 2 * cPacked)
                        block += 16
                    }
                }
                for ox in 0..<interior.lowerBound { edge(ox) }
                for ox in max(interior.upperBound, interior.lowerBound)..<g.outputWidth { edge(ox) }

                func edge(_ ox: Int) {
                    let (ix0, kxs) = g.columnWindow(ox)
                    let d = dyRow + ox * c
                    for kx in kxs {
                        let pixel = inRow + (ix0 + kx) * c, w = wRow + kx * cPacked
                        var block = 0
                        while block < c {
                            store16(multiplyAdd(load16(w + block), load16(pixel + block), load16(d + block)), w + block)
                            block += 16
                        }
                    }
                }
            }
        }
    }

    /// Adds `Σ x[window tap][ci] · dy[pixel][co]` over the output rows `rows` to `partial`,
    /// laid out `[kh][kw][cin][roundUp16(cout)]` (a full KxK convolution's kernel gradient,
    /// used for the stem, whose 3 input channels make any GEMM formulation wasteful).
    ///
    /// One kernel row's taps `(kx, ci)` are contiguous in the input, so for the columns whose
    /// window lies inside the input they go five at a time × 16 output channels through a
    /// register tile over the whole output row (a short GEMM over strided input rows); the
    /// clipped edge columns add tap by tap.
    static func convolution(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        partial: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels, coutPacked = roundUp16(cout)
        let span = g.kernelWidth * cin, step = g.strideWidth * cin
        let interior = insideColumns(g)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            let dyRow = dy + row * g.outputWidth * cout
            for ky in kys {
                let inRow = x + ((image * g.inputHeight + iy0 + ky) * g.inputWidth) * cin
                let wRow = partial + ky * span * coutPacked
                if !interior.isEmpty {
                    let first = inRow + (interior.lowerBound * g.strideWidth - g.padLeft) * cin
                    var t = 0
                    while t < span {
                        var block = 0
                        while block < cout {
                            tile5x16(first + t, step: step, dyRow + interior.lowerBound * cout + block, ldy: cout,
                                     count: interior.count, out: wRow + t * coutPacked + block, ldo: coutPacked,
                                     taps: min(5, span - t))
                            block += 16
                        }
                        t += 5
                    }
                }
                for ox in 0..<interior.lowerBound { edge(ox) }
                for ox in max(interior.upperBound, interior.lowerBound)..<g.outputWidth { edge(ox) }

                func edge(_ ox: Int) {
                    let (ix0, kxs) = g.columnWindow(ox)
                    let d = dyRow + ox * cout
                    for kx in kxs {
                        let pixel = inRow + (ix0 + kx) * cin
                        let w = wRow + kx * cin * coutPacked
                        for ci in 0..<cin {
                            let xv = SIMD16<Float>(repeating: pixel[ci])
                            let wc = w + ci * coutPacked
                            var block = 0
                            while block < cout {
                                store16(multiplyAdd(load16(wc + block), xv, load16(d + block)), wc + block)
                                block += 16
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds `Σ_i a[i · step + tap] · dy[i · ldy]` over `count` pixels to `out[tap · ldo]` for
    /// `taps` ≤ 5 consecutive taps, accumulating in registers (missing taps recompute tap 0
    /// and are not stored).
    @inline(__always)
    private static func tile5x16(
        _ a: UnsafePointer<Float>, step: Int, _ dy: UnsafePointer<Float>, ldy: Int, count: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, taps: Int
    ) {
        var c0 = SIMD16<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0
        let o1 = taps > 1 ? 1 : 0, o2 = taps > 2 ? 2 : 0, o3 = taps > 3 ? 3 : 0, o4 = taps > 4 ? 4 : 0
        var p = a, d = dy
        for _ in 0..<count {
            let v = load16(d)
            c0 = multiplyAdd(c0, SIMD16(repeating: p[0]), v)
            c1 = multiplyAdd(c1, SIMD16(repeating: p[o1]), v)
            c2 = multiplyAdd(c2, SIMD16(repeating: p[o2]), v)
            c3 = multiplyAdd(c3, SIMD16(repeating: p[o3]), v)
            c4 = multiplyAdd(c4, SIMD16(repeating: p[o4]), v)
            p += step
            d += ldy
        }
        store16(load16(out) + c0, out)
        if taps > 1 { store16(load16(out + ldo) + c1, out + ldo) }
        if taps > 2 { store16(load16(out + 2 * ldo) + c2, out + 2 * ldo) }
        if taps > 3 { store16(load16(out + 3 * ldo) + c3, out + 3 * ldo) }
        if taps > 4 { store16(load16(out + 4 * ldo) + c4, out + 4 * ldo) }
    }
}

/// Output columns whose whole window lies inside the input. `ConvGeometry.interiorColumns`
/// truncates a negative quotient towards zero and so reports one column when the input is
/// narrower than the kernel (a 2-wide input under a 3-wide stride-2 window).
@inline(__always)
func insideColumns(_ g: ConvGeometry) -> Range<Int> {
    g.inputWidth + g.padLeft >= g.kernelWidth ? g.interiorColumns : 0..<0
}
