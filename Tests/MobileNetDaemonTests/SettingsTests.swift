import Testing
@testable import MobileNetDaemon

/// The config file and the option values it shares with the command line.
struct SettingsTests {
    @Test func readsKeyValueLinesCommentsAndTOMLQuoting() throws {
        var settings = WatchSettings()
        try ConfigFile.apply(text: """
            # watch.conf
            camera = /dev/video2
            model = "/opt/models/person detector.tflite"   # a comment after a value
            labels = '/opt/models/C:\\labels.txt'
            output = serial:/dev/ttyAMA0
            baud = 9600
            format = json
            threshold = 0.8
            threshold_low = 0.6
            smooth = 5
            emit = interval:2.5
            stats = 10

            """, name: "watch.conf", to: &settings)
        #expect(settings.source == .camera("/dev/video2"))
        #expect(settings.model == "/opt/models/person detector.tflite")
        #expect(settings.labels == "/opt/models/C:\\labels.txt")
        #expect(settings.output == .serial("/dev/ttyAMA0"))
        #expect(settings.baud == 9600)
        #expect(settings.format == .json)
        #expect(settings.threshold == 0.8 && settings.thresholdLow == 0.6)
        #expect(settings.smooth == 5)
        #expect(settings.emit == .interval(seconds: 2.5))
        #expect(settings.statsInterval == 10)
    }

    @Test func everyCommandLineOptionIsAKey() throws {
        let values = ["camera": "/dev/video0", "source": "-", "input-format": "yuyv:640x480", "model": "m.tflite",
                      "labels": "l.txt", "preprocess": "unit", "output": "stdout", "baud": "115200", "format": "text",
                      "threshold": "0.5", "threshold-low": "0.4", "smooth": "3", "emit": "every", "threads": "2",
                      "frames": "10", "stats": "1"]
        #expect(Set(values.keys) == Set(WatchSettings.keys))
        var settings = WatchSettings()
        for key in WatchSettings.keys { try settings.apply(key, values[key]!) }
        #expect(settings.frames == 10 && settings.threads == 2 && settings.emit == .every)
    }

    @Test(arguments: [
        ("treshold = 0.5\n", "watch.conf:1: unknown key 'treshold' (known: camera, source, input-format, model, labels, preprocess, output, baud, format, threshold, threshold-low, smooth, emit, threads, frames, stats)"),
        ("# x\n\nthreshold = 1.5\n", "watch.conf:3: threshold must be a probability in [0, 1], not '1.5'"),
        ("smooth = 0\n", "watch.conf:1: smooth must be a whole number in 1...1000, not '0'"),
        ("emit = sometimes\n", "watch.conf:1: emit must be change, every or interval:SECONDS (0 < SECONDS <= 86400), not 'sometimes'"),
        ("output = /dev/ttyS0\n", "watch.conf:1: output must be stdout or serial:/dev/ttyX, not '/dev/ttyS0'"),
        ("model = \"open\n", "watch.conf:1: missing closing \""),
        ("format json\n", "watch.conf:1: expected 'key = value', got 'format json'"),
        ("[watch]\n", "watch.conf:1: sections are not supported; write top-level 'key = value' lines"),
        ("smooth = 2\nsmooth = 3\n", "watch.conf:2: 'smooth' is already set on line 1"),
        ("threshold = 0.5\nthreshold-low = 0.7\n", "watch.conf: threshold-low 0.7 is above threshold 0.5"),
        ("model =\n", "watch.conf:1: missing value after '='"),
    ])
    func badLinesGetOneErrorWithFileAndLine(text: String, message: String) {
        var settings = WatchSettings()
        #expect(throws: SettingError(message)) { try ConfigFile.apply(text: text, name: "watch.conf", to: &settings) }
    }

    @Test func aMissingFileIsOneLine() {
        var settings = WatchSettings()
        #expect(throws: SettingError("/nonexistent/watch.conf: cannot read the config file (ENOENT: No such file or directory)")) {
            try ConfigFile.apply(path: "/nonexistent/watch.conf", to: &settings)
        }
    }
}
