import Foundation

/// Helpers for the daemon tests: a socat pseudo-terminal pair standing in for a serial line,
/// the built `mobilenet` binary, and ../shared.
enum DaemonTestSupport {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // file, MobileNetDaemonTests/, Tests/
        return url
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// `socat` on PATH, or nil.
    static var socat: String? {
        ["/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// True when the serial tests can run; in CI a missing socat is a failure, not a skip.
    static var serialTestsEnabled: Bool { isCI || socat != nil }

    /// A fresh temporary folder.
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }
}

/// `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`: two linked pseudo-terminals.
final class PtyPair {
    let process = Process()
    let a: String
    let b: String

    init(folder: URL) throws {
        guard let socat = DaemonTestSupport.socat else {
            throw DaemonTestSupport.Missing(description: "socat is not installed (make deps installs it)")
        }
        a = folder.appendingPathComponent("ttyA").path
        b = folder.appendingPathComponent("ttyB").path
        process.executableURL = URL(fileURLWithPath: socat)
        process.arguments = ["-d", "-d", "pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(5)
        while !(FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b)) {
            guard Date() < deadline else { throw DaemonTestSupport.Missing(description: "socat made no ptys in 5 s") }
            usleep(10_000)
        }
    }

    /// SIGKILL: a child of the test runner may inherit a blocked SIGTERM.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// Reads lines from a pty (or any path) on a background thread.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var buffer = [UInt8]()
    private var stopped = false
    private var thread: Thread?

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw DaemonTestSupport.Missing(description: "cannot open \(path): errno \(errno)") }
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                lock.lock()
                let done = stopped
                lock.unlock()
                if done { return }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 50) > 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    lock.lock()
                    buffer += chunk[..<count]
                    lock.unlock()
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    usleep(20_000)  // the other side closed (pty master gone); keep waiting
                }
            }
        }
        self.thread = thread
        thread.start()
    }

    /// The complete lines read so far.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Waits until `count` lines arrived or `seconds` passed; returns the lines.
    func waitForLines(_ count: Int, seconds: Double) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while lines.count < count && Date() < deadline { usleep(10_000) }
        return lines
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        while thread?.isFinished == false { usleep(5_000) }
        close(fd)
    }
}
