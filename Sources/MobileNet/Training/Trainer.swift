/// Trains a MobileNet on decoded image sets: epochs of shuffled, augmented batches (prepared by
/// a `BatchLoader` on its own thread while the network computes), the optimizer and learning
/// rate schedule per step, and evaluation through the inference engine.
///
/// Everything random derives from the settings' seed and the epoch and step, so a run resumed
/// from a checkpoint continues with the same bits as an uninterrupted one.
public final class Trainer {
    public let settings: TrainingSettings
    public let network: TrainingNetwork
    public let optimizer: Optimizer
    public let normalization: PixelNormalization
    public let classNames: [String]
    public private(set) var epochsCompleted: Int
    private let train: DecodedImageSet
    private let transform: ImageTransform
    private let threads: Int

    /// What one epoch did.
    public struct EpochResult: Sendable {
        public var loss: Double
        public var top1: Double
        public var imagesPerSecond: Double
        public var seconds: Double
        /// Time the network waited for the data pipeline.
        public var dataWaitSeconds: Double
        public var learningRate: Double
    }

    /// Progress within an epoch, reported after every step.
    public struct StepProgress: Sendable {
        public var step: Int
        public var steps: Int
        public var loss: Double
        public var top1: Double
        public var imagesPerSecond: Double
    }

    /// Starts a run from fresh weights, or continues `checkpoint` (whose settings must equal
    /// `settings`). The training set's class names become the model's.
    public init(settings: TrainingSettings, train: DecodedImageSet, threads: Int,
                normalization: PixelNormalization, resuming checkpoint: TrainingCheckpoint? = nil) throws {
        try settings.validate()
        guard train.classNames.count == settings.model.classes else {
            throw MobileNetError.shapeMismatch("the data has \(train.classNames.count) classes, the model \(settings.model.classes)")
        }
        guard train.count >= settings.batchSize else {
            throw MobileNetError.invalidArgument("\(train.count) training images are fewer than one batch of \(settings.batchSize)")
        }
        self.settings = settings
        self.train = train
        self.threads = threads
        self.classNames = train.classNames
        let architecture = try MobileNetArchitecture(settings.model)
        let model: MobileNetModel
        if let checkpoint {
            guard checkpoint.settings == settings else {
                throw MobileNetError.invalidArgument("the checkpoint was written with other training settings; resume with the same ones")
            }
            model = checkpoint.model
            self.normalization = checkpoint.normalization
            epochsCompleted = checkpoint.epochsCompleted
        } else {
            model = MobileNetModel.initialized(architecture, seed: settings.seed)
            self.normalization = normalization
            epochsCompleted = 0
        }
        network = try TrainingNetwork(model: model, batch: settings.batchSize, threads: threads,
                                      batchNormMomentum: Float(settings.batchNormMomentum))
        optimizer = try Optimizer(settings: settings.optimizer)
        if let checkpoint { try optimizer.restore(checkpoint.optimizerState, for: network.parameters) }
        transform = try ImageTransform(resolution: settings.model.height, normalization: self.normalization)
    }

    /// Steps in one epoch (the last partial batch is dropped).
    public var stepsPerEpoch: Int { train.count / settings.batchSize }

