import CRuntimeSupport

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
    private let divisions: [Division]
    private let inputCount: Int
    /// The step the workers are running (see `work(worker:)`).
    private var parallelStep = 0

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
        var divisions: [Division] = []
        for (step, layout) in zip(steps, planner.layouts) { divisions.append(Self.division(step, layout, threads: threads)) }
        self.divisions = divisions
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
        inputCount = ArenaPlanner.elements(graph.inputShape)
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
        UnsafeMutableBufferPointer(start: pointer(steps.isEmpty ? 0 : layouts[0].input), count: inputCount)
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
        return UnsafeBufferPointer(start: pointer(layouts[index].output), count: layouts[index].outputCount)
    }

    /// Runs every step on the image in `input`; the result is in `output`.
    public func invoke() {
        // Index loops: an iterator over an array allocates in unoptimised builds.
        var index = 0
        while index < steps.count {
            invokeStep(index)
            index &+= 1
        }
    }

    /// Runs step `index` alone (steps must run in order; for per-step timing and checks).
    public func invokeStep(_ index: Int) {
        execute(index)
    }

    @inline(__always)
    private func pointer(_ offset: Int) -> UnsafeMutablePointer<Int8> {
        (arena + offset).assumingMemoryBound(to: Int8.self)
    }

    /// Multiply-adds below which a step runs on the calling thread alone: waking a worker costs
    /// more than it saves (about 10 µs of work).
    private static let parallelWork = 262_144

    /// How a step is shared among the workers: `units` (row tiles or weight panels of a matrix
    /// product, output rows of a windowed step) in `parts` contiguous parts, four per thread, or
    /// one part on the calling thread for steps of less than `parallelWork` multiply-adds.
    struct Division {
        var units: Int
        var parts: Int
        /// Matrix products: workers take row tiles (many rows) or weight panels (few rows, so
        /// that each streams only its share of the weights).
        var splitRows: Bool
    }

    static func division(_ step: QuantizedStep, _ layout: ArenaPlanner.StepLayout, threads: Int) -> Division {
        var units = 1, work = 0, splitRows = false
        switch step {
        case .matrixProduct(let gemm), .convolution(_, let gemm):
            let tile = SelectedGEMM.tileRows
            splitRows = layout.rows >= 4 &* tile &* threads || gemm.panels < threads
            units = splitRows ? (layout.rows &+ tile &- 1) / tile : gemm.panels
            work = layout.rows &* gemm.k &* gemm.n
        case .depthwise(let g, _), .depthwiseMultiplier(let g, _), .averagePool(let g, _, _):
            units = g.outputHeight
            work = g.outputHeight &* g.outputWidth &* g.outputChannels &* g.kernelHeight &* g.kernelWidth
        default:
            break
        }
        let parts = threads == 1 || work < parallelWork ? 1 : min(4 &* threads, units)
        return Division(units: units, parts: max(1, parts), splitRows: splitRows)
    }

    /// Runs step `index`: on the calling thread, or in parts taken by every worker.
    private func execute(_ index: Int) {
        let division = divisions[index]
        if division.parts <= 1 {
            runPart(index, 0..<division.units, worker: 0)
        } else {
            parallelStep = index
            pool.run(self)
        }
    }

    /// The pool's job: take parts of step `parallelStep` until none is left.
    func work(worker: Int) {
        let index = parallelStep, division = divisions[index], next = pool.nextPart
        while true {
            let part = crs_atomic_fetch_add(next, 1)
            guard part < division.parts else { return }
            runPart(index, division.units &* part / division.parts..<division.units &* (part &+ 1) / division.parts,
                    worker: worker)
        }
    }

    /// Units `units` of step `index` (see `Division`), with worker `worker`'s scratch.
    private func runPart(_ index: Int, _ units: Range<Int>, worker: Int) {
        let layout = layouts[index]
        let input = UnsafePointer(pointer(layout.input))
        let output = pointer(layout.output)
        switch steps[index] {
        case .matrixProduct(let gemm):
            // Reading the rows where they are needs an output apart from them: a step that
            // overwrites its input (ArenaPlan.Overwrite) copies each chunk before writing.
            let apart = layout.output &+ layout.outputCount <= layout.input
                || layout.input &+ layout.rows &* gemm.k <= layout.output
            multiply(gemm, output: output, layout: layout, units: units, splitRows: divisions[index].splitRows,
                     worker: worker, inputRows: gemm.readsInputRows && apart ? input : nil) { range, a in
                gemm.widenRows(input + range.lowerBound &* gemm.k, rows: range.count, into: a)
            }
        case .convolution(let g, let gemm):
            multiply(gemm, output: output, layout: layout, units: units, splitRows: divisions[index].splitRows,
                     worker: worker) { range, a in
                gemm.fillIm2Col(input: input, geometry: g, pixels: range, into: a)
            }
        case .depthwise(let g, let kernel):
            kernel.run(input: input, output: output, geometry: g, rows: units)
        case .depthwiseMultiplier(let g, let d):
            I8Depthwise.withMultiplier(input: input, output: output, convolution: d, geometry: g, rows: units)
        case .pad(let height, let width, let channels, let padding, let value):
            I8Head.pad(input: input, output: output, images: 1, height: height, width: width,
                       channels: channels, padding: padding, value: value)
        case .averagePool(let g, let lower, let upper):
            I8Head.averagePool(input: input, output: output, geometry: g, lower: lower, upper: upper, rows: units)
        case .mean(let pixels, let channels, let m):
            I8Head.mean(input: input, output: output, images: 1, pixels: pixels, channels: channels, mean: m)
        case .reshape:
            if UnsafeRawPointer(input) != UnsafeRawPointer(output) {
                output.update(from: input, count: layout.outputCount)
            }
        case .softmax(let width, let exponentials):
            I8Head.softmax(input: input, output: output, rows: layout.outputCount / width,
                           width: width, exponentials: exponentials.pointer)
        }
    }

    /// Units `units` of a matrix product over `layout.rows` rows (row tiles when `splitRows`,
    /// else weight panels); `fill(rows, scratch)` writes the int16 rows the product reads,
    /// `layout.chunkRows` at a time, into worker `worker`'s scratch. Each chunk is read whole
    /// before its output rows are written, in row order or, for a step that overwrites its
    /// input from the start of its buffer, last chunk first (`ArenaPlan.Overwrite`). With
    /// `inputRows` (a product that reads its int8 input as it is, `readsInputRows`, into an
    /// output apart from it), nothing is filled.
    private func multiply(_ gemm: SelectedGEMM, output: UnsafeMutablePointer<Int8>, layout: ArenaPlanner.StepLayout,
                          units: Range<Int>, splitRows: Bool, worker: Int, inputRows: UnsafePointer<Int8>? = nil,
                          fill: (Range<Int>, UnsafeMutablePointer<Int16>) -> Void) {
        let tile = SelectedGEMM.tileRows, rows = layout.rows
        let a = (arena + layout.scratch + worker &* layout.scratchStride).assumingMemoryBound(to: Int16.self)
        let rowRange = splitRows ? units.lowerBound &* tile..<min(rows, units.upperBound &* tile) : 0..<rows
        let chunks = (rowRange.count &+ layout.chunkRows &- 1) / layout.chunkRows
        var chunk = 0
        while chunk < chunks {
            let index = layout.backward ? chunks &- 1 &- chunk : chunk
            let start = rowRange.lowerBound &+ index &* layout.chunkRows
            let end = min(rowRange.upperBound, start &+ layout.chunkRows)
            let chunkRows: UnsafePointer<Int16>
            if let input = inputRows {
                chunkRows = UnsafeRawPointer(input + start &* gemm.k).assumingMemoryBound(to: Int16.self)
            } else {
                fill(start..<end, a)
                chunkRows = UnsafePointer(a)
            }
            gemm.multiply(a: chunkRows, rows: end &- start, output: output + start &* gemm.n,
                          panels: splitRows ? 0..<gemm.panels : units)
            chunk &+= 1
        }
    }
}
