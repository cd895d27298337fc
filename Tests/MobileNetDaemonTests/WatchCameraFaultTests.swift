import Foundation
import Testing

/// `mobilenet watch` on the camera issue's libv4l2 test camera (scripts/camera-plugin, installed
/// by `make camera-plugin`, part of `make test`): a device file unplugged and plugged back,
/// and a stalled stream.
@Suite(.enabled(if: TestCamera.enabled, "the libv4l2 test camera is not installed (make camera-plugin)"), .serialized)
struct WatchCameraFaultTests {
    @Test func unpluggedCameraIsReopenedAndLabelsResumeWithinTwoSeconds() throws {
        let folder = try DaemonTestSupport.temporaryFolder("camera")
        let (device, description) = try TestCamera.camera(showing: try WatchProcess.sharedFile("golden/images/person.png"), in: folder)
        let labels = folder.appendingPathComponent("labels.txt")
        try "no-person\nperson\n".write(to: labels, atomically: true, encoding: .utf8)
        let watch = try WatchProcess(
            ["--camera", device, "--model", try WatchProcess.sharedFile("models/vww_96_int8.tflite"), "--labels", labels.path,
             "--emit", "every", "--format", "json"], folder: folder)
        func watchLines() -> [String] { watch.stderrLines.filter { $0.hasPrefix("watch: ") } }
        #expect(watch.waitFor(seconds: 10) { watch.stdoutLines.count >= 10 }, "\(watchLines())")

        // Unplug: the device file goes away (the plugin answers ENODEV).
        try FileManager.default.removeItem(atPath: device)
        #expect(watch.waitFor(seconds: 3) { watchLines().contains { $0.contains("disappeared") && $0.contains("reopening with backoff") } },
                "\(watchLines())")
        usleep(300_000)
        let whileUnplugged = watch.stdoutLines.count
        usleep(2_500_000)  // long enough for the backoff to grow past 1 s
        #expect(watch.stdoutLines.count == whileUnplugged, "labels while the camera was unplugged")

        // Replug: labels resume within 2 s, whatever the backoff had grown to.
        try description.write(toFile: device, atomically: false, encoding: .utf8)
        let replugged = Date()
        #expect(watch.waitFor(seconds: 2) { watch.stdoutLines.count > whileUnplugged }, "\(watchLines())")
        #expect(Date().timeIntervalSince(replugged) <= 2.0)
        #expect(watchLines().contains { $0.contains("is back after") && $0.contains("(reconnect 1)") }, "\(watchLines())")

        // Stall: no frames for 2 s → the stream is restarted, and frames come again after it.
        try "".write(toFile: device + ".stall", atomically: false, encoding: .utf8)
        #expect(watch.waitFor(seconds: 5) { watchLines().contains { $0.contains("stalled") && $0.contains("restarting the stream") } },
                "\(watchLines())")
        try FileManager.default.removeItem(atPath: device + ".stall")
        let afterStall = watch.stdoutLines.count
        #expect(watch.waitFor(seconds: 7) { watch.stdoutLines.count > afterStall + 5 }, "\(watchLines())")

        watch.signal(SIGTERM)
        #expect(watch.waitForExit(seconds: 2) == 0)
        for line in watch.stdoutLines { #expect(line.contains("\"label\":\"person\""), "\(line)") }
    }
}

/// The libv4l2 test camera: whether it is installed, and device files for it.
enum TestCamera {
    static var pluginInstalled: Bool {
        let folders = ["/usr/lib/x86_64-linux-gnu/libv4l/plugins", "/usr/lib/aarch64-linux-gnu/libv4l/plugins", "/usr/lib/libv4l/plugins"]
        return folders.contains { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasSuffix("mobilenet-test-camera.so") }
        }
    }

    static var enabled: Bool { WatchProcess.enabled && (DaemonTestSupport.isCI || pluginInstalled) }

    /// A test camera device file serving `image` as 640x480 MJPEG at 30 fps.
    static func camera(showing image: String, in folder: URL) throws -> (device: String, description: String) {
        let jpeg = folder.appendingPathComponent("frame.jpg").path
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        ffmpeg.arguments = ["ffmpeg", "-loglevel", "error", "-y", "-i", image, "-vf", "scale=640:480", "-q:v", "3", jpeg]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        guard ffmpeg.terminationStatus == 0 else { throw DaemonTestSupport.Missing(description: "ffmpeg could not make \(jpeg)") }
        let description = "mobilenet-test-camera\nfps 30\nmode MJPG 640 480 \(jpeg)\nend\n"
        let device = folder.appendingPathComponent("video0").path
        try description.write(toFile: device, atomically: false, encoding: .utf8)
        return (device, description)
    }

}
