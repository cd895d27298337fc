import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet bench`: latency of one model over repeated runs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model: median, min and max milliseconds per batch over repeated runs.",
        discussion: "Float and fully quantized int8 .tflite models; int8 models get a random batch quantized with their input's scale and zero point.")

    @OptionGroup var options: ModelOptions

    @Option(help: "Timed runs (after warm-up).")
    var runs: Int = 50

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try options.load()
            let batch = options.batch, threads = options.threads
            let name = loaded.name
            let input = try loaded.randomInput(batch: batch)

            let clock = ContinuousClock()
            let warmUp = max(3, runs / 10)
            for _ in 0..<warmUp { try loaded.run(input) }
            var times: [Double] = []
            for _ in 0..<runs {
                let elapsed = try clock.measure { try loaded.run(input) }
                times.append(elapsed.seconds * 1e3)
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2]
                : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            if json {
                let result = BenchResult(
                    model: name, precision: loaded.isQuantized ? "int8" : "float32", batch: batch, threads: threads, runs: runs,
                    medianMs: median, minMs: times.first!, maxMs: times.last!,
                    imagesPerSecond: Double(batch) * 1000 / median, arenaBytes: loaded.arenaBytes,
                    kernels: loaded.isQuantized ? KernelVariants.all : nil)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let data = try encoder.encode(result)
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("model \(name) (\(loaded.isQuantized ? "int8" : "float32")), batch \(batch), threads \(threads), \(runs) runs after \(warmUp) warm-up")
                print("median \(fixed(median, 3)) ms   min \(fixed(times.first!, 3)) ms   "
                      + "max \(fixed(times.last!, 3)) ms   \(fixed(Double(batch) * 1000 / median, 1)) images/s")
                if let arena = loaded.arenaBytes { print("arena \(arena) bytes (int8 runtime: activations and scratch)") }
                if loaded.isQuantized { print("kernels \(KernelVariants.all.joined(separator: ", "))") }
            }
        }
    }
}

/// What `bench --json` prints (keys sorted; scripts read `median_ms`).
private struct BenchResult: Encodable {
    let model: String
    /// "float32" or "int8".
    let precision: String
    let batch: Int
    let threads: Int
    let runs: Int
    let medianMs: Double
    let minMs: Double
    let maxMs: Double
    let imagesPerSecond: Double
    /// int8 models: the runtime's arena (activations and scratch).
    let arenaBytes: Int?
    /// int8 models: the kernel variants this build runs (`KernelVariants`, e.g.
    /// `qs8-gemm-6x16c4-avx512vnni`).
    let kernels: [String]?

    enum CodingKeys: String, CodingKey {
        case model, precision, batch, threads, runs
        case medianMs = "median_ms", minMs = "min_ms", maxMs = "max_ms"
        case imagesPerSecond = "images_per_second", arenaBytes = "arena_bytes", kernels
    }
}
