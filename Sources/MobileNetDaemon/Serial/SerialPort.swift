#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MobileNet
import CTermios

/// A serial port (a UART, a USB-serial adapter, a pseudo-terminal) set to raw 8N1 at `baud`,
/// owning its file descriptor: closed on `close()`, on a lost device and in `deinit`.
/// Opened non-blocking, so that a stalled line never blocks the writer thread past its poll.
public final class SerialPort: LineDevice {
    public let path: String
    public let baud: Int
    public var name: String { "serial \(path)" }
    public let canReopen = true
    private var fd: Int32 = -1

    /// A port for `path` at `baud`; throws for a speed termios has no constant for.
    public init(path: String, baud: Int) throws(SettingError) {
        guard baud > 0, ct_is_supported_baud(UInt32(baud)) else {
            throw SettingError("baud \(baud) is not a serial speed (e.g. 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)")
        }
        self.path = path
        self.baud = baud
    }

    deinit { close() }

    public var isOpen: Bool { fd >= 0 }

    /// Opens the device and sets raw 8N1 at `baud`.
    public func open() throws(Errno) {
        close()
        let descriptor = Glibc.open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Errno(errno) }
        guard ct_configure_raw_8n1(descriptor, UInt32(baud)) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw Errno(code)
        }
        fd = descriptor
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// The settings the driver reports for the open port.
    public func settings() -> ct_settings? {
        guard fd >= 0 else { return nil }
        var settings = ct_settings()
        return ct_read_settings(fd, &settings) == 0 ? settings : nil
    }

    public func write(_ bytes: UnsafeRawBufferPointer, stop: () -> Bool) -> Errno? {
        guard fd >= 0 else { return Errno(EBADF) }
        return writeAll(fd: fd, bytes, stop: stop)
    }
}
