/// Runs an `Int8Model` on one image at a time, bit-exactly as TFLite's reference kernels do,
/// in one arena planned at load (`plan`): every activation and every step's scratch memory has
/// its place, and `invoke()` allocates nothing, on one thread or several.
///
/// Write the image into `input` (quantized with `inputQuantization`), call `invoke()`, read
/// `output`. `invoke()` overwrites `input` (its bytes are reused by later steps); `output` stays
/// valid until the next `invoke()`. Not thread-safe: one interpreter per calling thread.
public final class Interpreter {
    /// One image's input shape, [height, width, channels].
    public let inputShape: [Int]
    /// The output shape of one image.
    public let outputShape: [Int]
    /// Quantization of the int8 input and output tensors.
    public let inputQuantization: QuantizationParameters
    public let outputQuantization: QuantizationParameters
    /// True when the model file takes float input (quantized by a leading QUANTIZE).
    public let takesFloatInput: Bool
    /// True when the model file returns float output (after a trailing DEQUANTIZE).
    public let returnsFloatOutput: Bool
    /// Worker threads per step (the caller's thread is one of them).
    public let threads: Int
    /// The arena's buffers, offsets and lifetimes.
    public let plan: ArenaPlan

    private let steps: [QuantizedStep]
    private let shapes: [[Int]]
    private let layouts: [ArenaPlanner.StepLayout]
    private let arena: UnsafeMutableRawPointer
    private let ownsArena: Bool
    private let pool: WorkerPool

    /// Prepares `model` for `threads` threads in one arena it allocates.
    public convenience init(model: consuming Int8Model, threads: Int = 1) throws(RuntimeError) {
        try self.init(model: model, threads: threads, arena: nil)
    }

    /// Prepares `model` for `threads` threads in the caller's `arena` (at least
    /// `plan.arenaBytes`, 16-byte aligned; `Interpreter.plan(for:threads:)` tells the size
    /// beforehand). The arena must outlive the interpreter.
    public convenience init(model: consuming Int8Model, threads: Int, arena: UnsafeMutableRawBufferPointer) throws(RuntimeError) {
        try self.init(model: model, threads: threads, arena: Optional(arena))
    }

