import Foundation
import Testing
import MobileNet

/// The int8 engine on the MLPerf Tiny visual-wake-words MobileNet (α = 0.25, 96×96, fully
/// quantized) against what TFLite's reference kernels computed (../shared/golden): every output
/// and every intermediate must be bit-identical.
@Suite(.enabled(if: SharedData.required)) struct Int8GoldenTests {
    static func graph() throws -> QuantizedGraph {
        guard case .int8(let graph) = try ModelLoader.load(contentsOf: SharedData.url("models/vww_96_int8.tflite")) else {
            throw MobileNetError.unsupported("vww_96_int8.tflite did not load as an int8 model")
        }
        return graph
    }

    /// The number of elements that differ, and the largest difference.
    static func mismatches(_ ours: Tensor<Int8>, _ reference: Tensor<Int8>) -> (count: Int, largest: Int) {
        var count = 0, largest = 0
        for (a, b) in zip(ours.scalars, reference.scalars) where a != b {
            count += 1
            largest = max(largest, abs(Int(a) - Int(b)))
        }
        return (count, largest)
    }

    /// One run of all 12 images on two threads: the outputs, and every operator's output for
    /// image 0 (the first image of each intermediate batch).
    @Test func allTwelveOutputsAndEveryIntermediateOfImageZeroAreBitExact() throws {
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_int8.golden.safetensors"))
        let graph = try Self.graph()
        let input = try golden.int8Tensor("input")
        let expected = try golden.int8Tensor("output")
        #expect(input.shape == [12, 96, 96, 3])
        let references = golden.names.filter { $0.hasPrefix("op") }.sorted()
        #expect(references.count == 31)
        #expect(graph.operations.count == references.count)
        var differing: [String] = []
        let output = try QuantizedSession(graph: graph, batch: 12, threads: 2).run(input) { index, batch in
            guard index < references.count else { return }
            let name = references[index]
            #expect(name.hasSuffix("_" + graph.operations[index].name), "operator \(index): \(name) vs \(graph.operations[index].name)")
            #expect(Array(batch.shape.dropFirst()) == Array(((try? golden.int8Tensor(name))?.shape ?? []).dropFirst()), "\(name): shape \(batch.shape)")
            guard let reference = try? golden.int8Tensor(name),
                  let first = try? Tensor(shape: reference.shape, scalars: Array(batch.scalars.prefix(reference.count))) else { return }
            let (count, largest) = Self.mismatches(first, reference)
            if count > 0 { differing.append("\(name): \(count) differ by up to \(largest)") }
        }
        #expect(differing.isEmpty, "\(differing.joined(separator: "; "))")
        #expect(output.shape == expected.shape)
        let (count, largest) = Self.mismatches(output, expected)
        #expect(count == 0, "\(count) of \(expected.count) outputs differ (by up to \(largest))")
    }

    @Test func theFloatInterfaceIsTFLitesQuantizeAndDequantize() throws {
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_int8.golden.safetensors"))
        let session = try QuantizedSession(graph: try Self.graph())
        let input = try golden.int8Tensor("input")
        // The images were quantized from [0, 1] with scale 1/255 and zero point -128, so the
        // real pixels quantize back to the same int8 values.
        let real = try Tensor(shape: input.shape, scalars: input.scalars.map { Float(Int32($0) + 128) / 255 })
        #expect(session.quantize(real) == input)
        // Output scale 1/256, zero point -128: probabilities in steps of 1/256.
        let output = try golden.int8Tensor("output")
        #expect(session.dequantize(output).scalars == output.scalars.map { Float(Int32($0) + 128) / 256 })
    }
}
