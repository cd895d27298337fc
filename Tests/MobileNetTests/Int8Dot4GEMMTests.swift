import Foundation
import Testing
import MobileNet
@testable import MobileNetRuntime

/// The VNNI matrix product (`QuantizedGEMMDot4`, qs8-gemm-6x16c4) on this CPU, whatever variant
/// the build selects: its packing, bias compensation, tiling, edges and u8 im2col run with the
/// portable exact emulation of `vpdpbusd` (`EmulatedDot4`), against a naive reference (Int64
/// sums, TFLite's requantization from `Int8KernelTests`) and, bit for bit, against the `vpmaddwd`
/// kernel (`QuantizedGEMM`). The emulation itself is checked against the instruction's
/// definition, on random and extreme bytes. The signed layout of ARM's `sdot` (rows hold the
/// int8 values, `zx · Σw` folded into the bias; `EmulatedSignedDot4`) runs the same checks: its
/// packing, fold, row copy and im2col are shared with the VNNI layout, only the offset differs
/// (the NEON micro-kernel itself is checked bit for bit under qemu, `make BOARD=rpi5 arm-test`).
@Suite struct Int8Dot4GEMMTests {
    typealias Dot4GEMM = QuantizedGEMMDot4<EmulatedDot4>

    @Test func emulatedDotProductIsTheInstructionsDefinition() {
        var rng = SeededGenerator(seed: 41)
        let extremes: [(UInt8, Int8)] = [(255, -128), (255, 127), (0, -128), (128, -128)]
        for trial in 0..<200 {
            var a = SIMD32<UInt8>(), b = SIMD32<Int8>(), acc = SIMD8<Int32>()
            // The first trials: one extreme pair in every lane.
            for i in 0..<32 {
                (a[i], b[i]) = trial < extremes.count ? extremes[trial]
                    : (UInt8.random(in: 0...255, using: &rng), Int8.random(in: -128...127, using: &rng))
            }
            for i in 0..<8 {
                // Near the int32 limits too: the instruction wraps (it is not the saturating form).
                acc[i] = trial % 3 == 0 ? Int32.max - Int32(i) : Int32.random(in: -1_000_000...1_000_000, using: &rng)
            }
            let got = EmulatedDot4.dot4(acc, a, b)
            for lane in 0..<8 {
                var sum = Int64(acc[lane])
                for j in 0..<4 { sum += Int64(a[4 * lane + j]) * Int64(b[4 * lane + j]) }
                #expect(got[lane] == Int32(truncatingIfNeeded: sum), "trial \(trial) lane \(lane)")
            }
        }
    }

    @Test func emulatedSignedDotProductIsTheInstructionsDefinition() {
        var rng = SeededGenerator(seed: 43)
        for trial in 0..<200 {
            var a = SIMD32<Int8>(), b = SIMD32<Int8>(), acc = SIMD8<Int32>()
            for i in 0..<32 {
                (a[i], b[i]) = trial == 0 ? (-128, -128) : trial == 1 ? (-128, 127)
                    : (Int8.random(in: -128...127, using: &rng), Int8.random(in: -128...127, using: &rng))
            }
            for i in 0..<8 {
                acc[i] = trial % 3 == 0 ? Int32.max - Int32(i) : Int32.random(in: -1_000_000...1_000_000, using: &rng)
            }
            let got = EmulatedSignedDot4.dot4(acc, unsafeBitCast(a, to: SIMD32<UInt8>.self), b)
            for lane in 0..<8 {
                var sum = Int64(acc[lane])
                for j in 0..<4 { sum += Int64(a[4 * lane + j]) * Int64(b[4 * lane + j]) }
                #expect(got[lane] == Int32(truncatingIfNeeded: sum), "trial \(trial) lane \(lane)")
            }
        }
    }

    /// `rows` random int8 rows of `k` through both kernels and the naive sum.
    func checkProduct(rows: Int, k: Int, n: Int, inputZeroPoint: Int32, seed: UInt64) throws {
        try checkProduct(Dot4GEMM.self, rows: rows, k: k, n: n, inputZeroPoint: inputZeroPoint, seed: seed)
    }

