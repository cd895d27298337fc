import ArgumentParser
import Foundation
import MobileNet

/// `mobilenet profile`: where the time goes, layer by layer.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Per-layer median time, GFLOP/s and share of the machine's measured FMA peak.")

    @Option(help: "Model file (.tflite or .safetensors). Without it, a random-weight MobileNet of --alpha/--resolution.")
    var model: String?

    @Option(help: "Width multiplier of the random-weight model.")
    var alpha: Double = 1

    @Option(help: "Input resolution of the random-weight model.")
    var resolution: Int = 224

    @Option(help: "Images per batch.")
    var batch: Int = 1

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Option(help: "Timed runs per layer (after warm-up).")
    var runs: Int = 30

    func run() throws {
        try reportingErrors {
            let graph: InferenceGraph
            if let model {
                graph = try ModelLoader.graph(contentsOf: URL(fileURLWithPath: model))
            } else {
                let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution))
                graph = try InferenceGraph(MobileNetModel.random(architecture, seed: 1))
            }
            let session = try InferenceSession(graph: graph, batch: batch, threads: threads)
            var rng = SeededGenerator(seed: 1)
            let shape = [batch] + graph.inputShape
            let input = try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(0, 1) })
            _ = try session.profile(input, runs: 3)
            let times = try session.profile(input, runs: runs)
            let costs = graph.multiplyAdds()
            let shapes = try graph.shapes()
            let total = times.reduce(0, +)
            print("layer  op                  output            mult-adds    median ms   share   GFLOP/s")
            for (index, op) in graph.operations.enumerated() {
                let flops = 2 * Double(costs[index] * batch)
                let gflops = times[index] > 0 ? flops / times[index] / 1e9 : 0
                print(String(format: "%5d  %-18@  %-14@ %12d  %10.3f  %5.1f%%  %8.1f",
                             index, op.name as NSString, shapes[index].map(String.init).joined(separator: "x") as NSString,
                             costs[index] * batch, times[index] * 1e3, 100 * times[index] / total, gflops))
            }
            let allFlops = 2 * Double(costs.reduce(0, +) * batch)
            print(String(format: "total  %.3f ms (sum of layer medians), %.1f GFLOP/s", total * 1e3, allFlops / total / 1e9))
        }
    }
}
