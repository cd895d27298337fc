import Testing
import MobileNet

/// Batches of 1 to 5 images on 1 to 3 threads against the same images run one by one, and
/// against the naive reference. From as many images as threads (2 or more), each thread runs
/// whole images through every layer and the images left over run alone split over the threads,
/// so every image gives exactly the bits it gives alone.
@Suite struct BatchParallelTests {
    /// Images `range` of the batch `x`.
    static func images(_ x: Tensor<Float>, _ range: Range<Int>) throws -> Tensor<Float> {
        let size = x.count / x.shape[0]
        return try Tensor(shape: [range.count] + x.shape.dropFirst(),
                          scalars: Array(x.scalars[range.lowerBound * size..<range.upperBound * size]))
    }

    /// Runs the first 1...5 images of `x` as one batch on 1...3 threads and compares them with
    /// the images' one-by-one outputs, which it returns.
    static func expectBatchesMatchSingleImages(_ graph: InferenceGraph, _ x: Tensor<Float>) throws -> [Float] {
        let single = try InferenceSession(graph: graph)
        let alone = try (0..<x.shape[0]).flatMap { try single.run(images(x, $0..<$0 + 1)).scalars }
        let size = alone.count / x.shape[0], scale = max(1e-3, alone.map(abs).max()!)
        for threads in 1...3 {
            // Planned for 2 images: larger batches grow the buffers.
            let session = try InferenceSession(graph: graph, batch: 2, threads: threads)
            for batch in 1...x.shape[0] {
                let y = try session.run(images(x, 0..<batch))
                let expected = Array(alone.prefix(batch * size))
                #expect(y.shape == [batch] + session.outputShape)
                if threads > 1 && batch >= threads {
                    #expect(y.scalars == expected, "batch \(batch), \(threads) threads")
                } else {
                    // Layers run on the whole batch: a matrix product may then take a row in a
                    // six-row tile that alone it takes by itself, summing in another order.
                    #expect(EngineTests.maxError(y.scalars, expected) / scale < 1e-5, "batch \(batch), \(threads) threads")
                }
            }
        }
        return alone
    }

    @Test func mobileNetBatchesMatchSingleImagesAndNaive() throws {
        let config = MobileNetConfig(alpha: 0.25, height: 33, width: 32, classes: 6)
        let model = MobileNetModel.random(try MobileNetArchitecture(config), seed: 5)
        var rng = SeededGenerator(seed: 8)
        let x = try Tensor(shape: [5, 33, 32, 3], scalars: EngineTests.random(5 * 33 * 32 * 3, &rng))
        let alone = try Self.expectBatchesMatchSingleImages(InferenceGraph(model), x)
        let expected = Naive.mobileNet(model, input: x).scalars
        #expect(EngineTests.maxError(alone, expected) / max(1e-3, expected.map(abs).max()!) < 1e-4)
        // Not a degenerate network: the images' outputs differ.
        #expect(EngineTests.maxError(Array(alone.prefix(6)), Array(alone.suffix(6))) > 1e-4)
    }

    /// The steps MobileNet itself does not use: a depthwise multiplier, padding, an average
    /// pool and a reshape (which aliases its input).
    @Test func tfliteStyleChainMatchesSingleImagesAndNaive() throws {
        var rng = SeededGenerator(seed: 13)
        let (h, w, c, k) = (13, 11, 5, 7)
        let x = try Tensor(shape: [5, h, w, 3], scalars: EngineTests.random(5 * h * w * 3, &rng))
        let convWeights = EngineTests.random(9 * 3 * c, &rng), convBias = EngineTests.random(c, &rng)
        let dwWeights = EngineTests.random(9 * c * 2, &rng), dwBias = EngineTests.random(c * 2, &rng)
        let fcWeights = EngineTests.random(c * 2 * k, &rng), fcBias = EngineTests.random(k, &rng)
        let padding = Padding(top: 1, left: 0, bottom: 2, right: 1)
        let ops: [Operation] = [
            .convolution(Convolution(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                                     padding: Padding(top: 1, left: 1, bottom: 1, right: 1),
                                     inputChannels: 3, outputChannels: c, weights: convWeights,
                                     bias: convBias, clamp: .none)),
            .depthwiseConvolution(DepthwiseConvolution(kernelHeight: 3, kernelWidth: 3, strideHeight: 1,
                                                       strideWidth: 1, padding: Padding(top: 1, left: 1, bottom: 1, right: 1),
                                                       inputChannels: c, multiplier: 2, weights: dwWeights,
                                                       bias: dwBias, clamp: .none)),
            .pad(padding),
            // One VALID window over the whole padded map: the sum over the image / window size.
            .averagePool(AveragePool(windowHeight: h + 3, windowWidth: w + 1, strideHeight: 1, strideWidth: 1,
                                     padding: .zero, clamp: .none)),
            .reshape([c * 2]),
            .fullyConnected(FullyConnected(inputs: c * 2, outputs: k, weights: fcWeights, bias: fcBias, clamp: .none)),
            .softmax(beta: 1),
        ]
        let alone = try Self.expectBatchesMatchSingleImages(InferenceGraph(inputShape: [h, w, 3], operations: ops), x)
        let conv = Naive.conv(.init(n: 5, h: h, w: w, c: 3, data: x.scalars), kernel: convWeights, kh: 3, kw: 3,
                              cout: c, stride: 1, padTop: 1, padLeft: 1, outH: h, outW: w, bias: convBias)
        let dw = Naive.depthwise(conv, kernel: dwWeights, kh: 3, kw: 3, multiplier: 2, stride: 1,
                                 padTop: 1, padLeft: 1, outH: h, outW: w, bias: dwBias)
        let pooled = Naive.globalAverage(dw).map { $0.map { $0 * Float(h * w) / Float((h + 3) * (w + 1)) } }
        let expected = Naive.softmax(Naive.dense(pooled, weights: fcWeights, outputs: k, bias: fcBias)).flatMap { $0 }
        #expect(EngineTests.maxError(alone, expected) < 1e-4)
    }
}
