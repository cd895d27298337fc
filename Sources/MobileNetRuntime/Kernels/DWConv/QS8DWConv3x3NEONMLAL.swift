#if arch(arm64)
import CDotProduct

/// The aarch64 form of `I8Depthwise`'s 3x3 convolutions (ARMv8.0 NEON), stride 1 or 2: channels
/// in lanes, int8 weights `[tap][roundUp16(channels)]`, the interior bias with `zx · Σ w` folded
/// in (so taps are plain `x · w`, and taps outside the input read a row of zero points).
///
/// 16 channels at a time (8 for a last block of at most 8): a block's 9 weight vectors and
/// requantization parameters are loaded once for all the rows of a call, then every output pixel
/// takes the same body. The window's three input rows are addressed as `base + column · step`; a
/// row outside the input is the zero-point row with step 0, so the top and bottom edges cost
/// nothing extra. Columns whose window leaves the input (the left and right edges: one or two per
/// row) point their outside taps at the zero-point row too.
///
/// Two taps at a time: `smull`/`smull2` multiply 16 int8 inputs by 16 int8 weights into int16,
/// `smlal`/`smlal2` add the second tap's products, `saddw`/`saddw2` widen the sums into the
/// int32 accumulators: 10 instructions per 32 multiply-adds. Exact when the weights lie in
/// -127...127 (TFLite's int8 weight range): each product lies in [-16256, 16256], a sum of two
/// in int16. A convolution with a -128 weight (a product of 16384, two of which overflow int16)
/// adds every tap's products on its own (`Unpaired`: the row loops are specialized, so that no loop
/// tests it).
struct QS8DWConv3x3NEONMLAL: @unchecked Sendable {
    let channels: Int
    private let padded: Int
    /// `[tap][padded]` int8.
    private let weights: AlignedStorage<Int8>
    /// The bias with `zx · Σ w` folded in, `[padded]`.
    private let interiorBias: AlignedStorage<Int32>
    /// The input zero point in every channel (plus SIMD slack): what taps outside the input read.
    private let zeroPointRow: AlignedStorage<Int8>
    private let requantization: VectorRequantization
    /// Whether two taps' products are summed in int16 (no weight is -128).
    private let paired: Bool

    /// `d`: a 3x3 depthwise convolution with multiplier 1.
    init(_ d: QuantizedDepthwiseConvolution) {
        precondition(d.kernelHeight == 3 && d.kernelWidth == 3 && d.multiplier == 1)
        paired = !d.weights.contains(-128)
        channels = d.inputChannels
        padded = roundUp16(channels)
        weights = AlignedStorage(zeros: 9 * padded)
        interiorBias = AlignedStorage(zeros: padded)
        zeroPointRow = AlignedStorage(zeros: padded + 16)
        zeroPointRow.pointer.update(repeating: Int8(truncatingIfNeeded: d.inputZeroPoint), count: padded + 16)
        for c in 0..<channels {
            var sum: Int32 = 0
            for t in 0..<9 {
                weights.pointer[t * padded + c] = d.weights[t * channels + c]
                sum &+= Int32(d.weights[t * channels + c])
            }
            interiorBias.pointer[c] = d.bias[c] &- d.inputZeroPoint &* sum
        }
        requantization = VectorRequantization(d.requantization)
    }

