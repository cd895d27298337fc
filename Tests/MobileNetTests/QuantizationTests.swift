import Foundation
import Testing
@testable import MobileNet
@testable import MobileNetRuntime

/// Post-training quantization: TFLite's parameter formulas checked on hand-computed cases, the
/// exported int8 model checked against the float network it came from.
@Suite struct QuantizationTests {
    /// TFLite's asymmetric parameters, worked by hand: scale = (max − min) / 255 with the range
    /// widened to contain 0, zero point = round(−128 − min / scale) kept in −128...127.
    @Test func asymmetricParametersFollowTFLite() {
        let relu6 = QuantizationParameters(int8Range: ActivationRange(lower: 0, upper: 6))
        #expect(relu6 == QuantizationParameters(scale: Float(6.0 / 255), zeroPoint: -128))
        // [-1, 1]: −128 + 127.5 = −0.5, rounded half away from zero as std::round does.
        let symmetric = QuantizationParameters(int8Range: ActivationRange(lower: -1, upper: 1))
        #expect(symmetric == QuantizationParameters(scale: Float(2.0 / 255), zeroPoint: -1))
        // A positive-only range is widened down to 0.
        let shifted = QuantizationParameters(int8Range: ActivationRange(lower: 2, upper: 5.1))
        #expect(shifted == QuantizationParameters(scale: Float(5.1 / 255), zeroPoint: -128))
        // A negative-only range is widened up to 0: zero point at the top.
        let negative = QuantizationParameters(int8Range: ActivationRange(lower: -3, upper: -1))
        #expect(negative == QuantizationParameters(scale: Float(3.0 / 255), zeroPoint: 127))
        // −2.55 .. 1: scale 3.55/255, zero point −128 + 2.55/scale = 55.1… → 55.
        let mixed = QuantizationParameters(int8Range: ActivationRange(lower: -2.55, upper: 1))
        #expect(mixed.zeroPoint == 55)
        #expect(abs(mixed.scale - Float(3.55 / 255)) < 1e-9)
    }

    @Test func methodsParse() throws {
        #expect(try CalibrationMethod(parsing: "minmax") == .minMax)
        #expect(try CalibrationMethod(parsing: "percentile") == .percentile(99.99))
        #expect(try CalibrationMethod(parsing: "percentile:99.9") == .percentile(99.9))
        #expect(throws: MobileNetError.self) { try CalibrationMethod(parsing: "percentile:20") }
        #expect(throws: MobileNetError.self) { try CalibrationMethod(parsing: "entropy") }
    }

    /// Min/max and percentiles of 0, 1, ..., 9999 fed in uneven batches with a sampling stride.
    @Test func statisticsGiveExtremesAndPercentiles() {
        var stats = TensorStatistics(valuesPerImage: 1000, expectedImages: 10, sampleLimit: 2500)
        #expect(stats.stride == 4)
        let values = (0..<10_000).map(Float.init)
        for range in [0..<333, 333..<4000, 4000..<10_000] {
            Array(values[range]).withUnsafeBufferPointer { stats.record($0) }
        }
        #expect(stats.range(.minMax) == ActivationRange(lower: 0, upper: 9999))
        #expect(stats.sample == stride(from: 0, to: 10_000, by: 4).map(Float.init))
        let p99 = stats.range(.percentile(99))!
        // The sample 0, 4, …, 9996: its 1st and 99th percentiles by linear interpolation.
        #expect(abs(p99.lower - 99.96) < 1e-3 && abs(p99.upper - 9896.04) < 1e-2)
    }

