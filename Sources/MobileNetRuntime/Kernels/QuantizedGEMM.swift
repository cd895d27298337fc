/// Exact int8 matrix products for 1x1 convolutions, full convolutions (over im2col rows) and fully
/// connected layers: `output[m][n] = requantize(bias[n] + Σ_k (x[m][k] − zx) · w[n][k])`.
///
/// Activations are first widened, minus their zero point, into int16 rows (`widenRows`, or the
/// convolution's im2col), so that a pair of consecutive k is one 32-bit broadcast. Weights are
/// packed once into int16 panels of 16 output channels, `[panel][k/2][16][2]`, so that one
/// `vpmaddwd` multiplies a broadcast pair with two k of 8 channels and sums each pair exactly into
/// int32. The micro-kernel keeps 6 rows × 16 channels in 12 accumulators; per pair of k: 2 weight
/// loads, 6 broadcasts, 12 `vpmaddwd` and 12 `vpaddd` (192 multiply-adds). The epilogue
/// requantizes with TFLite's fixed-point arithmetic (`VectorRequantization`).
/// aarch64 builds multiply with `QuantizedGEMMDot4` (the signed layout) instead.
struct QuantizedGEMM: @unchecked Sendable {
    /// Inner dimension and its pairs (an odd k gets a zero weight and a zero activation).
    let k: Int, kPairs: Int
    /// Output channels and panels of 16.
    let n: Int, panels: Int
    let weights: AlignedStorage<Int16>
    let bias: AlignedStorage<Int32>
    let requantization: VectorRequantization
    let inputZeroPoint: Int32

    /// Rows per micro-kernel tile.
    static let tileRows = 6

    /// Packs `weights`, row-major `[n][k]`.
    init(weights: [Int8], n: Int, k: Int, bias: [Int32], inputZeroPoint: Int32, requantization: Requantization) {
        self.k = k
        self.kPairs = (k + 1) / 2
        self.n = n
        self.panels = (n + 15) / 16
        let packed = AlignedStorage<Int16>(zeros: panels * kPairs * 32)
        for column in 0..<n {
            let lane = column % 16, base = (column / 16) * kPairs * 32
            for kk in 0..<k {
                packed.pointer[base + (kk / 2) * 32 + lane * 2 + kk % 2] = Int16(weights[column * k + kk])
            }
        }
        self.weights = packed
        let paddedBias = AlignedStorage<Int32>(zeros: panels * 16)
        for c in 0..<n { paddedBias.pointer[c] = bias[c] }
        self.bias = paddedBias
        self.requantization = VectorRequantization(requantization)
        self.inputZeroPoint = inputZeroPoint
    }

    /// False: the rows are always widened to int16 (see `QuantizedGEMMDot4.readsInputRows`).
    var readsInputRows: Bool { false }

    /// Int16 elements per widened activation row.
    var rowStride: Int { 2 * kPairs }

    /// Rows widened at a time: their int16 copy (about 128 KB) stays in L2 while every weight
    /// panel streams past it once.
    var chunkRows: Int { max(Self.tileRows, (65_536 / rowStride) / Self.tileRows * Self.tileRows) }

    /// Widens `rows` int8 rows of `k` values into `a` (row stride `rowStride`), subtracting the
    /// input zero point; the padding element of an odd k is zero.
    func widenRows(_ input: UnsafePointer<Int8>, rows: Int, into a: UnsafeMutablePointer<Int16>) {
        if rowStride == k {
            // Even k, no padding: the rows are contiguous on both sides, one flat pass (VWW's k
            // of 8, 16 and 32 would otherwise pay the loop overhead per row).
            widenValues(input, count: rows &* k, into: a)
            return
        }
        for row in 0..<rows {
            let target = a + row &* rowStride
            widenValues(input + row &* k, count: k, into: target)
            target[k] = 0
        }
    }

