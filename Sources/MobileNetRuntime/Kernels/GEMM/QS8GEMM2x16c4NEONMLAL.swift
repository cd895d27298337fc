#if arch(arm64) && !MOBILENET_DOTPROD
import CDotProduct

/// The micro-kernel of `QuantizedGEMMDot4` on ARMv8.0 CPUs without the dot product (the Pi 3's
/// Cortex-A53, the Pi 4's Cortex-A72), for the signed layout (`NEONPairedDot4`: rows hold the
/// int8 values, `zx · Σw` folded into the bias; weights packed `[panel][k/4][16][4]`), in the
/// manner of XNNPACK's `c8` "mlal" kernels. Pairs of quads are packed group by group
/// (`QuantizedGEMMDot4.packedOffset`).
///
/// A row's quad of 4 k is replicated into all four 32-bit lanes (`ld1r`), so that its low and
/// high halves line up with 2 channels × 4 k of a packed weight vector. For two quads at a time:
/// `smull` multiplies the first quad's 8 int8 pairs into int16, `smlal` adds the second quad's
/// products (exact: weights in -127...127 make each product at most 16,256 in magnitude, a sum
/// of two fits int16), and `sadalp` adds neighbouring int16 lanes into 4 int32 lanes — two
/// partial sums per channel; `smull2`/`smlal2` do the same for the vector's other 2 channels.
/// 32 multiply-adds in 3 instructions, against 4 per instruction for `smlal` by element on
/// widened int16 rows (and no widened copy of the rows). At the end `addp` joins each channel's
/// two partial sums. A layer with a -128 weight (a product of 16,384, two of which overflow
/// int16) takes every quad on its own (`smull` + `sadalp`; `Unpaired`).
///
/// The 2x16 tile keeps 2 rows × 16 channels in 16 accumulators; per 8 k: 8 weight loads, 4
/// replicating loads, 48 multiply and pairwise-add instructions (256 multiply-adds). Each call
/// runs every row tile of a panel, with the requantization parameters and bias loaded once.
enum QS8GEMM2x16c4NEONMLAL {
    static var tileRows: Int { 2 }

