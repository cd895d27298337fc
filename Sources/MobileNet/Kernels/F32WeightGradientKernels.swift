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
        let chunk = max(16, 32 * 1024 / max(1, cin + cout))
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
    static func depthwise(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        partial: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>
    ) {
        let c = g.inputChannels, cPacked = roundUp16(c)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let d = dy + (row * g.outputWidth + ox) * c
                for ky in kys {
                    let inRow = x + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0) * c
                    let wRow = partial + ky * g.kernelWidth * cPacked
                    for kx in kxs {
                        let pixel = inRow + kx * c, w = wRow + kx * cPacked
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
    static func convolution(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        partial: UnsafeMutablePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>
    ) {
        let cin = g.inputChannels, cout = g.outputChannels, coutPacked = roundUp16(cout)
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let d = dy + (row * g.outputWidth + ox) * cout
                for ky in kys {
                    let inRow = x + ((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0) * cin
                    for kx in kxs {
                        let pixel = inRow + kx * cin
                        let w = partial + ((ky * g.kernelWidth + kx) * cin) * coutPacked
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
}
