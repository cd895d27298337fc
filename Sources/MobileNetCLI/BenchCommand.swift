import ArgumentParser
import Foundation
import MobileNet

/// `mobilenet bench`: latency of one model over repeated runs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model: median, min and max milliseconds per batch over repeated runs.")

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

    @Option(help: "Timed runs (after warm-up).")
    var runs: Int = 50

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedSession(model: model, alpha: alpha, resolution: resolution,
                                           batch: batch, threads: threads)
            let session = loaded.session, name = loaded.name
            let input = try loaded.randomInput(batch: batch)

            let clock = ContinuousClock()
            let warmUp = max(3, runs / 10)
            for _ in 0..<warmUp { _ = try session.run(input) }
            var times: [Double] = []
            for _ in 0..<runs {
                let elapsed = try clock.measure { _ = try session.run(input) }
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2]
                : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            if json {
                let object: [String: Any] = [
                    "model": name, "batch": batch, "threads": threads, "runs": runs,
                    "median_ms": median, "min_ms": times.first!, "max_ms": times.last!,
                    "images_per_second": Double(batch) * 1000 / median,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("model \(name), batch \(batch), threads \(threads), \(runs) runs after \(warmUp) warm-up")
                print(String(format: "median %.3f ms   min %.3f ms   max %.3f ms   %.1f images/s",
                             median, times.first!, times.last!, Double(batch) * 1000 / median))
            }
        }
    }
}
