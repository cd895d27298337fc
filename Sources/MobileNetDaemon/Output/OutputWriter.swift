#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MobileNet
import Atomics

/// Delivers queued lines to a `LineDevice` on a thread of its own, so that the frame loop only
/// ever copies a line into the `LineQueue`. A lost device (a USB-serial adapter pulled out:
/// EIO, ENXIO or ENODEV on write, or its path gone) is closed, logged once and reopened with
/// backoff (0.1 s doubling to 5 s) until it comes back; lines queued meanwhile beyond the
/// queue's capacity are dropped oldest first and counted. A device that cannot come back
/// (a closed stdout) sets `outputClosed`, which the loop treats as the end of the run.
public final class OutputWriter: @unchecked Sendable {
    public let queue: LineQueue
    private let device: any LineDevice
    private let stopping = ManagedAtomic(false)
    private let closedForGood = ManagedAtomic(false)
    private let reconnectCount = ManagedAtomic(0)
    private var thread: JoinableThread?

    /// Starts the writer; tries to open the device at once (a missing serial port is logged
    /// and retried, not fatal: the adapter may be plugged in later).
    public init(device: any LineDevice, queue: LineQueue = LineQueue()) {
        self.device = device
        self.queue = queue
        if !device.isOpen {
            do throws(Errno) {
                try device.open()
                StateLog.line("output: \(device.name) open")
            } catch {
                StateLog.line("output: cannot open \(device.name) (\(error)); retrying")
            }
        }
        thread = JoinableThread { [self] in run() }
    }

    /// True once the device is gone for good (stdout closed).
    public var outputClosed: Bool { closedForGood.load(ordering: .relaxed) }

    /// Times the device was reopened after being lost.
    public var reconnects: Int { reconnectCount.load(ordering: .relaxed) }

    /// Lines dropped (queue full, or lost with the device).
    public var dropped: Int { queue.dropped }

    /// Queues one line (never blocks).
    public func write(_ line: UnsafeRawBufferPointer) {
        queue.push(line)
    }

    /// Delivers what is queued within `timeoutSeconds`, then stops the thread. Lines still
    /// queued after that are counted as dropped.
    public func finish(timeoutSeconds: Double = 0.5) {
        queue.close()
        let deadline = Clock.monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        while queue.count > 0 && Clock.monotonicNanoseconds() < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        stopping.store(true, ordering: .relaxed)
        queue.wake()
        thread?.join()
        thread = nil
        let left = queue.count
        if left > 0 { queue.countDropped(left) }
        device.close()
    }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: queue.slotBytes, alignment: 16)
        defer { buffer.deallocate() }
        var backoff = Backoff(initialSeconds: 0.1, capSeconds: 5)
        var nextAttempt: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            if !device.isOpen {
                guard device.canReopen else {
                    // Nothing will take lines any more: keep emptying the queue into the count.
                    if let _ = queue.pop(into: buffer, timeoutNanoseconds: 100_000_000) { queue.countDropped() }
                    continue
                }
                let now = Clock.monotonicNanoseconds()
                if now < nextAttempt {
                    sleepNanoseconds(min(nextAttempt - now, 50_000_000))
                    continue
                }
                do throws(Errno) {
                    try device.open()
                    backoff.reset()
                    reconnectCount.wrappingIncrement(ordering: .relaxed)
                    StateLog.line("output: \(device.name) is back")
                } catch {
                    nextAttempt = Clock.monotonicNanoseconds() + backoff.next()
                    continue
                }
            }
            guard let length = queue.pop(into: buffer, timeoutNanoseconds: 100_000_000) else { continue }
            let line = UnsafeRawBufferPointer(rebasing: buffer[..<length])
            if let error = device.write(line, stop: { self.stopping.load(ordering: .relaxed) }) {
                queue.countDropped()
                if error.code == EAGAIN { continue }  // stopping with the line unsent
                device.close()
                if device.canReopen {
                    StateLog.line("output: lost \(device.name) (\(error)); reopening when it comes back")
                    nextAttempt = Clock.monotonicNanoseconds() + backoff.next()
                } else {
                    StateLog.line("output: \(device.name) closed (\(error)); stopping")
                    closedForGood.store(true, ordering: .relaxed)
                }
            }
        }
    }
}

/// Sleeps `nanoseconds` (restarted after signals).
func sleepNanoseconds(_ nanoseconds: UInt64) {
    var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