    /// `count` int8 values at `source` minus the input zero point, as int16 at `target`: 32 at a
    /// time (the loop's control shared by two vectors), then 16, 8, and one by one.
    @inline(__always)
    private func widenValues(_ source: UnsafePointer<Int8>, count: Int, into target: UnsafeMutablePointer<Int16>) {
        let zero = SIMD16<Int16>(repeating: Int16(inputZeroPoint))
        @inline(__always) func widen16(_ i: Int) {
            let v = widen(load(SIMD16<Int8>.self, source + i)) &- zero
            UnsafeMutableRawPointer(target + i).storeBytes(of: v, as: SIMD16<Int16>.self)
        }
        var i = 0
        while i &+ 32 <= count {
            widen16(i)
            widen16(i &+ 16)
            i &+= 32
        }
        if i &+ 16 <= count {
            widen16(i)
            i &+= 16
        }
        if i &+ 8 <= count {
            let v = widen(load(SIMD8<Int8>.self, source + i)) &- zero.lowHalf
            UnsafeMutableRawPointer(target + i).storeBytes(of: v, as: SIMD8<Int16>.self)
            i &+= 8
        }
        while i < count {
            target[i] = Int16(source[i]) &- Int16(inputZeroPoint)
            i &+= 1
        }
    }

    /// `rows` widened rows at `a` times the weight panels `panels`, requantized into `output`
    /// (row stride `n`).
    func multiply(a: UnsafePointer<Int16>, rows: Int, output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        for panel in panels {
            let w = UnsafeRawPointer(weights.pointer + panel * kPairs * 32)
            let columns = min(16, n - panel * 16)
            var row = 0
            if columns <= 8 {
                while row + 12 <= rows {
                    tile12x8(a + row * rowStride, w, output + row * n + panel * 16, panel: panel, columns: columns)
                    row += 12
                }
            }
            while row + Self.tileRows <= rows {
                tile6x16(a + row * rowStride, w, output + row * n + panel * 16, panel: panel, columns: columns)
                row += Self.tileRows
            }
            while row < rows {
                tile1x16(a + row * rowStride, w, output + row * n + panel * 16, panel: panel, columns: columns)
                row += 1
            }
        }
    }

    @inline(__always)
    private func broadcastPair(_ p: UnsafeRawPointer) -> SIMD16<Int16> {
        unsafeBitCast(SIMD8<Int32>(repeating: p.loadUnaligned(as: Int32.self)), to: SIMD16<Int16>.self)
    }

    @inline(__always)
    private func tile6x16(_ a: UnsafePointer<Int16>, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = UnsafeRawPointer(bias.pointer + panel * 16)
        let b0 = load(SIMD8<Int32>.self, b), b1 = load(SIMD8<Int32>.self, b + 32)
        var c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1
        var c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1
        let lda = rowStride &* 2
        let a0 = UnsafeRawPointer(a), a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        var wk = w
        var offset = 0
        for _ in 0..<kPairs {
            let w0 = load(SIMD16<Int16>.self, wk), w1 = load(SIMD16<Int16>.self, wk + 32)
            let x0 = broadcastPair(a0 + offset)
            c00 &+= multiplyAddPairs(x0, w0); c01 &+= multiplyAddPairs(x0, w1)
            let x1 = broadcastPair(a1 + offset)
            c10 &+= multiplyAddPairs(x1, w0); c11 &+= multiplyAddPairs(x1, w1)
            let x2 = broadcastPair(a2 + offset)
            c20 &+= multiplyAddPairs(x2, w0); c21 &+= multiplyAddPairs(x2, w1)
            let x3 = broadcastPair(a3 + offset)
            c30 &+= multiplyAddPairs(x3, w0); c31 &+= multiplyAddPairs(x3, w1)
            let x4 = broadcastPair(a4 + offset)
            c40 &+= multiplyAddPairs(x4, w0); c41 &+= multiplyAddPairs(x4, w1)
            let x5 = broadcastPair(a5 + offset)
            c50 &+= multiplyAddPairs(x5, w0); c51 &+= multiplyAddPairs(x5, w1)
            wk += 64
            offset &+= 4
        }
        let channel = panel * 16
        store(c00, c01, out, channel: channel, columns: columns)
        store(c10, c11, out + n, channel: channel, columns: columns)
        store(c20, c21, out + 2 * n, channel: channel, columns: columns)
        store(c30, c31, out + 3 * n, channel: channel, columns: columns)
        store(c40, c41, out + 4 * n, channel: channel, columns: columns)
        store(c50, c51, out + 5 * n, channel: channel, columns: columns)
    }

