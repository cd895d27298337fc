import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet train-bench`: training throughput on random data (compute only, no data pipeline).
struct TrainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-bench",
        abstract: "Time training steps (forward, backward, SGD update) on random images: median step time and images/s.")

    @Option(help: "Width multiplier α.")
    var alpha: Double = 1

    @Option(help: "Input resolution.")
    var resolution: Int = 32

    @Option(help: "Classes.")
    var classes: Int = 10

    @Option(help: "Images per step.")
    var batch: Int = 128

    @Option(help: "Threads.")
    var threads: Int = 2

    @Option(help: "Timed steps (after 2 warm-up steps).")
    var steps: Int = 10

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard steps >= 1 else { throw MobileNetError.invalidArgument("--steps must be at least 1") }
            let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution, classes: classes))
            let network = try TrainingNetwork(model: .initialized(architecture, seed: 1), batch: batch, threads: threads)
            let optimizer = try Optimizer(settings: .sgd())
            var rng = SeededGenerator(seed: 2)
            let input = (0..<network.inputCount).map { _ in rng.normal() }
            let labels = (0..<batch).map { _ in Int32(rng.next() % UInt64(classes)) }
            let clock = ContinuousClock()
            var times: [Double] = []
            for index in 0..<(steps + 2) {
                let elapsed = clock.measure {
                    _ = network.step(input, labels: labels, labelSmoothing: 0.1, dropoutSeed: UInt64(index))
                    optimizer.step(network.parameters, learningRate: 0.01)
                }
                if index >= 2 { times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15) }
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            let imagesPerSecond = Double(batch) * 1000 / median
            if json {
                print("{\"alpha\":\(alpha),\"batch\":\(batch),\"images_per_second\":\(imagesPerSecond),\"median_step_ms\":\(median),\"resolution\":\(resolution),\"steps\":\(steps),\"threads\":\(threads)}")
            } else {
                print("training α=\(alpha) \(resolution)x\(resolution), batch \(batch), \(threads) thread\(threads == 1 ? "" : "s"): "
                      + "median step \(fixed(median, 1)) ms, \(fixed(imagesPerSecond, 0)) images/s over \(steps) steps")
            }
        }
    }
}
