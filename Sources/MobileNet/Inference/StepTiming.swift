/// Times a chain of `steps` steps over `runs` runs: `run(index, from)` executes step `index` on
/// the buffer `from` and returns the buffer it wrote. Returns each step's median seconds.
/// Shared by the float and int8 sessions' `profile`.
func medianStepSeconds(steps: Int, runs: Int, _ run: (_ index: Int, _ from: Int) -> Int) -> [Double] {
    let clock = ContinuousClock()
    var samples = [[Double]](repeating: [], count: steps)
    for _ in 0..<max(1, runs) {
        var current = 0
        for index in 0..<steps {
            let start = clock.now
            current = run(index, current)
            samples[index].append((clock.now - start).seconds)
        }
    }
    return samples.map { $0.sorted()[$0.count / 2] }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
