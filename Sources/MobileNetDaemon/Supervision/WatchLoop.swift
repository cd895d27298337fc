#if canImport(Glibc)
import Glibc
#endif
import MobileNetCamera

/// The daemon's loop: frame → classify → decide → line, supervised.
///
/// - A lost camera (`unplugged`, `notFound`, a failed system call) or one that stalls for
///   `stallSeconds` is stopped and reopened with exponential backoff (0.1 s doubling, capped at
///   5 s); each change is one line on stderr, and the decisions start over when it is back.
/// - SIGHUP re-reads the settings (config file and command line) and the model; the new model
///   takes over only after it classified one frame, and a bad config or model keeps the
///   running one, saying why.
/// - SIGTERM/SIGINT finish the frame in hand, stop the stream, flush the output and return 0.
/// - systemd (when `$NOTIFY_SOCKET` is set): READY=1 after the first classified frame,
///   WATCHDOG=1 at half of `$WATCHDOG_USEC` only while frames are classified, STATUS= with
///   fps, latency and reconnects, STOPPING=1.
///
/// In the steady state a frame allocates nothing here (the source, the classifier and the
/// output are built to the same rule).
public final class WatchLoop {
    /// How the loop gets its parts, so that a reload builds new ones the same way.
    public struct Factory {
        /// The settings as the command line and the config file give them now.
        public var settings: () throws -> WatchSettings
        public var model: (WatchSettings) throws -> WatchModel
        public var source: (WatchSettings) throws -> any FrameSource
        public var output: (WatchSettings) throws -> any LineDevice

        public init(settings: @escaping () throws -> WatchSettings, model: @escaping (WatchSettings) throws -> WatchModel,
                    source: @escaping (WatchSettings) throws -> any FrameSource,
                    output: @escaping (WatchSettings) throws -> any LineDevice) {
            self.settings = settings
            self.model = model
            self.source = source
            self.output = output
        }
    }

    /// Seconds without a frame before a camera counts as stalled (the stream is restarted).
    public static let stallSeconds = 2.0
    /// Each wait for a frame, so that signals are seen at least this often.
    static let frameWaitMilliseconds = 200

    private let factory: Factory
    private let signals: SignalPipe
    private let notifier: SystemdNotifier?
    private var settings: WatchSettings
    private var model: WatchModel
    private var source: any FrameSource
    private var writer: OutputWriter
    private var decider: LabelDecider
    private var gate: EmitGate
    private var formatter: LineFormatter
    private var line = LineBuffer(capacity: 512)
    private let stats = WatchStats()
    private var ready = false
    private var lastWatchdog: UInt64 = 0
    private var classifiedSinceWatchdog = false
    private var lastStats: UInt64
    private var lastStatus: UInt64
    private var stopRequested = false
    private var exitCode: Int32 = 0

    /// Builds the parts from `factory`; throws the first that cannot be built (a bad model, a
    /// missing image folder) — a camera that is not there yet is not an error (it is waited for).
    public init(factory: Factory, signals: SignalPipe, notifier: SystemdNotifier?) throws {
        self.factory = factory
        self.signals = signals
        self.notifier = notifier
        settings = try factory.settings()
        model = try factory.model(settings)
        source = try factory.source(settings)
        writer = OutputWriter(device: try factory.output(settings), queue: LineQueue(slots: 256, slotBytes: 512))
        decider = LabelDecider(classes: model.names.count, smooth: settings.smooth, threshold: settings.threshold,
                               thresholdLow: settings.effectiveThresholdLow)
        gate = EmitGate(policy: settings.emit)
        formatter = LineFormatter(format: settings.format)
        let now = Clock.monotonicNanoseconds()
        lastStats = now
        lastStatus = now
    }

    /// Runs until `--frames` frames, a stop signal, the end of the input, or a fatal error;
    /// returns the exit code.
    public func run() -> Int32 {
        StateLog.line("model \(model.summary)")
        if !startSource(firstTime: true) { return finish() }
        var waitingSince: UInt64?
        while !stopRequested {
            if let request = signals.poll() { handle(request) ; if stopRequested { break } }
            if writer.outputClosed { break }
            let info: FrameInfo
            do throws(CaptureError) {
                info = try source.nextFrame(into: model.destination, timeoutMilliseconds: Self.frameWaitMilliseconds)
                waitingSince = nil
            } catch {
                if case .stalled = error {
                    let now = Clock.monotonicNanoseconds()
                    let since = waitingSince ?? now
                    waitingSince = since
                    if Double(now - since) / 1e9 < Self.stallSeconds { continue }
                    waitingSince = nil
                }
                if !recover(from: error) { break }
                continue
            }
            classifyAndEmit(info: info, using: model, decider: decider)
            if let frames = settings.frames, stats.frames >= frames { break }
        }
        return finish()
    }

