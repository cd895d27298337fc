/// Exact int8 depthwise convolution (multiplier 1), channels in SIMD lanes:
/// `output[c] = requantize(bias[c] + Σ_taps (x[c] − zx) · w[tap][c])`.
///
/// Windows inside the input use a bias with `zx · Σ w` folded in (`interiorBias`), so their taps
/// are plain `x · w`.
/// - 3x3 (MobileNet's): pairs of taps multiplied with `vpmaddwd`, four interior pixels at a time
///   (`interior4x3x3`); edge and left-over pixels one at a time (`pixel3x3`), their taps outside
///   the input reading a row of zero points, which the folded bias cancels exactly.
/// - Other sizes: weights widened to int32, `[kh][kw][roundUp16(channels)]`, int32 lanes; clipped
///   windows subtract the zero point per tap and skip the taps outside the input, as TFLite does.
///
/// On aarch64 the 3x3 convolutions are computed by `QS8DWConv3x3NEONMLAL` (a row at a time).
///
/// Reads up to 15 bytes past a pixel's last channel (the activation buffers carry that slack);
/// those lanes are never stored.
struct I8Depthwise: @unchecked Sendable {
    let channels: Int
    private let padded: Int
    private let taps: Int
    /// Other sizes only: `[kh][kw][roundUp16(channels)]` int32.
    private let weights: AlignedStorage<Int32>
    /// 3x3 only: the weights of tap pairs (0,1), (2,3), (4,5), (6,7), (8,–) interleaved per
    /// channel, `[pair][roundUp16(channels)][2]` int16.
    private let weightPairs: AlignedStorage<Int16>
    private let is3x3: Bool
    /// 3x3 only: the input zero point in every channel (plus SIMD slack), read by taps outside
    /// the input.
    private let zeroPointRow: AlignedStorage<Int8>
    /// The bias (other sizes' clipped windows) and the bias with `zx · Σ w` folded in.
    private let bias: AlignedStorage<Int32>
    private let interiorBias: AlignedStorage<Int32>
    private let requantization: VectorRequantization
    private let inputZeroPoint: Int32
    #if arch(arm64)
    /// The NEON form of the 3x3 windows: set when `is3x3` (the 3x3 paths unwrap it unchecked).
    private let neon: QS8DWConv3x3NEONMLAL?
    #endif

    init(_ d: QuantizedDepthwiseConvolution) {
        precondition(d.multiplier == 1)
        channels = d.inputChannels
        padded = roundUp16(channels)
        taps = d.kernelHeight * d.kernelWidth
        is3x3 = d.kernelHeight == 3 && d.kernelWidth == 3
        weights = AlignedStorage(zeros: is3x3 ? 0 : taps * padded)
        weightPairs = AlignedStorage(zeros: is3x3 ? 5 * padded * 2 : 0)
        zeroPointRow = AlignedStorage(zeros: padded + 16)
        zeroPointRow.pointer.update(repeating: Int8(truncatingIfNeeded: d.inputZeroPoint), count: padded + 16)
        bias = AlignedStorage(zeros: padded)
        interiorBias = AlignedStorage(zeros: padded)
        for c in 0..<channels {
            var sum: Int32 = 0
            for t in 0..<taps {
                let w = Int32(d.weights[t * channels + c])
                if is3x3 {
                    weightPairs.pointer[((t / 2) * padded + c) * 2 + t % 2] = Int16(w)
                } else {
                    weights.pointer[t * padded + c] = w
                }
                sum &+= w
            }
            bias.pointer[c] = d.bias[c]
            interiorBias.pointer[c] = d.bias[c] &- d.inputZeroPoint &* sum
        }
        requantization = VectorRequantization(d.requantization)
        inputZeroPoint = d.inputZeroPoint
        #if arch(arm64)
        neon = is3x3 ? QS8DWConv3x3NEONMLAL(d) : nil
        #endif
    }

