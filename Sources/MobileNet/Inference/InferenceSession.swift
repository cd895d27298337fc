/// Runs an `InferenceGraph` on batches of NHWC float images.
///
/// Built once per graph and batch size: weights are packed for the kernels and two activation
/// buffers, sized for the largest activation, are allocated up front and reused by every layer
/// (ping-pong). Running allocates nothing but the returned tensor. Not thread-safe: use one
/// session per thread.
public final class InferenceSession {
    /// One image's input shape, [height, width, channels].
    public let inputShape: [Int]
    /// Images per run the buffers are sized for; larger batches grow them.
    public private(set) var batch: Int
    /// Worker threads per layer.
    public let threads: Int

    private let steps: [PackedStep]
    private let shapes: [[Int]]
    private let largestActivation: Int
    /// Whether the first step reads its input only as scalars (a direct or 1x1 convolution), so
    /// `run` can hand it the caller's tensor instead of a copy in a buffer: the other kernels read
    /// up to 15 floats past an activation's end, which only the buffers have room for.
    private let readsInputInPlace: Bool
    private var buffers: (AlignedFloats, AlignedFloats)
    private var capacity: Int
    private let parallel: ParallelFor

    /// Floats past the end of each buffer that SIMD kernels may read (never write).
    private static let slack = 16

    /// Packs `graph` for `batch` images on `threads` threads. The session keeps only packed
    /// weights; each operation's logical weights are released as soon as it is packed when the
    /// caller passes the graph without keeping a copy (`consuming`).
    public init(graph: consuming InferenceGraph, batch: Int = 1, threads: Int = 1) throws {
        guard batch >= 1 else { throw MobileNetError.invalidArgument("batch must be at least 1, got \(batch)") }
        guard threads >= 1 else { throw MobileNetError.invalidArgument("threads must be at least 1, got \(threads)") }
        self.inputShape = graph.inputShape
        self.batch = batch
        self.threads = threads
        self.parallel = ParallelFor(threads: threads)
        let shapes = try graph.shapes()
        self.shapes = shapes
        var shape = graph.inputShape
        var steps: [PackedStep] = []
        // Take the operations out of the graph and pack them one by one from the back of a
        // reversed copy, so each logical weight array is freed right after it is packed.
        var pending = Array(graph.operations.reversed())
        graph.operations = []
        for output in shapes {
            steps.append(PackedStep(pending.removeLast(), input: shape, output: output))
            shape = output
        }
        self.steps = steps
        switch steps.first {
        case .convolution, .pointwise: readsInputInPlace = true
        default: readsInputInPlace = false
        }
        largestActivation = ([graph.inputShape] + shapes).map { $0.reduce(1, *) }.max() ?? 1
        capacity = largestActivation * batch + Self.slack * threads
        buffers = (AlignedFloats(zeros: capacity), AlignedFloats(zeros: capacity))
    }

    /// The per-image output shape.
    public var outputShape: [Int] { shapes.last ?? inputShape }

    /// Runs `input` ([batch, H, W, C] matching the graph) and returns [batch] + output shape.
    /// With 2 or more threads and at least as many images, each thread runs whole images through
    /// every layer (no wait between layers, see `runSplittingImages`) and every image gives
    /// exactly the bits it gives alone; otherwise every layer of the whole batch is split over
    /// the threads.
    public func run(_ input: Tensor<Float>) throws -> Tensor<Float> {
        let images = try validate(input)
        reserve(images: images)
        guard threads > 1, images >= threads else {
            let output = input.scalars.withUnsafeBufferPointer { source in
                runSteps(from: source.baseAddress!, images: images, in: (buffers.0.pointer, buffers.1.pointer), threads: threads)
            }
            let count = images * outputShape.reduce(1, *)
            return try! Tensor(shape: [images] + outputShape, scalars: Array(UnsafeBufferPointer(start: output, count: count)))
        }
        return runSplittingImages(input, images: images)
    }

    /// Runs every step on `images` images from `source` (read in place by the first step when
    /// it can, else copied into `buffers.0` first), alternating between the two buffers, each
    /// layer split over up to `threads` threads; returns where the output is.
    private func runSteps(from source: UnsafePointer<Float>, images: Int,
                          in buffers: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
                          threads: Int) -> UnsafePointer<Float> {
        var current = source, (spare, next) = buffers
        if !readsInputInPlace {
            copyBytes(from: source, to: spare, count: images * inputShape.reduce(1, *) * 4)
            current = UnsafePointer(spare)
        }
        for (index, step) in steps.enumerated() {
            let wrote = execute(step, index: index, images: images, input: current, output: next, threads: threads)
            if wrote {
                current = UnsafePointer(next)
                (spare, next) = (next, spare)
            }
        }
        return current
    }

