/// The running counters of a watch loop: what `--stats` prints and what systemd's `STATUS=`
/// shows. Frames per second are measured over each reporting period.
public final class WatchStats {
    public let latencies = LatencyRing(capacity: 1024)
    /// Frames classified since the start.
    public private(set) var frames = 0
    /// Camera (source) reconnects after a loss or stall.
    public var reconnects = 0
    private var periodFrames = 0
    private var periodStart: UInt64

    public init(now: UInt64 = Clock.monotonicNanoseconds()) {
        periodStart = now
    }

    public func recordFrame(latencyMilliseconds: Double) {
        frames += 1
        periodFrames += 1
        latencies.record(latencyMilliseconds)
    }

    /// Frames per second since the last call (or the start), and starts a new period.
    public func takeFramesPerSecond(now: UInt64) -> Double {
        let seconds = Double(now &- periodStart) / 1e9
        let rate = seconds > 0 ? Double(periodFrames) / seconds : 0
        periodFrames = 0
        periodStart = now
        return rate
    }
}
