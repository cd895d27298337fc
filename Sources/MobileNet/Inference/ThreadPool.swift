import Atomics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// A persistent pool of worker threads for the layers of one session.
///
/// `threads - 1` workers are started once; the calling thread is worker 0. A job is published by
/// bumping an atomic generation counter: workers spin on it for a short while (so consecutive
/// layers start within a microsecond) and then sleep on a semaphore until the next job. No locks
/// and no allocation per job. Dropping the pool stops and joins the workers.
final class WorkerPool {
    let threads: Int
    private let state: WorkerPoolState
    /// The worker threads (joinable), for `deinit`.
    private var handles: [pthread_t] = []

    init(threads: Int) {
        self.threads = max(1, threads)
        state = WorkerPoolState(workers: self.threads - 1)
        for worker in 1..<self.threads {
            let state = self.state
            handles.append(startThread(stackSize: 1 << 20) { state.work(worker) })
        }
    }

    deinit {
        state.stop()
        for handle in handles { pthread_join(handle, nil) }
    }

    /// Runs `body(worker)` for every worker 0..<threads and returns when all have finished.
    func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        state.run(body, everyWorker: true)
    }

    /// Calls `body(part)` once for every part in 0..<parts and returns when all are done. The
    /// parts are taken from an atomic counter by the caller and by whichever workers join in
    /// time: a worker that starts late (its core busy with another process) leaves its share to
    /// the others instead of holding the job back, and one that comes after the caller has taken
    /// the last part does not join at all.
    func run(parts: Int, _ body: (Int) -> Void) {
        run(parts: parts) { _, part in body(part) }
    }

    /// `run(parts:_:)`, telling `body` which worker (0..<threads, 0 the caller) runs each part,
    /// for parts that need a worker's own scratch memory.
    func run(parts: Int, _ body: (_ worker: Int, _ part: Int) -> Void) {
        if threads == 1 || parts <= 1 {
            for part in 0..<parts { body(0, part) }
            return
        }
        state.nextPart.store(0, ordering: .relaxed)
        let next = state.nextPart
        state.run({ worker in
            while true {
                let part = next.loadThenWrappingIncrement(ordering: .relaxed)
                guard part < parts else { return }
                body(worker, part)
            }
        }, everyWorker: false)
    }
}

/// What the workers share with the pool; owned strongly by every worker thread.
private final class WorkerPoolState: @unchecked Sendable {
    private let workers: Int
    /// Bumped once per job (only by the caller); workers wait for it to change.
    private let generation = ManagedAtomic<Int>(0)
    /// Admission to the current job: `generation << 32 | entered << 1 | open`. A worker enters
    /// by a compare-exchange that checks the generation it saw and the open bit, so it can never
    /// enter a later job by mistake, nor one the caller has closed.
    private let gate = ManagedAtomic<Int>(0)
    /// Workers that have finished the current job.
    private let finished = ManagedAtomic<Int>(0)
    private let stopping = ManagedAtomic<Bool>(false)
    private let sleeping: [ManagedAtomic<Bool>]
    private let wakeups: [DispatchSemaphore]
    /// The part counter of `WorkerPool.run(parts:_:)`.
    let nextPart = ManagedAtomic<Int>(0)
    /// The current job; written before the gate opens (release), read after entering (acquire).
    private var job: ((Int) -> Void)?

    /// Spin iterations before an idle worker sleeps (some tens of microseconds).
    private static let spinLimit = 1 << 16
    /// Spin iterations between yields of the core while spinning: rare, so that a job published
    /// during a spin is seen within a microsecond, yet a process waiting for this core runs.
    private static let yieldInterval = 1 << 12

    init(workers: Int) {
        self.workers = workers
        sleeping = (0..<workers).map { _ in ManagedAtomic(false) }
        wakeups = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
    }

