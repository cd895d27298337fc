import Foundation
import Testing
@testable import MobileNet

/// A short real training run on 100 CIFAR-10 JPEGs from ../shared (airplanes and frogs): the
/// loss falls, accuracy beats chance, and a run resumed from a checkpoint file continues with
/// the same bits. Small on purpose: the tests run in a debug build.
@Suite(.enabled(if: SharedData.required)) struct TrainingSmokeTests {
    /// Extracts the members matching `patterns` (e.g. `train/frog/00[0-4]?.jpg`) from the
    /// shared tarball into a new temporary folder.
    static func cifarSubset(_ patterns: [String]) throws -> URL {
        let archive = try SharedData.url("datasets/cifar10-jpeg.tar.gz")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["tar", "-xzf", archive.path, "-C", folder.path]
        #if os(Linux)
        arguments.append("--wildcards")  // GNU tar; bsdtar matches patterns by default
        #endif
        tar.arguments = arguments + patterns
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0, "tar failed to extract the CIFAR-10 subset")
        return folder
    }

    static func settings(epochs: Int) -> TrainingSettings {
        var model = MobileNetConfig(alpha: 0.25, height: 32, classes: 2)
        model.dropout = 0
        return TrainingSettings(model: model, epochs: epochs, batchSize: 20, optimizer: .adam(),
                                schedule: .constant(rate: 5e-3), labelSmoothing: 0.1, seed: 7,
                                cropPadding: 0, horizontalFlip: false, batchNormMomentum: 0.9)
    }

    @Test func lossFallsAccuracyBeatsChanceAndResumeIsBitExact() throws {
        let root = try Self.cifarSubset(["train/airplane/00[0-4]?.jpg", "train/frog/00[0-4]?.jpg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let train = try DecodedImageSet(decoding: ImageFolderDataset(root: root.appendingPathComponent("train")), threads: 2)
        #expect(train.count == 100 && train.classNames == ["airplane", "frog"])
        let normalization = try PixelNormalization(statisticsOf: train)

        let settings = Self.settings(epochs: 8)
        let trainer = try Trainer(settings: settings, train: train, threads: 2, normalization: normalization)
        var losses: [Double] = []
        for _ in 0..<4 { losses.append(try trainer.trainEpoch().loss) }
        let checkpointURL = root.appendingPathComponent("checkpoint.safetensors")
        try trainer.checkpoint().write(to: checkpointURL)
        var last = try trainer.trainEpoch()
        var tail = [last.loss]
        for _ in 0..<3 { last = try trainer.trainEpoch(); tail.append(last.loss) }
        losses += tail
        print("smoke: train loss by epoch \(losses), last epoch top-1 \(last.top1)")
        #expect(losses[7] < losses[0], "the training loss did not fall: \(losses)")
        #expect(last.top1 > 0.6, "training accuracy \(last.top1) is not above chance (0.5)")

        // Resume from the file written after epoch 4, on one thread: the same bits.
        let checkpoint = try TrainingCheckpoint(contentsOf: checkpointURL)
        #expect(checkpoint.epochsCompleted == 4 && checkpoint.settings == settings)
        let resumed = try Trainer(settings: settings, train: train, threads: 1, normalization: normalization, resuming: checkpoint)
        let resumedTail = try (0..<4).map { _ in try resumed.trainEpoch().loss }
        #expect(resumedTail == tail, "resumed losses \(resumedTail) differ from \(tail)")
        let a = try trainer.network.model().weights, b = try resumed.network.model().weights
        #expect(a.keys.allSatisfy { a[$0]!.scalars == b[$0]!.scalars }, "resumed weights differ")
    }

    @Test func resumingWithOtherSettingsIsRefused() throws {
        let root = try Self.cifarSubset(["train/airplane/000[0-3].jpg", "train/frog/000[0-3].jpg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let train = try DecodedImageSet(decoding: ImageFolderDataset(root: root.appendingPathComponent("train")))
        let normalization = try PixelNormalization(statisticsOf: train)
        var base = Self.settings(epochs: 1)
        base.batchSize = 4
        let trainer = try Trainer(settings: base, train: train, threads: 1, normalization: normalization)
        var other = base
        other.seed = 8
        #expect(throws: MobileNetError.self) {
            try Trainer(settings: other, train: train, threads: 1, normalization: normalization, resuming: trainer.checkpoint())
        }
    }
}
