import Foundation
import Testing
import MobileNet

/// Keras `MobileNet(weights=None)` with randomised batch-norm statistics, converted to .tflite by
/// TensorFlow's converter, with TFLite's (reference kernels) and Keras' own outputs saved beside
/// them (scripts/fixtures/make_keras_fixtures.py). Covers α = 0.3 (9-channel stem), non-square
/// and odd input sizes where Keras' stride-2 zero padding differs from SAME, and include_top=False.
@Suite struct KerasFixtureTests {
    static let fixtures = ["a025_64x64_c10", "a030_40x72_c7", "a025_35x51_notop"]

    static func close(_ ours: Tensor<Float>, _ reference: Tensor<Float>, _ what: String) {
        #expect(ours.shape == reference.shape, "\(what): \(ours.shape) vs \(reference.shape)")
        guard ours.shape == reference.shape else { return }
        let largest = reference.scalars.map(abs).max() ?? 0
        let difference = zip(ours.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= max(1e-5, 1e-4 * largest), "\(what): max difference \(difference), largest \(largest)")
    }

    @Test(arguments: fixtures)
    func tfliteFileMatchesTFLite(_ name: String) throws {
        let data = try SafeTensors(contentsOf: SharedData.fixture("keras/\(name).safetensors"))
        let graph = try ModelLoader.graph(contentsOf: SharedData.fixture("keras/\(name).tflite"))
        let input = try data.floatTensor("input")
        let output = try InferenceSession(graph: graph, batch: input.shape[0], threads: 2).run(input)
        Self.close(output, try data.floatTensor("tflite_output"), "\(name).tflite vs TFLite")
    }

    @Test(arguments: fixtures)
    func kerasWeightsMatchKeras(_ name: String) throws {
        let data = try SafeTensors(contentsOf: SharedData.fixture("keras/\(name).safetensors"))
        let model = try MobileNetModel(safeTensors: data, source: name)
        let input = try data.floatTensor("input")
        let output = try InferenceSession(graph: InferenceGraph(model), batch: input.shape[0]).run(input)
        Self.close(output, try data.floatTensor("keras_output"), "\(name) weights vs Keras")
        Self.close(output, try data.floatTensor("tflite_output"), "\(name) weights vs TFLite")
    }

    /// The tests' naive reference is itself checked against TensorFlow here, so that agreeing
    /// with it elsewhere means agreeing with Keras.
    @Test(arguments: fixtures)
    func naiveReferenceMatchesKeras(_ name: String) throws {
        let data = try SafeTensors(contentsOf: SharedData.fixture("keras/\(name).safetensors"))
        let model = try MobileNetModel(safeTensors: data, source: name)
        Self.close(Naive.mobileNet(model, input: try data.floatTensor("input")),
                   try data.floatTensor("keras_output"), "\(name) naive reference vs Keras")
    }

    @Test func savedModelRoundTripsThroughOurFormat() throws {
        let data = try SafeTensors(contentsOf: SharedData.fixture("keras/a030_40x72_c7.safetensors"))
        var model = try MobileNetModel(safeTensors: data)
        model.classNames = ["a", "b", "c", "d", "e", "f", "g"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-roundtrip-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.write(to: url)
        let reloaded = try MobileNetModel(contentsOf: url)
        #expect(reloaded.architecture == model.architecture)
        #expect(reloaded.classNames == model.classNames)
        let input = try data.floatTensor("input")
        let output = try InferenceSession(graph: ModelLoader.graph(contentsOf: url), batch: 2).run(input)
        Self.close(output, try data.floatTensor("keras_output"), "reloaded model vs Keras")
    }
}
