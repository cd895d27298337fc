/// Everything that decides a training run's result: the network, the data augmentation, the
/// optimizer and its schedule, the loss and the seed. Saved in every checkpoint so `--resume`
/// continues the same run (thread count and progress display are not part of it).
public struct TrainingSettings: Sendable, Equatable, Codable {
    /// The network (its `height` is the training resolution).
    public var model: MobileNetConfig
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSettings
    public var schedule: LearningRateSchedule
    public var labelSmoothing: Double
    public var seed: UInt64
    /// Random crop of the stored image size after padding each side by this many pixels
    /// (reflect padding); 0 = no crop.
    public var cropPadding: Int
    public var horizontalFlip: Bool
    /// Batch-norm momentum, Keras' convention (running = m · running + (1 − m) · batch).
    public var batchNormMomentum: Double

    public init(model: MobileNetConfig, epochs: Int, batchSize: Int, optimizer: OptimizerSettings,
                schedule: LearningRateSchedule, labelSmoothing: Double = 0, seed: UInt64 = 0,
                cropPadding: Int = 0, horizontalFlip: Bool = true, batchNormMomentum: Double = 0.99) {
        self.model = model
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.labelSmoothing = labelSmoothing
        self.seed = seed
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
        self.batchNormMomentum = batchNormMomentum
    }

    /// Throws a one-line error for a value outside its range.
    public func validate() throws {
        try model.validate()
        guard epochs >= 1 else { throw MobileNetError.invalidArgument("epochs \(epochs) must be at least 1") }
        guard batchSize >= 2 else {
            throw MobileNetError.invalidArgument("batch \(batchSize) must be at least 2 (batch norm needs a batch)")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw MobileNetError.invalidArgument("label smoothing \(labelSmoothing) outside [0, 1)")
        }
        guard cropPadding >= 0 else { throw MobileNetError.invalidArgument("crop padding \(cropPadding) is negative") }
        guard (0..<1).contains(batchNormMomentum) else {
            throw MobileNetError.invalidArgument("batch-norm momentum \(batchNormMomentum) outside [0, 1)")
        }
        guard model.height == model.width else {
            throw MobileNetError.invalidArgument("training takes square inputs; \(model.height)x\(model.width) is not")
        }
        try optimizer.validate()
        try schedule.validate()
    }
}
