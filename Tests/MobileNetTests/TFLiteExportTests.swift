import Foundation
import Testing
@testable import MobileNet

/// Exported `.tflite` files read back by the TFLite importer (checked against TFLite's own
/// outputs in GoldenTests/Int8GoldenTests) compute what the graph they came from computes.
@Suite struct TFLiteExportTests {
    static func randomBatch(_ shape: [Int], seed: UInt64) throws -> Tensor<Float> {
        var rng = SeededGenerator(seed: seed)
        return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) })
    }

    static func maxDifference(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// A graph with what MobileNet does not use: a padding that is neither SAME nor VALID (so
    /// a PAD is written), an average pool, a reshape, a ReLU and a plain output.
    static func unusualGraph() throws -> InferenceGraph {
        var rng = SeededGenerator(seed: 5)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.uniform(-0.5, 0.5) } }
        return try InferenceGraph(inputShape: [9, 7, 3], operations: [
            .convolution(Convolution(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 1,
                                     padding: Padding(top: 2, left: 0, bottom: 1, right: 1), inputChannels: 3,
                                     outputChannels: 6, weights: values(3 * 3 * 3 * 6), bias: values(6),
                                     clamp: Clamp(.relu))),
            .depthwiseConvolution(DepthwiseConvolution(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                                                       padding: .same(height: 5, width: 6, kernel: 3, stride: 1),
                                                       inputChannels: 6, multiplier: 2, weights: values(9 * 12),
                                                       bias: values(12), clamp: Clamp(.relu6))),
            .averagePool(AveragePool(windowHeight: 2, windowWidth: 2, strideHeight: 2, strideWidth: 2,
                                     padding: .same(height: 5, width: 6, kernel: 2, stride: 2), clamp: .none)),
            .reshape([3 * 3 * 12]),
            .fullyConnected(FullyConnected(inputs: 108, outputs: 4, weights: values(108 * 4), bias: values(4), clamp: .none)),
        ])
    }

    @Test func floatMobileNetRoundTrips() throws {
        let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, width: 40, classes: 7))
        let graph = try InferenceGraph(MobileNetModel.random(architecture, seed: 2))
        let exported = try TFLiteModel(bytes: TFLiteModel(exporting: graph).serialized())
        let ops = exported.mainSubgraph.operators.map(\.op)
        #expect(ops.filter { $0 == .conv2D }.count == 14 && ops.filter { $0 == .depthwiseConv2D }.count == 13)
        // Every padding is SAME but one: the stride-2 depthwise on a width of 5, which Keras pads
        // by (0, 1) where SAME would pad (1, 1), so a PAD precedes it.
        #expect(ops.filter { $0 == .pad }.count == 1)
        let input = try Self.randomBatch([2, 32, 40, 3], seed: 1)
        let expected = try InferenceSession(graph: graph, batch: 2).run(input)
        let actual = try InferenceSession(graph: InferenceGraph(exported), batch: 2).run(input)
        #expect(actual.shape == expected.shape)
        #expect(Self.maxDifference(actual, expected) < 1e-6)
    }

    @Test func unusualFloatGraphRoundTrips() throws {
        let graph = try Self.unusualGraph()
        let exported = try TFLiteModel(bytes: TFLiteModel(exporting: graph).serialized())
        #expect(exported.mainSubgraph.operators.map(\.op) == [.pad, .conv2D, .depthwiseConv2D, .averagePool2D, .reshape, .fullyConnected])
        let input = try Self.randomBatch([3, 9, 7, 3], seed: 4)
        let expected = try InferenceSession(graph: graph, batch: 3).run(input)
        let actual = try InferenceSession(graph: InferenceGraph(exported), batch: 3).run(input)
        #expect(Self.maxDifference(actual, expected) < 1e-5)
    }

    /// The int8 form of the unusual graph: PAD and AVERAGE_POOL_2D keep their input's
    /// quantization, RESHAPE too, and the output tracks the float graph within a few steps.
    @Test func unusualInt8GraphRuns() throws {
        let graph = try Self.unusualGraph()
        let quantizer = try PostTrainingQuantizer(graph: graph, method: .minMax, expectedImages: 32, batch: 32, threads: 1)
        try quantizer.calibrate(Self.randomBatch([32, 9, 7, 3], seed: 8))
        let model = try TFLiteModel(bytes: quantizer.model().serialized())
        let subgraph = model.mainSubgraph
        #expect(subgraph.operators.map(\.op) == [.quantize, .pad, .conv2D, .depthwiseConv2D, .averagePool2D, .reshape,
                                                 .fullyConnected, .dequantize])
        for op in subgraph.operators where [.pad, .averagePool2D, .reshape].contains(op.op) {
            #expect(subgraph.tensors[op.inputs[0]].quantization == subgraph.tensors[op.outputs[0]].quantization)
        }
        let input = try Self.randomBatch([4, 9, 7, 3], seed: 6)
        let expected = try InferenceSession(graph: graph, batch: 4).run(input)
        let actual = try QuantizedSession(graph: QuantizedGraph(model), batch: 4).run(input)
        let outputScale = subgraph.tensors[subgraph.operators.last!.inputs[0]].quantization!.scale[0]
        #expect(Self.maxDifference(actual, expected) < 6 * outputScale)
    }

    @Test func usageMetadataTravelsWithTheFile() throws {
        let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, classes: 2))
        let graph = try InferenceGraph(MobileNetModel.random(architecture))
        let usage = ModelUsage(classNames: ["cat", "dog"],
                               preprocessing: ImagePreprocessing(width: 32, height: 32, centralFraction: 1,
                                                                 normalization: NormalizationPreset.torch.normalization))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).tflite")
        defer { try? FileManager.default.removeItem(at: url) }
        try TFLiteModel(exporting: graph, metadata: usage.metadata()).write(to: url)
        let file = try ModelFile(contentsOf: url)
        #expect(file.classNames == ["cat", "dog"])
        #expect(file.preprocessing == usage.preprocessing)
        #expect(file.normalization == NormalizationPreset.torch.normalization)
    }

    @Test func unexportableClampIsNamed() throws {
        let graph = try InferenceGraph(inputShape: [4], operations: [
            .fullyConnected(FullyConnected(inputs: 4, outputs: 2, weights: Array(repeating: 0.1, count: 8), bias: [0, 0],
                                           clamp: Clamp(lower: -2, upper: 3))),
        ])
        #expect(throws: MobileNetError.unsupported("0_fully_connected: clamp to [-2.0, 3.0] has no TFLite fused activation")) {
            try TFLiteModel(exporting: graph)
        }
    }
}
