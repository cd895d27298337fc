#if arch(arm64)
/// The aarch64 form of `QuantizedGEMM` (ARMv8.0 NEON, every 64-bit board): the same widened
/// int16 activation rows, weights packed `[panel][k][16]` int16 (k padded to an even count with
/// zeros, the size of the x86 packing), and widening multiply-accumulates by lane:
/// `smlal`/`smlal2 vC.4s, vW.4h/8h, vX.h[j]` multiply 8 weights of one k with the activation of
/// lane j and add the exact products into 4 + 4 int32 lanes.
///
/// The micro-kernel keeps 4 rows × 16 channels in 16 accumulators (XNNPACK's 4x16 "mlal-lane"
/// shape); per 8 k: 4 activation loads, 8 weight-pair loads, 128 `smlal`/`smlal2` (512
/// multiply-adds). Panels of at most 8 channels (narrow layers) take 8 rows × 8 channels. The
/// epilogue is the shared requantization (`VectorRequantization`).
enum QS8GEMM4x16NEONMLAL {
    /// Packs row-major `[n][k]` int8 weights into `packed` (zeroed, `panels · kPairs · 32`
    /// elements): panel p, k index kk, lane l at `p · kPairs · 32 + kk · 16 + l`.
    static func pack(_ weights: [Int8], n: Int, k: Int, kPairs: Int, into packed: AlignedStorage<Int16>) {
        for column in 0..<n {
            let lane = column % 16, base = (column / 16) * kPairs * 32
            for kk in 0..<k {
                packed.pointer[base + kk * 16 + lane] = Int16(weights[column * k + kk])
            }
        }
    }

    /// `rows` widened rows at `a` (row stride `gemm.rowStride`) times the weight panels
    /// `panels`, requantized into `output` (row stride `gemm.n`). The requantization's form is
    /// chosen once per call (see `VectorRequantization.rightShiftsOnly`).
    static func multiply(_ gemm: QuantizedGEMM, a: UnsafePointer<Int16>, rows: Int,
                         output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        if gemm.requantization.rightShiftsOnly {
            multiply(gemm, a: a, rows: rows, output: output, panels: panels, RightShiftsOnly.self)
        } else {
            multiply(gemm, a: a, rows: rows, output: output, panels: panels, AnyShifts.self)
        }
    }

    /// `multiply` with the requantization's form `S`: per panel, the 8x8 tiles (narrow panels),
    /// the 4x16 tiles, then single rows.
    private static func multiply<S: RequantizationShifts>(_ gemm: QuantizedGEMM, a: UnsafePointer<Int16>, rows: Int,
                                                          output: UnsafeMutablePointer<Int8>, panels: Range<Int>,
                                                          _ shifts: S.Type) {
        let stride = gemm.rowStride, n = gemm.n
        for panel in panels {
            let w = UnsafeRawPointer(gemm.weights.pointer + panel &* gemm.kPairs &* 32)
            let columns = min(16, n &- panel &* 16)
            let out = output + panel &* 16
            var row = 0
            if columns <= 8 && rows >= 8 {
                row = tiles8x8(gemm, a, rows: rows, w, out, panel: panel, columns: columns, shifts)
            }
            if rows &- row >= 4 {
                row = tiles4x16(gemm, a, rows: row..<rows, w, out, panel: panel, columns: columns, shifts)
            }
            while row < rows {
                tile1x16(gemm, a + row &* stride, w, out + row &* n, panel: panel, columns: columns, shifts)
                row &+= 1
            }
        }
    }

