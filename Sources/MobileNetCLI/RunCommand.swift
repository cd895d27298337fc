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
        abstract: "Run a model on the tensor `input` of a safetensors file and write tensor `output`.")

    @Option(help: "Model: a .tflite (float) or one of our .safetensors weight files.")
    var model: String

    @Option(help: "Safetensors file with an F32 tensor `input` [N, H, W, C].")
    var input: String

    @Option(help: "Safetensors file to write with the tensor `output`.")
    var output: String

    @Option(help: "Worker threads.")
    var threads: Int = 1

    func run() throws {
        try reportingErrors {
            let graph = try ModelLoader.graph(contentsOf: URL(fileURLWithPath: model))
            let inputFile = try SafeTensors(contentsOf: URL(fileURLWithPath: input))
            guard inputFile["input"] != nil else {
                throw MobileNetError.missingTensor("input' in '\(input)")
            }
            let x = try inputFile.floatTensor("input")
            let session = try InferenceSession(graph: graph, batch: x.shape.first ?? 1, threads: threads)
            let clock = ContinuousClock()
            var y = Tensor<Float>(repeating: 0, shape: [])
            let elapsed = try clock.measure { y = try session.run(x) }
            var result = SafeTensors()
            result.set("output", y)
            try result.write(to: URL(fileURLWithPath: output))
            let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
            print("wrote output \(y.shape) to \(output) (\(x.shape.first ?? 0) images in \(fixed(ms, 1)) ms, \(threads) thread\(threads == 1 ? "" : "s"))")
        }
    }
}
