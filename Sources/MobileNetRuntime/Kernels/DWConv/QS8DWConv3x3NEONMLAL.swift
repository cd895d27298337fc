#if arch(arm64)
/// The aarch64 form of `I8Depthwise`'s 3x3 windows (ARMv8.0 NEON): channels in lanes, int8
/// weights `[tap][roundUp16(channels)]`, the interior bias with `zx · Σ w` folded in (so taps are
/// plain `x · w`, and taps outside the input read a row of zero points, as in `I8Depthwise`).
///
/// Two taps at a time: `smull`/`smull2` multiply 16 int8 inputs by 16 int8 weights into int16,
/// `smlal`/`smlal2` add the second tap's products, `saddw`/`saddw2` widen the sums into the
/// int32 accumulators: 10 instructions per 32 multiply-adds. Exact when the weights lie in
/// -127...127 (TFLite's int8 weight range): each product lies in [-16256, 16256], a sum of two
/// in int16. A convolution with a -128 weight (a product of 16384, two of which overflow int16)
/// adds every tap's products on its own (`paired` false; separate functions, so that no loop
/// tests it).
struct QS8DWConv3x3NEONMLAL: @unchecked Sendable {
    let channels: Int
    private let padded: Int
    /// `[tap][padded]` int8.
    private let weights: AlignedStorage<Int8>
    /// The bias with `zx · Σ w` folded in, `[padded]`.
    private let interiorBias: AlignedStorage<Int32>
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

    /// Four horizontally adjacent windows inside the input: `window` is the first one's top-left
    /// input pixel, `step` the bytes between windows, `rowStride` between input rows.
    @inline(__always)
    func interior4(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int, rowStride: Int) {
        var block = 0
        while block < channels {
            switch (channels &- block > 8, paired) {
            case (true, true): interior4Wide(window + block, out + block, step: step, rowStride: rowStride, block: block)
            case (true, false): interior4WideTaps(window + block, out + block, step: step, rowStride: rowStride, block: block)
            case (false, true): interior4Narrow(window + block, out + block, step: step, rowStride: rowStride, block: block)
            case (false, false): interior4NarrowTaps(window + block, out + block, step: step, rowStride: rowStride, block: block)
            }
            block &+= 16
        }
    }

    /// One window given the addresses of its 9 taps (channel 0), in row-major tap order; taps
    /// outside the input point at a row of input zero points.
    @inline(__always)
    func pixel(_ t: Taps, _ out: UnsafeMutablePointer<Int8>) {
        if paired { pixelPairs(t, out) } else { pixelTaps(t, out) }
    }

    /// The addresses of a window's 9 taps.
    typealias Taps = (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>,
                      UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>,
                      UnsafePointer<Int8>)

    @inline(never)
    private func pixelPairs(_ t: Taps, _ out: UnsafeMutablePointer<Int8>) { pixel(t, out, paired: true) }

    @inline(never)
    private func pixelTaps(_ t: Taps, _ out: UnsafeMutablePointer<Int8>) { pixel(t, out, paired: false) }

    @inline(__always)
    private func pixel(_ t: Taps, _ out: UnsafeMutablePointer<Int8>, paired: Bool) {
        var block = 0
        while block < channels {
            let w = UnsafeRawPointer(weights.pointer + block)
            @inline(__always) func tap(_ i: Int) -> SIMD16<Int8> { load(SIMD16<Int8>.self, w + i &* padded) }
            let b = UnsafeRawPointer(interiorBias.pointer + block)
            var low = load(SIMD8<Int32>.self, b), high = load(SIMD8<Int32>.self, b + 32)
            Self.pair(t.0 + block, t.1 + block, tap(0), tap(1), paired, &low, &high)
            Self.pair(t.2 + block, t.3 + block, tap(2), tap(3), paired, &low, &high)
            Self.pair(t.4 + block, t.5 + block, tap(4), tap(5), paired, &low, &high)
            Self.pair(t.6 + block, t.7 + block, tap(6), tap(7), paired, &low, &high)
            Self.single(t.8 + block, tap(8), &low, &high)
            store(low, high, out + block, block: block)
            block &+= 16
        }
    }

    @inline(never)
    private func interior4Wide(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int, rowStride: Int,
                               block: Int) {
        interior4Wide(x, out, step: step, rowStride: rowStride, block: block, paired: true)
    }

    @inline(never)
    private func interior4WideTaps(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int,
                                   rowStride: Int, block: Int) {
        interior4Wide(x, out, step: step, rowStride: rowStride, block: block, paired: false)
    }

    @inline(never)
    private func interior4Narrow(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int,
                                 rowStride: Int, block: Int) {
        interior4Narrow(x, out, step: step, rowStride: rowStride, block: block, paired: true)
    }

