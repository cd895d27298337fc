#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `errno` value as an `Error` and as log lines show it: the symbolic name where it is one a
/// camera, a serial line or a daemon reports, then the C library's text (`ENODEV: No such
/// device`). The camera module and `mobilenet watch` both describe system errors with it.
public struct Errno: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }

    public var description: String {
        let names: [Int32: String] = [
            ENOENT: "ENOENT", EIO: "EIO", ENXIO: "ENXIO", ENODEV: "ENODEV", EBUSY: "EBUSY", EACCES: "EACCES",
            EPERM: "EPERM", EPIPE: "EPIPE", EAGAIN: "EAGAIN", EINVAL: "EINVAL", ECONNREFUSED: "ECONNREFUSED",
            EBADF: "EBADF", ENOTTY: "ENOTTY", EISDIR: "EISDIR", ENOMEM: "ENOMEM", ENOSPC: "ENOSPC", EFBIG: "EFBIG",
        ]
        let text = String(cString: strerror(code))
        return names[code].map { "\($0): \(text)" } ?? text
    }
}
