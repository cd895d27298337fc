/// Runs a `QuantizedGraph` on batches of NHWC int8 images, bit-exactly as TFLite's reference
/// kernels do: the toolkit's batch and `Tensor` interface over the runtime's `Interpreter`
/// (MobileNetRuntime), which runs the images one after another in its planned arena.
///
/// Built once per graph: weights are packed for the kernels and the arena is planned and
/// allocated up front. Running allocates nothing but the tensors it returns. Not thread-safe:
/// use one session per thread.
public final class QuantizedSession {
    /// One image's input shape, [height, width, channels].
    public let inputShape: [Int]
    /// Quantization of the int8 input and output tensors.
    public let inputQuantization: QuantizationParameters
    public let outputQuantization: QuantizationParameters
    /// The largest batch run so far (at least the batch the session was made for).
    public private(set) var batch: Int
    /// Worker threads per layer.
    public let threads: Int
    /// The runtime interpreter that runs every image.
    public let interpreter: Interpreter

    /// Prepares `graph` for batches of `batch` images on `threads` threads.
    public init(graph: consuming QuantizedGraph, batch: Int = 1, threads: Int = 1) throws {
        guard batch >= 1 else { throw MobileNetError.invalidArgument("batch must be at least 1, got \(batch)") }
        interpreter = try Interpreter(model: Int8Model(graph: graph), threads: threads)
        inputShape = interpreter.inputShape
        inputQuantization = interpreter.inputQuantization
        outputQuantization = interpreter.outputQuantization
        self.batch = batch
        self.threads = threads
    }

    /// The per-image output shape.
    public var outputShape: [Int] { interpreter.outputShape }

    /// Runs int8 `input` ([batch, H, W, C]) and returns the int8 output [batch] + output shape.
    public func run(_ input: Tensor<Int8>) throws -> Tensor<Int8> {
        try run(input, observe: nil)
    }

    /// Runs `input`, calling `observe(index, output)` for each operation with its whole batch
    /// output (for checking every intermediate against a reference), in operation order once
    /// the batch has run.
    public func run(_ input: Tensor<Int8>, observe: ((Int, Tensor<Int8>) -> Void)?) throws -> Tensor<Int8> {
        let images = try validate(input)
        let steps = interpreter.stepCount
        var outputs: [Int8] = []
        outputs.reserveCapacity(images * outputShape.reduce(1, *))
        var intermediates = [[Int8]](repeating: [], count: observe == nil ? 0 : steps)
        for image in 0..<images {
            load(input, image: image)
            for index in 0..<steps {
                interpreter.invokeStep(index)
                if observe != nil { intermediates[index] += interpreter.stepOutput(index) }
            }
            outputs += interpreter.output
        }
        if let observe {
            for index in 0..<steps {
                observe(index, try Tensor(shape: [images] + interpreter.stepOutputShape(index), scalars: intermediates[index]))
            }
        }
        return try Tensor(shape: [images] + outputShape, scalars: outputs)
    }

    /// Quantizes float `input` with the input tensor's parameters (TFLite's QUANTIZE), runs it and
    /// dequantizes the output (TFLite's DEQUANTIZE).
    public func run(_ input: Tensor<Float>) throws -> Tensor<Float> {
        dequantize(try run(quantize(input)))
    }

    /// `input` quantized with the input tensor's scale and zero point, as TFLite's QUANTIZE does.
    public func quantize(_ input: Tensor<Float>) -> Tensor<Int8> {
        let q = inputQuantization
        return try! Tensor(shape: input.shape, scalars: input.scalars.map { I8Head.quantize($0, q) })
    }

    /// `output` as real values, as TFLite's DEQUANTIZE computes them.
    public func dequantize(_ output: Tensor<Int8>) -> Tensor<Float> {
        let q = outputQuantization
        return try! Tensor(shape: output.shape, scalars: output.scalars.map { I8Head.dequantize($0, q) })
    }

    /// Runs the first image of `input` `runs` times and returns, per operation, the median
    /// seconds it took (per image: the interpreter runs a batch image by image).
    public func profile(_ input: Tensor<Int8>, runs: Int) throws -> [Double] {
        _ = try validate(input)
        return medianStepSeconds(steps: interpreter.stepCount, runs: runs) { index, _ in
            if index == 0 { load(input, image: 0) }
            interpreter.invokeStep(index)
            return 0
        }
    }

    /// Checks `input`'s shape; returns its batch size.
    private func validate(_ input: Tensor<Int8>) throws -> Int {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw MobileNetError.shapeMismatch(
                "input is \(input.shape.shapeDescription) but the model takes [N, \(inputShape.map(String.init).joined(separator: ", "))]")
        }
        let images = input.shape[0]
        guard images >= 1 else { throw MobileNetError.shapeMismatch("input batch is empty") }
        batch = max(batch, images)
        return images
    }

    /// Copies image `image` of `input` into the interpreter's input tensor.
    private func load(_ input: Tensor<Int8>, image: Int) {
        let target = interpreter.input
        input.scalars.withUnsafeBufferPointer { source in
            copyBytes(from: source.baseAddress! + image * target.count, to: target.baseAddress!, count: target.count)
        }
    }
}
