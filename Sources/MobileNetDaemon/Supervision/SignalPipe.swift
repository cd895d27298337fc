#if canImport(Glibc)
import Glibc
#endif
import MobileNet

/// SIGTERM, SIGINT and SIGHUP turned into bytes on a non-blocking pipe (the self-pipe trick):
/// the handler only writes the signal number, the loop reads it between frames and while it
/// waits (`wait`), so no work happens in the handler. SIGPIPE is ignored (a closed output is an
/// `EPIPE` the writer reports).
public final class SignalPipe {
    /// What the loop is asked to do.
    public enum Request: Equatable, Sendable {
        case stop(signal: Int32)
        case reload
    }

    private let readFD: Int32

    /// Installs the handlers; one per process.
    public init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            fatalError("cannot create the signal pipe: \(Errno(errno))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        signalPipeWriteFD = fds[1]
        for signal in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteFD, &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
        Glibc.signal(SIGPIPE, SIG_IGN)
        // A parent may have left them blocked (a test runner, some supervisors): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// The file descriptor that becomes readable when a signal arrived.
    public var fileDescriptor: Int32 { readFD }

    /// The next pending request, without waiting.
    public func poll() -> Request? {
        var byte: UInt8 = 0
        while true {
            let count = read(readFD, &byte, 1)
            if count == 1 { return Int32(byte) == SIGHUP ? .reload : .stop(signal: Int32(byte)) }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Waits up to `nanoseconds` or until a signal arrives; returns its request, if any.
    public func wait(nanoseconds: UInt64) -> Request? {
        if let request = poll() { return request }
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&descriptor, 1, Int32(min(nanoseconds / 1_000_000, UInt64(Int32.max))))
        return poll()
    }
}

/// The pipe's write end, for the signal handler (a C function pointer cannot capture context).
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1
