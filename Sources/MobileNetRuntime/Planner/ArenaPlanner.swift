/// Plans the arena of a lowered int8 model: every activation tensor and every step's scratch
/// memory, with its lifetime in steps, after the in-place sharing TFLM does not do (a RESHAPE's
/// output is its input, same bytes; a SOFTMAX overwrites its input row by row, reading every
/// element of a row before writing it; on one thread, a 1x1 convolution or fully connected
/// layer writes its output over its input chunk by chunk, `ArenaPlan.Overwrite`). Two
/// placements are computed and the smaller kept:
/// - TensorFlow Lite Micro's greedy rule: largest first, each buffer at the lowest offset where
///   it overlaps no buffer already placed that is live at a common step;
/// - the chain's two-ended placement: the graph is a chain, so each step reads one tensor and
///   writes the next; tensors alternate between the bottom and the top of the arena (a step's
///   output lands at the end its input does not use, or at the same end when it overwrites the
///   input) and the step's scratch goes between them. Every step then needs exactly its input,
///   scratch and output, so the arena is the lower bound (up to alignment), where the greedy
///   rule can strand gaps between equal-sized buffers.
///
/// Scratch is sized against the activations: a matrix product's int16 rows per worker thread
/// are limited to what fits under the activations' peak plus 1/32, so that no step's scratch
/// raises the arena much above the lower bound, and a step below the peak keeps the larger
/// chunks (fewer passes over the weights) it runs fastest with.
struct ArenaPlanner {
    /// Where one step reads, writes and works, as arena offsets.
    struct StepLayout {
        var input: Int
        var output: Int
        /// The first worker's scratch; worker `w` uses `scratch + w · scratchStride`.
        var scratch: Int
        var scratchStride: Int
        /// Rows of int16 activations widened at a time per worker (matrix products only).
        var chunkRows: Int
        /// Elements of the step's output, and rows of its matrix product (or of its output).
        var outputCount: Int
        var rows: Int
        /// Matrix products that overwrite their input: chunks of rows last to first.
        var backward = false
    }

    /// A buffer before placement.
    struct Request {
        var name: String
        var kind: ArenaPlan.Kind
        var bytes: Int
        var firstStep: Int
        var lastStep: Int
    }

    let plan: ArenaPlan
    let layouts: [StepLayout]

