#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Whole-file reads and writes with POSIX calls: the bytes go straight into (or out of) the
// caller's array, with no intermediate `Data` copy, and failures carry the system's reason
// ("Is a directory", "Permission denied").

/// Reads a whole file for a parser; `what` names the kind of file in the one-line error
/// ("no such file: …" or "cannot read TFLite model …: reason").
func readFileBytes(_ url: URL, what: String) throws -> [UInt8] {
    let path = url.path
    let fd = try openForReading(path, what: what)
    defer { close(fd) }
    func failure(_ code: Int32) -> MobileNetError {
        .io("cannot read \(what) \(path): \(systemReason(code))")
    }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw failure(errno) }
    /// One read(2) into `buffer`, retried on EINTR: the byte count, 0 at the end of the file.
    func readSome(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw failure(errno) }
        }
    }
    // The size fstat reports, read in place; then on to the end in case the file grew.
    var bytes = [UInt8](repeating: 0, count: max(0, Int(status.st_size)))
    var filled = 0
    while filled < bytes.count {
        let count = try bytes.withUnsafeMutableBytes { try readSome(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
        if count == 0 { break }
        filled += count
    }
    if filled < bytes.count {
        bytes.removeSubrange(filled...)
    } else {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try readSome($0) }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
    }
    return bytes
}

/// Opens `path` read-only; the one-line error says "no such file: …" or "cannot read <what> …:
/// reason".
private func openForReading(_ path: String, what: String) throws -> Int32 {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        let code = errno
        if code == ENOENT || code == ENOTDIR { throw MobileNetError.io("no such file: \(path)") }
        throw MobileNetError.io("cannot read \(what) \(path): \(systemReason(code))")
    }
    return fd
}

/// A file mapped read-only into memory, for a parser that copies out what it keeps: `release`
/// hands the pages of a range it has copied back to the system, so a large model's weights are
/// never resident twice while it is parsed.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer

    /// Maps the file at `url`; `what` names the kind of file in the one-line error.
    init(_ url: URL, what: String) throws {
        let path = url.path
        let fd = try openForReading(path, what: what)
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw MobileNetError.io("cannot read \(what) \(path): \(systemReason(errno))") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            let reason = (status.st_mode & S_IFMT) == S_IFDIR ? systemReason(EISDIR) : "not a regular file"
            throw MobileNetError.io("cannot read \(what) \(path): \(reason)")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw MobileNetError.io("cannot read \(what) \(path): \(systemReason(errno))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the whole pages inside `range` from memory (a later read maps them in again from
    /// the file).
    func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let page = Int(getpagesize())
        let first = (range.lowerBound + page - 1) / page * page, last = range.upperBound / page * page
        guard last > first else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + first), last - first, MADV_DONTNEED)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// Creates or truncates the file at `path` and writes `bytes` to it; throws the system's
/// reason as a string.
func writeFileBytes(_ bytes: [UInt8], toPath path: String) throws(FileWriteError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw FileWriteError(reason: systemReason(errno)) }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer in
            write(fd, buffer.baseAddress! + written, buffer.count - written)
        }
        if count < 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw FileWriteError(reason: systemReason(code))
        }
        written += count
    }
    guard close(fd) == 0 else { throw FileWriteError(reason: systemReason(errno)) }
}

/// Why `writeFileBytes` failed, as the system describes it.
struct FileWriteError: Error {
    let reason: String
}

/// The system's description of an errno value ("ENOENT: No such file or directory").
func systemReason(_ code: Int32) -> String {
    Errno(code).description
}

/// Writes `bytes` to a temporary file beside `url` and renames it over `url`: a process killed
/// at any moment leaves the old file or the new one, never a partial one. `what` names the kind
/// of file in the one-line error.
func writeFileAtomically(_ bytes: [UInt8], to url: URL, what: String) throws {
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
        try writeFileBytes(bytes, toPath: temporary.path)
    } catch {
        unlink(temporary.path)
        throw MobileNetError.io("cannot write \(what) \(url.path): \(error.reason)")
    }
    guard rename(temporary.path, url.path) == 0 else {
        let reason = systemReason(errno)
        unlink(temporary.path)
        throw MobileNetError.io("cannot move \(what) into place at \(url.path): \(reason)")
    }
}
