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
    /// requantized into `output` (row stride `gemm.n`).
    static func multiply<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, a: UnsafeRawPointer, rows: Int,
                                               output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        let lda = 4 &* gemm.kQuads, n = gemm.n
        let weights = UnsafeRawPointer(gemm.weights.pointer), bias = gemm.bias.pointer
        for panel in panels {
            let w = weights + panel &* gemm.kQuads &* 64
            let b = UnsafeRawPointer(bias + panel &* 16)
            let columns = min(16, n &- panel &* 16)
            let out = output + panel &* 16
            var row = 0
            if columns <= 8 {
                while row &+ 8 <= rows {
                    tile8x8(gemm, a + row &* lda, w, b, out + row &* n, panel: panel, columns: columns)
                    row &+= 8
                }
            }
            while row &+ 4 <= rows {
                tile4x16(gemm, a + row &* lda, w, b, out + row &* n, panel: panel, columns: columns)
                row &+= 4
            }
            while row < rows {
                tile1x16(gemm, a + row &* lda, w, b, out + row &* n, panel: panel, columns: columns)
                row &+= 1
            }
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
    @inline(never)
    private static func tile4x16<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer,
                                                       _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
                                                       _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int) {
        let b0 = load(SIMD4<Int32>.self, b), b1 = load(SIMD4<Int32>.self, b + 16)
        let b2 = load(SIMD4<Int32>.self, b + 32), b3 = load(SIMD4<Int32>.self, b + 48)
        var r0 = Row16(b0, b1, b2, b3), r1 = r0, r2 = r0, r3 = r0
        let lda = 4 &* gemm.kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var wk = w
        var offset = 0
        while offset &+ 16 <= lda {
            let x0 = load(SIMD16<Int8>.self, a0 + offset), x1 = load(SIMD16<Int8>.self, a1 + offset)
            let x2 = load(SIMD16<Int8>.self, a2 + offset), x3 = load(SIMD16<Int8>.self, a3 + offset)
            @inline(__always) func quad(_ j: Int) {
                let wj = wk + j &* 64
                let w0 = load(SIMD16<Int8>.self, wj), w1 = load(SIMD16<Int8>.self, wj + 16)
                let w2 = load(SIMD16<Int8>.self, wj + 32), w3 = load(SIMD16<Int8>.self, wj + 48)
                r0.add(w0, w1, w2, w3, x0, j); r1.add(w0, w1, w2, w3, x1, j)
                r2.add(w0, w1, w2, w3, x2, j); r3.add(w0, w1, w2, w3, x3, j)
            }
            quad(0); quad(1); quad(2); quad(3)
            wk += 256
            offset &+= 16
        }
        while offset < lda {
            let w0 = load(SIMD16<Int8>.self, wk), w1 = load(SIMD16<Int8>.self, wk + 16)
            let w2 = load(SIMD16<Int8>.self, wk + 32), w3 = load(SIMD16<Int8>.self, wk + 48)
            r0.add(w0, w1, w2, w3, Self.quad(a0 + offset), 0); r1.add(w0, w1, w2, w3, Self.quad(a1 + offset), 0)
            r2.add(w0, w1, w2, w3, Self.quad(a2 + offset), 0); r3.add(w0, w1, w2, w3, Self.quad(a3 + offset), 0)
            wk += 64
            offset &+= 4
        }
        let n = gemm.n
        r0.store(gemm.requantization, out, panel: panel, columns: columns)
        r1.store(gemm.requantization, out + n, panel: panel, columns: columns)
        r2.store(gemm.requantization, out + 2 &* n, panel: panel, columns: columns)
        r3.store(gemm.requantization, out + 3 &* n, panel: panel, columns: columns)
    }

    /// 8 rows × 8 channels, for panels of at most 8 channels (the first layers of α = 0.25): each
    /// weight vector multiplied into 8 rows; the packed panel's channels 8..<16 are skipped.
    @inline(never)
    private static func tile8x8<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer,
                                                      _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
                                                      _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int) {
        let bl = load(SIMD4<Int32>.self, b), bh = load(SIMD4<Int32>.self, b + 16)
        var l0 = bl, l1 = bl, l2 = bl, l3 = bl, l4 = bl, l5 = bl, l6 = bl, l7 = bl
        var h0 = bh, h1 = bh, h2 = bh, h3 = bh, h4 = bh, h5 = bh, h6 = bh, h7 = bh
        let lda = 4 &* gemm.kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        let a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
        var wk = w
        var offset = 0
        @inline(__always) func step(_ x0: SIMD16<Int8>, _ x1: SIMD16<Int8>, _ x2: SIMD16<Int8>, _ x3: SIMD16<Int8>,
                                    _ x4: SIMD16<Int8>, _ x5: SIMD16<Int8>, _ x6: SIMD16<Int8>, _ x7: SIMD16<Int8>,
                                    _ wj: UnsafeRawPointer, _ j: Int) {
            let w0 = load(SIMD16<Int8>.self, wj), w1 = load(SIMD16<Int8>.self, wj + 16)
            l0 = dot(l0, w0, x0, j); h0 = dot(h0, w1, x0, j); l1 = dot(l1, w0, x1, j); h1 = dot(h1, w1, x1, j)
            l2 = dot(l2, w0, x2, j); h2 = dot(h2, w1, x2, j); l3 = dot(l3, w0, x3, j); h3 = dot(h3, w1, x3, j)
            l4 = dot(l4, w0, x4, j); h4 = dot(h4, w1, x4, j); l5 = dot(l5, w0, x5, j); h5 = dot(h5, w1, x5, j)
            l6 = dot(l6, w0, x6, j); h6 = dot(h6, w1, x6, j); l7 = dot(l7, w0, x7, j); h7 = dot(h7, w1, x7, j)
        }
        while offset &+ 16 <= lda {
            let x0 = load(SIMD16<Int8>.self, a0 + offset), x1 = load(SIMD16<Int8>.self, a1 + offset)
            let x2 = load(SIMD16<Int8>.self, a2 + offset), x3 = load(SIMD16<Int8>.self, a3 + offset)
            let x4 = load(SIMD16<Int8>.self, a4 + offset), x5 = load(SIMD16<Int8>.self, a5 + offset)
            let x6 = load(SIMD16<Int8>.self, a6 + offset), x7 = load(SIMD16<Int8>.self, a7 + offset)
            step(x0, x1, x2, x3, x4, x5, x6, x7, wk, 0)
            step(x0, x1, x2, x3, x4, x5, x6, x7, wk + 64, 1)
            step(x0, x1, x2, x3, x4, x5, x6, x7, wk + 128, 2)
            step(x0, x1, x2, x3, x4, x5, x6, x7, wk + 192, 3)
            wk += 256
            offset &+= 16
        }
        while offset < lda {
            step(quad(a0 + offset), quad(a1 + offset), quad(a2 + offset), quad(a3 + offset),
                 quad(a4 + offset), quad(a5 + offset), quad(a6 + offset), quad(a7 + offset), wk, 0)
            wk += 64
            offset &+= 4
        }
        let n = gemm.n, channel = panel &* 16, requantization = gemm.requantization
        @inline(__always) func store(_ low: SIMD4<Int32>, _ high: SIMD4<Int32>, _ row: Int) {
            let y = requantization.apply(SIMD8(lowHalf: low, highHalf: high), channel: channel)
            store16(narrow(y, y), out + row &* n, count: columns)
        }
        store(l0, h0, 0); store(l1, h1, 1); store(l2, h2, 2); store(l3, h3, 3)
        store(l4, h4, 4); store(l5, h5, 5); store(l6, h6, 6); store(l7, h7, 7)
    }

    /// One row × 16 channels (rows left over from the 4-row tiles).
    @inline(never)
    private static func tile1x16<Dot: Dot4Instruction>(_ gemm: QuantizedGEMMDot4<Dot>, _ a: UnsafeRawPointer,
                                                       _ w: UnsafeRawPointer, _ b: UnsafeRawPointer,
                                                       _ out: UnsafeMutablePointer<Int8>, panel: Int, columns: Int) {
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
        r.store(gemm.requantization, out, panel: panel, columns: columns)
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

        @inline(__always)
        func store(_ requantization: VectorRequantization, _ out: UnsafeMutablePointer<Int8>, panel: Int,
                   columns: Int) {
            let channel = panel &* 16
            let y = narrow(requantization.apply(SIMD8(lowHalf: c0, highHalf: c1), channel: channel),
                           requantization.apply(SIMD8(lowHalf: c2, highHalf: c3), channel: channel &+ 8))
            store16(y, out, count: columns)
        }
    }
}
#endif
