import Atomics
import Foundation

/// A persistent pool of worker threads for the layers of one session.
///
/// `threads - 1` workers are started once; the calling thread is worker 0. A job is published by
/// bumping an atomic generation counter: workers spin on it for a short while (so consecutive
/// layers start within microseconds) and then sleep on a semaphore until the next job. No locks
/// and no allocation per job. Dropping the pool stops and joins the workers.
final class WorkerPool {
    let threads: Int
    private let state: WorkerPoolState

    init(threads: Int) {
        self.threads = max(1, threads)
        state = WorkerPoolState(workers: self.threads - 1)
        for worker in 1..<self.threads {
            state.finished.enter()
            let state = self.state
            let thread = Thread {
                state.work(worker)
                state.finished.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.stop()
    }

    /// Runs `body(worker)` for every worker 0..<threads and returns when all have finished.
    func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        state.run(body)
    }
}

/// What the workers share with the pool; owned strongly by every worker thread.
private final class WorkerPoolState: @unchecked Sendable {
    private let workers: Int
    private let generation = ManagedAtomic<Int>(0)
    private let pending = ManagedAtomic<Int>(0)
    private let stopping = ManagedAtomic<Bool>(false)
    private let sleeping: [ManagedAtomic<Bool>]
    private let wakeups: [DispatchSemaphore]
    let finished = DispatchGroup()
    /// The current job; written before `generation` is bumped (release), read after (acquire).
    private var job: ((Int) -> Void)?

    /// Spin iterations before an idle worker sleeps (a few tens of microseconds).
    private static let spinLimit = 20_000

    init(workers: Int) {
        self.workers = workers
        sleeping = (0..<workers).map { _ in ManagedAtomic(false) }
        wakeups = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
    }

    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            job = body
            pending.store(workers, ordering: .relaxed)
            generation.wrappingIncrement(ordering: .releasing)
            wakeSleepers()
            body(0)
            while pending.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        generation.wrappingIncrement(ordering: .releasing)
        wakeSleepers()
        finished.wait()
    }

    private func wakeSleepers() {
        for index in sleeping.indices where sleeping[index].exchange(false, ordering: .acquiringAndReleasing) {
            wakeups[index].signal()
        }
    }

    func work(_ worker: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit { continue }
                sleeping[worker - 1].store(true, ordering: .releasing)
                if generation.load(ordering: .acquiring) == seen {
                    wakeups[worker - 1].wait()
                }
                sleeping[worker - 1].store(false, ordering: .releasing)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            job?(worker)
            pending.wrappingDecrement(ordering: .releasing)
        }
    }
}

/// Splits a range of independent work items over a session's workers.
struct ParallelFor {
    let pool: WorkerPool

    init(threads: Int) { pool = WorkerPool(threads: threads) }

    var threads: Int { pool.threads }

    /// Calls `body` on contiguous sub-ranges of `range` that cover it exactly once, split evenly
    /// so the workers finish together; ranges too small to share run on the calling thread.
    func callAsFunction(_ range: Range<Int>, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let count = range.count
        let workers = min(threads, max(1, count / max(1, minimumPerThread)))
        if workers <= 1 {
            body(range)
            return
        }
        pool.run { worker in
            guard worker < workers else { return }
            let low = range.lowerBound + count * worker / workers
            let high = range.lowerBound + count * (worker + 1) / workers
            body(low..<high)
        }
    }
}