    func checkProduct<D: Dot4Instruction>(_ gemmType: QuantizedGEMMDot4<D>.Type, rows: Int, k: Int, n: Int,
                                          inputZeroPoint: Int32, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let x = Int8KernelTests.randomInt8s(rows * k + 64, &rng)
        let w = Int8KernelTests.randomInt8s(n * k, &rng)
        let bias = Int8KernelTests.randomBias(n, &rng)
        let r = try Int8KernelTests.randomRequantization(n, &rng, relu6: seed % 2 == 0)
        let dot4 = QuantizedGEMMDot4<D>(weights: w, n: n, k: k, bias: bias, inputZeroPoint: inputZeroPoint,
                                        requantization: r)
        let madd = QuantizedGEMM(weights: w, n: n, k: k, bias: bias, inputZeroPoint: inputZeroPoint, requantization: r)

        var expected = [Int8](repeating: 0, count: rows * n)
        for m in 0..<rows { for c in 0..<n {
            var sum = Int64(bias[c])
            for kk in 0..<k { sum += (Int64(x[m * k + kk]) - Int64(inputZeroPoint)) * Int64(w[c * k + kk]) }
            expected[m * n + c] = Int8KernelTests.output(sum, r, channel: c)
        } }
        func run(rowStride: Int, _ body: (UnsafePointer<Int8>, UnsafeMutablePointer<Int16>, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
            // 32 bytes of slack past the rows (the interpreter's `rowSlack`) and 16 past the output.
            let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: rows * rowStride + 16)
            scratch.initialize(repeating: 0x5A5A, count: rows * rowStride + 16)
            defer { scratch.deallocate() }
            var out = [Int8](repeating: 0, count: rows * n + 16)
            x.withUnsafeBufferPointer { xs in out.withUnsafeMutableBufferPointer { body(xs.baseAddress!, scratch, $0.baseAddress!) } }
            return Array(out[0..<rows * n])
        }
        let fromDot4 = run(rowStride: dot4.rowStride) { input, a, out in
            dot4.widenRows(input, rows: rows, into: a)
            dot4.multiply(a: a, rows: rows, output: out, panels: 0..<dot4.panels)
        }
        let fromMadd = run(rowStride: madd.rowStride) { input, a, out in
            madd.widenRows(input, rows: rows, into: a)
            madd.multiply(a: a, rows: rows, output: out, panels: 0..<madd.panels)
        }
        let shape = "\(D.self) rows \(rows) k \(k) n \(n) zx \(inputZeroPoint)"
        let vsNaive = zip(fromDot4, expected).filter { $0 != $1 }.count
        let vsMadd = zip(fromDot4, fromMadd).filter { $0 != $1 }.count
        #expect(vsNaive == 0, "outputs differing from the naive reference, \(shape)")
        #expect(vsMadd == 0, "outputs differing from the vpmaddwd kernel, \(shape)")
    }

    /// Every (k, n) of the matrix products of MobileNet v1 α = 0.25 (VWW, 96×96) and α = 1.0
    /// (224×224, 1001 classes), 1x1 convolutions and the classifier, on 35 rows (12-row, 6-row
    /// and single-row tiles) and on the small layers' real row counts.
    @Test(arguments: [
        (8, 16), (16, 32), (32, 32), (32, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 2),
        (32, 64), (64, 128), (128, 256), (256, 512), (512, 512), (512, 1024), (1024, 1024), (1024, 1001),
    ])
    func mobileNetShapes(k: Int, n: Int) throws {
        // The large layers on 13 rows (two 6-row tiles and a single row): the naive sum is slow.
        try checkProduct(rows: k * n > 65_536 ? 13 : 35, k: k, n: n, inputZeroPoint: -128, seed: UInt64(k * 7 + n))
        try checkProduct(rows: 1, k: k, n: n, inputZeroPoint: 3, seed: UInt64(k * 11 + n))
    }

    @Test func vwwLayerRowCounts() throws {
        // Row counts of the 1x1 convolutions at 12x12, 6x6 and 3x3 (and the classifier's 1).
        try checkProduct(rows: 144, k: 64, n: 128, inputZeroPoint: -128, seed: 1)
        try checkProduct(rows: 36, k: 128, n: 256, inputZeroPoint: -128, seed: 2)
        try checkProduct(rows: 9, k: 256, n: 256, inputZeroPoint: -128, seed: 3)
    }

    /// k not a multiple of 4, n not a multiple of 16 (and ≤ 8: the 12x8 tile), few rows, every
    /// input zero point's extremes.
    @Test func edgeShapes() throws {
        var seed: UInt64 = 100
        for k in [1, 2, 3, 5, 7, 27, 33, 65] {
            for n in [1, 2, 7, 8, 9, 15, 17, 33] {
                for rows in [1, 5, 6, 7, 12, 13, 25] {
                    seed += 1
                    let zx: Int32 = [-128, 127, 0, -5][Int(seed % 4)]
                    try checkProduct(rows: rows, k: k, n: n, inputZeroPoint: zx, seed: seed)
                }
            }
        }
    }