    /// A random MobileNet quantized on random calibration inputs: every int8 weight dequantizes
    /// to within half a step of the folded float weight, biases sit at input × weight scale,
    /// and the int8 engine's probabilities stay close to the float network's.
    @Test func quantizedModelTracksTheFloatNetwork() throws {
        let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, classes: 5))
        let graph = try InferenceGraph(MobileNetModel.random(architecture, seed: 3))
        var rng = SeededGenerator(seed: 9)
        func batch(_ n: Int) throws -> Tensor<Float> {
            try Tensor(shape: [n, 32, 32, 3], scalars: (0..<(n * 32 * 32 * 3)).map { _ in rng.uniform(-1, 1) })
        }
        let quantizer = try PostTrainingQuantizer(graph: graph, method: .minMax, expectedImages: 16, batch: 8, threads: 1)
        try quantizer.calibrate(batch(8))
        try quantizer.calibrate(batch(8))
        #expect(quantizer.images == 16)
        let model = try TFLiteModel(bytes: quantizer.model().serialized())
        #expect(model.isQuantized)

        // Weights: the first CONV_2D's int8 values against the graph's folded float weights.
        guard case .convolution(let stem) = graph.operations[0] else { Issue.record("no stem"); return }
        let tensors = model.mainSubgraph.tensors
        let conv = model.mainSubgraph.operators.first { $0.op == .conv2D }!
        let weights = tensors[conv.inputs[1]], bias = tensors[conv.inputs[2]]
        let q = try weights.int8s().scalars, scales = weights.quantization!.scale
        let (k, input, output) = (stem.kernelHeight, stem.inputChannels, stem.outputChannels)
        for o in 0..<output {
            for tap in 0..<(k * k) {
                for i in 0..<input {
                    let float = stem.weights[(tap * input + i) * output + o]
                    let dequantized = Float(q[(o * k * k + tap) * input + i]) * scales[o]
                    #expect(abs(float - dequantized) <= scales[o] / 2 * 1.0001)
                }
            }
        }
        let inputScale = tensors[conv.inputs[0]].quantization!.scale[0]
        for o in 0..<output {
            #expect(abs(bias.quantization!.scale[o] - inputScale * scales[o]) <= 1e-6 * bias.quantization!.scale[o])
            let dequantized = Float(try bias.int32s().scalars[o]) * bias.quantization!.scale[o]
            #expect(abs(dequantized - stem.bias[o]) <= bias.quantization!.scale[o])
        }

        // Outputs: int8 probabilities within a few hundredths of the float ones.
        let check = try batch(4)
        let floatOut = try InferenceSession(graph: graph, batch: 4).run(check)
        let int8Out = try QuantizedSession(graph: QuantizedGraph(model), batch: 4).run(check)
        let worst = zip(floatOut.scalars, int8Out.scalars).map { abs($0 - $1) }.max()!
        #expect(worst < 0.05, "largest probability difference \(worst)")
    }

    @Test func rangesNeedCalibration() throws {
        let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: 0.25, height: 32, classes: 3))
        let graph = try InferenceGraph(MobileNetModel.random(architecture))
        let quantizer = try PostTrainingQuantizer(graph: graph, method: .minMax, expectedImages: 1, batch: 1, threads: 1)
        #expect(throws: MobileNetError.invalidArgument("no calibration images were given")) { try quantizer.ranges() }
        #expect(throws: MobileNetError.self) { try quantizer.calibrate(Tensor(repeating: 0, shape: [1, 16, 16, 3])) }
    }

    /// Our embedded CIFAR-10 model quantized on the ten CIFAR images of ../shared/golden/images
    /// (prepared as classify prepares them): the int8 file is under a third of the float one,
    /// keeps the class names and preparation, and names the same class as the float model for
    /// every one of the images.
    @Test(.enabled(if: SharedData.required)) func embeddedModelQuantizes() throws {
        let url = SharedData.packageRoot.appendingPathComponent("Sources/MobileNetCLI/Resources/cifar10-mobilenet-a050.safetensors")
        let file = try ModelFile(contentsOf: url)
        guard case .float(let graph) = file.model else { Issue.record("not a float model"); return }
        let preparation = try ClassifierPreprocessing(width: 64, height: 64, recorded: file.preprocessing)
        let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        let inputs = try names.map { try preparation.tensor(from: ImageDecoder.decode(contentsOf: SharedData.url("golden/images/\($0)_0007.jpg"))) }
        let batch = try Tensor(shape: [10, 64, 64, 3], scalars: inputs.flatMap(\.scalars))
        let quantizer = try PostTrainingQuantizer(graph: graph, method: .minMax, expectedImages: 10, batch: 10, threads: 1)
        try quantizer.calibrate(batch)
        let bytes = try quantizer.model(metadata: ModelUsage(classNames: file.classNames, preprocessing: file.preprocessing).metadata()).serialized()
        let floatBytes = try TFLiteModel(exporting: graph).serialized()
        #expect(bytes.count * 3 < floatBytes.count)
        let model = try TFLiteModel(bytes: bytes)
        #expect(try ModelUsage(metadataOf: model, source: "test") == ModelUsage(classNames: names, preprocessing: file.preprocessing))
        func top(_ t: Tensor<Float>) -> [Int] {
            (0..<10).map { i in (0..<10).max { t.scalars[i * 10 + $0] < t.scalars[i * 10 + $1] }! }
        }
        let float = try InferenceSession(graph: graph, batch: 10).run(batch)
        let int8 = try QuantizedSession(graph: QuantizedGraph(model), batch: 10).run(batch)
        #expect(top(int8) == top(float))
    }
}