    /// Runs `input`, calling `observe(index, output)` after each operation with its whole
    /// batch output (for checking every intermediate against a reference).
    public func run(_ input: Tensor<Float>, observe: ((Int, Tensor<Float>) -> Void)?) throws -> Tensor<Float> {
        guard let observe else { return try run(input) }
        let images = try load(input)
        var current = 0
        for (index, step) in steps.enumerated() {
            current = execute(step, index: index, images: images, from: current)
            observe(index, tensor(at: current, images: images, shape: shapes[index]))
        }
        return tensor(at: current, images: images, shape: outputShape)
    }

    /// Runs `images` (at least `threads`) images split over the threads: the first
    /// n · threads images (n = images / threads) are taken one at a time by whichever thread is
    /// free and run through every layer, with no wait between layers (one image's activations
    /// stay in cache, a few images' would not); the images left over then run one at a time
    /// with every layer split over the threads. Every
    /// image thus gives the bits it gives when run alone. Each thread works in its own part of
    /// both buffers, so threads at different layers never touch each other's activations.
    private func runSplittingImages(_ input: Tensor<Float>, images: Int) -> Tensor<Float> {
        let inputCount = inputShape.reduce(1, *), outputCount = outputShape.reduce(1, *)
        let share = images / threads
        let first = buffers.0.pointer, second = buffers.1.pointer
        let scalars = [Float](unsafeUninitializedCapacity: images * outputCount) { result, initialized in
            input.scalars.withUnsafeBufferPointer { source in
                /// Runs image `image` at `offset` in both buffers, each layer split over up to
                /// `threads` threads.
                func run(_ image: Int, at offset: Int, threads: Int) {
                    let output = runSteps(from: source.baseAddress! + image * inputCount, images: 1,
                                          in: (first + offset, second + offset), threads: threads)
                    (result.baseAddress! + image * outputCount).update(from: output, count: outputCount)
                }
                // Images from a counter: a thread whose core is taken by another process
                // leaves its images to the others instead of holding the batch back (a fixed
                // split of 4 + 4 images ran 40% slower in such rounds; without other load the
                // two are equal).
                parallel.pool.run(parts: share * threads) { worker, image in
                    run(image, at: worker * (largestActivation + Self.slack), threads: 1)
                }
                for image in share * threads..<images { run(image, at: 0, threads: threads) }
            }
            initialized = images * outputCount
        }
        return try! Tensor(shape: [images] + outputShape, scalars: scalars)
    }

    /// Runs `input` `runs` times and returns, per operation, the median seconds it took.
    public func profile(_ input: Tensor<Float>, runs: Int) throws -> [Double] {
        let images = try load(input)
        return medianStepSeconds(steps: steps.count, runs: runs) { index, from in
            execute(steps[index], index: index, images: images, from: from)
        }
    }

    /// Validates `input` against the graph, grows the buffers if needed and copies it in;
    /// returns the batch size.
    private func load(_ input: Tensor<Float>) throws -> Int {
        let images = try validate(input)
        reserve(images: images)
        input.scalars.withUnsafeBufferPointer { copyBytes(from: $0.baseAddress!, to: buffers.0.pointer, count: $0.count * 4) }
        return images
    }

