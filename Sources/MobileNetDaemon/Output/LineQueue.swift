#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded queue of output lines between the frame loop and a writer thread: a preallocated
/// ring of `slots` lines of at most `slotBytes` bytes. `push` never blocks and never allocates;
/// when the ring is full it drops the oldest line and counts it, so a slow or absent reader
/// (a serial line at 9600 baud, an unplugged adapter) never holds up classification.
public final class LineQueue: @unchecked Sendable {
    public let slots: Int
    public let slotBytes: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<Int>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var head = 0
    private var queued = 0
    private var droppedLines = 0
    private var closed = false

    public init(slots: Int = 256, slotBytes: Int = 512) {
        precondition(slots >= 1 && slotBytes >= 2)
        self.slots = slots
        self.slotBytes = slotBytes
        storage = .allocate(capacity: slots * slotBytes)
        lengths = .allocate(capacity: slots)
        lengths.initialize(repeating: 0, count: slots)
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        lengths.deallocate()
        storage.deallocate()
    }

    /// Lines dropped because the queue was full (or the writer could not deliver them).
    public var dropped: Int { locked { droppedLines } }

    /// Lines waiting.
    public var count: Int { locked { queued } }

    /// Queues a copy of `line` (cut to `slotBytes`); drops the oldest line when full.
    public func push(_ line: UnsafeRawBufferPointer) {
        locked {
            if queued == slots {
                head = (head + 1) % slots
                queued -= 1
                droppedLines += 1
            }
            let slot = (head + queued) % slots
            let length = min(line.count, slotBytes)
            if length > 0 { (storage + slot * slotBytes).update(from: line.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length) }
            lengths[slot] = length
            queued += 1
        }
        pthread_cond_signal(condition)
    }

    /// Counts a line the writer took but could not deliver.
    public func countDropped(_ lines: Int = 1) {
        locked { droppedLines += lines }
    }

    /// Copies the oldest line into `buffer` (at least `slotBytes`) and removes it; waits up to
    /// `timeoutNanoseconds` for one. Returns its length, or nil on timeout or when closed and empty.
    public func pop(into buffer: UnsafeMutableRawBufferPointer, timeoutNanoseconds: UInt64) -> Int? {
        precondition(buffer.count >= slotBytes)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if queued == 0 && !closed {
            var deadline = Self.monotonicDeadline(after: timeoutNanoseconds)
            while queued == 0 && !closed {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            }
        }
        guard queued > 0 else { return nil }
        let length = lengths[head]
        buffer.baseAddress!.copyMemory(from: storage + head * slotBytes, byteCount: length)
        head = (head + 1) % slots
        queued -= 1
        return length
    }

    /// Wakes the writer for good: `pop` returns the remaining lines, then nil without waiting.
    public func close() {
        locked { closed = true }
        pthread_cond_broadcast(condition)
    }

    /// Wakes a writer waiting in `pop` (e.g. to look at a stop flag).
    public func wake() {
        pthread_cond_broadcast(condition)
    }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private static func monotonicDeadline(after nanoseconds: UInt64) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = UInt64(now.tv_nsec) + nanoseconds % 1_000_000_000
        return timespec(tv_sec: now.tv_sec + Int(nanoseconds / 1_000_000_000) + Int(total / 1_000_000_000),
                        tv_nsec: Int(total % 1_000_000_000))
    }
}
