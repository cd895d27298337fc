#if MOBILENET_DOTPROD
import CDotProduct

/// The micro-kernels of `QuantizedGEMMDot4` on ARM CPUs with the dot product (ARMv8.2 `sdot`,
/// the Pi 5's Cortex-A76; XNNPACK's `qs8-gemm-4x16c4-minmax-neondot` shape), for the signed
/// layout (`NEONDot4`: rows hold the int8 values, `zx · Σw` folded into the bias; weights packed
/// `[panel][k/4][16][4]`, zero weights up to a multiple of 4 k).
///
/// `sdot vC.4s, vW.16b, vX.4b[j]` multiplies 16 weights (4 channels × 4 k) with quad j (4 k) of
/// a 16-byte row load and adds the four 4-term sums into 4 int32 lanes: 16 multiply-adds per
/// instruction (`smlal` by element: 4). The 4x16 tile keeps 4 rows × 16 channels in 16
/// accumulators; per 16 k: 4 row loads, 16 weight loads (as 8 `ldp`), 64 `sdot` (1,024
/// multiply-adds). Panels of at most 8 channels (narrow layers) take 8 rows × 8 channels. The
/// epilogue is the shared requantization (`VectorRequantization`).
enum QS8GEMM4x16c4NEONDOT {
    static var tileRows: Int { 4 }

