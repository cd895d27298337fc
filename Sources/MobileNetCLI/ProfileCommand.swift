import ArgumentParser
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
            let loaded = try LoadedSession(model: model, alpha: alpha, resolution: resolution,
                                           batch: batch, threads: threads)
            let input = try loaded.randomInput(batch: batch)
            _ = try loaded.session.profile(input, runs: 3)
            let times = try loaded.session.profile(input, runs: runs)
            let costs = loaded.multiplyAdds, shapes = loaded.outputShapes
            let total = times.reduce(0, +)
            print("layer  op                  output            mult-adds    median ms   share   GFLOP/s")
            for (index, opName) in loaded.operationNames.enumerated() {
                let flops = 2 * Double(costs[index] * batch)
                let gflops = times[index] > 0 ? flops / times[index] / 1e9 : 0
                let shape = shapes[index].map(String.init).joined(separator: "x")
                print(rightAligned("\(index)", 5) + "  " + leftAligned(opName, 18) + "  " + leftAligned(shape, 14)
                      + " " + rightAligned("\(costs[index] * batch)", 12) + "  " + rightAligned(fixed(times[index] * 1e3, 3), 10)
                      + "  " + rightAligned(fixed(100 * times[index] / total, 1), 5) + "%  " + rightAligned(fixed(gflops, 1), 8))
            }
            let allFlops = 2 * Double(costs.reduce(0, +) * batch)
            print("total  \(fixed(total * 1e3, 3)) ms (sum of layer medians), \(fixed(allFlops / total / 1e9, 1)) GFLOP/s")
        }
    }
}