    @inline(never)
    private func interior4NarrowTaps(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int,
                                     rowStride: Int, block: Int) {
        interior4Narrow(x, out, step: step, rowStride: rowStride, block: block, paired: false)
    }

    /// 16 channels of 4 windows.
    @inline(__always)
    private func interior4Wide(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int, rowStride: Int,
                               block: Int, paired: Bool) {
        let w = UnsafeRawPointer(weights.pointer + block)
        @inline(__always) func tap(_ i: Int) -> SIMD16<Int8> { load(SIMD16<Int8>.self, w + i &* padded) }
        let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7)
        let w8 = tap(8)
        let b = UnsafeRawPointer(interiorBias.pointer + block)
        let b0 = load(SIMD8<Int32>.self, b), b1 = load(SIMD8<Int32>.self, b + 32)
        let c = channels, r1 = rowStride, r2 = rowStride &* 2, c2 = channels &* 2
        var p = x
        for pixel in 0..<4 {
            var low = b0, high = b1
            Self.pair(p, p + c, w0, w1, paired, &low, &high)
            Self.pair(p + c2, p + r1, w2, w3, paired, &low, &high)
            Self.pair(p + (r1 &+ c), p + (r1 &+ c2), w4, w5, paired, &low, &high)
            Self.pair(p + r2, p + (r2 &+ c), w6, w7, paired, &low, &high)
            Self.single(p + (r2 &+ c2), w8, &low, &high)
            store(low, high, out + pixel &* c, block: block)
            p += step
        }
    }

    /// The last ≤ 8 channels of 4 windows.
    @inline(__always)
    private func interior4Narrow(_ x: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, step: Int,
                                 rowStride: Int, block: Int, paired: Bool) {
        let w = UnsafeRawPointer(weights.pointer + block)
        @inline(__always) func tap(_ i: Int) -> SIMD8<Int8> { load(SIMD8<Int8>.self, w + i &* padded) }
        let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7)
        let w8 = tap(8)
        let b0 = load(SIMD8<Int32>.self, UnsafeRawPointer(interiorBias.pointer + block))
        let c = channels, r1 = rowStride, r2 = rowStride &* 2, c2 = channels &* 2
        var p = x
        for pixel in 0..<4 {
            var low = b0
            Self.pair8(p, p + c, w0, w1, paired, &low)
            Self.pair8(p + c2, p + r1, w2, w3, paired, &low)
            Self.pair8(p + (r1 &+ c), p + (r1 &+ c2), w4, w5, paired, &low)
            Self.pair8(p + r2, p + (r2 &+ c), w6, w7, paired, &low)
            Self.single8(p + (r2 &+ c2), w8, &low)
            store16(requantization.requantize8(low, channel: block), out + pixel &* c, count: channels &- block)
            p += step
        }
    }

    /// Taps at `a` and `b` (16 channels) times weights `wa` and `wb`, added to the accumulators:
    /// `smull`, `smlal` (and their `2` forms for channels 8..<16), `saddw`, `saddw2`.
    @inline(__always)
    private static func pair(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ wa: SIMD16<Int8>, _ wb: SIMD16<Int8>,
                             _ paired: Bool, _ low: inout SIMD8<Int32>, _ high: inout SIMD8<Int32>) {
        guard paired else {
            Self.single(a, wa, &low, &high)
            Self.single(b, wb, &low, &high)
            return
        }
        let xa = load(SIMD16<Int8>.self, a), xb = load(SIMD16<Int8>.self, b)
        low &+= widen32(widen(xa.lowHalf) &* widen(wa.lowHalf) &+ widen(xb.lowHalf) &* widen(wb.lowHalf))
        high &+= widen32(widen(xa.highHalf) &* widen(wa.highHalf) &+ widen(xb.highHalf) &* widen(wb.highHalf))
    }

    /// `pair` for 8 channels.
    @inline(__always)
    private static func pair8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, _ wa: SIMD8<Int8>, _ wb: SIMD8<Int8>,
                              _ paired: Bool, _ low: inout SIMD8<Int32>) {
        guard paired else {
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
        low &+= widen32(widen(xa.lowHalf) &* widen(wa.lowHalf))
        high &+= widen32(widen(xa.highHalf) &* widen(wa.highHalf))
    }

    /// `single` for 8 channels.
    @inline(__always)
    private static func single8(_ a: UnsafePointer<Int8>, _ wa: SIMD8<Int8>, _ low: inout SIMD8<Int32>) {
        low &+= widen32(widen(load(SIMD8<Int8>.self, a)) &* widen(wa))
    }

    @inline(__always)
    private func store(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ out: UnsafeMutablePointer<Int8>, block: Int) {
        let y = requantization.requantize16(low, high, channel: block)
        store16(y, out, count: min(16, channels &- block))
    }
}
#endif
