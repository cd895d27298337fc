import Foundation
import Testing

/// `mobilenet watch` as a user runs it: the MLPerf Tiny person detector (VWW int8) on real
/// person / no-person photos from ../shared, labels on a pseudo-terminal, signals, systemd's
/// notify socket, restarts.
@Suite(.enabled(if: WatchProcess.enabled, "no release binary (make build) or no ../shared"), .serialized)
struct WatchEndToEndTests {
    /// A folder whose sorted images are `sequence` (true: person.png, false: no_person.png), and
    /// a labels file for the VWW model's two classes.
    static func scriptedFolder(_ sequence: [Bool], in folder: URL) throws -> (images: String, labels: String) {
        let person = try WatchProcess.sharedFile("golden/images/person.png")
        let noPerson = try WatchProcess.sharedFile("golden/images/no_person.png")
        let images = folder.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (index, isPerson) in sequence.enumerated() {
            try FileManager.default.createSymbolicLink(
                atPath: images.appendingPathComponent(String(format: "frame%03d.png", index)).path,
                withDestinationPath: isPerson ? person : noPerson)
        }
        let labels = folder.appendingPathComponent("labels.txt")
        try "no-person\nperson\n".write(to: labels, atomically: true, encoding: .utf8)
        return (images.path, labels.path)
    }

    static var textLine: Regex<AnyRegexOutput> { try! Regex(#"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (person|no-person) (0|1)\.\d\d$"#) }

    @Test(.enabled(if: DaemonTestSupport.serialTestsEnabled))
    func scriptedPersonSequenceArrivesOnTheSerialLineInOrder() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let sequence = [true, true, false, true, false, false, true, false]
        let (images, labels) = try Self.scriptedFolder(sequence, in: folder)
        let pair = try PtyPair(folder: folder)
        defer { pair.stop() }
        let reader = try LineReader(path: pair.b)
        defer { reader.stop() }
        let watch = try WatchProcess(
            ["--source", images, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels,
             "--output", "serial:\(pair.a)", "--baud", "115200", "--emit", "every", "--frames", "\(sequence.count)"],
            folder: folder)
        #expect(watch.waitForExit(seconds: 20) == 0, "stderr: \(watch.stderrLines)")
        let lines = reader.waitForLines(sequence.count, seconds: 5)
        #expect(lines.count == sequence.count, "lines: \(lines)")
        #expect(lines.map { $0.split(separator: " ").dropFirst().first.map(String.init) } == sequence.map { $0 ? "person" : "no-person" })
        for line in lines { #expect(line.wholeMatch(of: Self.textLine) != nil, "\(line)") }
    }

    @Test func sigtermStopsWithinOneSecondAndExitsZero() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let (images, labels) = try Self.scriptedFolder([true, false], in: folder)
        let watch = try WatchProcess(
            ["--source", images, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels,
             "--emit", "every", "--format", "json"], folder: folder)
        #expect(watch.waitFor(seconds: 10) { watch.stdoutLines.count >= 100 }, "no labels: \(watch.stderrLines)")
        let start = Date()
        watch.signal(SIGTERM)
        let status = watch.waitForExit(seconds: 5)
        let seconds = Date().timeIntervalSince(start)
        #expect(status == 0)
        #expect(seconds <= 1.0, "stopped after \(seconds) s")
        #expect(watch.stderrLines.contains("watch: SIGTERM: stopping"))
        // Flushed: every line complete JSON, frames numbered without gaps from 1.
        let text = watch.stdoutText
        #expect(text.hasSuffix("\n"))
        var frame = 0
        for line in watch.stdoutLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            frame += 1
            #expect(object["frame"] as? Int == frame)
            #expect(object["label"] as? String == (frame % 2 == 1 ? "person" : "no-person"))
        }
    }

