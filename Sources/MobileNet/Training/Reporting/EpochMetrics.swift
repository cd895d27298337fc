/// What one training epoch measured: one record (one line) of a run's `metrics.jsonl`.
///
/// Accuracies are fractions in 0…1. A value that was not measured, or came out non-finite
/// (a diverged loss), is NaN in Swift and `null` in JSON, so a record always encodes.
/// JSON keys are snake_case: `epoch`, `step`, `lr`, `train_loss`, `train_top1`, `val_loss`,
/// `val_top1`, `val_top5`, `images_per_second`, `epoch_seconds`, `data_seconds`.
public struct EpochMetrics: Codable, Sendable, Equatable {
    /// The epoch, counted from 1.
    public var epoch: Int
    /// The optimizer steps taken since the start of the run, at the end of this epoch.
    public var step: Int
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Training top-1 accuracy over the epoch's batches.
    public var trainTop1: Double
    /// Mean validation loss after the epoch.
    public var valLoss: Double
    /// Validation top-1 accuracy after the epoch.
    public var valTop1: Double
    /// Validation top-5 accuracy (top-k with k = min(5, classes)) after the epoch.
    public var valTop5: Double
    /// Training images per second over the epoch (wall clock, data loading included).
    public var imagesPerSecond: Double
    /// Wall-clock seconds of the epoch's training steps.
    public var epochSeconds: Double
    /// Of `epochSeconds`, the seconds spent waiting for data.
    public var dataSeconds: Double

    public init(epoch: Int, step: Int, learningRate: Double, trainLoss: Double, trainTop1: Double,
                valLoss: Double, valTop1: Double, valTop5: Double, imagesPerSecond: Double,
                epochSeconds: Double, dataSeconds: Double) {
        self.epoch = epoch
        self.step = step
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainTop1 = trainTop1
        self.valLoss = valLoss
        self.valTop1 = valTop1
        self.valTop5 = valTop5
        self.imagesPerSecond = imagesPerSecond
        self.epochSeconds = epochSeconds
        self.dataSeconds = dataSeconds
    }

    /// Equal when every field is equal, NaN counting as equal to NaN (a record read back
    /// equals the one written).
    public static func == (a: EpochMetrics, b: EpochMetrics) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.epoch == b.epoch && a.step == b.step && same(a.learningRate, b.learningRate)
            && same(a.trainLoss, b.trainLoss) && same(a.trainTop1, b.trainTop1)
            && same(a.valLoss, b.valLoss) && same(a.valTop1, b.valTop1) && same(a.valTop5, b.valTop5)
            && same(a.imagesPerSecond, b.imagesPerSecond) && same(a.epochSeconds, b.epochSeconds)
            && same(a.dataSeconds, b.dataSeconds)
    }

    enum CodingKeys: String, CodingKey {
        case epoch, step
        case learningRate = "lr"
        case trainLoss = "train_loss"
        case trainTop1 = "train_top1"
        case valLoss = "val_loss"
        case valTop1 = "val_top1"
        case valTop5 = "val_top5"
        case imagesPerSecond = "images_per_second"
        case epochSeconds = "epoch_seconds"
        case dataSeconds = "data_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        /// A number, or NaN for `null` or a missing key.
        func number(_ key: CodingKeys) throws -> Double {
            try c.decodeIfPresent(Double.self, forKey: key) ?? .nan
        }
        epoch = try c.decode(Int.self, forKey: .epoch)
        step = try c.decode(Int.self, forKey: .step)
        learningRate = try number(.learningRate)
        trainLoss = try number(.trainLoss)
        trainTop1 = try number(.trainTop1)
        valLoss = try number(.valLoss)
        valTop1 = try number(.valTop1)
        valTop5 = try number(.valTop5)
        imagesPerSecond = try number(.imagesPerSecond)
        epochSeconds = try number(.epochSeconds)
        dataSeconds = try number(.dataSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        /// Finite numbers as themselves, anything else as `null` (JSON has no NaN).
        func put(_ value: Double, _ key: CodingKeys) throws {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(epoch, forKey: .epoch)
        try c.encode(step, forKey: .step)
        try put(learningRate, .learningRate)
        try put(trainLoss, .trainLoss)
        try put(trainTop1, .trainTop1)
        try put(valLoss, .valLoss)
        try put(valTop1, .valTop1)
        try put(valTop5, .valTop5)
        try put(imagesPerSecond, .imagesPerSecond)
        try put(epochSeconds, .epochSeconds)
        try put(dataSeconds, .dataSeconds)
    }
}