    /// 12 rows × 8 channels, for panels of at most 8 channels (narrow layers such as the stem
    /// of α = 0.25): the same 12 accumulators, each weight pair loaded once for 12 rows.
    @inline(__always)
    private func tile12x8(_ a: UnsafePointer<Int16>, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = load(SIMD8<Int32>.self, UnsafeRawPointer(bias.pointer + panel * 16))
        var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b
        let lda = rowStride &* 2
        let a0 = UnsafeRawPointer(a), a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        let a6 = a5 + lda, a7 = a6 + lda, a8 = a7 + lda, a9 = a8 + lda, a10 = a9 + lda, a11 = a10 + lda
        var wk = w
        var offset = 0
        for _ in 0..<kPairs {
            let w0 = load(SIMD16<Int16>.self, wk)
            c0 &+= multiplyAddPairs(broadcastPair(a0 + offset), w0)
            c1 &+= multiplyAddPairs(broadcastPair(a1 + offset), w0)
            c2 &+= multiplyAddPairs(broadcastPair(a2 + offset), w0)
            c3 &+= multiplyAddPairs(broadcastPair(a3 + offset), w0)
            c4 &+= multiplyAddPairs(broadcastPair(a4 + offset), w0)
            c5 &+= multiplyAddPairs(broadcastPair(a5 + offset), w0)
            c6 &+= multiplyAddPairs(broadcastPair(a6 + offset), w0)
            c7 &+= multiplyAddPairs(broadcastPair(a7 + offset), w0)
            c8 &+= multiplyAddPairs(broadcastPair(a8 + offset), w0)
            c9 &+= multiplyAddPairs(broadcastPair(a9 + offset), w0)
            c10 &+= multiplyAddPairs(broadcastPair(a10 + offset), w0)
            c11 &+= multiplyAddPairs(broadcastPair(a11 + offset), w0)
            wk += 64
            offset &+= 4
        }
        let channel = panel * 16
        @inline(__always) func store(_ c: SIMD8<Int32>, _ row: Int) {
            let y = requantization.apply(c, channel: channel)
            store16(narrow(y, y), out + row &* n, count: columns)
        }
        store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3); store(c4, 4); store(c5, 5)
        store(c6, 6); store(c7, 7); store(c8, 8); store(c9, 9); store(c10, 10); store(c11, 11)
    }

    @inline(__always)
    private func tile1x16(_ a: UnsafePointer<Int16>, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = UnsafeRawPointer(bias.pointer + panel * 16)
        var c0 = load(SIMD8<Int32>.self, b), c1 = load(SIMD8<Int32>.self, b + 32)
        let a0 = UnsafeRawPointer(a)
        var wk = w
        var offset = 0
        for _ in 0..<kPairs {
            let x = broadcastPair(a0 + offset)
            c0 &+= multiplyAddPairs(x, load(SIMD16<Int16>.self, wk))
            c1 &+= multiplyAddPairs(x, load(SIMD16<Int16>.self, wk + 32))
            wk += 64
            offset &+= 4
        }
        store(c0, c1, out, channel: panel * 16, columns: columns)
    }

    @inline(__always)
    private func store(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ out: UnsafeMutablePointer<Int8>,
                       channel: Int, columns: Int) {
        let y = narrow(requantization.apply(low, channel: channel), requantization.apply(high, channel: channel + 8))
        store16(y, out, count: columns)
    }
}
