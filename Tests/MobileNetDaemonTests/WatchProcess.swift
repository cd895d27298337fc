import Foundation

/// The built `mobilenet` (release: the debug engine is ~1000x slower, too slow for the 1 s stop
/// promise) run as a child process, its stdout and stderr collected in files.
final class WatchProcess {
    /// `.build/release/mobilenet` (made by `make build`, which `make test` runs first), or
    /// `$MOBILENET_BINARY`.
    static var binary: String {
        ProcessInfo.processInfo.environment["MOBILENET_BINARY"]
            ?? DaemonTestSupport.packageRoot.appendingPathComponent(".build/release/mobilenet").path
    }

    /// True when the end-to-end tests can run; in CI they must (a missing binary or shared file fails them).
    static var enabled: Bool {
        DaemonTestSupport.isCI
            || (FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.fileExists(atPath: shared.path))
    }

    static let shared = DaemonTestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// A file under ../shared, or an error naming it.
    static func sharedFile(_ relative: String) throws -> String {
        let path = shared.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DaemonTestSupport.Missing(description: "required test data is missing: \(path)")
        }
        return path
    }

    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ arguments: [String], folder: URL, environment: [String: String] = [:], stdin: FileHandle? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw DaemonTestSupport.Missing(description: "\(Self.binary) is not built (make build)")
        }
        let tag = UUID().uuidString.prefix(6)
        stdoutURL = folder.appendingPathComponent("stdout-\(tag).txt")
        stderrURL = folder.appendingPathComponent("stderr-\(tag).txt")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["watch"] + arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin { process.standardInput = stdin }
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var stdoutLines: [String] { lines(stdoutURL) }
    var stderrLines: [String] { lines(stderrURL) }
    var stdoutText: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    private func lines(_ url: URL) -> [String] {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    @discardableResult
    func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Waits for the exit; returns the status, or nil after `seconds`.
    func waitForExit(seconds: Double) -> Int32? {
        waitFor(seconds: seconds) { !process.isRunning } ? process.terminationStatus : nil
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }
}
