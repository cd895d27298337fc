import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet train`: trains a MobileNet v1 on an image-folder dataset.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a MobileNet v1 from scratch on image folders (DIR/train/<class>/*.jpg|png, DIR/test or DIR/val).",
        discussion: """
            The defaults are the CIFAR-10 recipe of the README: α 0.5 at 64x64, batch 128, SGD with \
            Nesterov momentum 0.9, one-cycle learning rate peaking at 0.1 (15% warm-up), weight decay \
            5e-4 except on depthwise filters, batch norm and biases, label smoothing 0.1, random crops \
            with 4 pixels of reflect padding and horizontal flips, batch-norm momentum 0.9, 12 epochs.
            RUNDIR receives checkpoint.safetensors (every epoch, written atomically; a model file \
            that run, bench and eval take), metrics.jsonl and curves.svg, and at the end \
            model.safetensors (the model without optimizer state). --resume continues the run in \
            RUNDIR bit for bit with the settings stored in its checkpoint.
            """)

    @Option(help: "Dataset folder with train/ and test/ (or val/) image folders.")
    var data: String

    @Option(help: "Run folder for the checkpoint, metrics and curves.")
    var out: String

    @Flag(help: "Continue the run in --out from its checkpoint (the stored settings win).")
    var resume = false

    @Option(help: "Width multiplier α.")
    var alpha: Double = 0.5

    @Option(help: "Training resolution (images are resized to it after augmentation).")
    var resolution: Int = 64

    @Option(help: "Epochs.")
    var epochs: Int = 12

    @Option(help: "Images per batch.")
    var batch: Int = 128

    @Option(help: "Optimizer: sgd, rmsprop, adam or adamw.")
    var optimizer: String = "sgd"

    @Option(help: "Peak learning rate.")
    var lr: Double = 0.1

    @Option(help: "Momentum (SGD, RMSProp).")
    var momentum: Double = 0.9

    @Option(help: "Weight decay (none on depthwise filters, batch norm and biases).")
    var weightDecay: Double = 5e-4

    @Option(help: "Learning-rate schedule: \(LearningRateSchedule.syntax).")
    var schedule: String = "onecycle:0.15"

    @Option(help: "Label smoothing.")
    var labelSmoothing: Double = 0.1

    @Option(help: "Pixels of reflect padding around the random crop (0: no crop).")
    var cropPadding: Int = 4

    @Flag(help: "No random horizontal flips.")
    var noFlip = false

    @Option(help: "Batch-norm momentum, Keras' convention (running = m · running + (1 − m) · batch); 0.9 is PyTorch's default, Keras uses 0.99.")
    var batchNormMomentum: Double = 0.9

    @Option(help: "Dropout before the classifier.")
    var dropout: Double = 1e-3

    @Option(help: "Seed of the weights, data order, augmentation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Threads.")
    var threads: Int = 2

    @Option(help: "Use only the first N images of each class (by file name) in each split, e.g. for a quick try.")
    var limitPerClass: Int?

    func run() throws {
        try reportingErrors {
            let runDirectory = URL(fileURLWithPath: out)
            let checkpointURL = runDirectory.appendingPathComponent("checkpoint.safetensors")
            let checkpoint = resume ? try TrainingCheckpoint(contentsOf: checkpointURL) : nil
            let settings = try checkpoint?.settings ?? makeSettings()
            try settings.validate()
            let modelURL = runDirectory.appendingPathComponent("model.safetensors")
            if let checkpoint, checkpoint.epochsCompleted >= settings.epochs {
                try checkpoint.modelFile().write(to: modelURL)
                print("the run in \(out) already completed its \(settings.epochs) epochs; wrote \(modelURL.path)")
                return
            }

            let (trainFolder, testFolder) = try ImageFolderDataset.splitFolders(in: URL(fileURLWithPath: data))
            let train = try load(trainFolder, "training")
            let test = try load(testFolder, "test")
            guard train.classNames == test.classNames else {
                throw MobileNetError.invalidArgument("train/ and \(testFolder.lastPathComponent)/ have different classes")
            }
            let normalization = try checkpoint?.normalization ?? PixelNormalization(statisticsOf: train)
            var settingsForData = settings
            settingsForData.model.classes = train.classNames.count
            guard settingsForData == settings || checkpoint == nil else {
                throw MobileNetError.shapeMismatch("the checkpoint's model has \(settings.model.classes) classes, the data \(train.classNames.count)")
            }
            let trainer = try Trainer(settings: settingsForData, train: train, threads: threads,
                                      normalization: normalization, resuming: checkpoint)
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            let log = resume ? try MetricsLog(resumingIn: out, afterEpoch: trainer.epochsCompleted)
                : try MetricsLog(creatingIn: out)
            let config = settingsForData.model
            print("training α=\(config.alpha) \(config.height)x\(config.width), \(config.classes) classes, "
                  + "\(train.count) training / \(test.count) test images, batch \(settingsForData.batchSize), "
                  + "\(trainer.stepsPerEpoch) steps per epoch, \(threads) thread\(threads == 1 ? "" : "s")"
                  + (resume ? ", resuming after epoch \(trainer.epochsCompleted)" : ""))

            while trainer.epochsCompleted < settingsForData.epochs {
                let epoch = trainer.epochsCompleted + 1
                let bar = ProgressBar(label: "epoch \(epoch)/\(settingsForData.epochs)", total: trainer.stepsPerEpoch)
                let result = try trainer.trainEpoch { p in
                    bar.update(step: p.step, loss: p.loss, accuracy: p.top1, imagesPerSecond: p.imagesPerSecond)
                }
                bar.finish()
                let report = try trainer.evaluate(test)
                try trainer.checkpoint().write(to: checkpointURL)
                try log.append(EpochMetrics(
                    epoch: epoch, step: epoch * trainer.stepsPerEpoch, learningRate: result.learningRate,
                    trainLoss: result.loss, trainTop1: result.top1, valLoss: report.meanLoss,
                    valTop1: report.top1Accuracy, valTop5: report.topKAccuracy,
                    imagesPerSecond: result.imagesPerSecond, epochSeconds: result.seconds,
                    dataSeconds: result.dataWaitSeconds))
                _ = try CurveChart(title: "MobileNet v1 α=\(config.alpha) \(config.height)x\(config.width)",
                                   records: log.records).write(inRunDirectory: out)
                print("epoch \(epoch): train loss \(fixed(result.loss, 4)) top-1 \(fixed(100 * result.top1, 2))%, "
                      + "test loss \(fixed(report.meanLoss, 4)) top-1 \(fixed(100 * report.top1Accuracy, 2))% "
                      + "top-\(report.k) \(fixed(100 * report.topKAccuracy, 2))%, \(fixed(result.seconds, 1)) s "
                      + "(\(fixed(result.imagesPerSecond, 0)) images/s, \(fixed(result.dataWaitSeconds, 2)) s waiting for data)")
                fflush(nil)  // the epoch's line reaches a log file now, not at exit
            }
            try trainer.checkpoint().modelFile().write(to: modelURL)
            print("wrote \(modelURL.path) (the model), \(checkpointURL.lastPathComponent) (to resume), metrics.jsonl and curves.svg in \(out)")
        }
    }

    private func makeSettings() throws -> TrainingSettings {
        guard let kind = OptimizerKind(rawValue: optimizer) else {
            throw MobileNetError.invalidArgument("unknown optimizer '\(optimizer)' (sgd, rmsprop, adam or adamw)")
        }
        var optimizerSettings = OptimizerSettings.defaults(for: kind)
        optimizerSettings.weightDecay = weightDecay
        if kind == .sgd || kind == .rmsprop { optimizerSettings.momentum = momentum }
        let model = MobileNetConfig(alpha: alpha, height: resolution, classes: 2, dropout: dropout)
        return TrainingSettings(model: model, epochs: epochs, batchSize: batch, optimizer: optimizerSettings,
                                schedule: try LearningRateSchedule(parsing: schedule, learningRate: Float(lr)),
                                labelSmoothing: labelSmoothing, seed: seed, cropPadding: cropPadding,
                                horizontalFlip: !noFlip, batchNormMomentum: batchNormMomentum)
    }

    private func load(_ folder: URL, _ what: String) throws -> DecodedImageSet {
        let dataset = try ImageFolderDataset(root: folder)
        let images = try DecodedImageSet(decoding: dataset, threads: threads)
        let limited = try limitPerClass.map { try images.firstImages(perClass: $0) } ?? images
        print("decoded \(limited.count) \(what) images (\(limited.width)x\(limited.height)) in \(fixed(images.decodeSeconds, 2)) s")
        return limited
    }
}

extension DecodedImageSet {
    /// The first `count` images of every class, in dataset order.
    func firstImages(perClass count: Int) throws -> DecodedImageSet {
        guard count >= 1 else { throw MobileNetError.invalidArgument("--limit-per-class \(count) must be at least 1") }
        var taken = [Int](repeating: 0, count: classNames.count)
        var images: [RGBImage] = [], labels: [Int32] = []
        for index in 0..<self.count where taken[Int(self.labels[index])] < count {
            taken[Int(self.labels[index])] += 1
            let bytes = Array(pixels[index * bytesPerImage..<(index + 1) * bytesPerImage])
            images.append(try RGBImage(width: width, height: height, pixels: bytes))
            labels.append(self.labels[index])
        }
        return try DecodedImageSet(images: images, labels: labels, classNames: classNames)
    }
}