    @Test func sighupSwitchesToAGoodModelAndKeepsTheRunningOneForACorruptOne() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let (images, labels) = try Self.scriptedFolder([true], in: folder)
        let int8 = try WatchProcess.sharedFile("models/vww_96_int8.tflite")
        let float = try WatchProcess.sharedFile("models/vww_96_float.tflite")
        let corrupt = folder.appendingPathComponent("corrupt.tflite")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: int8))
        bytes = bytes.prefix(bytes.count / 3)  // cut short: a failed copy
        try bytes.write(to: corrupt)
        let config = folder.appendingPathComponent("watch.conf")
        func writeConfig(model: String) throws {
            try "source = \(images)\nlabels = \(labels)\nmodel = \"\(model)\"\nemit = interval:0.05\nformat = json\n"
                .write(to: config, atomically: true, encoding: .utf8)
        }
        try writeConfig(model: int8)
        let watch = try WatchProcess(["--config", config.path], folder: folder)
        #expect(watch.waitFor(seconds: 10) { watch.stdoutLines.count >= 3 }, "\(watch.stderrLines)")

        try writeConfig(model: corrupt.path)
        watch.signal(SIGHUP)
        #expect(watch.waitFor(seconds: 5) { watch.stderrLines.contains { $0.contains("reload: new model rejected") } }, "\(watch.stderrLines)")
        let rejected = try #require(watch.stderrLines.first { $0.contains("reload: new model rejected") })
        #expect(rejected.contains("corrupt.tflite") && rejected.contains("keeping vww_96_int8.tflite"), "\(rejected)")
        let afterBad = watch.stdoutLines.count
        #expect(watch.waitFor(seconds: 5) { watch.stdoutLines.count >= afterBad + 3 }, "labels stopped after a bad reload")

        try writeConfig(model: float)
        watch.signal(SIGHUP)
        #expect(watch.waitFor(seconds: 10) { watch.stderrLines.contains { $0.contains("reload: now running vww_96_float.tflite (float32") } },
                "\(watch.stderrLines)")
        let afterGood = watch.stdoutLines.count
        #expect(watch.waitFor(seconds: 5) { watch.stdoutLines.count >= afterGood + 3 })
        watch.signal(SIGTERM)
        #expect(watch.waitForExit(seconds: 2) == 0)
        // Labels never stopped being person, through both reloads.
        for line in watch.stdoutLines { #expect(line.contains("\"label\":\"person\""), "\(line)") }
    }

    @Test func notifySocketGetsReadyWatchdogStatusAndStopping() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let (images, labels) = try Self.scriptedFolder([true, false], in: folder)
        let socketPath = folder.appendingPathComponent("notify.sock").path
        let listener = try SystemdNotifierTests.Listener(address: socketPath)
        let watch = try WatchProcess(
            ["--source", images, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels, "--stats", "0.2"],
            folder: folder, environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "200000"])
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline, let message = listener.receive() { messages.append(message) }
        watch.signal(SIGTERM)
        #expect(watch.waitForExit(seconds: 2) == 0)
        while let message = listener.receive() { messages.append(message) }
        #expect(messages.first?.hasPrefix("READY=1\n") == true, "\(messages.prefix(3))")
        let pings = messages.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 5 && pings <= 20, "\(pings) pings in 1.5 s at a 100 ms interval")
        #expect(messages.contains { $0.hasPrefix("STATUS=") && $0.contains(" fps, latency p50 ") && $0.contains(" reconnects") })
        #expect(messages.last == "STOPPING=1\nSTATUS=stopping")
        #expect(watch.stderrLines.contains { $0.hasPrefix("watch: stats: ") && $0.contains(" fps, latency p50 ") })
    }

    @Test func watchdogPingsStopWhileNoFramesArrive() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let socketPath = folder.appendingPathComponent("notify.sock").path
        let listener = try SystemdNotifierTests.Listener(address: socketPath)
        let pipe = Pipe()
        let watch = try WatchProcess(
            ["--source", "-", "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite")],
            folder: folder, environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "100000"], stdin: pipe.fileHandleForReading)
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: try WatchProcess.sharedFile("golden/images/airplane_0007.jpg")))
        // Frames for 1 s, then none (a stalled camera) for 1.5 s, then frames again.
        func feed(seconds: Double) {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                pipe.fileHandleForWriting.write(jpeg)
                usleep(20_000)
            }
        }
        func collect(seconds: Double) -> [String] {
            var messages: [String] = []
            let end = Date().addingTimeInterval(seconds)
            while Date() < end, let message = listener.receive() { messages.append(message) }
            return messages
        }
        feed(seconds: 1)
        let whileFeeding = collect(seconds: 0.1)
        _ = collect(seconds: 0.2)  // pings of frames still in flight
        let whileStalled = collect(seconds: 1.2)
        feed(seconds: 1)
        let afterwards = collect(seconds: 0.2)
        watch.signal(SIGTERM)
        #expect(watch.waitForExit(seconds: 3) == 0, "\(watch.stderrLines)")
        #expect(whileFeeding.contains("WATCHDOG=1") || afterwards.contains("WATCHDOG=1"))
        #expect(!whileStalled.contains("WATCHDOG=1"), "pinged while no frame arrived: \(whileStalled)")
        #expect(afterwards.contains("WATCHDOG=1") || watch.stderrLines.contains { $0.contains("is back") }, "\(afterwards) \(watch.stderrLines)")
    }

    @Test(.enabled(if: DaemonTestSupport.serialTestsEnabled))
    func killedWithSignalNineThenRestartedItWorksAgain() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let (images, labels) = try Self.scriptedFolder([true], in: folder)
        let pair = try PtyPair(folder: folder)
        defer { pair.stop() }
        let reader = try LineReader(path: pair.b)
        defer { reader.stop() }
        let arguments = ["--source", images, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels,
                         "--output", "serial:\(pair.a)", "--emit", "interval:0.05"]
        let first = try WatchProcess(arguments, folder: folder)
        #expect(first.waitFor(seconds: 10) { reader.lines.count >= 3 }, "\(first.stderrLines)")
        first.signal(SIGKILL)
        _ = first.waitForExit(seconds: 2)
        let before = reader.lines.count
        let second = try WatchProcess(arguments, folder: folder)
        #expect(second.waitFor(seconds: 10) { reader.lines.count >= before + 3 }, "\(second.stderrLines)")
        second.signal(SIGTERM)
        #expect(second.waitForExit(seconds: 2) == 0)
        // Every line that arrived is whole (a kill mid-write may cut one: at most the first run's last).
        let whole = reader.lines.filter { $0.wholeMatch(of: Self.textLine) != nil }
        #expect(whole.count >= reader.lines.count - 1)
    }

    /// Zero heap allocations per frame in the steady state, for the whole process (frame source,
    /// conversion, int8 inference, decision, JSON formatting, output thread): an LD_PRELOAD
    /// counter (Tests/CAllocationCounter, built as a preload library) counts every allocation of a 500-frame and a
    /// 5,000-frame run; the 4,500 extra frames must not add any (runs differ by a few start-up
    /// allocations at most, so the limit is 10 in all — one per frame would be 4,500).
    @Test func noHeapAllocationPerFrame() throws {
        let folder = try DaemonTestSupport.temporaryFolder("alloc")
        let (images, labels) = try Self.scriptedFolder([true, false], in: folder)
        let library = folder.appendingPathComponent("malloc-count.so").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let counter = DaemonTestSupport.packageRoot.appendingPathComponent("Tests/CAllocationCounter")
        let source = counter.appendingPathComponent("AllocationCounter.c").path
        let cc = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") ? "cc" : "clang"
        compiler.arguments = [cc, "-shared", "-fPIC", "-O2", "-I", counter.appendingPathComponent("include").path, "-o", library, source]
        try compiler.run()
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0, "could not build \(source)")
        func allocations(frames: Int) throws -> Int {
            let countFile = folder.appendingPathComponent("count-\(frames)").path
            let watch = try WatchProcess(
                ["--source", images, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels,
                 "--emit", "every", "--format", "json", "--frames", "\(frames)"],
                folder: folder, environment: ["LD_PRELOAD": library, "MALLOC_COUNT_FILE": countFile])
            #expect(watch.waitForExit(seconds: 60) == 0)
            #expect(watch.stdoutLines.count == frames)
            return Int(try String(contentsOfFile: countFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let short = try allocations(frames: 500)
        let long = try allocations(frames: 5000)
        #expect(short > 0, "the counter saw no allocation at all (not preloaded?)")
        #expect(abs(long - short) <= 10, "\(short) allocations for 500 frames, \(long) for 5,000")
    }

    @Test func aBadConfigLineStopsWithFileAndLine() throws {
        let folder = try DaemonTestSupport.temporaryFolder("e2e")
        let config = folder.appendingPathComponent("watch.conf")
        try "# settings\nsmooth = 3\ntreshold = 0.8\n".write(to: config, atomically: true, encoding: .utf8)
        let watch = try WatchProcess(["--config", config.path], folder: folder)
        #expect(watch.waitForExit(seconds: 5) == 1)
        #expect(watch.stderrLines.first?.hasPrefix("watch: error: \(config.path):3: unknown key 'treshold'") == true, "\(watch.stderrLines)")
    }
}
