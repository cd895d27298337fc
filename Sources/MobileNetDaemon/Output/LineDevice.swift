#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MobileNet

/// Where an `OutputWriter` delivers lines: standard output or a serial port.
public protocol LineDevice: AnyObject {
    /// The name in log lines ("stdout", "serial /dev/ttyUSB0").
    var name: String { get }
    var isOpen: Bool { get }
    /// True when a lost device is worth reopening (a serial adapter can come back; a closed
    /// stdout cannot).
    var canReopen: Bool { get }
    func open() throws(Errno)
    func close()
    /// Writes all of `bytes`, waiting for the device at most until `stop()` says so; returns
    /// nil on success, else the `errno` that lost the device (the caller closes it).
    func write(_ bytes: UnsafeRawBufferPointer, stop: () -> Bool) -> Errno?
}

/// Writes `bytes` to the non-blocking or blocking `fd`, polling for room up to 100 ms at a time
/// while `stop()` is false. Returns nil, or the errno that ended it.
func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, stop: () -> Bool) -> Errno? {
    var offset = 0
    while offset < bytes.count {
        let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if written > 0 {
            offset += written
            continue
        }
        let code = written < 0 ? errno : EIO
        if code == EINTR { continue }
        guard code == EAGAIN || code == EWOULDBLOCK else { return Errno(code) }
        if stop() { return Errno(EAGAIN) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&descriptor, 1, 100)
        if ready > 0 && descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
            && descriptor.revents & Int16(POLLOUT) == 0 {
            return Errno(EIO)
        }
    }
    return nil
}

/// Standard output: always open; a closed pipe (EPIPE) ends the output for good.
public final class StandardOutputDevice: LineDevice {
    public let name = "stdout"
    public private(set) var isOpen = true
    public let canReopen = false

    public init() {}

    public func open() throws(Errno) {
        throw Errno(EPIPE)
    }

    public func close() {
        isOpen = false
    }

    public func write(_ bytes: UnsafeRawBufferPointer, stop: () -> Bool) -> Errno? {
        writeAll(fd: STDOUT_FILENO, bytes, stop: { false })
    }
}