    /// Plans `steps` (with per-step output shapes `shapes`, one image of `inputShape`) for
    /// `threads` worker threads.
    init(steps: [QuantizedStep], names: [String], inputShape: [Int], shapes: [[Int]], threads: Int) {
        let count = steps.count
        let last = max(count - 1, 0)
        // Tensors: the input is read by step 0; step i's output from step i to its reader i + 1.
        // The model's output stays live from the first step on: the caller reads it after
        // `invoke` while the next frame's input is written.
        var requests: [Request] = [Request(name: "input", kind: .tensor, bytes: Self.elements(inputShape),
                                           firstStep: 0, lastStep: 0)]
        var tensorOf = [Int](repeating: 0, count: count + 1)  // tensor t: 0 input, i + 1 step i's output
        var separate: [Request] = requests  // the same tensors without in-place sharing
        for (index, step) in steps.enumerated() {
            let bytes = Self.elements(shapes[index])
            let isOutput = index == count - 1
            let request = Request(name: "step \(index) \(names[index])", kind: .tensor, bytes: bytes,
                                  firstStep: isOutput ? 0 : index, lastStep: isOutput ? last : min(index + 1, last))
            separate.append(request)
            let source = tensorOf[index]
            if step.isInPlace && !isOutput {
                requests[source].name += " = " + request.name
                requests[source].lastStep = request.lastStep
                tensorOf[index + 1] = source
            } else {
                tensorOf[index + 1] = requests.count
                requests.append(request)
            }
        }
        // On one thread, 1x1 products whose input and output are tensors of their own (not the
        // model output), in whole alignment units, may overwrite their input.
        let pinned = tensorOf[count]
        var overwriting = [Bool](repeating: false, count: count)
        for (index, step) in steps.enumerated() where threads == 1 {
            guard case .matrixProduct = step else { continue }
            let a = tensorOf[index], b = tensorOf[index + 1]
            overwriting[index] = a != b && a != pinned && b != pinned
                && requests[a].bytes % ArenaPlan.alignment == 0 && requests[b].bytes % ArenaPlan.alignment == 0
        }
        // Scratch, sized against the peak of the activations.
        var live = [Int](repeating: 0, count: max(count, 1))
        for request in requests {
            for step in request.firstStep...request.lastStep { live[step] &+= request.bytes }
        }
        for index in 0..<count where overwriting[index] {
            live[index] &-= min(requests[tensorOf[index]].bytes, requests[tensorOf[index + 1]].bytes)
        }
        let peak = live.max() ?? 0
        let budget = peak + peak / 32
        var layouts: [StepLayout] = []
        var scratchOf = [Int](repeating: -1, count: count)
        for (index, step) in steps.enumerated() {
            let outputCount = Self.elements(shapes[index])
            var layout = StepLayout(input: 0, output: 0, scratch: 0, scratchStride: 0, chunkRows: 0,
                                    outputCount: outputCount, rows: outputCount / max(1, shapes[index].last ?? 1))
            if let gemm = step.matrixProduct {
                // Rows of the product: output pixels (convolutions), or input rows of k values.
                let productRows = step.isConvolution
                    ? Self.elements(shapes[index]) / max(gemm.n, 1)
                    : Self.elements(index == 0 ? inputShape : shapes[index - 1]) / max(gemm.k, 1)
                let rowBytes = gemm.rowStride * 2
                let room = (budget - live[index]) / threads - Self.rowSlack
                let fitting = max(0, room) / rowBytes / Self.chunkMultiple * Self.chunkMultiple
                let wanted = min(gemm.chunkRows, productRows)
                layout.chunkRows = max(min(Self.chunkMultiple, productRows), min(wanted, fitting))
                layout.scratchStride = Self.roundUp(layout.chunkRows * rowBytes + Self.rowSlack, ArenaPlan.alignment)
                scratchOf[index] = requests.count
                let request = Request(name: "step \(index) \(names[index]) scratch", kind: .scratch,
                                      bytes: layout.scratchStride * threads, firstStep: index, lastStep: index)
                requests.append(request)
                separate.append(request)
            }
            layouts.append(layout)
        }
        let greedy = Self.place(requests)
        var offsets = greedy
        var overwrites: [ArenaPlan.Overwrite] = []
        if let chain = Self.placeChain(requests, tensorOf: tensorOf, overwriting: overwriting, scratchOf: scratchOf),
           Self.end(requests, chain.offsets) < Self.end(requests, greedy) {
            offsets = chain.offsets
            overwrites = chain.overwrites
        }
        let separateOffsets = Self.place(separate)
        for index in 0..<count {
            layouts[index].input = offsets[tensorOf[index]]
            layouts[index].output = offsets[tensorOf[index + 1]]
            if scratchOf[index] >= 0 { layouts[index].scratch = offsets[scratchOf[index]] }
        }
        for pair in overwrites { layouts[pair.step].backward = pair.backward }
        var buffers: [ArenaPlan.Buffer] = []
        for (index, request) in requests.enumerated() {
            buffers.append(ArenaPlan.Buffer(name: request.name, kind: request.kind, offset: offsets[index],
                                            bytes: request.bytes, firstStep: request.firstStep,
                                            lastStep: request.lastStep))
        }
        var naive = 0
        for request in separate { naive &+= Self.roundUp(request.bytes, ArenaPlan.alignment) }
        plan = ArenaPlan(buffers: buffers, steps: names,
                         arenaBytes: Self.end(requests, offsets) + ArenaPlan.readSlack,
                         lowerBoundBytes: ArenaPlan.lowerBound(buffers, steps: max(count, 1), overwrites: overwrites),
                         greedyWithoutInPlaceBytes: Self.end(separate, separateOffsets) + ArenaPlan.readSlack,
                         naiveBytes: naive + ArenaPlan.readSlack, overwrites: overwrites)
        self.layouts = layouts
    }

    /// int16 values of slack after each worker's rows (the im2col stores run up to 15 past a row).
    static let rowSlack = 32
    /// Chunks are whole tiles of both GEMM micro-kernels (6 and 12 rows).
    static let chunkMultiple = 12

    static func elements(_ shape: [Int]) -> Int {
        var product = 1
        for d in shape { product &*= d }
        return product
    }

    static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    static func end(_ requests: [Request], _ offsets: [Int]) -> Int {
        var end = 0
        for (index, request) in requests.enumerated() { end = max(end, offsets[index] + request.bytes) }
        return roundUp(end, ArenaPlan.alignment)
    }

