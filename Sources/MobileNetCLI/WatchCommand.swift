import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import MobileNetDaemon

/// `mobilenet watch`: classify what a camera (or another frame source) sees, continuously, and
/// write labels to stdout or a serial port; supervised, for running as a systemd service.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Classify camera frames continuously; labels to stdout or a serial port.",
        discussion: """
            Frames come from --camera DEV (default /dev/video0), or --source PATH: a folder or \
            still image (looped), an MJPEG file, or - for a stream on stdin (MJPEG, or raw \
            frames with --input-format yuyv:640x480). The model is --model (int8 or float \
            .tflite, or our .safetensors), default the embedded int8 CIFAR-10 model. Class names \
            and normalisation come from --labels and --preprocess, else from the model file \
            (ours, or TFLite metadata as Model Maker writes it), else from an int8 input's range.
            Lines: text "2026-12-06T14:00:00.123Z person 0.93", or with --format json \
            {"time","frame","label","score","latency_ms"} (latency from the frame's capture to \
            the line). A class becomes the label at --threshold and keeps it down to \
            --threshold-low, over a --smooth K frame average; below that the label is "unknown". \
            --emit change (default), every, or interval:SECONDS.
            Every option is also a key of the config file (--config FILE, default \
            /etc/mobilenet/watch.conf when present): "threshold = 0.8" lines, # comments, TOML \
            quoting. Command-line options override the file. SIGHUP re-reads both and the model; \
            SIGTERM/SIGINT stop after the current frame. Under systemd (NOTIFY_SOCKET) it sends \
            READY=1, WATCHDOG=1 while frames are classified, STATUS= and STOPPING=1.
            """)

    @Option(help: "Config file of 'key = value' lines (default: /etc/mobilenet/watch.conf when present).")
    var config: String?
    @Option(help: "V4L2 camera device (default /dev/video0).")
    var camera: String?
    @Option(help: "Image, folder of images (looped), MJPEG file, or - for a stream on stdin.")
    var source: String?
    @Option(name: .customLong("input-format"), help: "Stream format: mjpeg (default) or FORMAT:WxH (yuyv, nv12, grey, rgb24).")
    var inputFormat: String?
    @Option(help: "Model: int8 or float .tflite, or .safetensors (default: the embedded model).")
    var model: String?
    @Option(help: "Labels file: one class name per line, in output order.")
    var labels: String?
    @Option(help: "Normalisation: tf, torch, caffe, unit (default: the model's).")
    var preprocess: String?
    @Option(help: "stdout or serial:/dev/ttyX.")
    var output: String?
    @Option(help: "Serial speed (default 115200).")
    var baud: String?
    @Option(help: "text or json.")
    var format: String?
    @Option(help: "Probability a class needs to become the label (default 0: the most probable class).")
    var threshold: String?
    @Option(name: .customLong("threshold-low"), help: "Probability below which the label is dropped (default: --threshold).")
    var thresholdLow: String?
    @Option(help: "Frames in the moving average of the probabilities (default 1).")
    var smooth: String?
    @Option(help: "change, every or interval:SECONDS (default change).")
    var emit: String?
    @Option(help: "Inference threads (default 1).")
    var threads: String?
    @Option(help: "Stop after N frames.")
    var frames: String?
    @Option(help: "Print statistics to stderr every SECONDS.")
    var stats: String?

    /// The options given on the command line, as config keys.
    private var given: [(String, String)] {
        let all: [(String, String?)] = [
            ("camera", camera), ("source", source), ("input-format", inputFormat), ("model", model), ("labels", labels),
            ("preprocess", preprocess), ("output", output), ("baud", baud), ("format", format), ("threshold", threshold),
            ("threshold-low", thresholdLow), ("smooth", smooth), ("emit", emit), ("threads", threads), ("frames", frames),
            ("stats", stats),
        ]
        return all.compactMap { key, value in value.map { (key, $0) } }
    }

    func validate() throws {
        if camera != nil && source != nil { throw ValidationError("--camera and --source exclude each other") }
        var settings = WatchSettings()
        for (key, value) in given {
            do throws(SettingError) { try settings.apply(key, value) } catch { throw ValidationError("--\(key): \(error.message)") }
        }
    }

    /// Defaults, then the config file, then the command line.
    private func settings() throws(SettingError) -> WatchSettings {
        var settings = WatchSettings()
        let path = config ?? (access(ConfigFile.defaultPath, F_OK) == 0 ? ConfigFile.defaultPath : nil)
        if let path { try ConfigFile.apply(path: path, to: &settings) }
        if camera != nil || source != nil { settings.source = nil }  // the command line's choice wins
        for (key, value) in given {
            do throws(SettingError) { try settings.apply(key, value) } catch { throw SettingError("--\(key): \(error.message)") }
        }
        try settings.validate()
        return settings
    }

    func run() throws {
        let signals = SignalPipe()
        do {
            let environment = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].reduce(into: [String: String]()) { result, name in
                if let value = getenv(name) { result[name] = String(cString: value) }
            }
            let notifier = try SystemdNotifier(environment: environment)
            let embedded = (try? EmbeddedModel.url(EmbeddedModel.int8FileName).path)
                ?? EmbeddedModel.resourceFolder + "/" + EmbeddedModel.int8FileName
            let factory = WatchLoop.Factory(
                settings: { () throws -> WatchSettings in try settings() },
                model: { settings in
                    try WatchModel(path: settings.model, embeddedPath: embedded, labelsPath: settings.labels,
                                   preprocess: settings.preprocess, threads: settings.threads)
                },
                source: { settings in try settings.frameSourceSelection.makeSource() },
                output: { settings in try OutputChoice.make(settings) })
            let loop = try WatchLoop(factory: factory, signals: signals, notifier: notifier)
            let code = loop.run()
            if code != 0 { throw ExitCode(code) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StateLog.line("error: \(error)")
            throw ExitCode(1)
        }
    }
}
