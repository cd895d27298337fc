#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two clocks the daemon reads: monotonic (frame timestamps, latency, intervals; the clock
/// V4L2 drivers stamp buffers with) and UTC wall time (the time on each line).
public enum Clock {
    /// Nanoseconds of CLOCK_MONOTONIC.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    public static func utcNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
    }
}
