#if canImport(Glibc)
import Glibc
#endif
import MobileNet

/// systemd's notify protocol, without libsystemd: datagrams of `KEY=value` lines to the Unix
/// socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace), and the
/// watchdog interval from `$WATCHDOG_USEC` (honoured only when `$WATCHDOG_PID` is unset or names
/// this process). See sd_notify(3).
///
/// Messages are formatted into a fixed buffer: `watchdog()` and `status(...)` allocate nothing.
public final class SystemdNotifier {
    /// Where the messages go, for log lines.
    public let socketName: String
    /// Half of the watchdog interval (how often to ping), nil without a watchdog.
    public let watchdogPingNanoseconds: UInt64?
    private let fd: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    private var message = LineBuffer(capacity: 256)

    /// The notifier `environment` asks for (nil when `NOTIFY_SOCKET` is unset or empty); throws
    /// for a socket name that cannot be a Unix socket address.
    public init?(environment: [String: String]) throws(SettingError) {
        guard let name = environment["NOTIFY_SOCKET"], !name.isEmpty else { return nil }
        guard name.hasPrefix("/") || name.hasPrefix("@") else {
            throw SettingError("NOTIFY_SOCKET '\(name)' is neither a path nor an abstract '@' name")
        }
        var bytes = Array(name.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }  // the abstract namespace starts with NUL
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw SettingError("NOTIFY_SOCKET '\(name)' is longer than a Unix socket address allows (\(capacity - 1) bytes)")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        // Abstract names are exactly their bytes long; paths end with their NUL.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        addressLength = socklen_t(pathOffset + bytes.count + (bytes[0] == 0 ? 0 : 1))
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw SettingError("cannot create the notify socket: \(Errno(errno))")
        }
        fd = descriptor
        socketName = name
        var ping: UInt64?
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            let forUs = environment["WATCHDOG_PID"].flatMap(Int32.init).map { $0 == getpid() } ?? true
            if forUs { ping = usec * 1000 / 2 }
        }
        watchdogPingNanoseconds = ping
    }

    deinit { close(fd) }

    /// `READY=1`: the service is up (sent after the first classified frame).
    public func ready(status: StaticString) {
        send { $0.append("READY=1\nSTATUS="); $0.append(status) }
    }

    /// `WATCHDOG=1`: frames are being classified.
    public func watchdog() {
        send { $0.append("WATCHDOG=1") }
    }

    /// `STOPPING=1`.
    public func stopping() {
        send { $0.append("STOPPING=1\nSTATUS=stopping") }
    }

    /// `RELOADING=1` while a SIGHUP reload runs, with the monotonic time systemd wants.
    public func reloading() {
        send {
            $0.append("RELOADING=1\nMONOTONIC_USEC=")
            $0.append(Int(Clock.monotonicNanoseconds() / 1000))
        }
    }

    /// `STATUS=` with fps, latency and reconnects (shown by `systemctl status`).
    public func status(framesPerSecond: Double, latencyP50Milliseconds: Double, latencyP99Milliseconds: Double,
                       reconnects: Int, droppedFrames: Int, outputDrops: Int, readyAfterReload: Bool = false) {
        send {
            if readyAfterReload { $0.append("READY=1\n") }
            $0.append("STATUS=")
            $0.append(fixed: framesPerSecond, decimals: 1)
            $0.append(" fps, latency p50 ")
            $0.append(fixed: latencyP50Milliseconds, decimals: 2)
            $0.append(" ms p99 ")
            $0.append(fixed: latencyP99Milliseconds, decimals: 2)
            $0.append(" ms, ")
            $0.append(reconnects)
            $0.append(" reconnects, ")
            $0.append(droppedFrames)
            $0.append(" dropped frames, ")
            $0.append(outputDrops)
            $0.append(" output drops")
        }
    }

    /// A free-form `STATUS=` (state changes: "camera lost, reconnecting"); allocates.
    public func status(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in send { $0.append("STATUS="); $0.append(UnsafeRawBufferPointer(bytes)) } }
    }

    private func send(_ compose: (inout LineBuffer) -> Void) {
        message.clear()
        compose(&message)
        let bytes = message.bytes
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, addressLength)
            }
        }
    }
}
