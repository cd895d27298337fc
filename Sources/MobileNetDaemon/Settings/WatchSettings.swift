/// Everything `mobilenet watch` can be told, from the command line or a config file: each
/// option `--name` is also the config key `name` (or `name` with `_` for `-`).
///
/// Values are applied as text through `apply(_:_:)`, so that the command line and the config
/// file share one parser and one set of error messages.
public struct WatchSettings: Equatable, Sendable {
    /// Where frames come from.
    public enum Source: Equatable, Sendable {
        /// A V4L2 device, e.g. /dev/video0.
        case camera(String)
        /// A still image or a folder of images (looped), or `-` for a stream on stdin.
        case path(String)
    }

    /// Where label lines go.
    public enum Output: Equatable, Sendable {
        case stdout
        /// A serial device, e.g. /dev/ttyUSB0.
        case serial(String)
    }

    /// The line format.
    public enum Format: String, Equatable, Sendable, CaseIterable {
        case text, json
    }

    public var source: Source?
    /// Raw stream format for a stdin source, e.g. `yuyv:640x480` (default: MJPEG).
    public var inputFormat: String?
    /// A .tflite (int8 or float) or .safetensors model; nil for the embedded model.
    public var model: String?
    public var labels: String?
    /// A normalisation preset name (see `NormalizationPreset`); nil for the model's own.
    public var preprocess: String?
    public var output: Output = .stdout
    public var baud: Int = 115_200
    public var format: Format = .text
    /// A class becomes the label when its smoothed probability reaches `threshold`...
    public var threshold: Double = 0
    /// ...and stays the label while it stays at or above `thresholdLow` (default: `threshold`).
    public var thresholdLow: Double?
    /// Frames in the moving average of the probabilities.
    public var smooth: Int = 1
    public var emit: EmitPolicy = .change
    public var threads: Int = 1
    /// Stop after this many classified frames.
    public var frames: Int?
    /// Seconds between statistics lines on stderr.
    public var statsInterval: Double?

    public init() {}

    /// The hysteresis's lower threshold.
    public var effectiveThresholdLow: Double { thresholdLow ?? threshold }

    /// The keys `apply` knows, in the command line's order.
    public static let keys = [
        "camera", "source", "input-format", "model", "labels", "preprocess", "output", "baud", "format",
        "threshold", "threshold-low", "smooth", "emit", "threads", "frames", "stats",
    ]

    /// Sets the option `key` (as on the command line, without `--`; `_` may stand for `-`) from
    /// its text `value`. Throws a message without location (the caller adds the file and line,
    /// or the option's name).
    public mutating func apply(_ key: String, _ value: String) throws(SettingError) {
        let name = String(key.map { $0 == "_" ? "-" : $0 })
        switch name {
        case "camera": source = .camera(try Self.nonEmpty(value, name))
        case "source": source = .path(try Self.nonEmpty(value, name))
        case "input-format": inputFormat = try Self.nonEmpty(value, name)
        case "model": model = try Self.nonEmpty(value, name)
        case "labels": labels = try Self.nonEmpty(value, name)
        case "preprocess": preprocess = try Self.nonEmpty(value, name)
        case "output":
            if value == "stdout" || value == "-" {
                output = .stdout
            } else if value.hasPrefix("serial:"), value.count > "serial:".count {
                output = .serial(String(value.dropFirst("serial:".count)))
            } else {
                throw SettingError("output must be stdout or serial:/dev/ttyX, not '\(value)'")
            }
        case "baud":
            baud = try Self.integer(value, name, in: 1...4_000_000)
        case "format":
            guard let parsed = Format(rawValue: value) else {
                throw SettingError("format must be text or json, not '\(value)'")
            }
            format = parsed
        case "threshold": threshold = try Self.probability(value, name)
        case "threshold-low": thresholdLow = try Self.probability(value, name)
        case "smooth": smooth = try Self.integer(value, name, in: 1...1000)
        case "emit": emit = try EmitPolicy(parsing: value)
        case "threads": threads = try Self.integer(value, name, in: 1...64)
        case "frames": frames = try Self.integer(value, name, in: 1...Int(Int32.max))
        case "stats":
            guard let seconds = Double(value), seconds > 0, seconds <= 86_400 else {
                throw SettingError("stats must be seconds in (0, 86400], not '\(value)'")
            }
            statsInterval = seconds
        default:
            throw SettingError("unknown key '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// Checks what single values cannot: the thresholds' order.
    public func validate() throws(SettingError) {
        if let low = thresholdLow, low > threshold {
            throw SettingError("threshold-low \(low) is above threshold \(threshold)")
        }
    }

    private static func nonEmpty(_ value: String, _ name: String) throws(SettingError) -> String {
        guard !value.isEmpty else { throw SettingError("\(name) is empty") }
        return value
    }

    private static func integer(_ value: String, _ name: String, in range: ClosedRange<Int>) throws(SettingError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw SettingError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(value)'")
        }
        return number
    }

    private static func probability(_ value: String, _ name: String) throws(SettingError) -> Double {
        guard let number = Double(value), number >= 0, number <= 1 else {
            throw SettingError("\(name) must be a probability in [0, 1], not '\(value)'")
        }
        return number
    }
}

/// A bad setting: one line saying what is wrong (with the file and line when it came from one).
public struct SettingError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
