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
/// layers start within microseconds) and then sleep on a semaphore until the next job. No locks
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
            generation.wrappingIncrement(ordering: .sequentiallyConsistent)
            wakeSleepers()
            body(0)
            // Spin briefly, then yield: on a loaded machine a worker may be waiting for this
            // very core, and spinning without yielding would keep it off (seen: 2-thread runs
            // 5x slower than 1-thread while another process was busy).
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 2_000 { yieldProcessor() }
            }
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
                spins += 1
                if spins < Self.spinLimit {
                    if spins & 255 == 0 { yieldProcessor() }
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
            job?(worker)
            pending.wrappingDecrement(ordering: .releasing)
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

/// Gives the core to another runnable thread, if any.
@inline(__always)
private func yieldProcessor() {
    _ = sched_yield()
}
