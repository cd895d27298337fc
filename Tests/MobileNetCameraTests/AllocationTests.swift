import CAllocationCounter
import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// Zero heap allocations per frame once a source runs: capture, draining, MJPEG decoding
/// (libjpeg's per-image memory reused), YUYV conversion, resize, normalisation and
/// quantization. The counter (Tests/CAllocationCounter) replaces malloc & co. and counts the
/// calls of this thread and the threads it starts.
@Suite(.enabled(if: CameraTestEnvironment.captureEnabled, CameraTestEnvironment.captureSkipReason), .serialized)
struct AllocationTests {
    /// The counter itself: it sees Swift's and C's allocations on this thread.
    @Test func counterCounts() {
        var memory: UnsafeMutableRawPointer?
        var array: [Int] = []
        let count = allocations {
            memory = UnsafeMutableRawPointer.allocate(byteCount: 100, alignment: 8)
            array = [Int](repeating: 7, count: 1000)
        }
        memory?.deallocate()
        #expect(count == 2 && array.count == 1000)
    }

    @Test(arguments: [PixelFormat.mjpeg, .yuyv, .nv12])
    func cameraSteadyStateAllocatesNothing(format: PixelFormat) throws {
        let device = try TestCameraDevice(format, images: ["person.png", "no_person.png"], fps: 200)
        let camera = device.camera()
        try camera.start()
        let tensor = InputTensor()
        for _ in 0..<5 { _ = try camera.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000) }
        let destination = tensor.destination
        let count = try allocations {
            for _ in 0..<30 { _ = try camera.nextFrame(into: destination, timeoutMilliseconds: 2000) }
        }
        #expect(count == 0, "\(count) allocations in 30 \(format) frames")
        #expect(camera.statistics.frames == 35)
    }

    @Test func streamAndStillsSteadyStateAllocateNothing() throws {
        let jpeg = [UInt8](try Data(contentsOf: try TestFrames.url("person.png", .mjpeg, 640, 480)))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-alloc-\(UUID().uuidString)")
        try Data(Array([[UInt8]](repeating: jpeg, count: 40).joined())).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let stream = StreamSource(path: url.path)
        try stream.start()
        let tensor = InputTensor(element: .float32)
        let destination = tensor.destination
        for _ in 0..<5 { _ = try stream.nextFrame(into: destination, timeoutMilliseconds: 1000) }
        let streamAllocations = try allocations {
            for _ in 0..<30 { _ = try stream.nextFrame(into: destination, timeoutMilliseconds: 1000) }
        }
        #expect(streamAllocations == 0, "\(streamAllocations) allocations in 30 stream frames")

        let stills = ImageFolderSource(path: CameraTestEnvironment.images.appendingPathComponent("person.png").path)
        try stills.start()
        for _ in 0..<3 { _ = try stills.nextFrame(into: destination, timeoutMilliseconds: 100) }
        let stillAllocations = try allocations {
            for _ in 0..<10 { _ = try stills.nextFrame(into: destination, timeoutMilliseconds: 100) }
        }
        #expect(stillAllocations == 0, "\(stillAllocations) allocations in 10 still frames")
    }
}

/// The allocator calls `body` makes on this thread and the threads it starts.
private func allocations(in body: () throws -> Void) rethrows -> Int {
    cac_track_this_thread(1)
    defer { cac_track_this_thread(0) }
    cac_start()
    try body()
    return cac_stop()
}
