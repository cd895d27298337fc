import CDotProduct

/// A 4-way byte dot product into 8 int32 lanes (see CDotProduct.h): lane i gains
/// `Σ_j a[4i+j] · b[4i+j]`, j < 4, with `b` the int8 weights and `a` the activation bytes as the
/// instruction reads them.
protocol Dot4Instruction {
    /// What the activation rows hold: `x + activationOffset` as bytes. 128 for the u8 × s8
    /// instructions (`vpdpbusd`: the bytes are unsigned, `x ^ 0x80`), 0 for the s8 × s8 ones
    /// (`sdot`: the int8 values themselves, their bit patterns in `a`).
    static var activationOffset: Int32 { get }
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32>
}

/// The portable exact emulation of `vpdpbusd` (tests, and any CPU).
enum EmulatedDot4: Dot4Instruction {
    static var activationOffset: Int32 { 128 }

    @inline(__always)
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32> {
        emulate(accumulator, a, b) { mn_dpbusd_emulated($0, $1.assumingMemoryBound(to: UInt8.self), $2) }
    }
}

/// The portable exact emulation of the signed form, `sdot` (tests of the signed layout, any CPU).
enum EmulatedSignedDot4: Dot4Instruction {
    static var activationOffset: Int32 { 0 }

    @inline(__always)
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32> {
        emulate(accumulator, a, b) { mn_sdot_emulated($0, $1.assumingMemoryBound(to: Int8.self), $2) }
    }
}

/// Runs a C emulation (CDotProduct.c) in place on a copy of `accumulator`, with the bytes of `a`
/// and `b`.
@inline(__always)
private func emulate(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>,
                     _ instruction: (UnsafeMutablePointer<Int32>, UnsafeRawPointer, UnsafePointer<Int8>) -> Void)
    -> SIMD8<Int32> {
    var result = accumulator
    withUnsafeMutableBytes(of: &result) { r in
        withUnsafeBytes(of: a) { a in
            withUnsafeBytes(of: b) { b in
                instruction(r.baseAddress!.assumingMemoryBound(to: Int32.self), a.baseAddress!,
                            b.baseAddress!.assumingMemoryBound(to: Int8.self))
            }
        }
    }
    return result
}

#if MOBILENET_DOTPROD
/// ARMv8.2 `sdot` (s8 × s8), inlined from CDotProduct.h: boards whose CPU has the dot product
/// (the Pi 5's Cortex-A76). `QuantizedGEMMDot4` multiplies with the lane-indexed micro-kernel
/// `QS8GEMM4x16c4NEONDOT` in these builds; this form serves the protocol.
enum NEONDot4: Dot4Instruction {
    static var activationOffset: Int32 { 0 }

    @inline(__always)
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32> {
        let x = unsafeBitCast(a, to: SIMD32<Int8>.self)
        return SIMD8(lowHalf: mn_sdot(accumulator.lowHalf, b.lowHalf, x.lowHalf),
                     highHalf: mn_sdot(accumulator.highHalf, b.highHalf, x.highHalf))
    }
}
#endif

#if arch(arm64) && !MOBILENET_DOTPROD
/// The signed layout on ARMv8.0 CPUs without `sdot` (the Pi 3's Cortex-A53, the Pi 4's
/// Cortex-A72): `QuantizedGEMMDot4` multiplies with `QS8GEMM2x16c4NEONMLAL` (`smull`, `smlal`,
/// `sadalp`) in these builds; this exact form serves the protocol.
enum NEONPairedDot4: Dot4Instruction {
    static var activationOffset: Int32 { 0 }

    @inline(__always)
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32> {
        EmulatedSignedDot4.dot4(accumulator, a, b)
    }
}
#endif

#if MOBILENET_VNNI
/// `vpdpbusd` (AVX-512 VNNI or AVX-VNNI, 256-bit), inlined from CDotProduct.h.
enum HardwareDot4: Dot4Instruction {
    static var activationOffset: Int32 { 128 }

