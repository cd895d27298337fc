import Foundation
import Testing
import MobileNet
@testable import MobileNetRuntime

/// The int8 kernels against a naive reference written from TFLite's definitions (direct loops,
/// Int64 sums, the requantization with exact integer and double arithmetic), on random graphs
/// chosen to reach every code path: odd channel counts, odd K, stride 2, SAME padding with
/// clipped windows, 3x3 and 5x5 depthwise, a depthwise multiplier, multipliers above 1/2
/// (left shifts), batch 2, one and two threads.
@Suite struct Int8KernelTests {
    // MARK: - Reference arithmetic

    /// TFLite's `QuantizeMultiplier` via frexp, written independently.
    static func referenceMultiplier(_ real: Double) -> (Int32, Int) {
        var exponent: Int32 = 0
        let fraction = frexp(real, &exponent)
        var q = Int64((fraction * Double(1 << 31)).rounded(.toNearestOrAwayFromZero))
        if q == 1 << 31 { q /= 2; exponent += 1 }
        if exponent < -31 { return (0, 0) }
        return (Int32(q), Int(exponent))
    }

    /// `MultiplyByQuantizedMultiplier` from its definition: wrapping left shift, the high multiply
    /// rounded with gemmlowp's nudge and truncating division, then a division by 2^right rounded
    /// half away from zero (in double, where it is exact).
    static func referenceRequantize(_ accumulator: Int32, _ multiplier: Int32, _ shift: Int) -> Int32 {
        let x = Int64(Int32(truncatingIfNeeded: Int64(accumulator) << max(shift, 0)))
        let product = x * Int64(multiplier)
        let high = (product + (product >= 0 ? 1 << 30 : 1 - (1 << 30))) / (1 << 31)
        let right = max(-shift, 0)
        return Int32((Double(high) / Double(Int64(1) << right)).rounded(.toNearestOrAwayFromZero))
    }

    static func output(_ accumulator: Int64, _ r: Requantization, channel: Int) -> Int8 {
        let m = r.multipliers[channel]
        let value = referenceRequantize(Int32(truncatingIfNeeded: accumulator), m.multiplier, m.shift) + r.outputZeroPoint
        return Int8(min(max(value, r.lower), r.upper))
    }

    // MARK: - Random graphs

