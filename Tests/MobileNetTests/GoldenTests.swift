import Foundation
import Testing
import MobileNet

/// Our engine on the MLPerf Tiny visual-wake-words MobileNet (α = 0.25, 96×96) against what
/// TFLite's reference kernels computed on 12 real images (../shared/golden).
@Suite(.enabled(if: SharedData.required)) struct GoldenTests {
    static let absoluteTolerance: Float = 1e-5
    static let relativeTolerance: Float = 1e-4

    /// Within 1e-5 absolute, or 1e-4 relative to the reference tensor's largest magnitude.
    static func check(_ ours: Tensor<Float>, _ reference: Tensor<Float>, _ name: String) -> Float {
        #expect(ours.shape == reference.shape, "\(name): shape \(ours.shape) vs \(reference.shape)")
        guard ours.shape == reference.shape else { return .infinity }
        let largest = reference.scalars.map(abs).max() ?? 0
        let difference = zip(ours.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= max(absoluteTolerance, relativeTolerance * largest),
                "\(name): max |ours - TFLite| = \(difference), largest |TFLite| = \(largest)")
        return difference
    }

    @Test func allTwelveOutputsMatchTFLite() throws {
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_float.golden.safetensors"))
        let graph = try ModelLoader.graph(contentsOf: SharedData.url("models/vww_96_float.tflite"))
        let input = try golden.floatTensor("input")
        let expected = try golden.floatTensor("output")
        #expect(input.shape == [12, 96, 96, 3])
        for threads in [1, 2] {
            let output = try InferenceSession(graph: graph, batch: 12, threads: threads).run(input)
            let difference = Self.check(output, expected, "output (\(threads) threads)")
            print("golden vww_96_float: 12 outputs, max |ours - TFLite| = \(difference) (\(threads) threads)")
        }
    }

    @Test func everyIntermediateOfImageZeroMatchesTFLite() throws {
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_float.golden.safetensors"))
        let graph = try ModelLoader.graph(contentsOf: SharedData.url("models/vww_96_float.tflite"))
        let references = golden.names.filter { $0.hasPrefix("op") }.sorted()
        #expect(references.count == 31)
        #expect(graph.operations.count == references.count)
        let all = try golden.floatTensor("input")
        let image = try Tensor(shape: [1, 96, 96, 3], scalars: Array(all.scalars.prefix(96 * 96 * 3)))
        var worst: (Float, String) = (0, "")
        _ = try InferenceSession(graph: graph).run(image) { index, output in
            guard index < references.count else { return }
            let name = references[index]
            #expect(name.hasSuffix("_" + graph.operations[index].name), "operator \(index): \(name) vs \(graph.operations[index].name)")
            guard let reference = try? golden.floatTensor(name) else { return }
            let difference = Self.check(output, reference, name)
            if difference > worst.0 { worst = (difference, name) }
        }
        print("golden vww_96_float: 31 intermediates, largest difference \(worst.0) at \(worst.1)")
    }

    @Test func theInt8ModelIsRejectedByTheFloatEngineInOneLine() throws {
        #expect {
            _ = try ModelLoader.graph(contentsOf: SharedData.url("models/vww_96_int8.tflite"))
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("unsupported:") && text.contains("INT8") && !text.contains("\n")
        }
    }
}