    private init(model: consuming Int8Model, threads: Int, arena given: UnsafeMutableRawBufferPointer?) throws(RuntimeError) {
        guard threads >= 1 else { throw RuntimeError.invalidArgument("threads must be at least 1, got \(threads)") }
        let graph = model.graph
        inputShape = graph.inputShape
        inputQuantization = graph.inputQuantization
        outputQuantization = graph.outputQuantization
        takesFloatInput = graph.takesFloatInput
        returnsFloatOutput = graph.returnsFloatOutput
        self.threads = threads
        let (steps, shapes) = try Self.lower(graph)
        self.steps = steps
        self.shapes = shapes
        outputShape = shapes.last ?? graph.inputShape
        let planner = ArenaPlanner(steps: steps, names: graph.operations.map { $0.name }, inputShape: inputShape,
                                   shapes: shapes, threads: threads)
        plan = planner.plan
        layouts = planner.layouts
        if let given {
            guard let base = given.baseAddress, given.count >= plan.arenaBytes else {
                throw RuntimeError.arenaTooSmall(needed: plan.arenaBytes, given: given.count)
            }
            guard Int(bitPattern: base) % ArenaPlan.alignment == 0 else {
                throw RuntimeError.invalidArgument("the arena must be aligned to \(ArenaPlan.alignment) bytes")
            }
            arena = base
            ownsArena = false
        } else {
            arena = UnsafeMutableRawPointer.allocate(byteCount: plan.arenaBytes, alignment: 64)
            ownsArena = true
        }
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: plan.arenaBytes)
        pool = try WorkerPool(threads: threads)
    }

    deinit {
        if ownsArena { arena.deallocate() }
    }

    /// The plan an interpreter of `model` on `threads` threads would use (to size an arena).
    public static func plan(for model: Int8Model, threads: Int = 1) throws(RuntimeError) -> ArenaPlan {
        let (steps, shapes) = try lower(model.graph)
        return ArenaPlanner(steps: steps, names: model.graph.operations.map { $0.name },
                            inputShape: model.graph.inputShape, shapes: shapes, threads: max(1, threads)).plan
    }

    private static func lower(_ graph: QuantizedGraph) throws(RuntimeError) -> ([QuantizedStep], [[Int]]) {
        let shapes = try graph.shapes()
        var shape = graph.inputShape
        var steps: [QuantizedStep] = []
        for (operation, output) in zip(graph.operations, shapes) {
            steps.append(QuantizedStep(operation, input: shape, output: output))
            shape = output
        }
        return (steps, shapes)
    }

    /// The input tensor (one image, NHWC int8), inside the arena.
    public var input: UnsafeMutableBufferPointer<Int8> {
        UnsafeMutableBufferPointer(start: pointer(steps.isEmpty ? 0 : layouts[0].input),
                                   count: ArenaPlanner.elements(inputShape))
    }

    /// The output tensor of the last `invoke()`, inside the arena.
    public var output: UnsafeBufferPointer<Int8> { stepOutput(steps.count - 1) }

    /// Number of steps (operations) per invocation.
    public var stepCount: Int { steps.count }

    /// The per-image output shape of step `index`.
    public func stepOutputShape(_ index: Int) -> [Int] { index < 0 ? inputShape : shapes[index] }

    /// The output of step `index` (valid right after the step ran; later steps may reuse its
    /// bytes), or the input for -1.
    public func stepOutput(_ index: Int) -> UnsafeBufferPointer<Int8> {
        if index < 0 || steps.isEmpty { return UnsafeBufferPointer(input) }
        return UnsafeBufferPointer(start: pointer(layouts[index].output), count: ArenaPlanner.elements(shapes[index]))
    }

    /// Runs every step on the image in `input`; the result is in `output`.
    public func invoke() {
        for index in steps.indices { invokeStep(index) }
    }

    /// Runs step `index` alone (steps must run in order; for per-step timing and checks).
    public func invokeStep(_ index: Int) {
        execute(steps[index], layouts[index], shape: shapes[index])
    }

    @inline(__always)
    private func pointer(_ offset: Int) -> UnsafeMutablePointer<Int8> {
        (arena + offset).assumingMemoryBound(to: Int8.self)
    }

    /// Multiply-adds below which a step runs on the calling thread alone: waking a worker costs
    /// more than it saves (about 10 µs of work).
    private static let parallelWork = 262_144

    /// Calls `body(part, worker)` on contiguous parts of `0..<count` that cover it once; ranges
    /// too small to share, or steps of less than `parallelWork` multiply-adds (`work`), run on
    /// the calling thread. Four parts per thread, taken from an atomic counter.
    private func split(_ count: Int, work: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = threads == 1 || work < Self.parallelWork ? 1 : min(4 &* threads, count)
        if parts <= 1 {
            body(0..<count, 0)
            return
        }
        pool.run(parts: parts) { worker, part in
            body(count &* part / parts..<count &* (part &+ 1) / parts, worker)
        }
    }

    /// A matrix product over `rows` rows: workers take row tiles when there are many rows, and
    /// weight panels when there are few (so that each streams only its share of the weights).
    /// `fill(rows, scratch)` writes the int16 rows the product reads, `layout.chunkRows` at a time.
    private func multiply(_ gemm: QuantizedGEMM, rows: Int, output: UnsafeMutablePointer<Int8>,
                          layout: ArenaPlanner.StepLayout,
                          fill: (Range<Int>, UnsafeMutablePointer<Int16>) -> Void) {
        let tile = QuantizedGEMM.tileRows
        let splitRows = rows >= 4 &* tile &* threads || gemm.panels < threads
        let scratch = arena + layout.scratch
        split(splitRows ? (rows &+ tile &- 1) / tile : gemm.panels, work: rows &* gemm.k &* gemm.n) { part, worker in
            let a = (scratch + worker &* layout.scratchStride).assumingMemoryBound(to: Int16.self)
            let rowRange = splitRows ? part.lowerBound &* tile..<min(rows, part.upperBound &* tile) : 0..<rows
            var start = rowRange.lowerBound
            while start < rowRange.upperBound {
                let end = min(rowRange.upperBound, start &+ layout.chunkRows)
                fill(start..<end, a)
                gemm.multiply(a: a, rows: end &- start, output: output + start &* gemm.n,
                              panels: splitRows ? 0..<gemm.panels : part)
                start = end
            }
        }
    }

    /// Multiply-adds of a windowed per-channel operation (depthwise convolution, pooling).
    private static func windowWork(_ g: ConvGeometry) -> Int {
        g.outputHeight &* g.outputWidth &* g.outputChannels &* g.kernelHeight &* g.kernelWidth
    }

    private func execute(_ step: QuantizedStep, _ layout: ArenaPlanner.StepLayout, shape: [Int]) {
        let input = UnsafePointer(pointer(layout.input))
        let output = pointer(layout.output)
        switch step {
        case .matrixProduct(let gemm):
            var rows = 1
            for d in shape.dropLast() { rows &*= d }
            multiply(gemm, rows: rows, output: output, layout: layout) { range, a in
                gemm.widenRows(input + range.lowerBound &* gemm.k, rows: range.count, into: a)
            }
        case .convolution(let g, let gemm):
            multiply(gemm, rows: g.outputHeight &* g.outputWidth, output: output, layout: layout) { range, a in
                I8Im2Col.fill(input: input, geometry: g, zeroPoint: gemm.inputZeroPoint, pixels: range,
                              rowStride: gemm.rowStride, into: a)
            }
        case .depthwise(let g, let kernel):
            split(g.outputHeight, work: Self.windowWork(g)) { rows, _ in
                kernel.run(input: input, output: output, geometry: g, rows: rows)
            }
        case .depthwiseMultiplier(let g, let d):
            split(g.outputHeight, work: Self.windowWork(g)) { rows, _ in
                I8Depthwise.withMultiplier(input: input, output: output, convolution: d, geometry: g, rows: rows)
            }
        case .pad(let height, let width, let channels, let padding, let value):
            I8Head.pad(input: input, output: output, images: 1, height: height, width: width,
                       channels: channels, padding: padding, value: value)
        case .averagePool(let g, let lower, let upper):
            split(g.outputHeight, work: Self.windowWork(g)) { rows, _ in
                I8Head.averagePool(input: input, output: output, geometry: g, lower: lower, upper: upper, rows: rows)
            }
        case .mean(let pixels, let channels, let m):
            I8Head.mean(input: input, output: output, images: 1, pixels: pixels, channels: channels, mean: m)
        case .reshape:
            if UnsafeRawPointer(input) != UnsafeRawPointer(output) {
                output.update(from: input, count: ArenaPlanner.elements(shape))
            }
        case .softmax(let width, let exponentials):
            I8Head.softmax(input: input, output: output, rows: ArenaPlanner.elements(shape) / width,
                           width: width, exponentials: exponentials.pointer)
        }
    }
}
