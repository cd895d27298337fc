/// Decides, frame by frame, whether a decision is written out under an `EmitPolicy`.
public struct EmitGate: Sendable {
    public let policy: EmitPolicy
    private var lastEmitNanoseconds: UInt64?

    public init(policy: EmitPolicy) {
        self.policy = policy
    }

    /// Forget the last emission (after a model switch the next decision is always written).
    public mutating func reset() {
        lastEmitNanoseconds = nil
    }

    /// True when the decision made at monotonic time `now` (nanoseconds) is written; records it.
    public mutating func shouldEmit(changed: Bool, now: UInt64) -> Bool {
        let emit: Bool
        switch policy {
        case .every: emit = true
        case .change: emit = changed
        case .interval(let seconds):
            if let last = lastEmitNanoseconds {
                emit = now &- last >= UInt64(seconds * 1e9)
            } else {
                emit = true
            }
        }
        if emit { lastEmitNanoseconds = now }
        return emit
    }
}
