import Dispatch

/// Splits a range of independent work items over `threads` workers of the system's persistent
/// Dispatch pool; the caller's thread takes part and the call returns when all are done.
struct ParallelFor: Sendable {
    let threads: Int

    init(threads: Int) { self.threads = max(1, threads) }

    /// Calls `body` on contiguous sub-ranges of `range` that cover it exactly once. Ranges are
    /// split evenly so the workers finish together; small ranges run on the calling thread.
    func callAsFunction(_ range: Range<Int>, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let count = range.count
        let workers = min(threads, max(1, count / max(1, minimumPerThread)))
        if workers <= 1 {
            body(range)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let low = range.lowerBound + count * worker / workers
                let high = range.lowerBound + count * (worker + 1) / workers
                box.value(low..<high)
            }
        }
    }
}

/// Carries a value across a concurrency boundary whose safety the engine guarantees itself
/// (workers write disjoint output rows and only read shared inputs).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
