import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// Capture through libv4l2 from the test camera plugin: format negotiation, every pixel format
/// delivered and converted exactly as `classify` would convert the same pixels, and the
/// freshest frame with its drops counted.
@Suite(.enabled(if: CameraTestEnvironment.captureEnabled, CameraTestEnvironment.captureSkipReason), .serialized)
struct CameraCaptureTests {
    @Test(arguments: [
        (PixelFormat.mjpeg, 640, 480), (.mjpeg, 1280, 720), (.yuyv, 640, 480), (.yuyv, 1280, 720),
        (.nv12, 640, 480), (.grey, 640, 480), (.rgb24, 640, 480),
    ])
    func capturesEachFormatAsClassifySeesIt(format: PixelFormat, width: Int, height: Int) throws {
        let device = try TestCameraDevice(format, width, height)
        let camera = device.camera(width: width, height: height)
        try camera.start()
        #expect(camera.format?.pixelFormat == format)
        #expect(camera.format?.width == width && camera.format?.height == height)
        let tensor = InputTensor()
        let asked = monotonicNanoseconds()
        let info = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        let url = try TestFrames.url("person.png", format, width, height)
        let pixels = format == .mjpeg
            ? try ReferencePath.jpeg(url, denominator: 4)
            : try ReferencePath.image([UInt8](try Data(contentsOf: url)), format, width, height)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(pixels, for: tensor)))
        // The driver's timestamp is CLOCK_MONOTONIC: the frame came during the call (a 30 fps
        // camera started just before it has no older frame).
        #expect(info.timestampNanoseconds >= asked - 100_000_000 && info.timestampNanoseconds <= monotonicNanoseconds())
        camera.stop()
        #expect(camera.format == nil)
    }

    @Test func negotiatesFromThePreferenceList() throws {
        let modes = try [PixelFormat.yuyv, .mjpeg, .grey].map {
            TestCameraDevice.Mode(format: $0, width: 640, height: 480, frames: [try TestFrames.url("person.png", $0, 640, 480)])
        } + [TestCameraDevice.Mode(format: .yuyv, width: 1280, height: 720, frames: [try TestFrames.url("person.png", .yuyv, 1280, 720)])]
        let device = try TestCameraDevice(modes)
        let preferred = device.camera()
        try preferred.start()
        #expect(preferred.format?.pixelFormat == .mjpeg)  // offered second, preferred first
        preferred.stop()
        let grey = device.camera([.nv12, .grey])
        try grey.start()
        #expect(grey.format?.pixelFormat == .grey)
        grey.stop()
        // 1000×600 is not offered: the smallest size covering it is.
        let large = device.camera([.yuyv], width: 1000, height: 600)
        try large.start()
        #expect(large.format?.width == 1280 && large.format?.height == 720)
        large.stop()
        let none = device.camera([.nv12, .rgb24])
        #expect {
            try none.start()
        } throws: { error in
            guard let error = error as? CaptureError, case .unsupportedFormat = error else { return false }
            return error.description.contains("YUYV, MJPG, GREY")
        }
    }

    /// At 100 fps with a consumer that sleeps 200 ms between frames, each frame delivered is
    /// the newest: the frames in between are counted as dropped (sequence gaps), the
    /// delivered frame arrived at most two periods before it was asked for (not when the
    /// driver's four buffers filled up, ~200 ms earlier), and the counts add up.
    @Test func deliversTheFreshestFrameAndCountsDrops() throws {
        let device = try TestCameraDevice(.yuyv, images: ["person.png", "no_person.png"], fps: 100)
        let camera = device.camera()
        try camera.start()
        let tensor = InputTensor()
        var previous = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        var totalDropped = previous.dropped
        for _ in 0..<3 {
            usleep(200_000)
            let asked = monotonicNanoseconds()
            let info = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
            #expect(info.sequence > previous.sequence + 10)
            #expect(info.dropped == Int(info.sequence - previous.sequence - 1))
            let age = Int64(asked) - Int64(info.timestampNanoseconds)
            #expect(age < 20_000_000, "delivered frame arrived \(age / 1_000_000) ms before it was asked for")
            totalDropped += info.dropped
            previous = info
        }
        #expect(camera.statistics.frames == 4)
        #expect(camera.statistics.dropped == UInt64(totalDropped))
        // The frame content follows the sequence: even frames are person.png, odd no_person.png.
        let url = try TestFrames.url(previous.sequence % 2 == 0 ? "person.png" : "no_person.png", .yuyv, 640, 480)
        let pixels = try ReferencePath.image([UInt8](try Data(contentsOf: url)), .yuyv, 640, 480)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(pixels, for: tensor)))
    }

    @Test func restartsTheStream() throws {
        let device = try TestCameraDevice(.mjpeg)
        let camera = device.camera()
        try camera.start()
        let tensor = InputTensor()
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        try camera.start()
        _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000)
        #expect(camera.statistics.restarts == 1)
        #expect(camera.statistics.frames == 2)
    }
}