    /// Output rows `rows` (image-major) of the convolution with geometry `g` (3x3), a block of
    /// channels at a time.
    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, geometry g: ConvGeometry, rows: Range<Int>) {
        let rows = Rows(input: input, output: output, geometry: g, range: rows, interior: g.interiorColumns)
        if requantization.rightShiftsOnly { run(rows, RightShiftsOnly.self) } else { run(rows, AnyShifts.self) }
    }

    @inline(__always)
    private func run<R: RequantizationShifts>(_ rows: Rows, _: R.Type) {
        var block = 0
        while block < channels {
            if paired { run(rows, block: block, Paired.self, R.self) } else { run(rows, block: block, Unpaired.self, R.self) }
            block &+= 16
        }
    }

    /// Channels `block..<block+16` of every row, by the block's width and store.
    @inline(__always)
    private func run<P: ProductPairing, R: RequantizationShifts>(_ rows: Rows, block: Int, _: P.Type, _: R.Type) {
        switch channels &- block {
        case 16...: wide(rows, block: block, P.self, WholeVectors.self, R.self)
        case 9...: wide(rows, block: block, P.self, PartialVectors.self, R.self)
        case 8: narrow(rows, block: block, P.self, WholeVectors.self, R.self)
        default: narrow(rows, block: block, P.self, PartialVectors.self, R.self)
        }
    }

    /// The rows a call computes, and the output columns whose windows lie inside the input's
    /// columns.
    private struct Rows {
        let input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>
        let geometry: ConvGeometry
        let range: Range<Int>
        let interior: Range<Int>
    }

    /// The addresses of a window's 9 taps (at the block's first channel), in row-major tap order.
    private struct Taps {
        let t0: UnsafePointer<Int8>, t1: UnsafePointer<Int8>, t2: UnsafePointer<Int8>
        let t3: UnsafePointer<Int8>, t4: UnsafePointer<Int8>, t5: UnsafePointer<Int8>
        let t6: UnsafePointer<Int8>, t7: UnsafePointer<Int8>, t8: UnsafePointer<Int8>
    }

    /// Every window of every row (channels from `block`), `window(taps, out)` each. The window's
    /// three input rows are addressed as `base + column · step`: a row outside the input is the
    /// zero-point row with step 0. The interior columns step three row pointers along the row;
    /// the edge columns point their taps outside the input at the zero-point row.
    @inline(__always)
    private func forEachWindow(_ rows: Rows, block: Int, _ window: (Taps, UnsafeMutablePointer<Int8>) -> Void) {
        let g = rows.geometry, c = channels, interior = rows.interior
        let zero = UnsafePointer(zeroPointRow.pointer) + block, rowBytes = g.inputWidth &* c
        let stride = g.strideWidth, width = g.inputWidth
        for row in rows.range {
            let (image, iy0, _) = g.rowWindow(row)
            @inline(__always) func windowRow(_ ky: Int) -> (UnsafePointer<Int8>, Int) {
                let iy = iy0 &+ ky
                guard iy >= 0, iy < g.inputHeight else { return (zero, 0) }
                return (rows.input + ((image &* g.inputHeight &+ iy) &* rowBytes &+ block), c)
            }
            let (base0, s0) = windowRow(0), (base1, s1) = windowRow(1), (base2, s2) = windowRow(2)
            let outRow = rows.output + (row &* g.outputWidth &* c &+ block)
            @inline(__always) func edge(_ ox: Int) {
                let ix = ox &* stride &- g.padLeft
                @inline(__always) func tap(_ base: UnsafePointer<Int8>, _ step: Int, _ kx: Int) -> UnsafePointer<Int8> {
                    let column = ix &+ kx
                    return column >= 0 && column < width ? base + column &* step : zero
                }
                window(Taps(t0: tap(base0, s0, 0), t1: tap(base0, s0, 1), t2: tap(base0, s0, 2),
                            t3: tap(base1, s1, 0), t4: tap(base1, s1, 1), t5: tap(base1, s1, 2),
                            t6: tap(base2, s2, 0), t7: tap(base2, s2, 1), t8: tap(base2, s2, 2)), outRow + ox &* c)
            }
            for ox in 0..<interior.lowerBound { edge(ox) }
            if !interior.isEmpty {
                let ix = interior.lowerBound &* stride &- g.padLeft
                var p0 = base0 + ix &* s0, p1 = base1 + ix &* s1, p2 = base2 + ix &* s2
                let e0 = 2 &* s0, e1 = 2 &* s1, e2 = 2 &* s2, d0 = stride &* s0, d1 = stride &* s1, d2 = stride &* s2
                var out = outRow + interior.lowerBound &* c
                for _ in interior {
                    let a0 = mn_opaque_pointer(p0).unsafelyUnwrapped, a1 = mn_opaque_pointer(p1).unsafelyUnwrapped
                    let a2 = mn_opaque_pointer(p2).unsafelyUnwrapped
                    window(Taps(t0: a0, t1: a0 + s0, t2: a0 + e0, t3: a1, t4: a1 + s1, t5: a1 + e1,
                                t6: a2, t7: a2 + s2, t8: a2 + e2), out)
                    p0 += d0
                    p1 += d1
                    p2 += d2
                    out += c
                }
            }
            for ox in interior.upperBound..<g.outputWidth { edge(ox) }
        }
    }

    /// Channels `block..<block+16` (at least 9 of them) of the rows.
    @inline(never)
    private func wide<P: ProductPairing, S: VectorStore, R: RequantizationShifts>(_ rows: Rows, block: Int, _: P.Type,
                                                                                  _: S.Type, _: R.Type) {
        let w = UnsafeRawPointer(weights.pointer + block)
        @inline(__always) func tap(_ i: Int) -> SIMD16<Int8> { load(SIMD16<Int8>.self, w + i &* padded) }
        let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7)
        let w8 = tap(8)
        let bias = UnsafeRawPointer(interiorBias.pointer + block)
        let q0 = requantization.parameters(channel: block), q1 = requantization.parameters(channel: block &+ 8)
        let count = channels &- block
        forEachWindow(rows, block: block) { t, out in
            var low = load(SIMD8<Int32>.self, bias), high = load(SIMD8<Int32>.self, bias + 32)
            Self.pair(t.t0, t.t1, w0, w1, P.self, &low, &high)
            Self.pair(t.t2, t.t3, w2, w3, P.self, &low, &high)
            Self.pair(t.t4, t.t5, w4, w5, P.self, &low, &high)
            Self.pair(t.t6, t.t7, w6, w7, P.self, &low, &high)
            Self.single(t.t8, w8, &low, &high)
            let y = requantization.requantize16(low, high, q0, q1, R.self)
            if S.whole { UnsafeMutableRawPointer(out).storeBytes(of: y, as: SIMD16<Int8>.self) } else {
                partialStore16(y, out, count: count)
            }
        }
    }

    /// The last ≤ 8 channels (`block..<channels`) of the rows.
    @inline(never)
    private func narrow<P: ProductPairing, S: VectorStore, R: RequantizationShifts>(_ rows: Rows, block: Int, _: P.Type,
                                                                                  _: S.Type, _: R.Type) {
        let w = UnsafeRawPointer(weights.pointer + block)
        @inline(__always) func tap(_ i: Int) -> SIMD8<Int8> { load(SIMD8<Int8>.self, w + i &* padded) }
        let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7)
        let w8 = tap(8)
        let bias = UnsafeRawPointer(interiorBias.pointer + block)
        let q = requantization.parameters(channel: block)
        let count = channels &- block
        forEachWindow(rows, block: block) { t, out in
            var low = load(SIMD8<Int32>.self, bias)
            Self.pair8(t.t0, t.t1, w0, w1, P.self, &low)
            Self.pair8(t.t2, t.t3, w2, w3, P.self, &low)
            Self.pair8(t.t4, t.t5, w4, w5, P.self, &low)
            Self.pair8(t.t6, t.t7, w6, w7, P.self, &low)
            Self.single8(t.t8, w8, &low)
            let y = requantization.requantize8(low, q, R.self)
            if S.whole {
                UnsafeMutableRawPointer(out).storeBytes(of: unsafeBitCast(y, to: SIMD2<UInt64>.self)[0], as: UInt64.self)
            } else {
                partialStore16(y, out, count: count)
            }
        }
    }

    /// Taps at `a` and `b` (16 channels) times weights `wa` and `wb`, added to the accumulators:
    /// `smull`, `smlal` and their `2` forms, `saddw`, `saddw2`.
    @inline(__always)
    private static func pair<P: ProductPairing>(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ wa: SIMD16<Int8>,
                                            _ wb: SIMD16<Int8>, _: P.Type, _ low: inout SIMD8<Int32>,
                                            _ high: inout SIMD8<Int32>) {
        guard P.paired else {
            Self.single(a, wa, &low, &high)
            Self.single(b, wb, &low, &high)
            return
        }
        let xa = load(SIMD16<Int8>.self, a), xb = load(SIMD16<Int8>.self, b)
        low &+= widen32(mn_multiply_pair_low(xa, wa, xb, wb))
        high &+= widen32(mn_multiply_pair_high(xa, wa, xb, wb))
    }

    /// `pair` for 8 channels.
    @inline(__always)
    private static func pair8<P: ProductPairing>(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ wa: SIMD8<Int8>,
                                             _ wb: SIMD8<Int8>, _: P.Type, _ low: inout SIMD8<Int32>) {
        guard P.paired else {
            Self.single8(a, wa, &low)
            Self.single8(b, wb, &low)
            return
        }
        let xa = load(SIMD8<Int8>.self, a), xb = load(SIMD8<Int8>.self, b)
        low &+= widen32(widen(xa) &* widen(wa) &+ widen(xb) &* widen(wb))
    }

    /// One tap (the ninth).
    @inline(__always)
    private static func single(_ a: UnsafePointer<Int8>, _ wa: SIMD16<Int8>,
                               _ low: inout SIMD8<Int32>, _ high: inout SIMD8<Int32>) {
        let xa = load(SIMD16<Int8>.self, a)
        low &+= widen32(mn_multiply_low(xa, wa))
        high &+= widen32(mn_multiply_high(xa, wa))
    }

    /// `single` for 8 channels.
    @inline(__always)
    private static func single8(_ a: UnsafePointer<Int8>, _ wa: SIMD8<Int8>, _ low: inout SIMD8<Int32>) {
        low &+= widen32(widen(load(SIMD8<Int8>.self, a)) &* widen(wa))
    }
}
#endif