    @inline(__always)
    static func dot4(_ accumulator: SIMD8<Int32>, _ a: SIMD32<UInt8>, _ b: SIMD32<Int8>) -> SIMD8<Int32> {
        mn_dpbusd(accumulator, a, b)
    }
}
#endif

/// The int8 matrix product of `QuantizedGEMM` for CPUs with a 4-way byte dot product
/// (`qs8-gemm-6x16c4`, `vpdpbusd`; on ARM `qs8-gemm-4x16c4-neondot`, `sdot`): the same result,
/// bit for bit.
///
/// Activations are stored as `x + o` bytes, four consecutive k to a 32-bit broadcast, with `o`
/// the instruction's `activationOffset`: 128 for `vpdpbusd` (unsigned bytes, `x ^ 0x80`, exact),
/// 0 for `sdot` (the int8 values, copied). Weights stay int8, packed `[panel][k/4][16][4]` (64
/// bytes per four k of 16 output channels). Since `Σ (x − zx)·w = Σ (x + o)·w − (o + zx)·Σ w`,
/// the second term is folded into the bias when packing (exact in wrapping int32: the true sum
/// fits). A k that is not a multiple of 4 gets zero weights; convolution taps outside the input
/// hold `zx + o` (that is, x = zx, contributing nothing, as in TFLite's reference kernel). Per
/// four k the 6x16 micro-kernel does 2 weight loads, 6 broadcasts and 12 dot products (384
/// multiply-adds). Builds for an ARM CPU with `sdot` (MOBILENET_DOTPROD) multiply the signed
/// layout with `QS8GEMM4x16c4NEONDOT` (4 rows × 16 channels, lane-indexed `sdot`) instead, other
/// aarch64 builds with `QS8GEMM2x16c4NEONMLAL` (`smull`/`smlal`/`sadalp`).
///
/// The scratch rows live in the interpreter's int16 scratch: `rowStride` counts int16 units
/// (2 per four k), so that the planner sizes both variants alike.
struct QuantizedGEMMDot4<Dot: Dot4Instruction>: @unchecked Sendable {
    /// Inner dimension and its groups of four.
    let k: Int, kQuads: Int
    /// Output channels and panels of 16.
    let n: Int, panels: Int
    let weights: AlignedStorage<Int8>
    /// `bias − (o + zx)·Σ_k w` (o: `Dot.activationOffset`), per channel (padded to the panels).
    let bias: AlignedStorage<Int32>
    let requantization: VectorRequantization
    let inputZeroPoint: Int32
    /// No weight is -128: two products of int8 weights may be summed in int16 (the ARMv8.0
    /// kernel's `smlal`).
    let pairsProducts: Bool

    /// Rows per micro-kernel tile.
    static var tileRows: Int {
        #if MOBILENET_DOTPROD
        if Dot.activationOffset == 0 { return QS8GEMM4x16c4NEONDOT.tileRows }
        #elseif arch(arm64)
        if Dot.activationOffset == 0 { return QS8GEMM2x16c4NEONMLAL.tileRows }
        #endif
        return 6
    }

    /// What the activation bytes are XORed with: `x + 128` is `x ^ 0x80`, `x + 0` is `x`.
    @inline(__always)
    static var activationMask: UInt8 { UInt8(truncatingIfNeeded: Dot.activationOffset) }