    static func randomInt8s(_ count: Int, _ rng: inout SeededGenerator, range: ClosedRange<Int8> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8.random(in: range, using: &rng) }
    }

    /// Per-channel requantization with multipliers spread over [2^-14, 2) (some shift left).
    static func randomRequantization(_ channels: Int, _ rng: inout SeededGenerator, relu6: Bool) throws -> Requantization {
        let multipliers = try (0..<channels).map { _ in
            try FixedPointMultiplier(pow(2, Double.random(in: -14...0.9, using: &rng)))
        }
        let zero = Int32.random(in: -20...20, using: &rng)
        return Requantization(multipliers: multipliers, outputZeroPoint: zero,
                              lower: relu6 ? zero : -128, upper: relu6 ? min(127, zero + 90) : 127)
    }

    static func randomBias(_ count: Int, _ rng: inout SeededGenerator) -> [Int32] {
        (0..<count).map { _ in Int32.random(in: -20_000...20_000, using: &rng) }
    }

    // MARK: - Naive operators (NHWC, batch first)

    static func convolution(_ x: Tensor<Int8>, _ c: QuantizedConvolution) -> [Int8] {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let oh = (h + c.padding.top + c.padding.bottom - c.kernelHeight) / c.strideHeight + 1
        let ow = (w + c.padding.left + c.padding.right - c.kernelWidth) / c.strideWidth + 1
        var out: [Int8] = []
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<c.outputChannels {
            var sum = Int64(c.bias[o])
            for ky in 0..<c.kernelHeight { for kx in 0..<c.kernelWidth {
                let iy = oy * c.strideHeight - c.padding.top + ky, ix = ox * c.strideWidth - c.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for i in 0..<c.inputChannels {
                    let xv = Int64(x.scalars[((b * h + iy) * w + ix) * c.inputChannels + i]) - Int64(c.inputZeroPoint)
                    sum += xv * Int64(c.weights[((o * c.kernelHeight + ky) * c.kernelWidth + kx) * c.inputChannels + i])
                }
            } }
            out.append(output(sum, c.requantization, channel: o))
        } } } }
        return out
    }

    static func depthwise(_ x: Tensor<Int8>, _ d: QuantizedDepthwiseConvolution) -> [Int8] {
        let (n, h, w, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + d.padding.top + d.padding.bottom - d.kernelHeight) / d.strideHeight + 1
        let ow = (w + d.padding.left + d.padding.right - d.kernelWidth) / d.strideWidth + 1
        var out: [Int8] = []
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<d.outputChannels {
            var sum = Int64(d.bias[o])
            for ky in 0..<d.kernelHeight { for kx in 0..<d.kernelWidth {
                let iy = oy * d.strideHeight - d.padding.top + ky, ix = ox * d.strideWidth - d.padding.left + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let xv = Int64(x.scalars[((b * h + iy) * w + ix) * cin + o / d.multiplier]) - Int64(d.inputZeroPoint)
                sum += xv * Int64(d.weights[(ky * d.kernelWidth + kx) * d.outputChannels + o])
            } }
            out.append(output(sum, d.requantization, channel: o))
        } } } }
        return out
    }

    static func fullyConnected(_ x: Tensor<Int8>, _ f: QuantizedFullyConnected) -> [Int8] {
        var out: [Int8] = []
        for b in 0..<x.shape[0] { for o in 0..<f.outputs {
            var sum = Int64(f.bias[o])
            for i in 0..<f.inputs {
                sum += (Int64(x.scalars[b * f.inputs + i]) - Int64(f.inputZeroPoint)) * Int64(f.weights[o * f.inputs + i])
            }
            out.append(output(sum, f.requantization, channel: o))
        } }
        return out
    }

    /// Runs a one-operation graph on `x` with 1 and 2 threads; both must equal `expected`.
    static func check(_ op: QuantizedOperation, _ x: Tensor<Int8>, _ expected: [Int8], _ what: String) throws {
        let graph = try QuantizedGraph(inputShape: Array(x.shape.dropFirst()),
                                       inputQuantization: QuantizationParameters(scale: 0.02, zeroPoint: 3),
                                       outputQuantization: QuantizationParameters(scale: 0.05, zeroPoint: -7),
                                       operations: [op])
        for threads in [1, 2] {
            let y = try QuantizedSession(graph: graph, batch: x.shape[0], threads: threads).run(x)
            #expect(y.count == expected.count, "\(what): \(y.count) outputs, expected \(expected.count)")
            let differing = zip(y.scalars, expected).filter { $0 != $1 }.count
            #expect(differing == 0, "\(what), \(threads) threads: \(differing) of \(expected.count) outputs differ")
        }
    }

    // MARK: - Tests

    @Test func multipliersAndRequantizationFollowTFLitesDefinitions() throws {
        var rng = SeededGenerator(seed: 81)
        for _ in 0..<2000 {
            let real = pow(2, Double.random(in: -33...12, using: &rng))
            let m = try FixedPointMultiplier(real)
            let (multiplier, shift) = Self.referenceMultiplier(real)
            #expect(m.multiplier == multiplier && m.shift == shift, "QuantizeMultiplier(\(real))")
            let x = Int32.random(in: -(1 << 24)...(1 << 24), using: &rng)
            #expect(m.apply(x) == Self.referenceRequantize(x, multiplier, shift), "\(x) · \(real)")
        }
        // Ties: half steps round up in the high multiply and away from zero in the shift, so
        // 1 · 1/4 rounds twice (0.5 → 1, then 0.5 → 1) while -1 · 1/4 gives 0.
        let half = FixedPointMultiplier(multiplier: 1 << 30, shift: -1)  // 1/4
        #expect([2, 6, -2, -6, 1, -1].map { half.apply($0) } == [1, 2, -1, -2, 1, 0])
        #expect(throws: MobileNetError.self) { _ = try FixedPointMultiplier(-1) }
        #expect(throws: MobileNetError.self) { _ = try FixedPointMultiplier(.infinity) }
        #expect(try FixedPointMultiplier(0) == FixedPointMultiplier(multiplier: 0, shift: 0))
    }

    @Test func fullConvolutionMatchesNaive() throws {
        var rng = SeededGenerator(seed: 82)
        for (h, w, cin, cout, k, stride, relu6) in [(9, 7, 3, 19, 3, 2, true), (6, 5, 5, 33, 3, 1, false),
                                                      (7, 8, 2, 16, 5, 2, false)] {
            let padding = Padding.same(height: h, width: w, kernel: k, stride: stride)
            let c = QuantizedConvolution(
                kernelHeight: k, kernelWidth: k, strideHeight: stride, strideWidth: stride, padding: padding,
                inputChannels: cin, outputChannels: cout, weights: Self.randomInt8s(cout * k * k * cin, &rng, range: -127...127),
                bias: Self.randomBias(cout, &rng), inputZeroPoint: Int32.random(in: -128...127, using: &rng),
                requantization: try Self.randomRequantization(cout, &rng, relu6: relu6))
            let x = try Tensor(shape: [2, h, w, cin], scalars: Self.randomInt8s(2 * h * w * cin, &rng))
            try Self.check(.convolution(c), x, Self.convolution(x, c), "conv \(k)x\(k)/\(stride) \(h)x\(w)x\(cin)→\(cout)")
        }
    }

    @Test func pointwiseAndFullyConnectedMatchNaive() throws {
        var rng = SeededGenerator(seed: 83)
        // (100 pixels × 64 × 48 per image is enough work to be shared by two threads.)
        for (pixels, cin, cout) in [(13, 37, 21), (100, 64, 48), (3, 8, 5), (30, 27, 8)] {
            let c = QuantizedConvolution(
                kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, padding: .zero,
                inputChannels: cin, outputChannels: cout, weights: Self.randomInt8s(cout * cin, &rng, range: -127...127),
                bias: Self.randomBias(cout, &rng), inputZeroPoint: -128,
                requantization: try Self.randomRequantization(cout, &rng, relu6: true))
            let x = try Tensor(shape: [2, pixels, 1, cin], scalars: Self.randomInt8s(2 * pixels * cin, &rng))
            try Self.check(.convolution(c), x, Self.convolution(x, c), "pointwise \(cin)→\(cout)")
        }
        let f = QuantizedFullyConnected(
            inputs: 51, outputs: 7, weights: Self.randomInt8s(51 * 7, &rng, range: -127...127),
            bias: Self.randomBias(7, &rng), inputZeroPoint: 5,
            requantization: try Self.randomRequantization(7, &rng, relu6: false))
        let x = try Tensor(shape: [2, 51], scalars: Self.randomInt8s(102, &rng))
        try Self.check(.fullyConnected(f), x, Self.fullyConnected(x, f), "fully connected 51→7")
    }

    @Test func depthwiseMatchesNaive() throws {
        var rng = SeededGenerator(seed: 84)
        // (height, width, channels, kernel, stride, multiplier): 3x3 windows inside and clipped,
        // four and single interior pixels, 5x5, and a channel multiplier.
        // (34 × 34 × 32 × 9 per image is enough work to be shared by two threads.)
        for (h, w, ch, k, stride, multiplier) in [(11, 9, 21, 3, 1, 1), (12, 13, 40, 3, 2, 1), (5, 4, 7, 3, 1, 1),
                                                   (9, 10, 18, 5, 1, 1), (6, 7, 5, 3, 2, 2), (34, 34, 32, 3, 1, 1),
                                                   (10, 11, 8, 3, 1, 1)] {
            let padding = Padding.same(height: h, width: w, kernel: k, stride: stride)
            let cout = ch * multiplier
            let d = QuantizedDepthwiseConvolution(
                kernelHeight: k, kernelWidth: k, strideHeight: stride, strideWidth: stride, padding: padding,
                inputChannels: ch, multiplier: multiplier, weights: Self.randomInt8s(k * k * cout, &rng, range: -127...127),
                bias: Self.randomBias(cout, &rng), inputZeroPoint: Int32.random(in: -128...127, using: &rng),
                requantization: try Self.randomRequantization(cout, &rng, relu6: stride == 2))
            let x = try Tensor(shape: [2, h, w, ch], scalars: Self.randomInt8s(2 * h * w * ch, &rng))
            try Self.check(.depthwiseConvolution(d), x, Self.depthwise(x, d),
                           "depthwise \(k)x\(k)/\(stride) ×\(multiplier) \(h)x\(w)x\(ch)")
        }
    }

    /// TFLite's average pool from its definition: per output pixel and channel, the in-bounds
    /// values under the window summed in Int, divided by their count in double, rounded half
    /// away from zero, clamped.
    static func averagePool(_ x: Tensor<Int8>, _ p: QuantizedAveragePool) -> [Int8] {
        let (images, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outH = (h + p.padding.top + p.padding.bottom - p.windowHeight) / p.strideHeight + 1
        let outW = (w + p.padding.left + p.padding.right - p.windowWidth) / p.strideWidth + 1
        var expected: [Int8] = []
        for b in 0..<images { for oy in 0..<outH { for ox in 0..<outW { for ch in 0..<c {
            var sum = 0, count = 0
            let y0 = oy * p.strideHeight - p.padding.top, x0 = ox * p.strideWidth - p.padding.left
            for iy in max(0, y0)..<min(h, y0 + p.windowHeight) { for ix in max(0, x0)..<min(w, x0 + p.windowWidth) {
                sum += Int(x.scalars[((b * h + iy) * w + ix) * c + ch]); count += 1
            } }
            let mean = (Double(sum) / Double(count)).rounded(.toNearestOrAwayFromZero)
            expected.append(Int8(max(Int(p.lower), min(Int(p.upper), Int(mean)))))
        } } } }
        return expected
    }

    @Test func averagePoolAndPadMatchNaive() throws {
        var rng = SeededGenerator(seed: 85)
        let x = try Tensor(shape: [2, 5, 6, 3], scalars: Self.randomInt8s(180, &rng))
        // 3x3 stride 2 SAME over 5x6: windows clipped at the edges (the divisor counts only the
        // pixels inside).
        let same = Padding.same(height: 5, width: 6, kernel: 3, stride: 2)
        let pool = QuantizedAveragePool(windowHeight: 3, windowWidth: 3, strideHeight: 2, strideWidth: 2,
                                        padding: same, lower: -100, upper: 127)
        try Self.check(.averagePool(pool), x, Self.averagePool(x, pool), "average pool 3x3/2")

        let padded = Padding(top: 1, left: 0, bottom: 2, right: 1)
        var expectedPad: [Int8] = []
        for b in 0..<2 { for y in -1..<7 { for xx in 0..<7 { for c in 0..<3 {
            expectedPad.append(y >= 0 && y < 5 && xx < 6 ? x.scalars[((b * 5 + y) * 6 + xx) * 3 + c] : 3)
        } } } }
        try Self.check(.pad(padded, value: 3), x, expectedPad, "pad with the zero point")
    }

    /// Channel counts with and without a tail after the 16-channel blocks (1, 16, 35, 48), odd
    /// sizes and windows, strides 1 to 3, SAME and asymmetric padding, clamps.
    @Test func averagePoolOverChannelBlocksMatchesNaive() throws {
        var rng = SeededGenerator(seed: 86)
        let cases: [(h: Int, w: Int, c: Int, wh: Int, ww: Int, stride: Int, padding: Padding?)] = [
            (3, 3, 256, 3, 3, 1, nil), (7, 5, 35, 3, 2, 2, nil), (5, 9, 16, 5, 3, 3, nil), (4, 4, 1, 2, 2, 1, nil),
            (6, 7, 48, 3, 3, 2, Padding(top: 1, left: 2, bottom: 0, right: 1)), (9, 8, 17, 4, 5, 1, nil),
        ]
        for t in cases {
            let padding = t.padding ?? Padding.same(height: t.h, width: t.w, kernel: max(t.wh, t.ww), stride: t.stride)
            let pool = QuantizedAveragePool(windowHeight: t.wh, windowWidth: t.ww, strideHeight: t.stride,
                                            strideWidth: t.stride, padding: padding, lower: -120, upper: 100)
            let x = try Tensor(shape: [2, t.h, t.w, t.c], scalars: Self.randomInt8s(2 * t.h * t.w * t.c, &rng))
            try Self.check(.averagePool(pool), x, Self.averagePool(x, pool),
                           "average pool \(t.wh)x\(t.ww)/\(t.stride) over \(t.h)x\(t.w)x\(t.c)")
        }
    }

    @Test func quantizeAndDequantizeAreTFLites() throws {
        let graph = try QuantizedGraph(inputShape: [1, 1, 4],
                                       inputQuantization: QuantizationParameters(scale: 0.5, zeroPoint: -3),
                                       outputQuantization: QuantizationParameters(scale: 0.25, zeroPoint: 10),
                                       operations: [.reshape([1, 1, 4])])
        let session = try QuantizedSession(graph: graph)
        // round(x / 0.5) half away from zero, plus -3, saturated.
        let q = session.quantize(try Tensor(shape: [1, 1, 1, 4], scalars: [0.25, -0.25, 1000, -1000]))
        #expect(q.scalars == [-2, -4, 127, -128])
        let y = session.dequantize(try Tensor(shape: [1, 4], scalars: [10, 11, -128, 127]))
        #expect(y.scalars == [0, 0.25, -34.5, 29.25])
    }
}