    /// Classifies the frame in `model`'s input and writes its line when the emit policy says so.
    private func classifyAndEmit(info: FrameInfo, using model: WatchModel, decider: LabelDecider) {
        let probabilities: UnsafeBufferPointer<Float>
        do {
            probabilities = try model.classifier.classify()
        } catch {
            StateLog.line("inference failed: \(error); frame skipped")
            return
        }
        let decision = decider.update(probabilities)
        let now = Clock.monotonicNanoseconds()
        let latency = Double(now &- min(info.timestampNanoseconds, now)) / 1e6
        if gate.shouldEmit(changed: decision.changed, now: now) {
            let captured = Clock.utcNanoseconds() - Int64(now &- min(info.timestampNanoseconds, now))
            formatter.format(into: &line, utcNanoseconds: captured, frame: stats.frames + 1, label: decision.label,
                             score: decision.score, latencyMilliseconds: latency, names: model.names)
            writer.write(line.bytes)
        }
        stats.recordFrame(latencyMilliseconds: latency)
        classifiedSinceWatchdog = true
        if !ready {
            ready = true
            StateLog.line("classifying frames from \(source.name)")
            notifier?.ready(status: "classifying")
            lastWatchdog = now
        }
        periodicWork(now: now)
    }

    /// Watchdog pings (only after frames were classified), `--stats` lines and STATUS=.
    private func periodicWork(now: UInt64) {
        if let notifier, let interval = notifier.watchdogPingNanoseconds, classifiedSinceWatchdog, now &- lastWatchdog >= interval {
            notifier.watchdog()
            lastWatchdog = now
            classifiedSinceWatchdog = false
        }
        let statsDue = settings.statsInterval.map { Double(now &- lastStats) / 1e9 >= $0 } ?? false
        let statusDue = notifier != nil && now &- lastStatus >= 5_000_000_000
        guard statsDue || statusDue else { return }
        let fps = stats.takeFramesPerSecond(now: now)
        let (p50, p99) = stats.latencies.percentiles(50, 99)
        let capture = source.statistics
        if statsDue {
            lastStats = now
            StateLog.line("stats: \(fixed(fps, 1)) fps, latency p50 \(fixed(p50, 2)) ms p99 \(fixed(p99, 2)) ms, frames \(stats.frames), "
                + "dropped \(capture.dropped), corrupt \(capture.corrupt), reconnects \(stats.reconnects), "
                + "serial drops \(writer.dropped), output reconnects \(writer.reconnects)")
        }
        if statusDue || statsDue, let notifier {
            lastStatus = now
            notifier.status(framesPerSecond: fps, latencyP50Milliseconds: p50, latencyP99Milliseconds: p99,
                            reconnects: stats.reconnects, droppedFrames: Int(capture.dropped), outputDrops: writer.dropped)
        }
    }

    private func handle(_ request: SignalPipe.Request) {
        switch request {
        case .stop(let signal):
            StateLog.line("\(signal == 2 ? "SIGINT" : "SIGTERM"): stopping")
            stopRequested = true
        case .reload:
            reload()
        }
    }

    /// Starts the source, waiting with backoff while a camera is absent. Returns false when the
    /// loop must end (stop signal, or a source that cannot work).
    private func startSource(firstTime: Bool) -> Bool {
        do throws(CaptureError) {
            try source.start()
            return true
        } catch {
            if !isRecoverable(error) || (firstTime && !settingsUseCamera) {
                StateLog.line("error: \(error)")
                exitCode = 1
                return false
            }
            return recover(from: error)
        }
    }

    private var settingsUseCamera: Bool {
        if case .camera = settings.source { return true }
        return settings.source == nil
    }

    private func isRecoverable(_ error: CaptureError) -> Bool {
        switch error {
        case .unplugged, .stalled, .notFound, .busy, .system, .permissionDenied: return true
        case .notACamera, .unsupportedFormat, .endOfStream, .invalidConfiguration: return false
        }
    }

    /// After a capture error: stops the source and reopens it with backoff until it delivers
    /// again. Returns false when the loop must end.
    private func recover(from error: CaptureError) -> Bool {
        if case .endOfStream = error {
            StateLog.line("\(error); stopping")
            return false
        }
        guard isRecoverable(error) else {
            StateLog.line("error: \(error)")
            exitCode = 1
            return false
        }
        let lostAt = Clock.monotonicNanoseconds()
        if case .stalled = error {
            StateLog.line("camera \(source.name) stalled: no frame for \(fixed(Self.stallSeconds, 1)) s; restarting the stream")
        } else {
            StateLog.line("\(error); reopening with backoff (up to 5 s)")
        }
        notifier?.status("camera lost: \(error)")
        source.stop()
        decider.reset()
        gate.reset()
        var backoff = Backoff(initialSeconds: 0.1, capSeconds: 5)
        var lastError = error
        var firstAttempt = true
        while true {
            if !firstAttempt {
                if !waitBeforeReopening(nanoseconds: backoff.next()) { return false }
            }
            firstAttempt = false
            do throws(CaptureError) {
                try source.start()
                // Counted as a reconnect once a frame arrives (a restarted stream can still be dead).
                let seconds = Double(Clock.monotonicNanoseconds() - lostAt) / 1e9
                stats.reconnects += 1
                StateLog.line("camera \(source.name) is back after \(fixed(seconds, 1)) s (reconnect \(stats.reconnects))")
                return true
            } catch {
                // A device node that has just reappeared may not answer as a camera yet (udev
                // still setting it up, a file half written): while reconnecting, that is retried,
                // from the shortest backoff step when it first happens (the camera is coming back).
                var notReadyYet = false
                if case .notACamera = error { notReadyYet = true }
                if !isRecoverable(error) && !notReadyYet {
                    StateLog.line("error: \(error)")
                    exitCode = 1
                    return false
                }
                if error != lastError {
                    if notReadyYet { backoff = Backoff(initialSeconds: 0.1, capSeconds: 5) }
                    StateLog.line("\(error); still retrying")
                    lastError = error
                }
            }
        }
    }

