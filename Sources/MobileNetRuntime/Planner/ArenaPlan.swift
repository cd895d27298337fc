/// Where every activation tensor and scratch buffer of a model lives in the interpreter's arena,
/// and when: steps are numbered in execution order, and a buffer is live from `firstStep` to
/// `lastStep`, both included. Buffers live at a common step never overlap in the arena.
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
    /// The largest number of bytes live at any one step: no placement can use less.
    public var lowerBoundBytes: Int
    /// The arena TensorFlow Lite Micro's greedy planner (largest first, first fit, no buffer
    /// shared in place) needs for the same buffers, plus `readSlack`.
    public var greedyWithoutInPlaceBytes: Int
    /// Every buffer at its own place (no reuse at all), plus `readSlack`.
    public var naiveBytes: Int

    public init(buffers: [Buffer], steps: [String], arenaBytes: Int, lowerBoundBytes: Int,
                greedyWithoutInPlaceBytes: Int, naiveBytes: Int) {
        self.buffers = buffers
        self.steps = steps
        self.arenaBytes = arenaBytes
        self.lowerBoundBytes = lowerBoundBytes
        self.greedyWithoutInPlaceBytes = greedyWithoutInPlaceBytes
        self.naiveBytes = naiveBytes
    }

    /// The largest number of bytes live at one step among `buffers`.
    public static func lowerBound(_ buffers: [Buffer], steps: Int) -> Int {
        var largest = 0
        for step in 0..<steps {
            var live = 0
            for buffer in buffers where buffer.isLive(at: step) { live &+= buffer.bytes }
            largest = max(largest, live)
        }
        return largest
    }

    /// The first pair of buffers live at a common step whose byte ranges overlap, or nil when
    /// the plan is valid; also checks that every buffer lies inside the arena.
    public func firstConflict() -> (Buffer, Buffer)? {
        for (i, a) in buffers.enumerated() {
            if a.offset < 0 || a.offset + a.bytes + Self.readSlack > arenaBytes { return (a, a) }
            for b in buffers[(i + 1)...] where a.firstStep <= b.lastStep && b.firstStep <= a.lastStep {
                if a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes { return (a, b) }
            }
        }
        return nil
    }
}