    /// Trains epoch `epochsCompleted` (0-based) and counts it completed.
    public func trainEpoch(progress: (StepProgress) -> Void = { _ in }) throws -> EpochResult {
        let epoch = epochsCompleted
        let augmentation = TrainingAugmentation(cropSize: train.width, padding: settings.cropPadding,
                                                horizontalFlip: settings.horizontalFlip)
        let loader = try BatchLoader(images: train, transform: transform, mode: .training(augmentation),
                                     batchSize: settings.batchSize, seed: settings.seed, epoch: epoch,
                                     dropLast: true, threads: 1, prefetch: 2)
        let steps = stepsPerEpoch, totalSteps = steps * settings.epochs
        let clock = ContinuousClock(), start = clock.now
        var waited = Duration.zero
        var lossSum = 0.0, correct = 0, seen = 0
        var learningRate: Float = 0
        for step in 0..<steps {
            let waitStart = clock.now
            guard let batch = loader.next() else { break }
            waited += clock.now - waitStart
            let globalStep = epoch * steps + step
            let (loss, hits) = batch.labels.withUnsafeBufferPointer { labels in
                network.step(batch.images.baseAddress!, labels: labels.baseAddress!,
                             labelSmoothing: Float(settings.labelSmoothing),
                             dropoutSeed: settings.seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(globalStep + 1))
            }
            guard loss.isFinite else {
                throw MobileNetError.invalidArgument("the loss diverged (\(loss)) at epoch \(epoch + 1), step \(step + 1); lower the learning rate")
            }
            learningRate = settings.schedule.learningRate(step: globalStep, totalSteps: totalSteps, stepsPerEpoch: steps)
            optimizer.step(network.parameters, learningRate: learningRate)
            lossSum += Double(loss)
            correct += hits
            seen += batch.count
            let elapsed = (clock.now - start).seconds
            progress(StepProgress(step: step + 1, steps: steps, loss: lossSum / Double(step + 1),
                                  top1: Double(correct) / Double(seen), imagesPerSecond: Double(seen) / elapsed))
        }
        epochsCompleted += 1
        let seconds = (clock.now - start).seconds
        return EpochResult(loss: lossSum / Double(steps), top1: Double(correct) / Double(seen),
                           imagesPerSecond: Double(seen) / seconds, seconds: seconds,
                           dataWaitSeconds: waited.seconds, learningRate: Double(learningRate))
    }

    /// Top-1, top-5, per-class accuracy and the confusion matrix of the current weights on
    /// `images` (running batch-norm statistics, no augmentation), through the inference engine.
    public func evaluate(_ images: DecodedImageSet) throws -> EvaluationReport {
        try Self.evaluate(network.model(classNames: classNames), on: images, normalization: normalization, threads: threads)
    }

    /// Evaluates `model` on `images` normalised by `normalization`.
    public static func evaluate(_ model: MobileNetModel, on images: DecodedImageSet, normalization: PixelNormalization,
                                threads: Int, batchSize: Int = 100) throws -> EvaluationReport {
        try evaluate(.float(InferenceGraph(model)), classNames: model.classNames, on: images,
                     normalization: normalization, threads: threads, batchSize: batchSize)
    }

    /// Evaluates a model of either engine (float, or int8 with its input quantized) on `images`,
    /// prepared as the trainer prepares evaluation images: the stored image resized bilinearly
    /// to the model's square input and normalised by `normalization`. `classNames` label the
    /// report (the data's folder names when nil).
    public static func evaluate(_ model: LoadedModel, classNames: [String]?, on images: DecodedImageSet,
                                normalization: PixelNormalization, threads: Int, batchSize: Int = 100) throws -> EvaluationReport {
        let (engine, endsWithSoftmax) = try ClassifierEngine.make(model, batch: batchSize, threads: threads)
        let input = engine.inputShape, output = engine.outputShape
        guard input.count == 3, input[0] == input[1], input[2] == 3 else {
            throw MobileNetError.unsupported("evaluation needs square RGB inputs; the model takes \(input.shapeDescription)")
        }
        guard output.count == 1, output[0] == images.classNames.count else {
            throw MobileNetError.shapeMismatch("the data has \(images.classNames.count) classes, the model outputs \(output.shapeDescription)")
        }
        let classes = output[0]
        let transform = try ImageTransform(resolution: input[0], normalization: normalization)
        var tally = try EvaluationTally(classCount: classes, k: min(5, classes))
        let loader = try BatchLoader(images: images, transform: transform, mode: .evaluation, batchSize: batchSize,
                                     threads: 1, prefetch: 2)
        while let batch = loader.next() {
            let inputs = try Tensor(shape: [batch.count] + input, scalars: Array(batch.images))
            try tally.add(try engine.run(inputs), labels: batch.labels.map(Int.init),
                          kind: endsWithSoftmax ? .probabilities : .logits)
        }
        return try EvaluationReport(tally, classNames: classNames ?? images.classNames)
    }

    /// The current state as a checkpoint.
    public func checkpoint() throws -> TrainingCheckpoint {
        TrainingCheckpoint(model: try network.model(classNames: classNames), settings: settings,
                           epochsCompleted: epochsCompleted, normalization: normalization,
                           optimizerState: optimizer.state(),
                           preprocessing: ImagePreprocessing(width: train.width, height: train.height,
                                                             centralFraction: 1, normalization: normalization))
    }
}
