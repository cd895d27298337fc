import ArgumentParser
import MobileNet

/// `mobilenet profile`: where the time goes, layer by layer.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Per-layer median time, GFLOP/s and share of the machine's measured FMA peak.")

    @OptionGroup var options: ModelOptions

    @Option(help: "Timed runs per layer (after warm-up).")
    var runs: Int = 30

    func run() throws {
        try reportingErrors {
            let loaded = try options.load()
            let batch = options.batch
            // Peak of all the threads the layers run on: the single-thread probe × threads.
            let peak = FMAPeakProbe.gigaflops() * Double(options.threads)
            let input = try loaded.randomInput(batch: batch)
            _ = try loaded.profile(input, runs: 3)
            let times = try loaded.profile(input, runs: runs)
            let costs = loaded.multiplyAdds, shapes = loaded.outputShapes
            let total = times.reduce(0, +)
            print("FMA peak (built-in probe, \(options.threads) thread\(options.threads == 1 ? "" : "s")): \(fixed(peak, 1)) GFLOP/s")
            if loaded.isQuantized {
                print("int8 model: GFLOP/s counts 2 integer operations per multiply-add; % peak is against the float FMA peak")
            }
            print("layer  op                  output            mult-adds    median ms   share   GFLOP/s  % peak")
            for (index, opName) in loaded.operationNames.enumerated() {
                let flops = 2 * Double(costs[index] * batch)
                let gflops = times[index] > 0 ? flops / times[index] / 1e9 : 0
                let shape = shapes[index].map(String.init).joined(separator: "x")
                print(rightAligned("\(index)", 5) + "  " + leftAligned(opName, 18) + "  " + leftAligned(shape, 14)
                      + " " + rightAligned("\(costs[index] * batch)", 12) + "  " + rightAligned(fixed(times[index] * 1e3, 3), 10)
                      + "  " + rightAligned(fixed(100 * times[index] / total, 1), 5) + "%  " + rightAligned(fixed(gflops, 1), 8)
                      + "  " + rightAligned(fixed(100 * gflops / peak, 1), 5) + "%")
            }
            let allFlops = 2 * Double(costs.reduce(0, +) * batch)
            let overall = allFlops / total / 1e9
            print("total  \(fixed(total * 1e3, 3)) ms (sum of layer medians), \(fixed(overall, 1)) GFLOP/s, \(fixed(100 * overall / peak, 1))% of peak")
        }
    }
}
