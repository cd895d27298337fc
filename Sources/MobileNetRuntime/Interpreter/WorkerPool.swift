import CRuntimeSupport

/// The interpreter's worker threads: `threads - 1` POSIX threads started once (the calling
/// thread is worker 0). A job is published by opening a gate (a generation counter): workers spin
/// on it for a short while, so that consecutive steps start within a microsecond, and then sleep
/// on a condition variable until the next job. Workers enter a job through an admission word
/// that the caller closes once it has run out of parts: a worker that wakes late (its core busy
/// with another process) skips the job instead of holding the step back, and the caller waits
/// only for the workers that entered. The job is the interpreter itself (its
/// `work(worker:)`), not a closure: handing a closure to other threads allocates in unoptimised
/// builds, and running a job must allocate nothing. Dropping the pool stops and joins the workers.
final class WorkerPool {
    let threads: Int
    private let state: WorkerPoolState
    private var handles: [OpaquePointer] = []

    init(threads: Int) throws(RuntimeError) {
        self.threads = max(1, threads)
        state = try WorkerPoolState()
        for worker in 1..<self.threads {
            let start = Unmanaged.passRetained(WorkerStart(state: state, worker: worker)).toOpaque()
            guard let handle = crs_thread_start({ raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.state.work(start.worker)
            }, start, 1 << 20) else {
                Unmanaged<WorkerStart>.fromOpaque(start).release()
                stop()
                throw RuntimeError.outOfResources("could not start worker thread \(worker) of \(self.threads)")
            }
            handles.append(handle)
        }
    }

    deinit { stop() }

    private func stop() {
        state.stop()
        for handle in handles { crs_thread_join(handle) }
        handles = []
    }

    /// The part counter of the current job, reset to 0 by `run`; workers take parts with
    /// `crs_atomic_fetch_add`, so that one that starts late (its core busy with another process)
    /// leaves its share to the others.
    var nextPart: UnsafeMutablePointer<Int> { state.nextPart }

    /// Calls `job.work(worker:)` on the calling thread and on every worker that enters in time,
    /// and returns when all of them have returned. The job is held unretained while it runs.
    func run(_ job: Interpreter) {
        crs_atomic_store(state.nextPart, 0)
        if threads == 1 { job.work(worker: 0); return }
        state.run(job)
    }
}

/// What a starting worker thread receives.
private final class WorkerStart {
    let state: WorkerPoolState
    let worker: Int

    init(state: WorkerPoolState, worker: Int) {
        self.state = state
        self.worker = worker
    }
}

/// What the workers share with the pool; owned strongly by every worker thread.
private final class WorkerPoolState: @unchecked Sendable {
    private let gate: OpaquePointer
    /// Four words: workers finished with the current job, the part counter, the stop flag, and
    /// the admission word `generation << 32 | entered << 1 | open`.
    private let words: UnsafeMutablePointer<Int>
    /// The current job; written before the gate opens, cleared after every worker finished.
    private unowned(unsafe) var job: Interpreter?

    /// Spin iterations before an idle worker sleeps (some tens of microseconds).
    private static let spinLimit = 1 << 16

    init() throws(RuntimeError) {
        guard let gate = crs_gate_create() else { throw RuntimeError.outOfResources("no memory for the worker gate") }
        self.gate = gate
        words = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        words.initialize(repeating: 0, count: 4)
    }

    deinit {
        crs_gate_destroy(gate)
        words.deallocate()
    }

    var finished: UnsafeMutablePointer<Int> { words }
    var nextPart: UnsafeMutablePointer<Int> { words + 1 }
    var stopping: UnsafeMutablePointer<Int> { words + 2 }
    var admission: UnsafeMutablePointer<Int> { words + 3 }

    /// Publishes `job`, runs it as worker 0, closes the admission and waits for the workers that
    /// entered.
    func run(_ job: Interpreter) {
        self.job = job
        crs_atomic_store(finished, 0)
        let generation = (crs_gate_generation(gate) &+ 1) & 0x7FFF_FFFF
        crs_atomic_store(admission, generation << 32 | 1)
        crs_gate_open(gate)
        job.work(worker: 0)
        let entered = (crs_atomic_fetch_and(admission, ~1) >> 1) & 0x7FFF_FFFF
        var spins = 0
        while crs_atomic_load(finished) < entered {
            spins &+= 1
            crs_spin_pause()
            // On a loaded machine a worker may be waiting for this very core.
            if spins & 1023 == 0 { crs_thread_yield() }
        }
        self.job = nil
    }

    /// Enters the job of `generation` if it is still open.
    private func enter(generation: Int) -> Bool {
        while true {
            let state = crs_atomic_load(admission)
            guard state >> 32 == generation, state & 1 == 1 else { return false }
            if crs_atomic_compare_exchange(admission, state, state &+ 2) != 0 { return true }
        }
    }

    func stop() {
        crs_atomic_store(stopping, 1)
        crs_gate_open(gate)
    }

    func work(_ worker: Int) {
        var seen = 0
        while true {
            seen = crs_gate_wait(gate, seen, Self.spinLimit)
            if crs_atomic_load(stopping) != 0 { return }
            guard enter(generation: seen & 0x7FFF_FFFF) else { continue }
            job?.work(worker: worker)
            _ = crs_atomic_fetch_add(finished, 1)
        }
    }
}