    /// Output rows `rows` (image-major) of the convolution with geometry `g`.
    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, geometry g: ConvGeometry, rows: Range<Int>) {
        #if arch(arm64)
        if is3x3 {
            neon.unsafelyUnwrapped.run(input: input, output: output, geometry: g, rows: rows)
            return
        }
        #endif
        let interior = g.interiorColumns
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            let full = kys.count == g.kernelHeight
            let windowRow = input + ((image * g.inputHeight + iy0) * g.inputWidth) * channels
            let outRow = output + row * g.outputWidth * channels
            var ox = 0
            while ox < g.outputWidth {
                if full && is3x3 && interior.contains(ox) && ox + 4 <= interior.upperBound {
                    interior4x3x3(windowRow + (ox * g.strideWidth - g.padLeft) * channels, outRow + ox * channels, g: g)
                    ox += 4
                } else if is3x3 {
                    pixel3x3(input, image: image, inputRow: iy0, inputColumn: ox * g.strideWidth - g.padLeft,
                             outRow + ox * channels, g: g)
                    ox += 1
                } else if full && interior.contains(ox) && ox + 4 <= interior.upperBound {
                    interior4(windowRow + (ox * g.strideWidth - g.padLeft) * channels, outRow + ox * channels, g: g)
                    ox += 4
                } else if full && interior.contains(ox) {
                    interior1(windowRow + (ox * g.strideWidth - g.padLeft) * channels, outRow + ox * channels, g: g)
                    ox += 1
                } else {
                    let (ix0, kxs) = g.columnWindow(ox)
                    clipped(input + ((image * g.inputHeight + iy0) * g.inputWidth + ix0) * channels,
                            outRow + ox * channels, kys: kys, kxs: kxs, g: g)
                    ox += 1
                }
            }
        }
    }

    /// Four horizontally adjacent 3x3 interior windows, 16 channels at a time (8 for a last
    /// block of at most 8 channels). Taps go in pairs: the two taps' input bytes are interleaved
    /// per channel (`vpunpcklbw`/`vpunpckhbw`), sign-extended to int16 and multiplied with the
    /// pair's interleaved weights by one `vpmaddwd` per 8 channels, which also adds the two
    /// products exactly into int32. Nine taps make four pairs and a last tap paired with a zero
    /// weight. `window` points at the first pixel's top-left input pixel.
    @inline(__always)
    private func interior4x3x3(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, g: ConvGeometry) {
        var block = 0
        while block < channels {
            if channels &- block > 8 {
                interior4x3x3Wide(window, out, g: g, block: block)
            } else {
                interior4x3x3Narrow(window, out, g: g, block: block)
            }
            block &+= 16
        }
    }

    /// Channels `block..<block+16` of `interior4x3x3`.
    @inline(never)
    private func interior4x3x3Wide(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>,
                                   g: ConvGeometry, block: Int) {
        interior4x3x3Block(window, out, g: g, block: block, wide: true)
    }

    /// Channels `block..<block+8` of `interior4x3x3` (a last block of at most 8 channels).
    @inline(never)
    private func interior4x3x3Narrow(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>,
                                     g: ConvGeometry, block: Int) {
        interior4x3x3Block(window, out, g: g, block: block, wide: false)
    }

    /// The inputs `first` and `second` of a pair of taps (16 channels each), multiplied with the
    /// pair's weights `w0` (channels 0..<8) and `w1` (8..<16).
    @inline(__always)
    private static func accumulatePair(_ first: UnsafePointer<Int8>, _ second: UnsafePointer<Int8>,
                                       _ w0: SIMD16<Int16>, _ w1: SIMD16<Int16>, wide: Bool,
                                       _ low: inout SIMD8<Int32>, _ high: inout SIMD8<Int32>) {
        let a = load(SIMD16<Int8>.self, first), b = load(SIMD16<Int8>.self, second)
        low &+= multiplyAddPairs(widen(interleaveLow(a, b)), w0)
        if wide { high &+= multiplyAddPairs(widen(interleaveHigh(a, b)), w1) }
    }

    @inline(__always)
    private func interior4x3x3Block(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>,
                                    g: ConvGeometry, block: Int, wide: Bool) {
        let c = channels, step = g.strideWidth &* c, rs = g.inputWidth &* c
        let b0 = load(SIMD8<Int32>.self, interiorBias.pointer + block)
        let b1 = wide ? load(SIMD8<Int32>.self, interiorBias.pointer + (block &+ 8)) : b0
        var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
        let x0 = window + block, x1 = x0 + step, x2 = x1 + step, x3 = x2 + step
        for index in 0..<5 {
            // Taps (0,1), (2,3), (4,5), (6,7), and 8 with a zero weight; tap t is at
            // (t / 3) · rowStride + (t % 3) · c.
            let first = (2 &* index / 3) &* rs &+ (2 &* index % 3) &* c
            let second = index == 4 ? first : ((2 &* index &+ 1) / 3) &* rs &+ ((2 &* index &+ 1) % 3) &* c
            let w = UnsafeRawPointer(weightPairs.pointer + (index &* padded &+ block) &* 2)
            let w0 = load(SIMD16<Int16>.self, w), w1 = load(SIMD16<Int16>.self, w + 32)
            Self.accumulatePair(x0 + first, x0 + second, w0, w1, wide: wide, &a00, &a01)
            Self.accumulatePair(x1 + first, x1 + second, w0, w1, wide: wide, &a10, &a11)
            Self.accumulatePair(x2 + first, x2 + second, w0, w1, wide: wide, &a20, &a21)
            Self.accumulatePair(x3 + first, x3 + second, w0, w1, wide: wide, &a30, &a31)
        }
        if wide {
            store(a00, a01, out, block: block)
            store(a10, a11, out + c, block: block)
            store(a20, a21, out + 2 &* c, block: block)
            store(a30, a31, out + 3 &* c, block: block)
        } else {
            store(a00, out, block: block)
            store(a10, out + c, block: block)
            store(a20, out + 2 &* c, block: block)
            store(a30, out + 3 &* c, block: block)
        }
    }

    /// One output pixel of a 3x3 convolution whose window may be clipped (edges) or that is left
    /// over from the groups of four: taps outside the input read `zeroPointRow` (the input zero
    /// point in every channel), which the folded interior bias cancels exactly, so every pixel
    /// takes the same `vpmaddwd` pairs as the interior. (`inputRow`, `inputColumn`): the window's
    /// top-left input pixel, possibly outside the input.
    @inline(never)
    private func pixel3x3(_ input: UnsafePointer<Int8>, image: Int, inputRow: Int, inputColumn: Int,
                          _ out: UnsafeMutablePointer<Int8>, g: ConvGeometry) {
        let zero = UnsafePointer(zeroPointRow.pointer)
        @inline(__always) func tap(_ ky: Int, _ kx: Int) -> UnsafePointer<Int8> {
            let iy = inputRow &+ ky, ix = inputColumn &+ kx
            guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { return zero }
            return input + ((image &* g.inputHeight &+ iy) &* g.inputWidth &+ ix) &* channels
        }
        let t0 = tap(0, 0), t1 = tap(0, 1), t2 = tap(0, 2), t3 = tap(1, 0), t4 = tap(1, 1)
        let t5 = tap(1, 2), t6 = tap(2, 0), t7 = tap(2, 1), t8 = tap(2, 2)
        var block = 0
        while block < channels {
            let wide = channels &- block > 8
            let b0 = load(SIMD8<Int32>.self, interiorBias.pointer + block)
            var low = b0, high = wide ? load(SIMD8<Int32>.self, interiorBias.pointer + (block &+ 8)) : b0
            // (Methods with inout accumulators, not a nested function capturing them: captured
            // variables are boxed on the heap in unoptimised builds.)
            pair(0, t0, t1, block: block, wide: wide, &low, &high)
            pair(1, t2, t3, block: block, wide: wide, &low, &high)
            pair(2, t4, t5, block: block, wide: wide, &low, &high)
            pair(3, t6, t7, block: block, wide: wide, &low, &high)
            pair(4, t8, t8, block: block, wide: wide, &low, &high)
            if wide { store(low, high, out, block: block) } else { store(low, out, block: block) }
            block &+= 16
        }
    }

    /// The taps `first` and `second` of pair `index` (channels `block..<block+16`) accumulated.
    @inline(__always)
    private func pair(_ index: Int, _ first: UnsafePointer<Int8>, _ second: UnsafePointer<Int8>, block: Int,
                      wide: Bool, _ low: inout SIMD8<Int32>, _ high: inout SIMD8<Int32>) {
        let w = UnsafeRawPointer(weightPairs.pointer + (index &* padded &+ block) &* 2)
        Self.accumulatePair(first + block, second + block, load(SIMD16<Int16>.self, w),
                            load(SIMD16<Int16>.self, w + 32), wide: wide, &low, &high)
    }

    @inline(__always)
    private func weights8(_ tap: Int, _ block: Int) -> SIMD8<Int32> {
        load(SIMD8<Int32>.self, weights.pointer + (tap &* padded &+ block))
    }

    @inline(__always)
    private func pixel8(_ p: UnsafePointer<Int8>) -> SIMD8<Int32> {
        widen(load(SIMD8<Int8>.self, p))
    }

    @inline(__always)
    private func store(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ out: UnsafeMutablePointer<Int8>, block: Int) {
        let y = requantization.requantize16(low, high, channel: block)
        store16(y, out + block, count: min(16, channels - block))
    }

    /// Stores channels `block..<block+8` only (a last block of at most 8 channels).
    @inline(__always)
    private func store(_ low: SIMD8<Int32>, _ out: UnsafeMutablePointer<Int8>, block: Int) {
        store16(requantization.requantize8(low, channel: block), out + block, count: channels - block)
    }

    /// Four horizontally adjacent output pixels whose windows lie inside the input, 16 channels
    /// at a time; each weight vector is loaded once for the four. `window` points at the first
    /// pixel's top-left input pixel.
    @inline(__always)
    private func interior4(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, g: ConvGeometry) {
        let c = channels, step = g.strideWidth * c, rowStride = g.inputWidth * c
        var block = 0
        while block < c {
            let b0 = load(SIMD8<Int32>.self, interiorBias.pointer + block)
            let b1 = load(SIMD8<Int32>.self, interiorBias.pointer + block + 8)
            var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
            var tap = 0
            for ky in 0..<g.kernelHeight {
                var x = window + ky * rowStride + block
                for _ in 0..<g.kernelWidth {
                    let w0 = weights8(tap, block), w1 = weights8(tap, block + 8)
                    a00 &+= pixel8(x) &* w0; a01 &+= pixel8(x + 8) &* w1
                    a10 &+= pixel8(x + step) &* w0; a11 &+= pixel8(x + step + 8) &* w1
                    a20 &+= pixel8(x + 2 &* step) &* w0; a21 &+= pixel8(x + 2 &* step + 8) &* w1
                    a30 &+= pixel8(x + 3 &* step) &* w0; a31 &+= pixel8(x + 3 &* step + 8) &* w1
                    x += c
                    tap += 1
                }
            }
            store(a00, a01, out, block: block)
            store(a10, a11, out + c, block: block)
            store(a20, a21, out + 2 * c, block: block)
            store(a30, a31, out + 3 * c, block: block)
            block += 16
        }
    }

    @inline(__always)
    private func interior1(_ window: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>, g: ConvGeometry) {
        let c = channels, rowStride = g.inputWidth * c
        var block = 0
        while block < c {
            var a0 = load(SIMD8<Int32>.self, interiorBias.pointer + block)
            var a1 = load(SIMD8<Int32>.self, interiorBias.pointer + block + 8)
            var tap = 0
            for ky in 0..<g.kernelHeight {
                var x = window + ky * rowStride + block
                for _ in 0..<g.kernelWidth {
                    a0 &+= pixel8(x) &* weights8(tap, block)
                    a1 &+= pixel8(x + 8) &* weights8(tap, block + 8)
                    x += c
                    tap += 1
                }
            }
            store(a0, a1, out, block: block)
            block += 16
        }
    }

    /// One output pixel whose window is clipped by the padding: only the in-bounds taps `kys` ×
    /// `kxs`, each with the zero point subtracted. `origin` is the window's top-left input pixel
    /// (possibly outside the input; only in-bounds taps are read).
    private func clipped(_ origin: UnsafePointer<Int8>, _ out: UnsafeMutablePointer<Int8>,
                         kys: Range<Int>, kxs: Range<Int>, g: ConvGeometry) {
        let c = channels, rowStride = g.inputWidth * c
        let zero = SIMD8<Int32>(repeating: inputZeroPoint)
        var block = 0
        while block < c {
            var a0 = load(SIMD8<Int32>.self, bias.pointer + block)
            var a1 = load(SIMD8<Int32>.self, bias.pointer + block + 8)
            for ky in kys {
                for kx in kxs {
                    let x = origin + (ky &* rowStride &+ kx &* c &+ block)
                    let tap = ky &* g.kernelWidth &+ kx
                    a0 &+= (pixel8(x) &- zero) &* weights8(tap, block)
                    a1 &+= (pixel8(x + 8) &- zero) &* weights8(tap, block + 8)
                }
            }
            store(a0, a1, out, block: block)
            block += 16
        }
    }
}

extension I8Depthwise {
    /// Depthwise convolution with a channel multiplier > 1 (output channel `ci·m + j` filters
    /// input channel `ci`): scalar loops, as rare as it is in MobileNets.
    static func withMultiplier(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                               convolution d: QuantizedDepthwiseConvolution, geometry g: ConvGeometry, rows: Range<Int>) {
        let cin = g.inputChannels, cout = g.outputChannels, m = d.multiplier
        d.weights.withUnsafeBufferPointer { weights in
            for row in rows {
                let (image, iy0, kys) = g.rowWindow(row)
                for ox in 0..<g.outputWidth {
                    let (ix0, kxs) = g.columnWindow(ox)
                    let out = output + (row * g.outputWidth + ox) * cout
                    for oc in 0..<cout {
                        var sum = d.bias[oc]
                        for ky in kys {
                            for kx in kxs {
                                let x = input[((image * g.inputHeight + iy0 + ky) * g.inputWidth + ix0 + kx) * cin + oc / m]
                                sum &+= (Int32(x) - d.inputZeroPoint) &* Int32(weights[(ky * g.kernelWidth + kx) * cout + oc])
                            }
                        }
                        out[oc] = d.requantization.apply(sum, channel: oc)
                    }
                }
            }
        }
    }
}