    /// Checks `input`'s shape against the graph; returns the batch size.
    private func validate(_ input: Tensor<Float>) throws -> Int {
        guard input.rank == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw MobileNetError.shapeMismatch(
                "input is \(input.shape.shapeDescription) but the model takes [N, \(inputShape.map(String.init).joined(separator: ", "))]")
        }
        guard input.shape[0] >= 1 else { throw MobileNetError.shapeMismatch("input batch is empty") }
        return input.shape[0]
    }

    /// Grows the buffers when a batch exceeds their size (room for every thread's slack when
    /// the images are split over the threads).
    private func reserve(images: Int) {
        let needed = largestActivation * images + Self.slack * threads
        guard needed > capacity else { return }
        buffers = (AlignedFloats(zeros: needed), AlignedFloats(zeros: needed))
        capacity = needed
        batch = images
    }

    private func buffer(_ index: Int) -> UnsafeMutablePointer<Float> { index == 0 ? buffers.0.pointer : buffers.1.pointer }

    private func tensor(at index: Int, images: Int, shape: [Int]) -> Tensor<Float> {
        let count = images * shape.reduce(1, *)
        let scalars = Array(UnsafeBufferPointer(start: buffer(index), count: count))
        return try! Tensor(shape: [images] + shape, scalars: scalars)
    }

    /// Multiply-adds below which a layer runs on the calling thread alone: handing half of a
    /// couple of microseconds of work to another core costs about what it saves.
    private static let parallelWork = 32_768

    /// Runs one step from buffer `source` over all threads; returns the buffer holding its output.
    private func execute(_ step: PackedStep, index: Int, images: Int, from source: Int) -> Int {
        execute(step, index: index, images: images, input: buffer(source), output: buffer(1 - source),
                threads: threads) ? 1 - source : source
    }

    /// Runs one step of `images` images from `input` to `output`, split over up to `threads`
    /// threads (one part per thread: the kernels stream their weights once per part, so more
    /// parts would cost memory traffic; one for small layers). Results do not depend on the
    /// split. Returns false when the step wrote nothing (its output aliases its input).
    private func execute(_ step: PackedStep, index: Int, images: Int, input: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, threads: Int) -> Bool {
        func parts(_ work: Int) -> Int { work < Self.parallelWork ? 1 : threads }
        switch step {
        case .convolution(let g, let weights, let bias, let clamp):
            let w = weights.pointer, b = bias.pointer
            let rows = images * g.outputHeight
            let work = rows * g.outputWidth * g.outputChannels * g.kernelHeight * g.kernelWidth * g.inputChannels
            parallel(0..<rows, parts: parts(work)) { rows in
                F32Convolution.direct(input: input, output: output, weights: w,
                                      bias: b, geometry: g, clamp: clamp, rows: rows)
            }
        case .pointwise(let cin, let cout, let weights, let bias, let clamp):
            let rows = images * shapes[index].dropLast().reduce(1, *)
            let panels = (cout + 15) / 16, tiles = (rows + F32GEMM.tileRows - 1) / F32GEMM.tileRows
            // More rows than output channels: threads take row ranges (each streams all the
            // weights past its rows). Fewer (deep layers, FC): threads take panel ranges, so each
            // streams only its share of the weights past all the rows.
            let splitRows = rows > cout && tiles >= threads
            let w = weights.pointer, b = bias.pointer
            parallel(0..<(splitRows ? tiles : panels), parts: parts(rows * cin * cout)) { part in
                let rowRange = splitRows
                    ? part.lowerBound * F32GEMM.tileRows..<min(rows, part.upperBound * F32GEMM.tileRows)
                    : 0..<rows
                F32GEMM.multiply(input: input, output: output, packedWeights: w,
                                 bias: b, k: cin, n: cout, clamp: clamp,
                                 rows: rowRange, panels: splitRows ? 0..<panels : part)
            }
        case .depthwise(let g, let weights, let bias, let clamp):
            let w = weights.pointer, b = bias.pointer
            let rows = images * g.outputHeight
            let work = rows * g.outputWidth * g.outputChannels * g.kernelHeight * g.kernelWidth
            parallel(0..<rows, parts: parts(work)) { rows in
                F32Depthwise.channelsInLanes(input: input, output: output, weights: w,
                                             bias: b, geometry: g, clamp: clamp, rows: rows)
            }
        case .depthwiseMultiplier(let g, let multiplier, let weights, let bias, let clamp):
            let w = weights.pointer, b = bias.pointer
            let rows = images * g.outputHeight
            let work = rows * g.outputWidth * g.outputChannels * g.kernelHeight * g.kernelWidth
            parallel(0..<rows, parts: parts(work)) { rows in
                F32Depthwise.withMultiplier(input: input, output: output, weights: w,
                                            bias: b, multiplier: multiplier,
                                            geometry: g, clamp: clamp, rows: rows)
            }
        case .pad(let height, let width, let channels, let padding):
            F32Head.pad(input: input, output: output, images: images, height: height, width: width,
                        channels: channels, padding: padding)
        case .averagePool(let g, let clamp):
            parallel(0..<(images * g.outputHeight), parts: threads) { rows in
                F32Head.averagePool(input: input, output: output, geometry: g, clamp: clamp, rows: rows)
            }
        case .globalAverage(let pixels, let channels):
            F32Head.globalAverage(input: input, output: output, images: images, pixels: pixels, channels: channels)
        case .reshape:
            return false
        case .softmax(let width, let beta):
            let rows = images * shapes[index].reduce(1, *) / width
            F32Head.softmax(input: input, output: output, rows: rows, width: width, beta: beta)
        }
        return true
    }
}