    /// Packs `weights`, row-major `[n][k]`.
    init(weights: [Int8], n: Int, k: Int, bias: [Int32], inputZeroPoint: Int32, requantization: Requantization) {
        self.k = k
        self.kQuads = (k + 3) / 4
        self.n = n
        self.panels = (n + 15) / 16
        let packed = AlignedStorage<Int8>(zeros: panels * kQuads * 64)
        let folded = AlignedStorage<Int32>(zeros: panels * 16)
        let shift = Dot.activationOffset &+ inputZeroPoint
        for column in 0..<n {
            let lane = column % 16, base = (column / 16) * kQuads * 64
            var sum: Int32 = 0
            for kk in 0..<k {
                let w = weights[column * k + kk]
                packed.pointer[base + Self.packedOffset(quad: kk / 4, quads: kQuads, lane: lane) + kk % 4] = w
                sum &+= Int32(w)
            }
            folded.pointer[column] = bias[column] &- shift &* sum
        }
        self.weights = packed
        self.bias = folded
        self.requantization = VectorRequantization(requantization)
        self.inputZeroPoint = inputZeroPoint
        pairsProducts = !weights.contains(-128)
    }

    /// Where quad `quad` (k 4·quad..<4·quad+4) of channel `lane` of a panel starts: `[k/4][16][4]`;
    /// the ARMv8.0 kernel (`QS8GEMM2x16c4NEONMLAL`), which takes two quads at a time by groups of
    /// 4 channels, has each group's two quads side by side (one `ldp`): `[k/8][4][2][4][4]`, a
    /// last odd quad as `[16][4]`.
    @inline(__always)
    static func packedOffset(quad: Int, quads: Int, lane: Int) -> Int {
        #if arch(arm64) && !MOBILENET_DOTPROD
        if Dot.activationOffset == 0 && quad < quads / 2 * 2 {
            return (quad / 2) * 128 + (lane / 4) * 32 + (quad % 2) * 16 + (lane % 4) * 4
        }
        #endif
        return quad * 64 + lane * 4
    }

    /// True when `multiply` can read a 1x1 convolution's or fully connected layer's int8 input
    /// rows where they are (no `widenRows` copy): the signed layout (rows hold the int8 values)
    /// with k a multiple of 4 (rows of `4 · kQuads` bytes, no padding).
    var readsInputRows: Bool { Dot.activationOffset == 0 && k % 4 == 0 }

    /// Int16 units per activation row (4 bytes per four k).
    var rowStride: Int { 2 * kQuads }

    /// Rows prepared at a time: their bytes (about 64 KB) stay in L2 while every weight panel
    /// streams past them once.
    var chunkRows: Int { max(Self.tileRows, (65_536 / (4 * kQuads)) / Self.tileRows * Self.tileRows) }

