/// A MobileNet v1 set up for training at a fixed batch size: every layer's forward in training
/// mode (batch-norm statistics, dropout) and its explicit backward, with all activations and
/// gradients in buffers allocated once. NHWC, batch folded into the kernels' rows.
///
/// `step` runs forward and backward on one batch and leaves every parameter's gradient in its
/// `TrainableParameter`; an optimizer then updates the values in place. Results do not depend
/// on the thread count (every reduction runs in a fixed order).
public final class TrainingNetwork {
    public let architecture: MobileNetArchitecture
    public let batch: Int
    /// Trainable tensors in layer order (kernels, γ, β, the classifier's kernel and bias).
    public let parameters: [TrainableParameter]
    private let layers: [ConvolutionTraining]
    private let head: ClassifierTraining
    private let parallel: ParallelFor
    private var gradientA: AlignedFloats
    private var gradientB: AlignedFloats

    /// Sets up training of `model` (its weights and running statistics are the start) on
    /// batches of `batch` images with `threads` threads. `batchNormMomentum` is Keras'
    /// (running = momentum · running + (1 − momentum) · batch statistic).
    public init(model: MobileNetModel, batch: Int, threads: Int = 1, batchNormMomentum: Float = 0.99) throws {
        let architecture = model.architecture
        let config = architecture.config
        guard config.includeTop else {
            throw MobileNetError.unsupported("training a model without its classifier (include_top = false)")
        }
        guard config.variant != .conv else {
            throw MobileNetError.unsupported("training the Conv MobileNet variant (full 3x3 convs in every block)")
        }
        guard batch >= 1 else { throw MobileNetError.invalidArgument("batch \(batch) must be at least 1") }
        self.architecture = architecture
        self.batch = batch
        parallel = ParallelFor(threads: threads)
        func parameter(_ name: String, _ role: ParameterRole) -> TrainableParameter {
            let tensor = model.weights[name]!
            return TrainableParameter(name: name, role: role, shape: tensor.shape, initial: tensor.scalars)
        }
        var parameters: [TrainableParameter] = []
        var layers: [ConvolutionTraining] = []
        var head: ClassifierTraining?
        for spec in architecture.layers {
            switch spec.kind {
            case .conv, .depthwise, .pointwise:
                let kernel = parameter(spec.weightNames[0], spec.kind == .depthwise ? .depthwiseKernel : .convolutionKernel)
                let names = spec.batchNormNames!
                let gamma = parameter(names.gamma, .batchNormScale), beta = parameter(names.beta, .batchNormShift)
                parameters += [kernel, gamma, beta]
                let rows = batch * spec.outputShape[0] * spec.outputShape[1]
                let batchNorm = BatchNormTraining(
                    channels: spec.outputChannels, clamp: Clamp(spec.activation),
                    epsilon: Float(MobileNetV1.batchNormEpsilon), momentum: batchNormMomentum, rows: rows,
                    gamma: gamma, beta: beta, movingMean: model.weights[names.mean]!.scalars,
                    movingVariance: model.weights[names.variance]!.scalars)
                layers.append(ConvolutionTraining(spec: spec, batch: batch, threads: parallel.threads, kernel: kernel, batchNorm: batchNorm))
            case .fullyConnected:
                let kernel = parameter(spec.weightNames[0], .classifierKernel)
                let bias = parameter(spec.weightNames[1], .bias)
                parameters += [kernel, bias]
                let last = layers.last!.spec.outputShape
                head = ClassifierTraining(batch: batch, pixels: last[0] * last[1], channels: last[2],
                                          classes: config.classes, dropout: Float(config.dropout),
                                          kernel: kernel, bias: bias)
            case .pool, .dropout, .softmax:
                continue
            }
        }
        self.parameters = parameters
        self.layers = layers
        self.head = head!
        let largest = layers.map { $0.outputRows * $0.spec.outputChannels }.max()! + 16
        gradientA = AlignedFloats(zeros: largest)
        gradientB = AlignedFloats(zeros: largest)
    }

    /// The floats of one input batch, `batch × height × width × 3`.
    public var inputCount: Int { batch * architecture.config.height * architecture.config.width * 3 }

