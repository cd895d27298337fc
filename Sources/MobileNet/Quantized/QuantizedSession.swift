import Atomics

/// Runs a `QuantizedGraph` on batches of NHWC int8 images, bit-exactly as TFLite's reference
/// kernels do.
///
/// Built once per graph and batch size: weights are packed for the kernels, two int8 activation
/// buffers sized for the largest activation are allocated up front (ping-pong), and every worker
/// thread gets a scratch buffer for the int16 rows of the matrix products. Running allocates
/// nothing but the returned tensor. Not thread-safe: use one session per thread.
public final class QuantizedSession {
    /// One image's input shape, [height, width, channels].
    public let inputShape: [Int]
    /// Quantization of the int8 input and output tensors.
    public let inputQuantization: QuantizationParameters
    public let outputQuantization: QuantizationParameters
    /// Images per run the buffers are sized for; larger batches grow them.
    public private(set) var batch: Int
    /// Worker threads per layer.
    public let threads: Int

    private let steps: [QuantizedStep]
    private let shapes: [[Int]]
    private let largestActivation: Int
    private var buffers: (AlignedStorage<Int8>, AlignedStorage<Int8>)
    private var capacity: Int
    private let scratch: [AlignedStorage<Int16>]
    private let parallel: ParallelFor
    /// The next part of a layer's work for the workers to take (see `split`).
    private let nextPart = ManagedAtomic<Int>(0)

    /// Bytes past the end of each activation buffer that SIMD kernels may read (never write).
    private static let slack = 64

    /// Packs `graph` for `batch` images on `threads` threads.
    public init(graph: consuming QuantizedGraph, batch: Int = 1, threads: Int = 1) throws {
        guard batch >= 1 else { throw MobileNetError.invalidArgument("batch must be at least 1, got \(batch)") }
        guard threads >= 1 else { throw MobileNetError.invalidArgument("threads must be at least 1, got \(threads)") }
        inputShape = graph.inputShape
        inputQuantization = graph.inputQuantization
        outputQuantization = graph.outputQuantization
        self.batch = batch
        self.threads = threads
        parallel = ParallelFor(threads: threads)
        let shapes = try graph.shapes()
        self.shapes = shapes
        var shape = graph.inputShape
        var steps: [QuantizedStep] = []
        var pending = Array(graph.operations.reversed())
        graph.operations = []
        for output in shapes {
            steps.append(QuantizedStep(pending.removeLast(), input: shape, output: output))
            shape = output
        }
        self.steps = steps
        largestActivation = ([graph.inputShape] + shapes).map { $0.reduce(1, *) }.max() ?? 1
        capacity = largestActivation * batch + Self.slack
        buffers = (AlignedStorage(zeros: capacity), AlignedStorage(zeros: capacity))
        let scratchSize = steps.compactMap(\.matrixProduct).map { $0.chunkRows * $0.rowStride }.max() ?? 0
        scratch = (0..<threads).map { _ in AlignedStorage(zeros: scratchSize + 32) }
    }

    /// The per-image output shape.
    public var outputShape: [Int] { shapes.last ?? inputShape }

    /// Runs int8 `input` ([batch, H, W, C]) and returns the int8 output [batch] + output shape.
    public func run(_ input: Tensor<Int8>) throws -> Tensor<Int8> {
        try run(input, observe: nil)
    }

    /// Runs `input`, calling `observe(index, output)` after each operation with its whole batch
    /// output (for checking every intermediate against a reference).
    public func run(_ input: Tensor<Int8>, observe: ((Int, Tensor<Int8>) -> Void)?) throws -> Tensor<Int8> {
        let images = try load(input)
        var current = 0
        for (index, step) in steps.enumerated() {
            current = execute(step, index: index, images: images, from: current)
            if let observe { observe(index, tensor(at: current, images: images, shape: shapes[index])) }
        }
        return tensor(at: current, images: images, shape: outputShape)
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

    /// Runs `input` `runs` times and returns, per operation, the median seconds it took.
    public func profile(_ input: Tensor<Int8>, runs: Int) throws -> [Double] {
        let images = try load(input)
        return medianStepSeconds(steps: steps.count, runs: runs) { index, from in
            execute(steps[index], index: index, images: images, from: from)
        }
    }

    /// Validates `input`, grows the buffers if needed and copies it in; returns the batch size.
    private func load(_ input: Tensor<Int8>) throws -> Int {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw MobileNetError.shapeMismatch(
                "input is \(input.shape.shapeDescription) but the model takes [N, \(inputShape.map(String.init).joined(separator: ", "))]")
        }
        let images = input.shape[0]
        guard images >= 1 else { throw MobileNetError.shapeMismatch("input batch is empty") }
        let needed = largestActivation * images + Self.slack
        if needed > capacity {
            buffers = (AlignedStorage(zeros: needed), AlignedStorage(zeros: needed))
            capacity = needed
            batch = images
        }
        input.scalars.withUnsafeBufferPointer { copyBytes(from: $0.baseAddress!, to: buffers.0.pointer, count: $0.count) }
        return images
    }