    /// `rows` prepared rows at `a` (`4 · kQuads` bytes each) times the weight panels `panels`,
    /// requantized into `output` (row stride `gemm.n`). The requantization's form is chosen once
    /// per call (see `VectorRequantization.rightShiftsOnly`).
    static func multiply<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, a: UnsafeRawPointer, rows: Int,
                                               output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        if gemm.requantization.rightShiftsOnly {
            multiply(gemm, a: a, rows: rows, output: output, panels: panels, RightShiftsOnly.self)
        } else {
            multiply(gemm, a: a, rows: rows, output: output, panels: panels, AnyShifts.self)
        }
    }

    /// `multiply` with the requantization's form `S`: per panel, the 8x8 tiles (narrow panels),
    /// the 4x16 tiles, then single rows.
    private static func multiply<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, a: UnsafeRawPointer, rows: Int, output: UnsafeMutablePointer<Int8>,
        panels: Range<Int>, _ shifts: S.Type
    ) {
        let lda = 4 &* gemm.kQuads, n = gemm.n
        let weights = UnsafeRawPointer(gemm.weights.pointer), bias = gemm.bias.pointer
        for panel in panels {
            let w = weights + panel &* gemm.kQuads &* 64
            let b = UnsafeRawPointer(bias + panel &* 16)
            let columns = min(16, n &- panel &* 16)
            let out = output + panel &* 16
            var row = 0
            if columns <= 8 && rows >= 8 {
                row = tiles8x8(gemm, a, rows: rows, w, b, out, panel: panel, columns: columns, shifts)
            }
            if rows &- row >= 4 {
                row = tiles4x16(gemm, a, rows: row..<rows, w, b, out, panel: panel, columns: columns, shifts)
            }
            while row < rows {
                tile1x16(gemm, a + row &* lda, w, b, out + row &* n, panel: panel, columns: columns, shifts)
                row &+= 1
            }
        }
    }

    /// The 4-row tiles (`tile4x16`) of rows `rows` of one panel, in one call: the callee saves
    /// and the requantization parameters once per panel, and full panels store each row with
    /// one vector store. Returns the first row left (fewer than 4 remain).
    @inline(never)
    private static func tiles4x16<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, rows: Range<Int>, _ w: UnsafeRawPointer,
        _ b: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int, _ shifts: S.Type
    ) -> Int {
        let requantization = gemm.requantization
        let q0 = requantization.parameters(channel: panel &* 16), q1 = requantization.parameters(channel: panel &* 16 &+ 8)
        let lda = 4 &* gemm.kQuads, n = gemm.n
        return forEachTile(rows, height: 4, columns: columns, full: 16) { row, columns in
            tile4x16(gemm, a + row &* lda, w, b, out + row &* n, columns: columns, q0, q1, shifts)
        }
    }

    /// The 8-row tiles (`tile8x8`) of one panel of at most 8 channels, in one call (as
    /// `tiles4x16`). Returns the first row left (fewer than 8 remain).
    @inline(never)
    private static func tiles8x8<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, rows: Int, _ w: UnsafeRawPointer,
        _ b: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int, _ shifts: S.Type
    ) -> Int {
        let q = gemm.requantization.parameters(channel: panel &* 16)
        let lda = 4 &* gemm.kQuads, n = gemm.n
        return forEachTile(0..<rows, height: 8, columns: columns, full: 8) { row, columns in
            tile8x8(gemm, a + row &* lda, w, b, out + row &* n, columns: columns, q, shifts)
        }
    }

    /// Quad `j` (k 4j..<4j+4) of `x` times the 16 weights `w` (4 channels × 4 k), added to `c`.
    @inline(__always)
    private static func dot(_ c: SIMD4<Int32>, _ w: SIMD16<Int8>, _ x: SIMD16<Int8>, _ j: Int) -> SIMD4<Int32> {
        switch j {
        case 0: return mn_sdot_lane0(c, w, x)
        case 1: return mn_sdot_lane1(c, w, x)
        case 2: return mn_sdot_lane2(c, w, x)
        default: return mn_sdot_lane3(c, w, x)
        }
    }

    /// The four bytes (one quad) at `p` in lane 0 (`ldr s`), for the k left after the 16-k steps.
    @inline(__always)
    private static func quad(_ p: UnsafeRawPointer) -> SIMD16<Int8> {
        unsafeBitCast(SIMD4<UInt32>(p.loadUnaligned(as: UInt32.self), 0, 0, 0), to: SIMD16<Int8>.self)
    }

    /// 4 rows × 16 channels.
    @inline(__always)
    private static func tile4x16<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
        _ out: UnsafeMutablePointer<Int8>, columns: Int, _ q0: VectorRequantization.Parameters,
        _ q1: VectorRequantization.Parameters, _ shifts: S.Type
    ) {
        let b0 = load(SIMD4<Int32>.self, b), b1 = load(SIMD4<Int32>.self, b + 16)
        let b2 = load(SIMD4<Int32>.self, b + 32), b3 = load(SIMD4<Int32>.self, b + 48)
        var r0 = Row16(b0, b1, b2, b3), r1 = r0, r2 = r0, r3 = r0
        let lda = 4 &* gemm.kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var wk = w
        var p0 = a0, p1 = a1, p2 = a2, p3 = a3, steps = lda &>> 4
        while steps > 0 {
            // Every pointer steps past what it loaded (post-indexed loads, no address arithmetic).
            let x0 = load(SIMD16<Int8>.self, p0), x1 = load(SIMD16<Int8>.self, p1)
            let x2 = load(SIMD16<Int8>.self, p2), x3 = load(SIMD16<Int8>.self, p3)
            p0 += 16
            p1 += 16
            p2 += 16
            p3 += 16
            @inline(__always) func quad(_ j: Int) {
                let w = mn_load_64_bytes(wk)
                wk = advanced(wk, by: 64)
                r0.add(w.w0, w.w1, w.w2, w.w3, x0, j); r1.add(w.w0, w.w1, w.w2, w.w3, x1, j)
                r2.add(w.w0, w.w1, w.w2, w.w3, x2, j); r3.add(w.w0, w.w1, w.w2, w.w3, x3, j)
            }
            quad(0); quad(1); quad(2); quad(3)
            steps &-= 1
        }
        var offset = lda & ~15
        while offset < lda {
            let w0 = load(SIMD16<Int8>.self, wk), w1 = load(SIMD16<Int8>.self, wk + 16)
            let w2 = load(SIMD16<Int8>.self, wk + 32), w3 = load(SIMD16<Int8>.self, wk + 48)
            r0.add(w0, w1, w2, w3, Self.quad(a0 + offset), 0); r1.add(w0, w1, w2, w3, Self.quad(a1 + offset), 0)
            r2.add(w0, w1, w2, w3, Self.quad(a2 + offset), 0); r3.add(w0, w1, w2, w3, Self.quad(a3 + offset), 0)
            wk += 64
            offset &+= 4
        }
        let n = gemm.n, requantization = gemm.requantization
        r0.store(requantization, q0, q1, out, columns: columns, shifts)
        r1.store(requantization, q0, q1, out + n, columns: columns, shifts)
        r2.store(requantization, q0, q1, out + 2 &* n, columns: columns, shifts)
        r3.store(requantization, q0, q1, out + 3 &* n, columns: columns, shifts)
    }

    /// 8 rows × 8 channels, for panels of at most 8 channels (the first layers of α = 0.25): each
    /// weight vector multiplied into 8 rows; the packed panel's channels 8..<16 are skipped.
    @inline(__always)
    private static func tile8x8<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
        _ out: UnsafeMutablePointer<Int8>, columns: Int, _ q: VectorRequantization.Parameters, _ shifts: S.Type
    ) {
        var r0 = Row8(load(SIMD4<Int32>.self, b), load(SIMD4<Int32>.self, b + 16))
        var r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0
        let lda = 4 &* gemm.kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        let a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
        var wk = w
        var offset = 0
        while offset &+ 16 <= lda {
            let x0 = load(SIMD16<Int8>.self, a0 + offset), x1 = load(SIMD16<Int8>.self, a1 + offset)
            let x2 = load(SIMD16<Int8>.self, a2 + offset), x3 = load(SIMD16<Int8>.self, a3 + offset)
            let x4 = load(SIMD16<Int8>.self, a4 + offset), x5 = load(SIMD16<Int8>.self, a5 + offset)
            let x6 = load(SIMD16<Int8>.self, a6 + offset), x7 = load(SIMD16<Int8>.self, a7 + offset)
            let w00 = load(SIMD16<Int8>.self, wk + 0), w01 = load(SIMD16<Int8>.self, wk + 16)
            r0.add(w00, w01, x0, 0); r1.add(w00, w01, x1, 0); r2.add(w00, w01, x2, 0); r3.add(w00, w01, x3, 0)
            r4.add(w00, w01, x4, 0); r5.add(w00, w01, x5, 0); r6.add(w00, w01, x6, 0); r7.add(w00, w01, x7, 0)
            let w10 = load(SIMD16<Int8>.self, wk + 64), w11 = load(SIMD16<Int8>.self, wk + 80)
            r0.add(w10, w11, x0, 1); r1.add(w10, w11, x1, 1); r2.add(w10, w11, x2, 1); r3.add(w10, w11, x3, 1)
            r4.add(w10, w11, x4, 1); r5.add(w10, w11, x5, 1); r6.add(w10, w11, x6, 1); r7.add(w10, w11, x7, 1)
            let w20 = load(SIMD16<Int8>.self, wk + 128), w21 = load(SIMD16<Int8>.self, wk + 144)
            r0.add(w20, w21, x0, 2); r1.add(w20, w21, x1, 2); r2.add(w20, w21, x2, 2); r3.add(w20, w21, x3, 2)
            r4.add(w20, w21, x4, 2); r5.add(w20, w21, x5, 2); r6.add(w20, w21, x6, 2); r7.add(w20, w21, x7, 2)
            let w30 = load(SIMD16<Int8>.self, wk + 192), w31 = load(SIMD16<Int8>.self, wk + 208)
            r0.add(w30, w31, x0, 3); r1.add(w30, w31, x1, 3); r2.add(w30, w31, x2, 3); r3.add(w30, w31, x3, 3)
            r4.add(w30, w31, x4, 3); r5.add(w30, w31, x5, 3); r6.add(w30, w31, x6, 3); r7.add(w30, w31, x7, 3)
            wk += 256
            offset &+= 16
        }
        while offset < lda {
            let w0 = load(SIMD16<Int8>.self, wk), w1 = load(SIMD16<Int8>.self, wk + 16)
            r0.add(w0, w1, quad(a0 + offset), 0); r1.add(w0, w1, quad(a1 + offset), 0)
            r2.add(w0, w1, quad(a2 + offset), 0); r3.add(w0, w1, quad(a3 + offset), 0)
            r4.add(w0, w1, quad(a4 + offset), 0); r5.add(w0, w1, quad(a5 + offset), 0)
            r6.add(w0, w1, quad(a6 + offset), 0); r7.add(w0, w1, quad(a7 + offset), 0)
            wk += 64
            offset &+= 4
        }
        let n = gemm.n, requantization = gemm.requantization
        r0.store(requantization, q, out, columns: columns, shifts)
        r1.store(requantization, q, out + n, columns: columns, shifts)
        r2.store(requantization, q, out + 2 &* n, columns: columns, shifts)
        r3.store(requantization, q, out + 3 &* n, columns: columns, shifts)
        r4.store(requantization, q, out + 4 &* n, columns: columns, shifts)
        r5.store(requantization, q, out + 5 &* n, columns: columns, shifts)
        r6.store(requantization, q, out + 6 &* n, columns: columns, shifts)
        r7.store(requantization, q, out + 7 &* n, columns: columns, shifts)
    }

    /// One row's 8 int32 accumulators (narrow panels), 4 channels each.
    private struct Row8 {
        var c0: SIMD4<Int32>, c1: SIMD4<Int32>

        @inline(__always)
        init(_ c0: SIMD4<Int32>, _ c1: SIMD4<Int32>) {
            self.c0 = c0
            self.c1 = c1
        }

        @inline(__always)
        mutating func add(_ w0: SIMD16<Int8>, _ w1: SIMD16<Int8>, _ x: SIMD16<Int8>, _ j: Int) {
            c0 = dot(c0, w0, x, j)
            c1 = dot(c1, w1, x, j)
        }

        @inline(__always)
        func store<S: RequantizationShifts>(_ requantization: VectorRequantization, _ q: VectorRequantization.Parameters,
                                            _ out: UnsafeMutablePointer<Int8>, columns: Int, _ shifts: S.Type) {
            store16(requantization.requantize8(SIMD8(lowHalf: c0, highHalf: c1), q, shifts), out, count: columns)
        }
    }

    /// One row × 16 channels (rows left over from the 4-row tiles).
    @inline(never)
    private static func tile1x16<Dot: Dot4Instruction, S: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
        _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int, _ shifts: S.Type
    ) {
        var r = Row16(load(SIMD4<Int32>.self, b), load(SIMD4<Int32>.self, b + 16),
                      load(SIMD4<Int32>.self, b + 32), load(SIMD4<Int32>.self, b + 48))
        let lda = 4 &* gemm.kQuads
        var wk = w
        var offset = 0
        while offset &+ 16 <= lda {
            let x = load(SIMD16<Int8>.self, a + offset)
            @inline(__always) func quad(_ j: Int) {
                let wj = wk + j &* 64
                r.add(load(SIMD16<Int8>.self, wj), load(SIMD16<Int8>.self, wj + 16),
                      load(SIMD16<Int8>.self, wj + 32), load(SIMD16<Int8>.self, wj + 48), x, j)
            }
            quad(0); quad(1); quad(2); quad(3)
            wk += 256
            offset &+= 16
        }
        while offset < lda {
            r.add(load(SIMD16<Int8>.self, wk), load(SIMD16<Int8>.self, wk + 16),
                  load(SIMD16<Int8>.self, wk + 32), load(SIMD16<Int8>.self, wk + 48), Self.quad(a + offset), 0)
            wk += 64
            offset &+= 4
        }
        let requantization = gemm.requantization
        r.store(requantization, requantization.parameters(channel: panel &* 16),
                requantization.parameters(channel: panel &* 16 &+ 8), out, columns: columns, shifts)
    }

    /// One row's 16 int32 accumulators, 4 channels each.
    private struct Row16 {
        var c0: SIMD4<Int32>, c1: SIMD4<Int32>, c2: SIMD4<Int32>, c3: SIMD4<Int32>

        @inline(__always)
        init(_ c0: SIMD4<Int32>, _ c1: SIMD4<Int32>, _ c2: SIMD4<Int32>, _ c3: SIMD4<Int32>) {
            self.c0 = c0
            self.c1 = c1
            self.c2 = c2
            self.c3 = c3
        }

        /// Adds weights `w0`…`w3` (channels 0..<4, …, 12..<16; 4 k each) times quad `j` of `x`.
        @inline(__always)
        mutating func add(_ w0: SIMD16<Int8>, _ w1: SIMD16<Int8>, _ w2: SIMD16<Int8>, _ w3: SIMD16<Int8>,
                          _ x: SIMD16<Int8>, _ j: Int) {
            c0 = dot(c0, w0, x, j)
            c1 = dot(c1, w1, x, j)
            c2 = dot(c2, w2, x, j)
            c3 = dot(c3, w3, x, j)
        }

        /// Requantized with the parameters of the panel's channels 0..<8 (`q0`) and 8..<16 (`q1`),
        /// loaded once per panel, in the form `S`.
        @inline(__always)
        func store<S: RequantizationShifts>(_ requantization: VectorRequantization, _ q0: VectorRequantization.Parameters,
                                            _ q1: VectorRequantization.Parameters, _ out: UnsafeMutablePointer<Int8>,
                                            columns: Int, _ shifts: S.Type) {
            let y = requantization.requantize16(SIMD8(lowHalf: c0, highHalf: c1), SIMD8(lowHalf: c2, highHalf: c3),
                                                q0, q1, shifts)
            store16(y, out, count: columns)
        }
    }
}
#endif
