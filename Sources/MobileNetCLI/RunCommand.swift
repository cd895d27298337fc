import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet run`: one batch through a model, safetensors in and out.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on the tensor `input` of a safetensors file and write tensor `output`.",
        discussion: """
            Float models take an F32 `input`. Fully quantized int8 .tflite models take an F32 \
            `input` (quantized with the model input's scale and zero point, as TFLite's QUANTIZE \
            does) or an I8 `input` (used as given); their `output` is dequantized to F32 with the \
            output's scale and zero point, or written as the raw I8 values with --raw. The int8 \
            arithmetic is bit-exact with TFLite's reference kernels.
            """)

    @Option(help: "Model: a .tflite (float or int8) or one of our .safetensors weight files.")
    var model: String

    @Option(help: "Safetensors file with a tensor `input` [N, H, W, C]: F32, or I8 for int8 models.")
    var input: String

    @Option(help: "Safetensors file to write with the tensor `output`.")
    var output: String

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Flag(help: "int8 models: write the output as I8 values instead of dequantized F32.")
    var raw = false

    func run() throws {
        try reportingErrors {
            let loaded = try ModelLoader.load(contentsOf: URL(fileURLWithPath: model))
            let inputFile = try SafeTensors(contentsOf: URL(fileURLWithPath: input))
            guard let rawInput = inputFile["input"] else {
                throw MobileNetError.missingTensor("input' in '\(input)")
            }
            let images = rawInput.shape.first ?? 1
            let clock = ContinuousClock()
            var result = SafeTensors()
            var shape: [Int] = []
            let elapsed: Duration
            switch loaded {
            case .float(let graph):
                guard !raw else { throw MobileNetError.invalidArgument("--raw applies to int8 models; \(model) is a float model") }
                let x = try inputFile.floatTensor("input")
                let session = try InferenceSession(graph: graph, batch: max(1, images), threads: threads)
                var y = Tensor<Float>(repeating: 0, shape: [])
                elapsed = try clock.measure { y = try session.run(x) }
                result.set("output", y)
                shape = y.shape
            case .int8(let graph):
                let session = try QuantizedSession(graph: graph, batch: max(1, images), threads: threads)
                let x = rawInput.type == .int8 ? try inputFile.int8Tensor("input") : session.quantize(try inputFile.floatTensor("input"))
                var y = Tensor<Int8>(repeating: 0, shape: [])
                elapsed = try clock.measure { y = try session.run(x) }
                if raw { result.set("output", y) } else { result.set("output", session.dequantize(y)) }
                shape = y.shape
            }
            try result.write(to: URL(fileURLWithPath: output))
            let ms = elapsed.seconds * 1e3
            print("wrote output \(shape) to \(output) (\(images) images in \(fixed(ms, 1)) ms, \(threads) thread\(threads == 1 ? "" : "s"))")
        }
    }
}
