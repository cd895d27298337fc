import Testing
import MobileNet

/// The engine against the naive reference, one operator at a time on random shapes (odd channel
/// counts, odd sizes, stride 2, asymmetric padding, batch > 1) and on whole networks.
@Suite struct EngineTests {
    static func random(_ count: Int, _ rng: inout SeededGenerator, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in rng.uniform(-scale, scale) }
    }

    static func maxError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    static func run(_ ops: [Operation], input: Tensor<Float>, threads: Int = 1) throws -> Tensor<Float> {
        let graph = try InferenceGraph(inputShape: Array(input.shape.dropFirst()), operations: ops)
        return try InferenceSession(graph: graph, batch: input.shape[0], threads: threads).run(input)
    }

    @Test(arguments: [
        // (batch, h, w, cin, cout, kernel, stride, padTop, padLeft, padBottom, padRight)
        (1, 7, 9, 3, 9, 3, 2, 0, 0, 1, 1), (2, 11, 5, 9, 19, 3, 1, 1, 1, 1, 1),
        (3, 8, 8, 17, 33, 1, 1, 0, 0, 0, 0), (1, 13, 13, 38, 76, 1, 1, 0, 0, 0, 0),
        (2, 15, 10, 5, 16, 3, 2, 1, 1, 1, 1), (1, 6, 9, 4, 7, 5, 2, 2, 1, 2, 2),
        (1, 9, 9, 3, 32, 3, 2, 0, 0, 1, 1), (2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
        // wide enough for the six-pixel interior tiles, with clipped edges on both sides
        (1, 9, 20, 17, 33, 3, 1, 1, 1, 1, 1), (2, 10, 31, 3, 40, 3, 2, 0, 0, 1, 1),
        (1, 5, 29, 4, 16, 5, 2, 2, 2, 2, 2),
        // an α=0.25 stem (8 outputs) wide enough for the 12-pixel tile, and an input narrower
        // than the kernel
        (1, 9, 30, 3, 8, 3, 2, 0, 0, 1, 1), (2, 2, 2, 3, 8, 3, 2, 0, 0, 1, 1),
        // pointwise with 1 to 5 rows left over from the 6-row tiles
        (1, 1, 7, 24, 40, 1, 1, 0, 0, 0, 0), (1, 1, 11, 24, 40, 1, 1, 0, 0, 0, 0),
        (2, 1, 4, 33, 17, 1, 1, 0, 0, 0, 0),
    ])
    func convolutionMatchesNaive(_ c: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) throws {
        let (n, h, w, cin, cout, k, s, pt, pl, pb, pr) = c
        var rng = SeededGenerator(seed: UInt64(h * 131 + cin * 7 + cout))
        let x = try Tensor(shape: [n, h, w, cin], scalars: Self.random(n * h * w * cin, &rng))
        let kernel = Self.random(k * k * cin * cout, &rng), bias = Self.random(cout, &rng)
        let padding = Padding(top: pt, left: pl, bottom: pb, right: pr)
        let outH = (h + pt + pb - k) / s + 1, outW = (w + pl + pr - k) / s + 1
        let op = Operation.convolution(Convolution(
            kernelHeight: k, kernelWidth: k, strideHeight: s, strideWidth: s, padding: padding,
            inputChannels: cin, outputChannels: cout, weights: kernel, bias: bias, clamp: .none))
        let expected = Naive.conv(.init(n: n, h: h, w: w, c: cin, data: x.scalars), kernel: kernel, kh: k, kw: k,
                                  cout: cout, stride: s, padTop: pt, padLeft: pl, outH: outH, outW: outW, bias: bias)
        for threads in [1, 2] {
            let y = try Self.run([op], input: x, threads: threads)
            #expect(y.shape == [n, outH, outW, cout])
            #expect(Self.maxError(y.scalars, expected.data) < 1e-5)
        }
    }

    @Test(arguments: [
        // (batch, h, w, channels, multiplier, stride, padTop, padLeft, padBottom, padRight)
        (1, 7, 9, 9, 1, 2, 0, 0, 1, 1), (2, 12, 12, 16, 1, 2, 0, 0, 1, 1),
        (3, 5, 11, 19, 1, 1, 1, 1, 1, 1), (1, 14, 14, 38, 1, 1, 1, 1, 1, 1),
        (2, 9, 7, 3, 2, 1, 1, 1, 1, 1), (1, 10, 6, 5, 3, 2, 1, 1, 1, 1),
        (1, 3, 3, 33, 1, 2, 1, 1, 1, 1), (1, 4, 4, 1, 1, 1, 0, 0, 0, 0),
        (2, 6, 23, 40, 1, 1, 1, 1, 1, 1), (1, 9, 21, 7, 1, 2, 0, 0, 1, 1),
        // 8 channels at stride 1 (two pixels per vector), 64+ channels with clipped edges, and an
        // input narrower than the kernel
        (2, 7, 13, 8, 1, 1, 1, 1, 1, 1), (1, 6, 9, 72, 1, 1, 1, 1, 1, 1), (1, 2, 2, 24, 1, 2, 0, 0, 1, 1),
    ])
    func depthwiseMatchesNaive(_ c: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)) throws {
        let (n, h, w, ch, m, s, pt, pl, pb, pr) = c
        var rng = SeededGenerator(seed: UInt64(h * 17 + ch * 3 + m))
        let x = try Tensor(shape: [n, h, w, ch], scalars: Self.random(n * h * w * ch, &rng))
        let kernel = Self.random(9 * ch * m, &rng), bias = Self.random(ch * m, &rng)
        let outH = (h + pt + pb - 3) / s + 1, outW = (w + pl + pr - 3) / s + 1
        let op = Operation.depthwiseConvolution(DepthwiseConvolution(
            kernelHeight: 3, kernelWidth: 3, strideHeight: s, strideWidth: s,
            padding: Padding(top: pt, left: pl, bottom: pb, right: pr), inputChannels: ch, multiplier: m,
            weights: kernel, bias: bias, clamp: Clamp(lower: -0.5, upper: 0.7)))
        var expected = Naive.depthwise(.init(n: n, h: h, w: w, c: ch, data: x.scalars), kernel: kernel, kh: 3, kw: 3,
                                       multiplier: m, stride: s, padTop: pt, padLeft: pl, outH: outH, outW: outW,
                                       bias: bias)
        expected.data = expected.data.map { min(max($0, -0.5), 0.7) }
        for threads in [1, 2] {
            let y = try Self.run([op], input: x, threads: threads)
            #expect(y.shape == [n, outH, outW, ch * m])
            #expect(Self.maxError(y.scalars, expected.data) < 1e-5)
        }
    }

    @Test func headOperatorsMatchNaive() throws {
        var rng = SeededGenerator(seed: 9)
        let (n, h, w, c, k) = (3, 5, 7, 11, 13)
        let x = try Tensor(shape: [n, h, w, c], scalars: Self.random(n * h * w * c, &rng, scale: 3))
        let weights = Self.random(c * k, &rng), bias = Self.random(k, &rng)
        let ops: [Operation] = [
            .pad(Padding(top: 1, left: 0, bottom: 2, right: 1)),
            .averagePool(AveragePool(windowHeight: 8, windowWidth: 8, strideHeight: 1, strideWidth: 1,
                                     padding: .zero, clamp: .none)),
            .reshape([c]),
            .fullyConnected(FullyConnected(inputs: c, outputs: k, weights: weights, bias: bias, clamp: .none)),
            .softmax(beta: 1),
        ]
        let y = try Self.run(ops, input: x)
        // pad + 8x8 VALID average over the 8x8 padded map = sum / 64 (zeros count in a VALID window)
        let sums = Naive.globalAverage(.init(n: n, h: h, w: w, c: c, data: x.scalars))
            .map { $0.map { $0 * Float(h * w) / 64 } }
        let expected = Naive.softmax(Naive.dense(sums, weights: weights, outputs: k, bias: bias))
        #expect(y.shape == [n, k])
        #expect(Self.maxError(y.scalars, expected.flatMap { $0 }) < 1e-6)
    }

    @Test func averagePoolIgnoresPaddingInTheDivisor() throws {
        // 2x2 input, 3x3 window with SAME padding: every window sees all 4 pixels → mean of 4.
        let x = try Tensor<Float>(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 6])
        let op = Operation.averagePool(AveragePool(windowHeight: 3, windowWidth: 3, strideHeight: 1,
                                                   strideWidth: 1, padding: Padding(top: 1, left: 1, bottom: 1, right: 1),
                                                   clamp: .none))
        let y = try Self.run([op], input: x)
        #expect(y.scalars == [3, 3, 3, 3])
    }

    @Test(arguments: [
        MobileNetConfig(alpha: 0.3, height: 33, width: 47, classes: 5),
        MobileNetConfig(alpha: 0.25, height: 64, classes: 10),
        MobileNetConfig(alpha: 0.2, height: 40, width: 32, includeTop: false),
        MobileNetConfig(alpha: 0.25, height: 35, classes: 3, variant: .shallow),
    ])
    func wholeNetworkMatchesNaiveWithUnfoldedBatchNorm(_ config: MobileNetConfig) throws {
        let model = MobileNetModel.random(try MobileNetArchitecture(config), seed: 42)
        var rng = SeededGenerator(seed: 7)
        let n = 2
        let x = try Tensor(shape: [n, config.height, config.width, 3],
                           scalars: Self.random(n * config.height * config.width * 3, &rng))
        let expected = Naive.mobileNet(model, input: x)
        for threads in [1, 2] {
            let y = try InferenceSession(graph: InferenceGraph(model), batch: n, threads: threads).run(x)
            #expect(y.shape == expected.shape)
            let scale = max(1e-3, expected.scalars.map(abs).max()!)
            #expect(Self.maxError(y.scalars, expected.scalars) / scale < 1e-4)
            // Not a degenerate network: the outputs of the two images differ.
            #expect(Self.maxError(Array(y.scalars.prefix(y.count / 2)), Array(y.scalars.suffix(y.count / 2))) > 1e-4)
        }
    }

    @Test func wrongInputShapeIsAOneLineError() throws {
        let graph = try InferenceGraph(MobileNetModel.random(MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32))))
        let session = try InferenceSession(graph: graph)
        let bad = Tensor<Float>(repeating: 0, shape: [1, 32, 31, 3])
        #expect(throws: MobileNetError.self) { try session.run(bad) }
        do { _ = try session.run(bad) } catch {
            #expect("\(error)" == "shape mismatch: input is [1, 32, 31, 3] but the model takes [N, 32, 32, 3]")
        }
    }

    @Test func largerBatchThanPlannedGrowsBuffers() throws {
        let model = MobileNetModel.random(try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, classes: 4)), seed: 3)
        let session = try InferenceSession(graph: InferenceGraph(model), batch: 1)
        var rng = SeededGenerator(seed: 1)
        let x = try Tensor(shape: [3, 32, 32, 3], scalars: Self.random(3 * 32 * 32 * 3, &rng))
        let y = try session.run(x)
        #expect(Self.maxError(y.scalars, Naive.mobileNet(model, input: x).scalars) < 1e-5)
    }
}
