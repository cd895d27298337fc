/// Measures the single-thread multiply-add peak of this build on this CPU: twelve independent
/// 16-lane FMA chains (enough to hide FMA latency on two FMA pipes), no memory traffic.
/// `mobilenet profile` reports each layer's GFLOP/s as a share of it.
public enum FMAPeakProbe {
    /// GFLOP/s (2 flops per multiply-add) over about `seconds` of work; the best of five.
    public static func gigaflops(seconds: Double = 0.05) -> Double {
        let clock = ContinuousClock()
        var iterations = 1 << 14
        var best = 0.0
        var sink: Float = 0
        for _ in 0..<5 {
            while true {
                let start = clock.now
                sink += chains(iterations)
                let elapsed = clock.now - start
                let time = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                if time < seconds / 5 { iterations *= 2; continue }
                best = max(best, Double(iterations) * 6 * 16 * 2 / time / 1e9)
                break
            }
        }
        return sink.isNaN ? 0 : best
    }

    @inline(never)
    private static func chains(_ iterations: Int) -> Float {
        let a = SIMD16<Float>(repeating: 0.999_999), b = SIMD16<Float>(repeating: 1e-7)
        var c0 = SIMD16<Float>(repeating: 1), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5
        for _ in 0..<iterations {
            c0 = multiplyAdd(b, c0, a); c1 = multiplyAdd(b, c1, a); c2 = multiplyAdd(b, c2, a)
            c3 = multiplyAdd(b, c3, a); c4 = multiplyAdd(b, c4, a); c5 = multiplyAdd(b, c5, a)
        }
        return (c0 + c1 + c2 + c3 + c4 + c5).sum()
    }
}
