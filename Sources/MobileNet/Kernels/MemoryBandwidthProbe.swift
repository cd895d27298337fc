/// Measures the single-thread read bandwidth of main memory: sums a buffer far larger than the
/// caches with four independent 16-lane accumulators. With `FMAPeakProbe` it places each layer
/// of `mobilenet profile` on a roofline: below the ridge (peak ÷ bandwidth flops per byte) a
/// layer cannot be compute-bound.
public enum MemoryBandwidthProbe {
    /// GB/s (10⁹ bytes) reading `megabytes` MB; the best of `rounds` passes after one that
    /// touches the pages.
    public static func gigabytesPerSecond(megabytes: Int = 64, rounds: Int = 4) -> Double {
        let count = megabytes << 18  // floats
        let buffer = AlignedFloats(zeros: count)
        let clock = ContinuousClock()
        var best = 0.0
        var sink: Float = sum(buffer.pointer, count)
        for _ in 0..<rounds {
            let start = clock.now
            sink += sum(buffer.pointer, count)
            let time = (clock.now - start).seconds
            if time > 0 { best = max(best, Double(count * 4) / time / 1e9) }
        }
        return sink.isNaN ? 0 : best
    }

    @inline(never)
    private static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var a = SIMD16<Float>(), b = a, c = a, d = a
        var i = 0
        while i + 64 <= count {
            a += load16(x + i); b += load16(x + i + 16); c += load16(x + i + 32); d += load16(x + i + 48)
            i += 64
        }
        return ((a + b) + (c + d)).sum()
    }
}