    /// Writes `rows` int8 rows of `k` values into `a` as `x + o` bytes (row stride
    /// `rowStride` int16 units); the padding bytes up to a multiple of 4 are zero.
    func widenRows(_ input: UnsafePointer<Int8>, rows: Int, into a: UnsafeMutablePointer<Int16>) {
        let rowBytes = 4 &* kQuads, mask = Self.activationMask
        let target0 = UnsafeMutableRawPointer(a)
        if rowBytes == k {
            // No padding: the rows are contiguous on both sides, one flat pass (VWW's k of 8 and
            // 16 would otherwise go byte by byte).
            let total = rows &* k, source = UnsafeRawPointer(input)
            if mask == 0 {
                // The signed layout copies the bytes as they are (steps that overwrite their
                // input): memcpy moves 64 bytes per iteration.
                target0.copyMemory(from: source, byteCount: total)
                return
            }
            var i = 0
            while i &+ 16 <= total {
                target0.storeBytes(of: load(SIMD16<UInt8>.self, source + i) ^ mask, toByteOffset: i, as: SIMD16<UInt8>.self)
                i &+= 16
            }
            while i < total {
                target0.storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self) ^ mask, toByteOffset: i, as: UInt8.self)
                i &+= 1
            }
            return
        }
        for row in 0..<rows {
            let source = UnsafeRawPointer(input + row &* k), target = target0 + row &* rowBytes
            var kk = 0
            while kk &+ 32 <= k {
                target.storeBytes(of: load(SIMD32<UInt8>.self, source + kk) ^ mask, toByteOffset: kk,
                                  as: SIMD32<UInt8>.self)
                kk &+= 32
            }
            while kk < k {
                target.storeBytes(of: source.load(fromByteOffset: kk, as: UInt8.self) ^ mask, toByteOffset: kk,
                                  as: UInt8.self)
                kk &+= 1
            }
            while kk < rowBytes {
                target.storeBytes(of: 0, toByteOffset: kk, as: UInt8.self)
                kk &+= 1
            }
        }
    }

    /// The im2col rows of output pixels `pixels` (see `I8Im2Col`) as `x + o` bytes, taps outside
    /// the input `zx + o`. A window inside the input copies each of its rows 16 bytes at a time;
    /// the stores run up to 15 bytes past the row (`a` has 32 bytes of slack), the loads up to 15
    /// bytes past the window (the activation buffers carry that slack). The runs of such windows
    /// along an output row (`interiorColumns`) step source and target pointers without
    /// recomputing the window, and leave the row's padding bytes (k up to a multiple of 4) as they
    /// are: their weights are zero, whatever they hold adds nothing.
    @inline(never)  // a function of its own: the asm check reads its loops
    func fillIm2Col(input: UnsafePointer<Int8>, geometry g: ConvGeometry, pixels: Range<Int>,
                    into a: UnsafeMutablePointer<Int16>) {
        let cin = g.inputChannels, rowBytes = 4 &* kQuads
        let span = g.kernelWidth &* cin, inputRowBytes = g.inputWidth &* cin
        let outside = UInt8(truncatingIfNeeded: inputZeroPoint &+ Dot.activationOffset), mask = Self.activationMask
        let base = UnsafeMutableRawPointer(a), interior = g.interiorColumns
        var pixel = pixels.lowerBound
        while pixel < pixels.upperBound {
            let row = pixel / g.outputWidth, rowStart = row &* g.outputWidth
            let (image, iy0, kys) = g.rowWindow(row)
            let inputRow = UnsafeRawPointer(input + (image &* g.inputHeight &+ iy0) &* inputRowBytes)
            let ox = pixel &- rowStart
            var target = base + (pixel &- pixels.lowerBound) &* rowBytes
            if kys.count == g.kernelHeight && interior.contains(ox) {
                // A run of windows inside the input, to the end of the interior or of `pixels`.
                let end = min(pixels.upperBound, rowStart &+ interior.upperBound)
                var source = inputRow + (ox &* g.strideWidth &- g.padLeft) &* cin
                let sourceStep = g.strideWidth &* cin
                if span <= 16 && g.kernelHeight == 3 {
                    // 3 rows of at most 16 bytes (the stems: 3x3 windows of 3 channels).
                    let row1 = inputRowBytes, row2 = 2 &* inputRowBytes
                    for _ in pixel..<end {
                        target.storeBytes(of: load(SIMD16<UInt8>.self, source) ^ mask, as: SIMD16<UInt8>.self)
                        target.storeBytes(of: load(SIMD16<UInt8>.self, source + row1) ^ mask, toByteOffset: span,
                                          as: SIMD16<UInt8>.self)
                        target.storeBytes(of: load(SIMD16<UInt8>.self, source + row2) ^ mask, toByteOffset: 2 &* span,
                                          as: SIMD16<UInt8>.self)
                        source += sourceStep
                        target += rowBytes
                    }
                    pixel = end
                    continue
                }
                for _ in pixel..<end {
                    var ky = 0, from = source, to = target
                    while ky < g.kernelHeight {
                        var i = 0
                        while i < span {
                            to.storeBytes(of: load(SIMD16<UInt8>.self, from + i) ^ mask, toByteOffset: i,
                                          as: SIMD16<UInt8>.self)
                            i &+= 16
                        }
                        from += inputRowBytes
                        to += span
                        ky &+= 1
                    }
                    source += sourceStep
                    target += rowBytes
                }
                pixel = end
                continue
            }
            // A window reaching outside the input: zero-point taps, then the inside ones.
            let (ix0, kxs) = g.columnWindow(ox)
            target.initializeMemory(as: UInt8.self, repeating: outside, count: k)
            (target + k).initializeMemory(as: UInt8.self, repeating: 0, count: rowBytes &- k)
            for ky in kys {
                let source = inputRow + (ky &* g.inputWidth &+ ix0) &* cin
                for i in kxs.lowerBound &* cin..<kxs.upperBound &* cin {
                    target.storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self) ^ mask,
                                      toByteOffset: ky &* span &+ i, as: UInt8.self)
                }
            }
            pixel &+= 1
        }
    }

    /// `rows` prepared rows at `a` times the weight panels `panels`, requantized into `output`
    /// (row stride `n`).
    func multiply(a: UnsafePointer<Int16>, rows: Int, output: UnsafeMutablePointer<Int8>, panels: Range<Int>) {
        #if MOBILENET_DOTPROD
        if Dot.activationOffset == 0 {
            QS8GEMM4x16c4NEONDOT.multiply(self, a: UnsafeRawPointer(a), rows: rows, output: output, panels: panels)
            return
        }
        #elseif arch(arm64)
        if Dot.activationOffset == 0 {
            QS8GEMM2x16c4NEONMLAL.multiply(self, a: UnsafeRawPointer(a), rows: rows, output: output, panels: panels)
            return
        }
        #endif
        let rowBytes = 4 &* kQuads, a = UnsafeRawPointer(a)
        for panel in panels {
            let w = UnsafeRawPointer(weights.pointer + panel &* kQuads &* 64)
            let columns = min(16, n &- panel &* 16)
            let out = output + panel &* 16
            var row = 0
            if columns <= 8 {
                while row &+ 12 <= rows {
                    tile12x8(a + row &* rowBytes, w, out + row &* n, panel: panel, columns: columns)
                    row &+= 12
                }
            }
            while row &+ Self.tileRows <= rows {
                tile6x16(a + row &* rowBytes, w, out + row &* n, panel: panel, columns: columns)
                row &+= Self.tileRows
            }
            while row < rows {
                tile1x16(a + row &* rowBytes, w, out + row &* n, panel: panel, columns: columns)
                row &+= 1
            }
        }
    }

    /// Four bytes of a row in every 32-bit lane.
    @inline(__always)
    private func broadcastQuad(_ p: UnsafeRawPointer) -> SIMD32<UInt8> {
        unsafeBitCast(SIMD8<UInt32>(repeating: p.loadUnaligned(as: UInt32.self)), to: SIMD32<UInt8>.self)
    }

    @inline(__always)
    private func tile6x16(_ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = UnsafeRawPointer(bias.pointer + panel &* 16)
        let b0 = load(SIMD8<Int32>.self, b), b1 = load(SIMD8<Int32>.self, b + 32)
        var c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1
        var c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1
        let lda = 4 &* kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        var wk = w
        var offset = 0
        for _ in 0..<kQuads {
            let w0 = load(SIMD32<Int8>.self, wk), w1 = load(SIMD32<Int8>.self, wk + 32)
            let x0 = broadcastQuad(a0 + offset)
            c00 = Dot.dot4(c00, x0, w0); c01 = Dot.dot4(c01, x0, w1)
            let x1 = broadcastQuad(a1 + offset)
            c10 = Dot.dot4(c10, x1, w0); c11 = Dot.dot4(c11, x1, w1)
            let x2 = broadcastQuad(a2 + offset)
            c20 = Dot.dot4(c20, x2, w0); c21 = Dot.dot4(c21, x2, w1)
            let x3 = broadcastQuad(a3 + offset)
            c30 = Dot.dot4(c30, x3, w0); c31 = Dot.dot4(c31, x3, w1)
            let x4 = broadcastQuad(a4 + offset)
            c40 = Dot.dot4(c40, x4, w0); c41 = Dot.dot4(c41, x4, w1)
            let x5 = broadcastQuad(a5 + offset)
            c50 = Dot.dot4(c50, x5, w0); c51 = Dot.dot4(c51, x5, w1)
            wk += 64
            offset &+= 4
        }
        let channel = panel &* 16
        store(c00, c01, out, channel: channel, columns: columns)
        store(c10, c11, out + n, channel: channel, columns: columns)
        store(c20, c21, out + 2 &* n, channel: channel, columns: columns)
        store(c30, c31, out + 3 &* n, channel: channel, columns: columns)
        store(c40, c41, out + 4 &* n, channel: channel, columns: columns)
        store(c50, c51, out + 5 &* n, channel: channel, columns: columns)
    }

    /// 12 rows × 8 channels, for panels of at most 8 channels (narrow layers): each weight quad
    /// loaded once for 12 rows. The packed panel's lanes 8..<16 are skipped.
    @inline(__always)
    private func tile12x8(_ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = load(SIMD8<Int32>.self, UnsafeRawPointer(bias.pointer + panel &* 16))
        var c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b
        let lda = 4 &* kQuads
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        let a6 = a5 + lda, a7 = a6 + lda, a8 = a7 + lda, a9 = a8 + lda, a10 = a9 + lda, a11 = a10 + lda
        var wk = w
        var offset = 0
        for _ in 0..<kQuads {
            let w0 = load(SIMD32<Int8>.self, wk)
            c0 = Dot.dot4(c0, broadcastQuad(a0 + offset), w0)
            c1 = Dot.dot4(c1, broadcastQuad(a1 + offset), w0)
            c2 = Dot.dot4(c2, broadcastQuad(a2 + offset), w0)
            c3 = Dot.dot4(c3, broadcastQuad(a3 + offset), w0)
            c4 = Dot.dot4(c4, broadcastQuad(a4 + offset), w0)
            c5 = Dot.dot4(c5, broadcastQuad(a5 + offset), w0)
            c6 = Dot.dot4(c6, broadcastQuad(a6 + offset), w0)
            c7 = Dot.dot4(c7, broadcastQuad(a7 + offset), w0)
            c8 = Dot.dot4(c8, broadcastQuad(a8 + offset), w0)
            c9 = Dot.dot4(c9, broadcastQuad(a9 + offset), w0)
            c10 = Dot.dot4(c10, broadcastQuad(a10 + offset), w0)
            c11 = Dot.dot4(c11, broadcastQuad(a11 + offset), w0)
            wk += 64
            offset &+= 4
        }
        let channel = panel &* 16
        @inline(__always) func store(_ c: SIMD8<Int32>, _ row: Int) {
            let y = requantization.apply(c, channel: channel)
            store16(narrow(y, y), out + row &* n, count: columns)
        }
        store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3); store(c4, 4); store(c5, 5)
        store(c6, 6); store(c7, 7); store(c8, 8); store(c9, 9); store(c10, 10); store(c11, 11)
    }

    @inline(__always)
    private func tile1x16(_ a: UnsafeRawPointer, _ w: UnsafeRawPointer, _ out: UnsafeMutablePointer<Int8>,
                          panel: Int, columns: Int) {
        let b = UnsafeRawPointer(bias.pointer + panel &* 16)
        var c0 = load(SIMD8<Int32>.self, b), c1 = load(SIMD8<Int32>.self, b + 32)
        var wk = w
        var offset = 0
        for _ in 0..<kQuads {
            let x = broadcastQuad(a + offset)
            c0 = Dot.dot4(c0, x, load(SIMD32<Int8>.self, wk))
            c1 = Dot.dot4(c1, x, load(SIMD32<Int8>.self, wk + 32))
            wk += 64
            offset &+= 4
        }
        store(c0, c1, out, channel: panel &* 16, columns: columns)
    }

    @inline(__always)
    private func store(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ out: UnsafeMutablePointer<Int8>,
                       channel: Int, columns: Int) {
        let y = narrow(requantization.apply(low, channel: channel), requantization.apply(high, channel: channel &+ 8))
        store16(y, out, count: columns)
    }
}