    /// Waits out one backoff step, in 100 ms slices: returns early (true) when the source's
    /// device path reappears after being absent (a camera plugged back in is used at once,
    /// whatever the backoff), false when a stop signal arrived.
    private func waitBeforeReopening(nanoseconds: UInt64) -> Bool {
        let path = source.name
        let watchesPath = path.hasPrefix("/")
        var wasAbsent = watchesPath && access(path, F_OK) != 0
        let deadline = Clock.monotonicNanoseconds() + nanoseconds
        while true {
            let now = Clock.monotonicNanoseconds()
            if now >= deadline { return true }
            if let request = signals.wait(nanoseconds: min(deadline - now, 100_000_000)) {
                handle(request)
                if stopRequested { return false }
            }
            if watchesPath {
                let absent = access(path, F_OK) != 0
                if wasAbsent && !absent { return true }
                wasAbsent = absent
            }
        }
    }

    /// SIGHUP: new settings and model; the switch happens after the new model classified a frame.
    private func reload() {
        StateLog.line("SIGHUP: reloading the configuration and the model")
        notifier?.reloading()
        defer { notifier?.status(framesPerSecond: 0, latencyP50Milliseconds: 0, latencyP99Milliseconds: 0,
                                 reconnects: stats.reconnects, droppedFrames: 0, outputDrops: writer.dropped, readyAfterReload: true) }
        let newSettings: WatchSettings
        let candidate: WatchModel
        do {
            newSettings = try factory.settings()
        } catch {
            StateLog.line("reload: \(error); keeping the running configuration and model")
            return
        }
        do {
            candidate = try factory.model(newSettings)
        } catch {
            StateLog.line("reload: new model rejected: \(error); keeping \(model.summary)")
            return
        }
        let newSource: (any FrameSource)?
        if newSettings.source != settings.source || newSettings.inputFormat != settings.inputFormat {
            do {
                let made = try factory.source(newSettings)
                try made.start()
                newSource = made
            } catch {
                StateLog.line("reload: new source rejected: \(error); keeping \(source.name) and \(model.summary)")
                return
            }
        } else {
            newSource = nil
        }
        let frameSource = newSource ?? source
        let newDecider = LabelDecider(classes: candidate.names.count, smooth: newSettings.smooth, threshold: newSettings.threshold,
                                      thresholdLow: newSettings.effectiveThresholdLow)
        // The first frame with the new model decides the switch.
        let info: FrameInfo
        do throws(CaptureError) {
            info = try frameSource.nextFrame(into: candidate.destination, timeoutMilliseconds: 2000)
        } catch {
            StateLog.line("reload: no frame for the new model (\(error)); keeping \(model.summary)")
            newSource?.stop()
            return
        }
        do {
            _ = try candidate.classifier.classify()
        } catch {
            StateLog.line("reload: the new model failed on its first frame (\(error)); keeping \(model.summary)")
            newSource?.stop()
            return
        }
        if let newSource {
            source.stop()
            source = newSource
        }
        if newSettings.output != settings.output || newSettings.baud != settings.baud {
            do {
                let device = try factory.output(newSettings)
                writer.finish(timeoutSeconds: 0.3)
                writer = OutputWriter(device: device, queue: LineQueue(slots: 256, slotBytes: 512))
            } catch {
                StateLog.line("reload: new output rejected: \(error); keeping the current output")
            }
        }
        model = candidate
        settings = newSettings
        decider = newDecider
        gate = EmitGate(policy: newSettings.emit)
        formatter = LineFormatter(format: newSettings.format)
        StateLog.line("reload: now running \(model.summary)")
        // That frame is re-run through the full path (decision, line) with the new parts.
        classifyAndEmit(info: info, using: model, decider: decider)
    }

    private func finish() -> Int32 {
        source.stop()
        notifier?.stopping()
        writer.finish(timeoutSeconds: 0.5)
        if writer.dropped > 0 { StateLog.line("output: \(writer.dropped) lines dropped in all") }
        return exitCode
    }
}

/// `value` with `decimals` places, for log lines.
func fixed(_ value: Double, _ decimals: Int) -> String {
    var buffer = LineBuffer(capacity: 64)
    buffer.append(fixed: value, decimals: decimals)
    return String(decoding: buffer.bytes, as: UTF8.self)
}