    /// Publishes `body`, runs it as worker 0 and waits: for every worker when `everyWorker`, else
    /// only for the workers that entered before the caller finished its own call and closed the
    /// job.
    func run(_ body: (Int) -> Void, everyWorker: Bool) {
        withoutActuallyEscaping(body) { body in
            job = body
            finished.store(0, ordering: .relaxed)
            let next = generation.load(ordering: .relaxed) &+ 1
            gate.store((next & 0x7FFF_FFFF) << 32 | 1, ordering: .releasing)
            generation.store(next, ordering: .sequentiallyConsistent)
            wakeSleepers()
            body(0)
            let expected: Int
            if everyWorker {
                expected = workers
            } else {
                let admitted = gate.loadThenBitwiseAnd(with: ~1, ordering: .acquiringAndReleasing)
                expected = (admitted >> 1) & 0x7FFF_FFFF
            }
            // Spin, yielding now and then: on a loaded machine a worker may be waiting for this
            // very core (seen: 2-thread runs 5x slower than 1-thread while another process was
            // busy, when the caller spun without yielding).
            var spins = 0
            while finished.load(ordering: .acquiring) < expected {
                spins &+= 1
                if spins & 1023 == 0 { yieldProcessor() }
            }
            gate.store(0, ordering: .relaxed)
            job = nil
        }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        generation.wrappingIncrement(ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    private func wakeSleepers() {
        for index in sleeping.indices where sleeping[index].exchange(false, ordering: .sequentiallyConsistent) {
            wakeups[index].signal()
        }
    }

    func work(_ worker: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins &+= 1
                if spins < Self.spinLimit {
                    if spins & (Self.yieldInterval - 1) == 0 { yieldProcessor() }
                    continue
                }
                // Announce sleep, then re-check for a job. Both this pair and the submitter's
                // (bump generation, then read `sleeping`) must be sequentially consistent: with
                // release/acquire the store may be reordered after the load (StoreLoad), both
                // sides miss each other, and the caller spins forever (seen in the tests).
                sleeping[worker - 1].store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen {
                    wakeups[worker - 1].wait()
                }
                sleeping[worker - 1].store(false, ordering: .releasing)
                spins = 0
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            let tag = seen & 0x7FFF_FFFF
            var admission = gate.load(ordering: .acquiring)
            while admission >> 32 == tag && admission & 1 == 1 {
                let (entered, current) = gate.compareExchange(
                    expected: admission, desired: admission + 2, ordering: .acquiringAndReleasing)
                if entered {
                    job?(worker)
                    finished.wrappingIncrement(ordering: .releasing)
                    break
                }
                admission = current
            }
        }
    }
}

/// A worker's body, owned by its thread until it returns.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a joinable POSIX thread with a stack of `stackSize` bytes that runs `body`.
private func startThread(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> pthread_t {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    #if canImport(Glibc)
    var handle = pthread_t()
    #else
    var handle: pthread_t?  // Darwin: an optional pointer
    #endif
    // The start routine's parameter is optional on Glibc and not on Darwin; both convert to
    // runThreadBody's optional parameter.
    let result = pthread_create(&handle, &attributes, { context in
        runThreadBody(context)
        return nil
    }, context)
    precondition(result == 0, "cannot start a worker thread: pthread_create returned \(result)")
    #if canImport(Glibc)
    return handle
    #else
    return handle!
    #endif
}

private func runThreadBody(_ context: UnsafeMutableRawPointer?) {
    Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
}

/// Splits a range of independent work items over a session's workers.
struct ParallelFor {
    let pool: WorkerPool

    init(threads: Int) { pool = WorkerPool(threads: threads) }

    var threads: Int { pool.threads }

    /// Calls `body` on contiguous sub-ranges of `range` that cover it exactly once, split evenly
    /// so the workers finish together; ranges too small to share run on the calling thread.
    /// The sub-ranges (one per thread) depend only on `range`, `minimumPerThread` and the thread
    /// count; a worker that starts late leaves its sub-range to the caller.
    func callAsFunction(_ range: Range<Int>, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = min(threads, max(1, range.count / max(1, minimumPerThread)))
        callAsFunction(range, parts: workers, body)
    }

    /// Calls `body` on `parts` contiguous, nearly equal sub-ranges of `range` (fewer when the
    /// range is shorter) that cover it exactly once, taken by the threads as they come; with
    /// one part it runs on the calling thread. More parts than threads balance the load when a
    /// worker starts late or parts cost unequal time.
    func callAsFunction(_ range: Range<Int>, parts: Int, _ body: (Range<Int>) -> Void) {
        let count = range.count
        let parts = min(parts, count)
        if parts <= 1 || threads == 1 {
            body(range)
            return
        }
        pool.run(parts: parts) { part in
            body(range.lowerBound + count * part / parts..<range.lowerBound + count * (part + 1) / parts)
        }
    }
}

/// Gives the core to another runnable thread, if any.
@inline(__always)
private func yieldProcessor() {
    _ = sched_yield()
}
