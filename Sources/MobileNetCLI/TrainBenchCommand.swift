import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet train-bench`: training throughput on random data (compute only), and with
/// `--data` the data pipeline alone and training fed by it.
struct TrainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-bench",
        abstract: "Time training steps (forward, backward, SGD update) on random images: median step time and images/s.",
        discussion: """
            With --data (an image-folder dataset: DIR/train/<class>/... or class folders), also \
            times the data pipeline as train runs it (images decoded once into memory, then per \
            batch a random crop with 4 pixels of reflect padding, a flip, the bilinear resize to \
            --resolution and the normalisation, prepared ahead on the loader's thread): its \
            images/s alone, and training steps fed by it with the time the network waited.
            """)

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

    @Option(help: "Image-folder dataset: also time the data pipeline alone and training fed by it.")
    var data: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard steps >= 1 else { throw MobileNetError.invalidArgument("--steps must be at least 1") }
            var pipeline: DataPipeline?
            if let data { pipeline = try DataPipeline(folder: data, resolution: resolution, batch: batch, threads: threads) }
            let classCount = pipeline?.images.classNames.count ?? classes
            let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution, classes: classCount))
            let network = try TrainingNetwork(model: .initialized(architecture, seed: 1), batch: batch, threads: threads)
            let optimizer = try Optimizer(settings: .sgd())
            var rng = SeededGenerator(seed: 2)
            let input = (0..<network.inputCount).map { _ in rng.normal() }
            let labels = (0..<batch).map { _ in Int32(rng.next() % UInt64(classCount)) }
            let clock = ContinuousClock()
            var times: [Double] = []
            for index in 0..<(steps + 2) {
                let elapsed = clock.measure {
                    _ = network.step(input, labels: labels, labelSmoothing: 0.1, dropoutSeed: UInt64(index))
                    optimizer.step(network.parameters, learningRate: 0.01)
                }
                if index >= 2 { times.append(elapsed.seconds * 1e3) }
            }
            let median = Self.median(times)
            let imagesPerSecond = Double(batch) * 1000 / median
            var fed: DataPipeline.Fed?
            if let pipeline {
                fed = try pipeline.train(network, optimizer: optimizer, steps: steps)
            }
            if json {
                var fields = ["\"alpha\":\(alpha)", "\"batch\":\(batch)", "\"images_per_second\":\(imagesPerSecond)",
                              "\"median_step_ms\":\(median)", "\"resolution\":\(resolution)", "\"steps\":\(steps)",
                              "\"threads\":\(threads)"]
                if let pipeline, let fed {
                    fields += ["\"data_decode_images_per_second\":\(pipeline.decodeImagesPerSecond)",
                               "\"data_only_images_per_second\":\(pipeline.loaderImagesPerSecond)",
                               "\"with_data_images_per_second\":\(fed.imagesPerSecond)",
                               "\"with_data_wait_ms_per_step\":\(fed.waitMillisecondsPerStep)"]
                }
                print("{" + fields.sorted().joined(separator: ",") + "}")
            } else {
                print("training α=\(alpha) \(resolution)x\(resolution), batch \(batch), \(threads) thread\(threads == 1 ? "" : "s"): "
                      + "median step \(fixed(median, 1)) ms, \(fixed(imagesPerSecond, 0)) images/s over \(steps) steps (random data)")
                if let pipeline, let fed {
                    print("data: \(pipeline.images.count) images decoded at \(fixed(pipeline.decodeImagesPerSecond, 0)) images/s; "
                          + "the loader alone (crop, flip, resize, normalise) \(fixed(pipeline.loaderImagesPerSecond, 0)) images/s")
                    print("training fed by the loader: \(fixed(fed.imagesPerSecond, 0)) images/s over \(fed.steps) steps, "
                          + "the network waited \(fixed(fed.waitMillisecondsPerStep, 2)) ms per step for data")
                }
            }
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// The training data pipeline of `train` on a dataset, timed: decoding into memory, the loader
/// alone, and training steps fed by the loader.
private struct DataPipeline {
    let images: DecodedImageSet
    let transform: ImageTransform
    let augmentation: TrainingAugmentation
    let batch: Int
    let decodeImagesPerSecond: Double
    /// Batches the loader prepares per second with nothing consuming them, × batch.
    let loaderImagesPerSecond: Double

    /// Training fed by the loader: throughput and the network's wait for data.
    struct Fed {
        let steps: Int
        let imagesPerSecond: Double
        let waitMillisecondsPerStep: Double
    }

    init(folder: String, resolution: Int, batch: Int, threads: Int) throws {
        let root = URL(fileURLWithPath: folder)
        let train = (try? ImageFolderDataset.splitFolders(in: root).train) ?? root
        let clock = ContinuousClock()
        let start = clock.now
        images = try DecodedImageSet(decoding: ImageFolderDataset(root: train), threads: threads)
        decodeImagesPerSecond = Double(images.count) / (clock.now - start).seconds
        transform = try ImageTransform(resolution: resolution, normalization: PixelNormalization(statisticsOf: images))
        augmentation = TrainingAugmentation(cropSize: images.width, padding: 4, horizontalFlip: true)
        self.batch = batch
        let loader = try BatchLoader(images: images, transform: transform, mode: .training(augmentation), batchSize: batch,
                                     seed: 1, dropLast: true, threads: 1, prefetch: 2)
        guard loader.batchCount >= 1 else {
            throw MobileNetError.invalidArgument("\(images.count) images make no batch of \(batch)")
        }
        let loadStart = clock.now
        var loaded = 0
        while let next = loader.next() { loaded += next.count }
        loaderImagesPerSecond = Double(loaded) / (clock.now - loadStart).seconds
    }

    /// Up to `steps` training steps (fewer if the data has fewer batches) on the loader's batches.
    func train(_ network: TrainingNetwork, optimizer: Optimizer, steps: Int) throws -> Fed {
        let loader = try BatchLoader(images: images, transform: transform, mode: .training(augmentation), batchSize: batch,
                                     seed: 2, dropLast: true, threads: 1, prefetch: 2)
        let clock = ContinuousClock()
        let start = clock.now
        var waited = Duration.zero, done = 0
        while done < steps {
            let waitStart = clock.now
            guard let next = loader.next() else { break }
            waited += clock.now - waitStart
            _ = next.labels.withUnsafeBufferPointer { labels in
                network.step(next.images.baseAddress!, labels: labels.baseAddress!, labelSmoothing: 0.1, dropoutSeed: UInt64(done))
            }
            optimizer.step(network.parameters, learningRate: 0.01)
            done += 1
        }
        let seconds = (clock.now - start).seconds
        return Fed(steps: done, imagesPerSecond: Double(done * batch) / seconds,
                   waitMillisecondsPerStep: waited.seconds * 1e3 / Double(max(1, done)))
    }
}