    /// The signed layout (`sdot`, offset 0) on the edge shapes and two MobileNet layers.
    @Test func signedLayoutShapes() throws {
        var seed: UInt64 = 500
        for k in [1, 3, 8, 27, 33, 64] {
            for n in [2, 8, 9, 16, 33] {
                for rows in [1, 5, 13] {
                    seed += 1
                    let zx: Int32 = [-128, 127, 0, -5][Int(seed % 4)]
                    try checkProduct(QuantizedGEMMDot4<EmulatedSignedDot4>.self, rows: rows, k: k, n: n,
                                     inputZeroPoint: zx, seed: seed)
                }
            }
        }
        try checkProduct(QuantizedGEMMDot4<EmulatedSignedDot4>.self, rows: 35, k: 128, n: 256, inputZeroPoint: -128, seed: 7)
    }

    /// Full convolutions through the u8 im2col (padding taps `zx + 128`): the stems of both
    /// models (3x3, stride 2, SAME, 3 channels) and clipped, odd-sized ones, against the naive
    /// convolution.
    @Test(arguments: [
        // h, w, cin, cout, kernel, stride, padTop, padLeft, zx
        (96, 96, 3, 8, 3, 2, 0, 0, -128), (224, 224, 3, 32, 3, 2, 0, 0, -1), (9, 7, 5, 19, 3, 1, 1, 1, 7),
        (8, 8, 16, 9, 5, 2, 2, 1, 127), (5, 6, 2, 3, 3, 2, 1, 0, -128),
    ])
    func convolutions(_ shape: (Int, Int, Int, Int, Int, Int, Int, Int, Int32)) throws {
        try convolution(Dot4GEMM.self, shape)
        try convolution(QuantizedGEMMDot4<EmulatedSignedDot4>.self, shape)  // taps outside: zx
    }

    func convolution<D: Dot4Instruction>(_ gemmType: QuantizedGEMMDot4<D>.Type,
                                         _ shape: (Int, Int, Int, Int, Int, Int, Int, Int, Int32)) throws {
        let (h, w, cin, cout, size, stride, padTop, padLeft, zx) = shape
        var rng = SeededGenerator(seed: UInt64(h * 31 + cin))
        // 224x224: only the first output rows (their windows reach the top padding).
        let outputHeight = (h + 2 * padTop - size) / stride + 1, outputWidth = (w + 2 * padLeft - size) / stride + 1
        let g = ConvGeometry(inputHeight: h, inputWidth: w, inputChannels: cin, outputHeight: outputHeight,
                             outputWidth: outputWidth, outputChannels: cout, kernelHeight: size, kernelWidth: size,
                             strideHeight: stride, strideWidth: stride, padTop: padTop, padLeft: padLeft)
        let pixels = 0..<min(outputHeight * outputWidth, 3 * outputWidth + 5)
        let k = size * size * cin
        let x = Int8KernelTests.randomInt8s(h * w * cin + 16, &rng)
        let weights = Int8KernelTests.randomInt8s(cout * k, &rng)
        let bias = Int8KernelTests.randomBias(cout, &rng)
        let r = try Int8KernelTests.randomRequantization(cout, &rng, relu6: false)
        let gemm = QuantizedGEMMDot4<D>(weights: weights, n: cout, k: k, bias: bias, inputZeroPoint: zx,
                                        requantization: r)

        var expected: [Int8] = []
        for p in pixels { for o in 0..<cout {
            let oy = p / outputWidth, ox = p % outputWidth
            var sum = Int64(bias[o])
            for ky in 0..<size { for kx in 0..<size {
                let iy = oy * stride - padTop + ky, ix = ox * stride - padLeft + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                for i in 0..<cin {
                    sum += (Int64(x[(iy * w + ix) * cin + i]) - Int64(zx)) * Int64(weights[((o * size + ky) * size + kx) * cin + i])
                }
            } }
            expected.append(Int8KernelTests.output(sum, r, channel: o))
        } }

        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: pixels.count * gemm.rowStride + 16)
        defer { scratch.deallocate() }
        var out = [Int8](repeating: 0, count: pixels.count * cout + 16)
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { o in
                gemm.fillIm2Col(input: xs.baseAddress!, geometry: g, pixels: pixels, into: scratch)
                gemm.multiply(a: scratch, rows: pixels.count, output: o.baseAddress!, panels: 0..<gemm.panels)
            }
        }
        let differing = zip(out[0..<pixels.count * cout], expected).filter { $0 != $1 }.count
        #expect(differing == 0, "outputs differing from the naive convolution, \(D.self) \(shape)")
    }
}