    /// The two-ended placement of a chain: the tensors of `tensorOf` (request indices: the input,
    /// then each step's output) take the bottom and the top of the arena in turn, an overwriting
    /// step's output the same end as its input; the model output (live throughout) sits above
    /// them, and each step's scratch right above the bottom tensor live at that step. An
    /// overwrite at the bottom starts where its input starts, at the top ends where it ends,
    /// which sets the order of its chunks (`ArenaPlan.Overwrite`). Nil when two tensors on one
    /// side would be live at a common step (not a plain chain).
    static func placeChain(_ requests: [Request], tensorOf: [Int], overwriting: [Bool], scratchOf: [Int])
        -> (offsets: [Int], overwrites: [ArenaPlan.Overwrite])? {
        let steps = scratchOf.count, pinned = tensorOf[steps]
        var bottom = [Bool](repeating: false, count: requests.count)
        bottom[tensorOf[0]] = true
        for step in 0..<steps {
            let a = tensorOf[step], b = tensorOf[step + 1]
            if b != a && b != pinned { bottom[b] = overwriting[step] ? bottom[a] : !bottom[a] }
        }
        let tensors = Array(Set(tensorOf)).sorted()
        func size(_ index: Int) -> Int { roundUp(requests[index].bytes, ArenaPlan.alignment) }
        var low = [Int](repeating: 0, count: steps), high = [Int](repeating: 0, count: steps)
        var height = 0
        for step in 0..<steps {
            var lowHolder = -1, highHolder = -1
            for tensor in tensors where tensor != pinned
                && requests[tensor].firstStep <= step && step <= requests[tensor].lastStep {
                let holder = bottom[tensor] ? lowHolder : highHolder
                // A side holds one tensor at a step, or an overwriting step's input and output.
                let a = tensorOf[step], b = tensorOf[step + 1]
                let pair = overwriting[step] && ((holder == a && tensor == b) || (holder == b && tensor == a))
                guard holder < 0 || pair else { return nil }
                if bottom[tensor] {
                    low[step] = max(low[step], size(tensor))
                    lowHolder = tensor
                } else {
                    high[step] = max(high[step], size(tensor))
                    highHolder = tensor
                }
            }
            height = max(height, low[step] + (scratchOf[step] >= 0 ? size(scratchOf[step]) : 0) + high[step])
        }
        var offsets = [Int](repeating: 0, count: requests.count)
        for tensor in tensors where tensor != pinned { offsets[tensor] = bottom[tensor] ? 0 : height - size(tensor) }
        offsets[pinned] = height
        for step in 0..<steps where scratchOf[step] >= 0 { offsets[scratchOf[step]] = low[step] }
        var overwrites: [ArenaPlan.Overwrite] = []
        for step in 0..<steps where overwriting[step] {
            let a = tensorOf[step], b = tensorOf[step + 1]
            // Start-aligned at the bottom: a wider output runs backward; end-aligned at the top:
            // forward (a narrower output the other way round).
            overwrites.append(ArenaPlan.Overwrite(step: step, input: a, output: b,
                                                  backward: bottom[a] == (requests[b].bytes >= requests[a].bytes)))
        }
        return (offsets, overwrites)
    }

    /// TFLM's greedy placement: buffers by decreasing size (then first use), each at the lowest
    /// aligned offset where it overlaps no buffer already placed that is live at a common step.
    static func place(_ requests: [Request]) -> [Int] {
        var order = Array(requests.indices)
        order.sort { a, b in
            let x = requests[a], y = requests[b]
            return x.bytes != y.bytes ? x.bytes > y.bytes : (x.firstStep != y.firstStep ? x.firstStep < y.firstStep : a < b)
        }
        var offsets = [Int](repeating: 0, count: requests.count)
        var placed: [Int] = []
        for index in order {
            let request = requests[index]
            let size = roundUp(request.bytes, ArenaPlan.alignment)
            var neighbours: [Int] = []
            for other in placed where requests[other].firstStep <= request.lastStep && request.firstStep <= requests[other].lastStep {
                neighbours.append(other)
            }
            neighbours.sort { offsets[$0] < offsets[$1] }
            var candidate = 0
            for other in neighbours {
                let start = offsets[other], otherEnd = start + roundUp(requests[other].bytes, ArenaPlan.alignment)
                if candidate + size <= start { break }
                candidate = max(candidate, otherEnd)
            }
            offsets[index] = candidate
            placed.append(index)
        }
        return offsets
    }
}
