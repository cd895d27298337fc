#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress report on standard error for a loop of `total` steps: step/total,
/// loss, accuracy, images per second and the estimated time left.
///
/// On a terminal the line is redrawn in place (`\r`, at most ten times a second, with a bar
/// sized to the window); otherwise (a log file, a pipe) one line is printed each time another
/// `percentStep` percent of the steps is done, so logs stay short.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let percentStep: Int
    private let interactive: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant?
    private var nextPercent: Int
    private var pending: (step: Int, stats: String)?
    private var finished = false

    /// A progress line headed `label` (e.g. "epoch 3/90") for `total` steps. `interactive`
    /// defaults to whether standard error is a terminal.
    init(label: String, total: Int, percentStep: Int = 10, interactive: Bool = isatty(STDERR_FILENO) != 0) {
        self.label = label
        self.total = max(1, total)
        self.percentStep = min(max(1, percentStep), 100)
        self.interactive = interactive
        start = clock.now
        nextPercent = self.percentStep
    }

    /// Reports that `step` of the steps are done, with the running loss, accuracy (a fraction;
    /// both NaN when not measured, and then not shown) and throughput.
    func update(step: Int, loss: Double, accuracy: Double, imagesPerSecond: Double) {
        guard !finished else { return }
        let step = min(max(0, step), total)
        let now = clock.now
        let elapsed = (now - start).seconds
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : .nan
        let measured = loss.isNaN && accuracy.isNaN ? "" : "loss \(Self.number(loss, 4))  acc \(Self.percent(accuracy))  "
        let stats = "\(step)/\(total)  " + measured + "\(Self.number(imagesPerSecond, 0)) img/s  ETA \(Self.duration(eta))"
        if interactive {
            pending = (step, stats)
            if step == total || lastDraw.map({ (now - $0).seconds >= 0.1 }) ?? true {
                draw(step: step, stats: stats)
                lastDraw = now
                pending = nil
            }
        } else if step * 100 >= nextPercent * total {
            let percentDone = step * 100 / total
            emit("\(label)  \(stats)  (\(percentDone)%)\n")
            nextPercent = (percentDone / percentStep + 1) * percentStep
        }
    }

    /// Ends the line (on a terminal, after drawing the last update); later updates are ignored.
    func finish() {
        guard !finished else { return }
        finished = true
        if interactive {
            if let pending { draw(step: pending.step, stats: pending.stats) }
            emit("\n")
        }
    }

    /// Redraws the terminal line: label, a bar filling the room the window leaves, the stats.
    private func draw(step: Int, stats: String) {
        let columns = Self.terminalColumns()
        // The room the stats usually take (so the bar keeps its width as they change), spaces, brackets.
        let fixedWidth = label.count + max(stats.count, 66) + 5
        var line = label + " "
        let barWidth = min(40, columns - 1 - fixedWidth)
        if barWidth >= 10 {
            let filled = barWidth * step / total
            let head = filled < barWidth ? ">" : ""
            line += "[" + String(repeating: "=", count: filled) + head
                + String(repeating: " ", count: max(0, barWidth - filled - head.count)) + "] "
        }
        line += " " + stats
        emit("\r" + String(line.prefix(max(1, columns - 1))) + "\u{1B}[K")
    }

    private func emit(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }  // standard error is gone: progress is not worth failing for
            written += count
        }
    }
}

extension ProgressBar {
    /// The width of the terminal on standard error, 80 when it cannot be told.
    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// `value` with `decimals` digits, "-" when not finite.
    private static func number(_ value: Double, _ decimals: Int) -> String {
        value.isFinite ? fixed(value, decimals) : "-"
    }

    /// A fraction as a percentage with two decimals, "-" when not finite.
    private static func percent(_ fraction: Double) -> String {
        fraction.isFinite ? fixed(fraction * 100, 2) + "%" : "-"
    }

    /// Seconds as `m:ss` or `h:mm:ss`, "-:--" when unknown.
    private static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return "-:--" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }
}