    private func buffer(_ index: Int) -> UnsafeMutablePointer<Int8> { index == 0 ? buffers.0.pointer : buffers.1.pointer }

    private func tensor(at index: Int, images: Int, shape: [Int]) -> Tensor<Int8> {
        let count = images * shape.reduce(1, *)
        return try! Tensor(shape: [images] + shape, scalars: Array(UnsafeBufferPointer(start: buffer(index), count: count)))
    }

    /// Multiply-adds below which a layer runs on the calling thread alone: waking a worker costs
    /// more than it saves (about 10 µs of work).
    private static let parallelWork = 262_144

    /// Calls `body(part, worker)` on contiguous parts of `0..<count` that cover it once; ranges
    /// too small to share, or layers of less than `parallelWork` multiply-adds (`work`), run on
    /// the calling thread. The parts (four per thread) are taken from an atomic counter, so a
    /// worker that starts late (its core busy with another process) leaves its share to the
    /// others instead of holding the layer back.
    private func split(_ count: Int, work: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = threads == 1 || work < Self.parallelWork ? 1 : min(4 * threads, count)
        if parts <= 1 {
            body(0..<count, 0)
            return
        }
        nextPart.store(0, ordering: .relaxed)
        parallel.pool.run { worker in
            while true {
                let part = nextPart.loadThenWrappingIncrement(ordering: .relaxed)
                guard part < parts else { return }
                body(count * part / parts..<count * (part + 1) / parts, worker)
            }
        }
    }

    /// A matrix product over `rows` rows: workers take row tiles when there are many rows, and
    /// weight panels when there are few (so that each streams only its share of the weights).
    /// `fill(rows, scratch)` writes the int16 rows the product reads.
    private func multiply(_ gemm: QuantizedGEMM, rows: Int, output: UnsafeMutablePointer<Int8>,
                          fill: (Range<Int>, UnsafeMutablePointer<Int16>) -> Void) {
        let tile = QuantizedGEMM.tileRows
        let splitRows = rows >= 4 * tile * threads || gemm.panels < threads
        split(splitRows ? (rows + tile - 1) / tile : gemm.panels, work: rows * gemm.k * gemm.n) { part, worker in
            let a = scratch[worker].pointer
            let rowRange = splitRows ? part.lowerBound * tile..<min(rows, part.upperBound * tile) : 0..<rows
            var start = rowRange.lowerBound
            while start < rowRange.upperBound {
                let end = min(rowRange.upperBound, start + gemm.chunkRows)
                fill(start..<end, a)
                gemm.multiply(a: a, rows: end - start, output: output + start * gemm.n,
                              panels: splitRows ? 0..<gemm.panels : part)
                start = end
            }
        }
    }

    /// Multiply-adds of a windowed per-channel operation (depthwise convolution, pooling).
    private static func windowWork(_ images: Int, _ g: ConvGeometry) -> Int {
        images * g.outputHeight * g.outputWidth * g.outputChannels * g.kernelHeight * g.kernelWidth
    }

    /// Runs one step from buffer `source`; returns the buffer holding its output.
    private func execute(_ step: QuantizedStep, index: Int, images: Int, from source: Int) -> Int {
        let input = UnsafePointer(buffer(source))
        let output = buffer(1 - source)
        switch step {
        case .matrixProduct(let gemm):
            let rows = images * shapes[index].dropLast().reduce(1, *)
            multiply(gemm, rows: rows, output: output) { range, a in
                gemm.widenRows(input + range.lowerBound * gemm.k, rows: range.count, into: a)
            }
        case .convolution(let g, let gemm):
            multiply(gemm, rows: images * g.outputHeight * g.outputWidth, output: output) { range, a in
                I8Im2Col.fill(input: input, geometry: g, zeroPoint: gemm.inputZeroPoint, pixels: range,
                              rowStride: gemm.rowStride, into: a)
            }
        case .depthwise(let g, let kernel):
            split(images * g.outputHeight, work: Self.windowWork(images, g)) { rows, _ in
                kernel.run(input: input, output: output, geometry: g, rows: rows)
            }
        case .depthwiseMultiplier(let g, let d):
            split(images * g.outputHeight, work: Self.windowWork(images, g)) { rows, _ in
                I8Depthwise.withMultiplier(input: input, output: output, convolution: d, geometry: g, rows: rows)
            }
        case .pad(let height, let width, let channels, let padding, let value):
            I8Head.pad(input: input, output: output, images: images, height: height, width: width,
                       channels: channels, padding: padding, value: value)
        case .averagePool(let g, let lower, let upper):
            split(images * g.outputHeight, work: Self.windowWork(images, g)) { rows, _ in
                I8Head.averagePool(input: input, output: output, geometry: g, lower: lower, upper: upper, rows: rows)
            }
        case .mean(let pixels, let channels, let m):
            I8Head.mean(input: input, output: output, images: images, pixels: pixels, channels: channels, mean: m)
        case .reshape:
            return source
        case .softmax(let width, let exponentials):
            I8Head.softmax(input: input, output: output, rows: images * shapes[index].reduce(1, *) / width,
                           width: width, exponentials: exponentials.pointer)
        }
        return 1 - source
    }
}