    /// Runs the network on `input` (`[batch, height, width, 3]`, NHWC): in training mode with
    /// batch statistics (updating the running averages) and dropout drawn from `dropoutSeed`,
    /// or in inference mode. Afterwards `logits` and `probabilities` hold the outputs.
    public func forward(_ input: UnsafePointer<Float>, training: Bool, dropoutSeed: UInt64 = 0) {
        var x = input
        for layer in layers {
            layer.forward(x, training: training, parallel: parallel)
            x = UnsafePointer(layer.y.pointer)
        }
        head.forward(x, training: training, dropoutSeed: dropoutSeed)
    }

    /// One training step's forward and backward on `input` with `labels`: returns the mean
    /// loss over the batch and the number of top-1 hits, and leaves every parameter's gradient
    /// (of the mean loss) in `parameters`.
    public func step(_ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, labelSmoothing: Float,
                     dropoutSeed: UInt64) -> (loss: Float, correct: Int) {
        forward(input, training: true, dropoutSeed: dropoutSeed)
        let result = head.loss(labels: labels, smoothing: labelSmoothing)
        head.backward(labels: labels, smoothing: labelSmoothing, inputGradient: gradientA.pointer, parallel: parallel)
        for index in layers.indices.reversed() {
            let layerInput = index == 0 ? input : UnsafePointer(layers[index - 1].y.pointer)
            layers[index].backward(layerInput, outputGradient: gradientA.pointer,
                                   inputGradient: index == 0 ? nil : gradientB.pointer, parallel: parallel)
            swap(&gradientA, &gradientB)
        }
        return result
    }

    /// `step` on tensors: `input` `[batch, height, width, 3]`, one label per image.
    public func step(_ input: Tensor<Float>, labels: [Int32], labelSmoothing: Float = 0,
                     dropoutSeed: UInt64 = 0) throws -> (loss: Float, correct: Int) {
        try checkBatch(input, labels: labels)
        return input.scalars.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { l in
                step(x.baseAddress!, labels: l.baseAddress!, labelSmoothing: labelSmoothing, dropoutSeed: dropoutSeed)
            }
        }
    }

    /// Loss and top-1 hits of the last forward against `labels`.
    public func loss(labels: UnsafePointer<Int32>, labelSmoothing: Float) -> (loss: Float, correct: Int) {
        head.loss(labels: labels, smoothing: labelSmoothing)
    }

    private func checkBatch(_ input: Tensor<Float>, labels: [Int32]) throws {
        let expected = [batch, architecture.config.height, architecture.config.width, 3]
        guard input.shape == expected else {
            throw MobileNetError.shapeMismatch("training input is \(input.shape.shapeDescription), the network takes \(expected.shapeDescription)")
        }
        guard labels.count == batch else {
            throw MobileNetError.shapeMismatch("\(labels.count) labels for a batch of \(batch)")
        }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= architecture.config.classes }) {
            throw MobileNetError.invalidArgument("label \(bad) outside 0..<\(architecture.config.classes)")
        }
    }

    /// The logits of the last forward, `[batch, classes]`.
    public var logits: Tensor<Float> {
        try! Tensor(shape: [batch, architecture.config.classes],
                    scalars: Array(UnsafeBufferPointer(start: head.logits.pointer, count: batch * architecture.config.classes)))
    }

    /// The softmax probabilities of the last forward, `[batch, classes]`.
    public var probabilities: Tensor<Float> {
        try! Tensor(shape: [batch, architecture.config.classes],
                    scalars: Array(UnsafeBufferPointer(start: head.probabilities.pointer, count: batch * architecture.config.classes)))
    }

    /// The current weights and running statistics as a model (Keras names and layouts).
    public func model(classNames: [String]? = nil) throws -> MobileNetModel {
        var weights: [String: Tensor<Float>] = [:]
        for parameter in parameters {
            weights[parameter.name] = try Tensor(shape: parameter.shape, scalars: Array(parameter.value))
        }
        for layer in layers {
            let names = layer.spec.batchNormNames!, c = layer.spec.outputChannels
            weights[names.mean] = try Tensor(shape: [c], scalars: Array(UnsafeBufferPointer(start: layer.batchNorm.movingMean.pointer, count: c)))
            weights[names.variance] = try Tensor(shape: [c], scalars: Array(UnsafeBufferPointer(start: layer.batchNorm.movingVariance.pointer, count: c)))
        }
        return try MobileNetModel(architecture: architecture, weights: weights, classNames: classNames)
    }
}
