/// Where every activation tensor and scratch buffer of a model lives in the interpreter's arena,
/// and when: steps are numbered in execution order, and a buffer is live from `firstStep` to
/// `lastStep`, both included. Buffers live at a common step never overlap in the arena, except
/// the input and output of a step that overwrites its input as it reads it (`overwrites`).
public struct ArenaPlan: Sendable, Equatable {
    /// One planned buffer.
    public struct Buffer: Sendable, Equatable {
        /// A readable name (`input`, `step 3 conv_2d`, `step 3 scratch`, ...).
        public var name: String
        /// What the buffer holds.
        public var kind: Kind
        /// Byte offset in the arena (a multiple of `ArenaPlan.alignment`).
        public var offset: Int
        /// Size in bytes.
        public var bytes: Int
        public var firstStep: Int
        public var lastStep: Int

        public init(name: String, kind: Kind, offset: Int, bytes: Int, firstStep: Int, lastStep: Int) {
            self.name = name
            self.kind = kind
            self.offset = offset
            self.bytes = bytes
            self.firstStep = firstStep
            self.lastStep = lastStep
        }

        /// True when the buffer is live at `step`.
        public func isLive(at step: Int) -> Bool { firstStep <= step && step <= lastStep }
    }

    /// What a buffer holds.
    public enum Kind: Sendable, Equatable {
        /// An activation tensor (the input, a step's output).
        case tensor
        /// A step's working memory (int16 rows of a matrix product per worker thread).
        case scratch
    }

    /// A step that writes its output over its input as it goes: a 1x1 convolution or fully
    /// connected layer on one thread reads (widens into scratch) a chunk of input rows before
    /// it writes their output rows, so an output laid out to end where the input ends (output
    /// wider than input, chunks in order) or to start where it starts (chunks in reverse) never
    /// reaches an input row still unread. The two buffers overlap at `step` only.
    public struct Overwrite: Sendable, Equatable {
        public var step: Int
        /// Indices in `buffers` of the step's input and output.
        public var input: Int
        public var output: Int
        /// True when the step runs its chunks of rows last to first.
        public var backward: Bool

        public init(step: Int, input: Int, output: Int, backward: Bool) {
            self.step = step
            self.input = input
            self.output = output
            self.backward = backward
        }

        /// True when the layout is safe: an output at least as large as the input starts where the
        /// input starts (backward) or ends where it ends (forward); a smaller one the other way.
        func isSafe(_ buffers: [Buffer]) -> Bool {
            let i = buffers[input], o = buffers[output]
            guard i.lastStep == step && o.firstStep == step else { return false }
            let sameStart = i.offset == o.offset, sameEnd = i.offset + i.bytes == o.offset + o.bytes
            return (o.bytes >= i.bytes) == backward ? sameStart : sameEnd
        }
    }

    /// Buffer offsets and sizes in the arena are multiples of this many bytes.
    public static let alignment = 16
    /// Bytes after the last buffer that SIMD kernels may read (never write) past a tensor's end.
    public static let readSlack = 64

    /// The buffers, in the order the model uses them (input first).
    public var buffers: [Buffer]
    /// Steps of the plan (operations of the model, in execution order).
    public var steps: [String]
    /// Bytes of the arena: the end of the highest buffer plus `readSlack`.
    public var arenaBytes: Int
    /// The largest number of bytes live at any one step (an overwriting step's input and output
    /// counted as the larger of the two): no placement can use less.
    public var lowerBoundBytes: Int
    /// The arena TensorFlow Lite Micro's greedy planner (largest first, first fit, no buffer
    /// shared in place) needs for the same buffers, plus `readSlack`.
    public var greedyWithoutInPlaceBytes: Int
    /// Every buffer at its own place (no reuse at all), plus `readSlack`.
    public var naiveBytes: Int
    /// The steps that write their output over their input.
    public var overwrites: [Overwrite]

    public init(buffers: [Buffer], steps: [String], arenaBytes: Int, lowerBoundBytes: Int,
                greedyWithoutInPlaceBytes: Int, naiveBytes: Int, overwrites: [Overwrite] = []) {
        self.buffers = buffers
        self.overwrites = overwrites
        self.steps = steps
        self.arenaBytes = arenaBytes
        self.lowerBoundBytes = lowerBoundBytes
        self.greedyWithoutInPlaceBytes = greedyWithoutInPlaceBytes
        self.naiveBytes = naiveBytes
    }

    /// The largest number of bytes live at one step among `buffers`, the input and output of an
    /// overwriting step counted there as the larger of the two.
    public static func lowerBound(_ buffers: [Buffer], steps: Int, overwrites: [Overwrite] = []) -> Int {
        var largest = 0
        for step in 0..<steps {
            var live = 0
            for buffer in buffers where buffer.isLive(at: step) { live &+= buffer.bytes }
            for pair in overwrites where pair.step == step {
                live &-= min(buffers[pair.input].bytes, buffers[pair.output].bytes)
            }
            largest = max(largest, live)
        }
        return largest
    }

    /// True when buffers `a` and `b` are the input and output of an overwriting step laid out
    /// safely.
    func mayOverlap(_ a: Int, _ b: Int) -> Bool {
        for pair in overwrites where (pair.input == a && pair.output == b) || (pair.input == b && pair.output == a) {
            return pair.isSafe(buffers)
        }
        return false
    }

    /// The first pair of buffers live at a common step whose byte ranges overlap (other than an
    /// overwriting step's input and output), or nil when the plan is valid; also checks that
    /// every buffer lies inside the arena.
    public func firstConflict() -> (Buffer, Buffer)? {
        for (i, a) in buffers.enumerated() {
            if a.offset < 0 || a.offset + a.bytes + Self.readSlack > arenaBytes { return (a, a) }
            for j in (i + 1)..<buffers.count {
                let b = buffers[j]
                guard a.firstStep <= b.lastStep && b.firstStep <= a.lastStep, !mayOverlap(i, j) else { continue }
                if a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes { return (a, b) }
            }
        }
        return nil
    }
}
