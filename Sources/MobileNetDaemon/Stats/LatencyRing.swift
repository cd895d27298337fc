/// The last `capacity` frame latencies, for p50 and p99 over a fixed window: a preallocated ring
/// and a preallocated scratch copy that percentiles are sorted in. `record` is allocation-free
/// (so is `percentiles`).
public final class LatencyRing {
    public let capacity: Int
    private let values: UnsafeMutableBufferPointer<Double>
    private let scratch: UnsafeMutableBufferPointer<Double>
    private var next = 0
    public private(set) var count = 0

    public init(capacity: Int = 1024) {
        precondition(capacity >= 1)
        self.capacity = capacity
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0)
        scratch = .allocate(capacity: capacity)
        scratch.initialize(repeating: 0)
    }

    deinit {
        values.deallocate()
        scratch.deallocate()
    }

    public func record(_ milliseconds: Double) {
        values[next] = milliseconds
        next = next + 1 == capacity ? 0 : next + 1
        count = min(count + 1, capacity)
    }

    /// The nearest-rank percentiles `p` (0...100) of the window; 0 when empty.
    public func percentiles(_ low: Double, _ high: Double) -> (Double, Double) {
        guard count > 0 else { return (0, 0) }
        for index in 0..<count { scratch[index] = values[index] }
        var window = UnsafeMutableBufferPointer(rebasing: scratch[..<count])
        window.sort()
        func rank(_ p: Double) -> Double {
            let index = Int((p / 100 * Double(count)).rounded(.up)) - 1
            return window[min(max(index, 0), count - 1)]
        }
        return (rank(low), rank(high))
    }
}