    /// The 4-row tiles (`tile4x16`) of rows `rows` of one panel, in one call: the callee saves
    /// and the requantization parameters once per panel, and full panels store each row with
    /// one vector store. Returns the first row left (fewer than 4 remain).
    @inline(never)
    private static func tiles4x16<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ a: UnsafePointer<Int16>,
                                                           rows: Range<Int>, _ w: UnsafeRawPointer,
                                                           _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int,
                                                           _ shifts: S.Type) -> Int {
        let q0 = gemm.requantization.parameters(channel: panel &* 16)
        let q1 = gemm.requantization.parameters(channel: panel &* 16 &+ 8)
        let stride = gemm.rowStride, n = gemm.n
        return forEachTile(rows, height: 4, columns: columns, full: 16) { row, columns in
            tile4x16(gemm, a + row &* stride, w, out + row &* n, panel: panel, columns: columns, q0, q1, shifts)
        }
    }

    /// 4 rows × 16 channels.
    @inline(__always)
    private static func tile4x16<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ a: UnsafePointer<Int16>,
                                                          _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                                                          panel: Int, columns: Int, _ q0: VectorRequantization.Parameters,
                                                          _ q1: VectorRequantization.Parameters, _ shifts: S.Type) {
        let b = UnsafeRawPointer(gemm.bias.pointer + panel &* 16)
        let b0 = load(SIMD8<Int32>.self, b), b1 = load(SIMD8<Int32>.self, b + 32)
        var r0 = Row16(b0, b1), r1 = r0, r2 = r0, r3 = r0
        let lda = gemm.rowStride &* 2, depth = gemm.rowStride
        let a0 = UnsafeRawPointer(a), a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var wk = w
        var offset = 0, kk = 0
        while kk &+ 8 <= depth {
            let x0 = load(SIMD8<Int16>.self, a0 + offset), x1 = load(SIMD8<Int16>.self, a1 + offset)
            let x2 = load(SIMD8<Int16>.self, a2 + offset), x3 = load(SIMD8<Int16>.self, a3 + offset)
            @inline(__always) func lane(_ j: Int) {
                let w0 = load(SIMD8<Int16>.self, wk + j &* 32), w1 = load(SIMD8<Int16>.self, wk + (j &* 32 &+ 16))
                r0.add(w0, w1, x0, j); r1.add(w0, w1, x1, j); r2.add(w0, w1, x2, j); r3.add(w0, w1, x3, j)
            }
            lane(0); lane(1); lane(2); lane(3); lane(4); lane(5); lane(6); lane(7)
            wk += 256
            offset &+= 16
            kk &+= 8
        }
        while kk < depth {
            let w0 = load(SIMD8<Int16>.self, wk), w1 = load(SIMD8<Int16>.self, wk + 16)
            r0.add(w0, w1, broadcast(a0 + offset), 0); r1.add(w0, w1, broadcast(a1 + offset), 0)
            r2.add(w0, w1, broadcast(a2 + offset), 0); r3.add(w0, w1, broadcast(a3 + offset), 0)
            wk += 32
            offset &+= 2
            kk &+= 1
        }
        let n = gemm.n
        r0.store(gemm, q0, q1, out, columns: columns, shifts)
        r1.store(gemm, q0, q1, out + n, columns: columns, shifts)
        r2.store(gemm, q0, q1, out + 2 &* n, columns: columns, shifts)
        r3.store(gemm, q0, q1, out + 3 &* n, columns: columns, shifts)
    }

    /// The 8-row tiles (`tile8x8`) of one panel of at most 8 channels, in one call (as
    /// `tiles4x16`). Returns the first row left (fewer than 8 remain).
    @inline(never)
    private static func tiles8x8<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ a: UnsafePointer<Int16>, rows: Int,
                                                          _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                                                          panel: Int, columns: Int, _ shifts: S.Type) -> Int {
        let q = gemm.requantization.parameters(channel: panel &* 16)
        let stride = gemm.rowStride, n = gemm.n
        return forEachTile(0..<rows, height: 8, columns: columns, full: 8) { row, columns in
            tile8x8(gemm, a + row &* stride, w, out + row &* n, panel: panel, columns: columns, q, shifts)
        }
    }

    /// 8 rows × 8 channels, for panels of at most 8 channels (the first layers of α = 0.25):
    /// each weight vector multiplied into 8 rows.
    @inline(__always)
    private static func tile8x8<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ a: UnsafePointer<Int16>,
                                                         _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                                                         panel: Int, columns: Int, _ q: VectorRequantization.Parameters,
                                                         _ shifts: S.Type) {
        let b = load(SIMD8<Int32>.self, UnsafeRawPointer(gemm.bias.pointer + panel &* 16))
        var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b
        let lda = gemm.rowStride &* 2, depth = gemm.rowStride
        let a0 = UnsafeRawPointer(a), a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        let a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
        var wk = w
        var offset = 0, kk = 0
        while kk &+ 8 <= depth {
            let x0 = load(SIMD8<Int16>.self, a0 + offset), x1 = load(SIMD8<Int16>.self, a1 + offset)
            let x2 = load(SIMD8<Int16>.self, a2 + offset), x3 = load(SIMD8<Int16>.self, a3 + offset)
            let x4 = load(SIMD8<Int16>.self, a4 + offset), x5 = load(SIMD8<Int16>.self, a5 + offset)
            let x6 = load(SIMD8<Int16>.self, a6 + offset), x7 = load(SIMD8<Int16>.self, a7 + offset)
            @inline(__always) func lane(_ j: Int) {
                let w0 = load(SIMD8<Int16>.self, wk + j &* 32)
                c0 &+= product(w0, x0, j); c1 &+= product(w0, x1, j); c2 &+= product(w0, x2, j)
                c3 &+= product(w0, x3, j); c4 &+= product(w0, x4, j); c5 &+= product(w0, x5, j)
                c6 &+= product(w0, x6, j); c7 &+= product(w0, x7, j)
            }
            lane(0); lane(1); lane(2); lane(3); lane(4); lane(5); lane(6); lane(7)
            wk += 256
            offset &+= 16
            kk &+= 8
        }
        while kk < depth {
            let w0 = load(SIMD8<Int16>.self, wk)
            c0 &+= product(w0, broadcast(a0 + offset), 0); c1 &+= product(w0, broadcast(a1 + offset), 0)
            c2 &+= product(w0, broadcast(a2 + offset), 0); c3 &+= product(w0, broadcast(a3 + offset), 0)
            c4 &+= product(w0, broadcast(a4 + offset), 0); c5 &+= product(w0, broadcast(a5 + offset), 0)
            c6 &+= product(w0, broadcast(a6 + offset), 0); c7 &+= product(w0, broadcast(a7 + offset), 0)
            wk += 32
            offset &+= 2
            kk &+= 1
        }
        let n = gemm.n
        @inline(__always) func store(_ c: SIMD8<Int32>, _ row: Int) {
            store16(gemm.requantization.requantize8(c, q, shifts), out + row &* n, count: columns)
        }
        store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3); store(c4, 4); store(c5, 5); store(c6, 6); store(c7, 7)
    }

    /// One row × 16 channels (rows left over from the 4-row tiles).
    @inline(never)
    private static func tile1x16<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ a: UnsafePointer<Int16>,
                                                          _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                                                          panel: Int, columns: Int, _ shifts: S.Type) {
        let b = UnsafeRawPointer(gemm.bias.pointer + panel &* 16)
        var r = Row16(load(SIMD8<Int32>.self, b), load(SIMD8<Int32>.self, b + 32))
        let a0 = UnsafeRawPointer(a), depth = gemm.rowStride
        var wk = w
        var offset = 0, kk = 0
        while kk &+ 8 <= depth {
            let x = load(SIMD8<Int16>.self, a0 + offset)
            @inline(__always) func lane(_ j: Int) {
                r.add(load(SIMD8<Int16>.self, wk + j &* 32), load(SIMD8<Int16>.self, wk + (j &* 32 &+ 16)), x, j)
            }
            lane(0); lane(1); lane(2); lane(3); lane(4); lane(5); lane(6); lane(7)
            wk += 256
            offset &+= 16
            kk &+= 8
        }
        while kk < depth {
            r.add(load(SIMD8<Int16>.self, wk), load(SIMD8<Int16>.self, wk + 16), broadcast(a0 + offset), 0)
            wk += 32
            offset &+= 2
            kk &+= 1
        }
        r.store(gemm, gemm.requantization.parameters(channel: panel &* 16),
                gemm.requantization.parameters(channel: panel &* 16 &+ 8), out, columns: columns, shifts)
    }

    /// The int16 at `p` in every lane.
    @inline(__always)
    private static func broadcast(_ p: UnsafeRawPointer) -> SIMD8<Int16> {
        SIMD8(repeating: p.loadUnaligned(as: Int16.self))
    }

    /// `w · x[lane]` in int32 lanes: with an accumulation, one `smlal` + `smlal2` by element.
    @inline(__always)
    static func product(_ w: SIMD8<Int16>, _ x: SIMD8<Int16>, _ lane: Int) -> SIMD8<Int32> {
        widen32(w) &* widen32(SIMD8<Int16>(repeating: x[lane]))
    }

    /// One row's 16 int32 accumulators.
    private struct Row16 {
        var low: SIMD8<Int32>, high: SIMD8<Int32>

        @inline(__always)
        init(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>) {
            self.low = low
            self.high = high
        }

        /// Adds weights `w0` (channels 0..<8) and `w1` (8..<16) times activation `x[lane]`.
        @inline(__always)
        mutating func add(_ w0: SIMD8<Int16>, _ w1: SIMD8<Int16>, _ x: SIMD8<Int16>, _ lane: Int) {
            low &+= product(w0, x, lane)
            high &+= product(w1, x, lane)
        }

        /// Requantized with the parameters of the panel's channels 0..<8 (`q0`) and 8..<16 (`q1`),
        /// loaded once per panel, in the form `S`.
        @inline(__always)
        func store<S: RequantizationShifts>(_ gemm: QuantizedGEMM, _ q0: VectorRequantization.Parameters,
                                            _ q1: VectorRequantization.Parameters, _ out: UnsafeMutablePointer<Int8>,
                                            columns: Int, _ shifts: S.Type) {
            let y = gemm.requantization.requantize16(low, high, q0, q1, shifts)
            store16(y, out, count: columns)
        }
    }
}
#endif
