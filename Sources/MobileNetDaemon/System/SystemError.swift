#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `errno` values as log lines show them: the symbolic name where it is one a daemon reports
/// (`ENODEV`), then the C library's text.
enum SystemError {
    static func describe(_ code: Int32) -> String {
        let names: [Int32: String] = [
            ENOENT: "ENOENT", EIO: "EIO", ENXIO: "ENXIO", ENODEV: "ENODEV", EBUSY: "EBUSY", EACCES: "EACCES",
            EPERM: "EPERM", EPIPE: "EPIPE", EAGAIN: "EAGAIN", EINVAL: "EINVAL", ECONNREFUSED: "ECONNREFUSED",
            EBADF: "EBADF", ENOTTY: "ENOTTY", EISDIR: "EISDIR",
        ]
        let text = String(cString: strerror(code))
        return names[code].map { "\($0): \(text)" } ?? text
    }

    /// The whole file at `path`, or the `errno` that stopped reading it.
    static func readFile(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(errno))
            }
            if count == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > limit { return .failure(Errno(EFBIG)) }
        }
    }
}

/// An `errno` value as an `Error`, described as `ENODEV: No such device`.
public struct Errno: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { SystemError.describe(code) }
}