    /// `rows` prepared rows at `a` (`4 · kQuads` bytes each) times the weight panels `panels`,
    /// requantized into `output` (row stride `gemm.n`).
    static func multiply<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, a: UnsafeRawPointer, rows: Int,
                                               output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        if gemm.requantization.rightShiftsOnly {
            multiply(gemm, a, rows, output, panels, RightShiftsOnly.self)
        } else {
            multiply(gemm, a, rows, output, panels, AnyShifts.self)
        }
    }

    @inline(__always)
    private static func multiply<Dot: Dot4Instruction, R: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, _ rows: Int, _ output: UnsafeMutablePointer<Int8>,
        _ panels: Range<Int>, _: R.Type
    ) {
        for panel in panels {
            let columns = min(16, gemm.n &- panel &* 16)
            switch (gemm.pairsProducts, columns == 16) {
            case (true, true): tiles(gemm, a, rows, output, panel, Paired.self, WholeVectors.self, R.self)
            case (true, false): tiles(gemm, a, rows, output, panel, Paired.self, PartialVectors.self, R.self)
            case (false, true): tiles(gemm, a, rows, output, panel, Unpaired.self, WholeVectors.self, R.self)
            case (false, false): tiles(gemm, a, rows, output, panel, Unpaired.self, PartialVectors.self, R.self)
            }
        }
    }

    /// Every row tile of one panel of 16 output channels.
    @inline(never)
    private static func tiles<Dot: Dot4Instruction, P: ProductPairing, S: VectorStore, R: RequantizationShifts>(
        _ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer, _ rows: Int, _ output: UnsafeMutablePointer<Int8>,
        _ panel: Int, _: P.Type, _: S.Type, _: R.Type
    ) {
        let lda = 4 &* gemm.kQuads, n = gemm.n, columns = min(16, n &- panel &* 16)
        let w = UnsafeRawPointer(gemm.weights.pointer + panel &* gemm.kQuads &* 64)
        let b = UnsafeRawPointer(gemm.bias.pointer + panel &* 16)
        let requantization = gemm.requantization
        let q0 = requantization.parameters(channel: panel &* 16), q1 = requantization.parameters(channel: panel &* 16 &+ 8)
        @inline(__always) func store(_ r: Row16, _ out: UnsafeMutablePointer<Int8>) {
            let y = requantization.requantize16(r.sums(b, 0, 1), r.sums(b, 2, 3), q0, q1, R.self)
            if S.whole { UnsafeMutableRawPointer(out).storeBytes(of: y, as: SIMD16<Int8>.self) } else {
                store16(y, out, count: columns)
            }
        }
        var out = output + panel &* 16, row = 0, x = a
        while row &+ 2 <= rows {
            var r0 = Row16(), r1 = Row16()
            var wk = w, x0 = x, x1 = x + lda, pairs = lda &>> 3
            while pairs >= 2 {
                step(&r0, &r1, &wk, &x0, &x1, P.self)
                step(&r0, &r1, &wk, &x0, &x1, P.self)
                pairs &-= 2
            }
            if pairs == 1 { step(&r0, &r1, &wk, &x0, &x1, P.self) }
            let offset = lda & ~7
            if offset < lda {
                let w0 = load(SIMD16<Int8>.self, wk), w1 = load(SIMD16<Int8>.self, wk + 16)
                let w2 = load(SIMD16<Int8>.self, wk + 32), w3 = load(SIMD16<Int8>.self, wk + 48)
                r0.add(w0, w1, w2, w3, replicated(x + offset))
                r1.add(w0, w1, w2, w3, replicated(x + (lda &+ offset)))
            }
            store(r0, out)
            store(r1, out + n)
            out += 2 &* n
            x += 2 &* lda
            row &+= 2
        }
        if row < rows {
            var r = Row16()
            var wk = w, offset = 0
            while offset &+ 8 <= lda {
                r.add(load(SIMD16<Int8>.self, wk), load(SIMD16<Int8>.self, wk + 32), load(SIMD16<Int8>.self, wk + 64),
                      load(SIMD16<Int8>.self, wk + 96), replicated(x + offset), load(SIMD16<Int8>.self, wk + 16),
                      load(SIMD16<Int8>.self, wk + 48), load(SIMD16<Int8>.self, wk + 80),
                      load(SIMD16<Int8>.self, wk + 112), replicated(x + (offset &+ 4)), P.self)
                wk += 128
                offset &+= 8
            }
            if offset < lda {
                r.add(load(SIMD16<Int8>.self, wk), load(SIMD16<Int8>.self, wk + 16), load(SIMD16<Int8>.self, wk + 32),
                      load(SIMD16<Int8>.self, wk + 48), replicated(x + offset))
            }
            store(r, out)
        }
    }

    /// Two rows (`x0`, `x1`) times two quads of the panel's weights (`wk`), the pointers advanced
    /// past them. Group by group, a compiler barrier before each: only one group's weights are
    /// loaded at a time, so that the 16 accumulators stay in registers.
    @inline(__always)
    private static func step<P: ProductPairing>(_ r0: inout Row16, _ r1: inout Row16, _ wk: inout UnsafeRawPointer,
                                                _ x0: inout UnsafeRawPointer, _ x1: inout UnsafeRawPointer, _: P.Type) {
        let x0a = replicated(x0)
        x0 = advanced(x0, by: 4)
        let x0b = replicated(x0)
        x0 = advanced(x0, by: 4)
        let x1a = replicated(x1)
        x1 = advanced(x1, by: 4)
        let x1b = replicated(x1)
        x1 = advanced(x1, by: 4)
        @inline(__always) func group(_ r0: inout SIMD4<Int32>, _ r0h: inout SIMD4<Int32>, _ r1: inout SIMD4<Int32>,
                                     _ r1h: inout SIMD4<Int32>) {
            mn_compiler_barrier()
            let wa = load(SIMD16<Int8>.self, wk), wb = load(SIMD16<Int8>.self, wk + 16)
            wk = advanced(wk, by: 32)
            Row16.add(&r0, &r0h, wa, x0a, wb, x0b, P.self)
            Row16.add(&r1, &r1h, wa, x1a, wb, x1b, P.self)
        }
        group(&r0.low0, &r0.high0, &r1.low0, &r1.high0)
        group(&r0.low1, &r0.high1, &r1.low1, &r1.high1)
        group(&r0.low2, &r0.high2, &r1.low2, &r1.high2)
        group(&r0.low3, &r0.high3, &r1.low3, &r1.high3)
    }

    /// The quad (4 bytes) at `p` in all four 32-bit lanes (`ld1r`).
    @inline(__always)
    private static func replicated(_ p: UnsafeRawPointer) -> SIMD16<Int8> { mn_replicated_quad(p) }

    /// One row's accumulators: for each group g of 4 channels, `low[g]` holds two partial sums
    /// of channels 4g and 4g+1, `high[g]` of 4g+2 and 4g+3.
    private struct Row16 {
        var low0 = SIMD4<Int32>(), high0 = SIMD4<Int32>(), low1 = SIMD4<Int32>(), high1 = SIMD4<Int32>()
        var low2 = SIMD4<Int32>(), high2 = SIMD4<Int32>(), low3 = SIMD4<Int32>(), high3 = SIMD4<Int32>()

        /// Two quads: weights `wa*` times the replicated quad `xa`, `wb*` times `xb`.
        @inline(__always)
        mutating func add<P: ProductPairing>(_ wa0: SIMD16<Int8>, _ wa1: SIMD16<Int8>, _ wa2: SIMD16<Int8>,
                                         _ wa3: SIMD16<Int8>, _ xa: SIMD16<Int8>, _ wb0: SIMD16<Int8>,
                                         _ wb1: SIMD16<Int8>, _ wb2: SIMD16<Int8>, _ wb3: SIMD16<Int8>,
                                         _ xb: SIMD16<Int8>, _: P.Type) {
            Self.add(&low0, &high0, wa0, xa, wb0, xb, P.self)
            Self.add(&low1, &high1, wa1, xa, wb1, xb, P.self)
            Self.add(&low2, &high2, wa2, xa, wb2, xb, P.self)
            Self.add(&low3, &high3, wa3, xa, wb3, xb, P.self)
        }

        /// One group of 4 channels, two quads: `wa` times `xa`, `wb` times `xb`.
        @inline(__always)
        static func add<P: ProductPairing>(_ low: inout SIMD4<Int32>, _ high: inout SIMD4<Int32>, _ wa: SIMD16<Int8>,
                                           _ xa: SIMD16<Int8>, _ wb: SIMD16<Int8>, _ xb: SIMD16<Int8>, _: P.Type) {
            if P.paired {
                low = mn_dot_pairs_low(low, wa, xa, wb, xb)
                high = mn_dot_pairs_high(high, wa, xa, wb, xb)
            } else {
                low = mn_dot_low(mn_dot_low(low, wa, xa), wb, xb)
                high = mn_dot_high(mn_dot_high(high, wa, xa), wb, xb)
            }
        }

        /// One quad: weights `w*` times the replicated quad `x`.
        @inline(__always)
        mutating func add(_ w0: SIMD16<Int8>, _ w1: SIMD16<Int8>, _ w2: SIMD16<Int8>, _ w3: SIMD16<Int8>,
                          _ x: SIMD16<Int8>) {
            low0 = mn_dot_low(low0, w0, x); high0 = mn_dot_high(high0, w0, x)
            low1 = mn_dot_low(low1, w1, x); high1 = mn_dot_high(high1, w1, x)
            low2 = mn_dot_low(low2, w2, x); high2 = mn_dot_high(high2, w2, x)
            low3 = mn_dot_low(low3, w3, x); high3 = mn_dot_high(high3, w3, x)
        }

        /// Channels 4g..<4g+4 and 4h..<4h+4 (`addp` of the partial sums) plus their bias at `b`.
        @inline(__always)
        func sums(_ b: UnsafeRawPointer, _ g: Int, _ h: Int) -> SIMD8<Int32> {
            @inline(__always) func group(_ g: Int) -> SIMD4<Int32> {
                let (low, high) = g == 0 ? (low0, high0) : g == 1 ? (low1, high1) : g == 2 ? (low2, high2) : (low3, high3)
                return mn_add_pairs(low, high) &+ load(SIMD4<Int32>.self, b + g &* 16)
            }
            return SIMD8(lowHalf: group(g), highHalf: group(h))
        }
    }
}
#endif
