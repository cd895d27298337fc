import Foundation
import Testing
import MobileNet

/// Keras MobileNets (α = 0.2: no channel count a multiple of 16) fully quantized by the TFLite
/// converter, with what TFLite's reference kernels computed on them
/// (scripts/fixtures/make_int8_fixtures.py): a classifier head (MEAN, 1x1 conv, RESHAPE,
/// SOFTMAX), PAD with the zero point before stride-2 depthwise on odd maps, a non-square input,
/// and a float interface through QUANTIZE / DEQUANTIZE. Outputs and every intermediate of image
/// 0 must be bit-identical.
@Suite struct Int8FixtureTests {
    static let fixtures = ["a020_64x64_c5", "a020_48x40_notop", "a020_35x51_avg_float_io"]

    static func load(_ name: String) throws -> (QuantizedGraph, SafeTensors) {
        guard case .int8(let graph) = try ModelLoader.load(contentsOf: SharedData.fixture("int8/\(name).tflite")) else {
            throw MobileNetError.unsupported("\(name).tflite did not load as an int8 model")
        }
        return (graph, try SafeTensors(contentsOf: SharedData.fixture("int8/\(name).safetensors")))
    }

    @Test(arguments: fixtures)
    func outputsAreBitExact(_ name: String) throws {
        let (graph, data) = try Self.load(name)
        for threads in [1, 2] {
            if graph.takesFloatInput {
                let input = try data.floatTensor("input")
                let output = try QuantizedSession(graph: graph, batch: 2, threads: threads).run(input)
                let expected = try data.floatTensor("output")
                #expect(output == expected, "\(name), \(threads) threads: float outputs differ")
            } else {
                let input = try data.int8Tensor("input")
                let output = try QuantizedSession(graph: graph, batch: 2, threads: threads).run(input)
                let expected = try data.int8Tensor("output")
                #expect(output.shape == expected.shape, "\(name): \(output.shape) vs \(expected.shape)")
                #expect(output.scalars == expected.scalars, "\(name), \(threads) threads: int8 outputs differ")
            }
        }
    }

    @Test(arguments: fixtures)
    func everyIntermediateIsBitExact(_ name: String) throws {
        let (graph, data) = try Self.load(name)
        let references = data.names.filter { $0.hasPrefix("op") }.sorted()
        #expect(references.count == graph.operations.count)
        let session = try QuantizedSession(graph: graph)
        let input: Tensor<Int8>
        if graph.takesFloatInput {
            let all = try data.floatTensor("input")
            input = session.quantize(try Tensor(shape: [1] + graph.inputShape,
                                                scalars: Array(all.scalars.prefix(graph.inputShape.reduce(1, *)))))
        } else {
            let all = try data.int8Tensor("input")
            input = try Tensor(shape: [1] + graph.inputShape, scalars: Array(all.scalars.prefix(graph.inputShape.reduce(1, *))))
        }
        var differing: [String] = []
        _ = try session.run(input) { index, output in
            guard index < references.count, let reference = try? data.int8Tensor(references[index]) else { return }
            #expect(references[index].hasSuffix("_" + graph.operations[index].name))
            if output.scalars != reference.scalars || output.count != reference.count {
                let count = zip(output.scalars, reference.scalars).filter { $0 != $1 }.count
                differing.append("\(references[index]): \(count) of \(reference.count) differ")
            }
        }
        #expect(differing.isEmpty, "\(name): \(differing.joined(separator: "; "))")
    }

    @Test func operatorsOfTheFixturesAreTheExpectedOnes() throws {
        let names = try Self.fixtures.map { try Self.load($0).0.operations.map(\.name) }
        #expect(names[0].suffix(4) == ["mean", "conv_2d", "reshape", "softmax"])
        #expect(names[1].contains("pad") && names[2].contains("pad"))
        #expect(names[2].last == "mean")
        #expect(try Self.load(Self.fixtures[2]).0.takesFloatInput && Self.load(Self.fixtures[2]).0.returnsFloatOutput)
    }
}
