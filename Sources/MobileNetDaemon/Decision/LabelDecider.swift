/// Turns each frame's class probabilities into the label to report: a moving average over the
/// last `smooth` frames, then a threshold with hysteresis.
///
/// A class becomes the label when its averaged probability reaches `threshold` and stays the
/// label while it stays at or above `thresholdLow`; when the label drops below that and no
/// class reaches `threshold`, there is no label (`label == nil`, reported as "unknown"). With a
/// threshold of 0 the label is always the most probable class.
///
/// All buffers are allocated at init: `update` allocates nothing.
public final class LabelDecider {
    /// One frame's outcome.
    public struct Decision: Equatable, Sendable {
        /// The label's class index, nil when no class passes the thresholds.
        public var label: Int?
        /// The label's averaged probability (the most probable class's when there is no label).
        public var score: Float
        /// True when `label` differs from the previous frame's (and on the first frame).
        public var changed: Bool
    }

    public let classes: Int
    public let window: Int
    public let threshold: Float
    public let thresholdLow: Float
    private let history: UnsafeMutableBufferPointer<Float>
    private let average: UnsafeMutableBufferPointer<Float>
    private var filled = 0
    private var next = 0
    private var current: Int?
    private var started = false

    public init(classes: Int, smooth: Int, threshold: Double, thresholdLow: Double) {
        precondition(classes >= 1 && smooth >= 1, "a decider needs classes and a window")
        self.classes = classes
        window = smooth
        self.threshold = Float(threshold)
        self.thresholdLow = Float(min(thresholdLow, threshold))
        history = .allocate(capacity: classes * smooth)
        history.initialize(repeating: 0)
        average = .allocate(capacity: classes)
        average.initialize(repeating: 0)
    }

    deinit {
        history.deallocate()
        average.deallocate()
    }

    /// Starts over (after a reconnect or a model switch): no history, no label.
    public func reset() {
        filled = 0
        next = 0
        current = nil
        started = false
    }

    /// The decision after one more frame of `probabilities` (`classes` values).
    public func update(_ probabilities: UnsafeBufferPointer<Float>) -> Decision {
        precondition(probabilities.count >= classes, "fewer probabilities than classes")
        let row = next * classes
        for c in 0..<classes { history[row + c] = probabilities[c] }
        next = next + 1 == window ? 0 : next + 1
        filled = min(filled + 1, window)
        // Summed afresh each frame (window × classes adds): no drift from a running sum.
        for c in 0..<classes { average[c] = 0 }
        for f in 0..<filled {
            let base = f * classes
            for c in 0..<classes { average[c] += history[base + c] }
        }
        let scale = 1 / Float(filled)
        var top = 0
        for c in 0..<classes {
            average[c] *= scale
            if average[c] > average[top] { top = c }
        }
        let previous = current
        if let held = current, average[held] >= thresholdLow {
            if top != held && average[top] >= threshold && average[top] > average[held] { current = top }
        } else {
            current = average[top] >= threshold ? top : nil
        }
        let changed = !started || previous != current
        started = true
        return Decision(label: current, score: average[current ?? top], changed: changed)
    }
}
