import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// The camera's faults, each made by the test camera plugin: unplugging (the device file
/// removed → ENODEV), a stall (no frames), corrupt MJPEG frames, a busy device, a missing one.
@Suite(.enabled(if: CameraTestEnvironment.captureEnabled, CameraTestEnvironment.captureSkipReason), .serialized)
struct CameraFaultTests {
    /// Unplugged while streaming: the next call fails with `.unplugged` (ENODEV) within one
    /// poll timeout, and `stop()` still releases everything; opening again fails with
    /// `.notFound` until the device is back.
    @Test func unplugIsReportedWithinOneTimeout() throws {
        let device = try TestCameraDevice(.mjpeg)
        let camera = device.camera()
        try camera.start()
        let tensor = InputTensor()
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        device.unplug()
        let begin = monotonicNanoseconds()
        #expect(throws: CaptureError.unplugged(device: device.path, errno: ENODEV)) {
            _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 500)
        }
        #expect(monotonicNanoseconds() - begin < 500_000_000)
        camera.stop()
        #expect(throws: CaptureError.notFound(device: device.path)) { try camera.start() }
        #expect(CaptureError.unplugged(device: device.path, errno: ENODEV).description.contains("No such device"))
    }

    /// A stalled camera: `.stalled` after the timeout (not before), and frames again after
    /// the stream is restarted (or the device reopened) once the camera delivers.
    @Test func stallIsReportedAfterTheTimeoutAndRecovers() throws {
        let device = try TestCameraDevice(.yuyv)
        let camera = device.camera()
        try camera.start()
        let tensor = InputTensor()
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        device.stall(true)
        _ = try? camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)  // frames buffered before the stall
        let begin = monotonicNanoseconds()
        #expect(throws: CaptureError.stalled(device: device.path, milliseconds: 300)) {
            _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 300)
        }
        let waited = monotonicNanoseconds() - begin
        #expect(waited >= 300_000_000 && waited < 1_500_000_000, "waited \(waited / 1_000_000) ms")  // slack for a loaded CI machine
        // Restarting the stream while still stalled does not help; once frames flow it does.
        try camera.restartStream()
        #expect(throws: CaptureError.stalled(device: device.path, milliseconds: 200)) {
            _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 200)
        }
        device.stall(false)
        try camera.restartStream()
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        try camera.start()  // reopening works as well
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        #expect(camera.statistics.restarts == 3)
    }

    /// 1,000 corrupt MJPEG frames in a row (truncated, or with the header destroyed): each is
    /// counted, none reaches the tensor, nothing crashes; the first good frame after them is
    /// delivered and correct.
    @Test func thousandCorruptFramesAreSkippedAndCounted() throws {
        let device = try TestCameraDevice(.mjpeg, fps: 1000)
        let camera = device.camera()
        device.corrupt(true)
        try camera.start()
        let tensor = InputTensor()
        tensor.poison()
        let begin = monotonicNanoseconds()
        while camera.statistics.corrupt < 1000 && monotonicNanoseconds() - begin < 60_000_000_000 {
            #expect(throws: CaptureError.stalled(device: device.path, milliseconds: 100)) {
                _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
            }
        }
        #expect(camera.statistics.corrupt >= 1000)
        #expect(camera.statistics.frames == 0)
        #expect(tensor.isPoisoned, "a corrupt frame was written into the input")
        device.corrupt(false)
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        let url = try TestFrames.url("person.png", .mjpeg, 640, 480)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(try ReferencePath.jpeg(url, denominator: 4), for: tensor)))
    }

    /// Another program streaming from the camera: `.busy`, one line naming the device.
    @Test func busyDeviceIsNamed() throws {
        let device = try TestCameraDevice(.yuyv)
        let first = device.camera()
        try first.start()
        let second = device.camera()
        #expect(throws: CaptureError.busy(device: device.path)) { try second.start() }
        #expect(CaptureError.busy(device: device.path).description == "camera \(device.path) is busy: another program is using it")
        first.stop()
        try second.start()  // free again
        second.stop()
    }

    @Test func missingDeviceAndNonCameraFile() throws {
        try CameraTestEnvironment.requireCapture()
        let missing = Camera(.init(device: "/nonexistent/video9"))
        #expect(throws: CaptureError.notFound(device: "/nonexistent/video9")) { try missing.start() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-camera-\(getpid())")
        try Data("hello".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect {
            try Camera(.init(device: file.path)).start()
        } throws: { error in
            guard let error = error as? CaptureError, case .notACamera = error else { return false }
            return true
        }
    }
}
