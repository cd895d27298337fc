/// Exponential backoff for reopening a lost device: `initial`, doubled after each failed
/// attempt, capped at `cap` (5 s for the camera, as the service promises).
public struct Backoff: Sendable {
    public let initialNanoseconds: UInt64
    public let capNanoseconds: UInt64
    public private(set) var currentNanoseconds: UInt64

    public init(initialSeconds: Double = 0.1, capSeconds: Double = 5) {
        initialNanoseconds = UInt64(initialSeconds * 1e9)
        capNanoseconds = UInt64(capSeconds * 1e9)
        currentNanoseconds = initialNanoseconds
    }

    /// The wait before the next attempt; doubles the one after it.
    public mutating func next() -> UInt64 {
        let wait = currentNanoseconds
        currentNanoseconds = min(currentNanoseconds * 2, capNanoseconds)
        return wait
    }

    /// Back to the initial wait (after a success).
    public mutating func reset() {
        currentNanoseconds = initialNanoseconds
    }
}
