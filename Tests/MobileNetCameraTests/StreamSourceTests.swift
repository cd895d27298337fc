import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// MJPEG and raw streams from files and pipes, and still images in a loop.
@Suite(.enabled(if: CameraTestEnvironment.conversionEnabled, CameraTestEnvironment.framesSkipReason))
struct StreamSourceTests {
    static func jpeg(_ image: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try TestFrames.url(image, .mjpeg, 640, 480)))
    }

    static func file(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-stream-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        return url
    }

    static func expected(_ image: String, _ tensor: InputTensor) throws -> [Int8] {
        try ReferencePath.expectedInt8(try ReferencePath.jpeg(try TestFrames.url(image, .mjpeg, 640, 480), denominator: 4), for: tensor)
    }

    /// A file: frames in order, garbage between them ignored, a cut-off frame and one with a
    /// destroyed header skipped and counted, then the end of the stream.
    @Test func mjpegFileInOrderWithCorruptFramesSkipped() throws {
        let person = try Self.jpeg("person.png"), other = try Self.jpeg("no_person.png")
        let stream = person + [0x0A, 0x00] + Array(other.prefix(other.count / 2)) + other
            + Array(person.prefix(4)) + Array(repeating: 0, count: 60) + Array(person.dropFirst(64)) + person
        let url = try Self.file(stream)
        defer { try? FileManager.default.removeItem(at: url) }
        let source = StreamSource(path: url.path)
        try source.start()
        let tensor = InputTensor()
        var seen: [[Int8]] = []
        while true {
            do {
                _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 1000)
                seen.append(tensor.int8)
            } catch .endOfStream {
                break
            }
        }
        #expect(seen == [try Self.expected("person.png", tensor), try Self.expected("no_person.png", tensor),
                         try Self.expected("person.png", tensor)])
        #expect(source.statistics.corrupt == 2)
        #expect(source.statistics.frames == 3)
        #expect(source.statistics.dropped == 0)
    }

    /// 1,000 truncated JPEGs in a row, then a good one: each counted, no crash, the good one
    /// delivered.
    @Test func thousandCorruptStreamFrames() throws {
        let person = try Self.jpeg("person.png")
        var stream: [UInt8] = []
        for i in 0..<1000 { stream += person.prefix(200 + i * 7) }
        stream += person
        let url = try Self.file(stream)
        defer { try? FileManager.default.removeItem(at: url) }
        let source = StreamSource(path: url.path)
        try source.start()
        let tensor = InputTensor()
        _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 1000)
        #expect(source.statistics.corrupt == 1000)
        #expect(tensor.int8 == (try Self.expected("person.png", tensor)))
    }

    /// A pipe: everything already written is read and only the newest frame converted, the
    /// others counted as dropped; an empty pipe stalls; a closed one ends the stream.
    @Test func pipeDeliversTheNewestFrame() throws {
        let person = try Self.jpeg("person.png"), other = try Self.jpeg("no_person.png")
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // Past the pipe's 64 KB capacity, writing blocks until the source reads: a thread writes.
        let frames = person + other + person + other
        let writeEnd = ends[1]
        let writer = Thread {
            frames.withUnsafeBytes { bytes in
                var at = 0
                while at < bytes.count {
                    let n = write(writeEnd, bytes.baseAddress! + at, bytes.count - at)
                    if n <= 0 { break }
                    at += n
                }
            }
        }
        writer.start()
        // The read end by path (as `--source /dev/stdin` would be); a pipe all the same.
        let path = "/dev/fd/\(ends[0])"
        let source = StreamSource(path: path)
        try source.start()
        let tensor = InputTensor()
        var delivered: [FrameInfo] = []
        var images: [[Int8]] = []
        while source.statistics.frames + source.statistics.dropped < 4 {
            delivered.append(try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 2000))
            images.append(tensor.int8)
        }
        #expect(images.last == (try Self.expected("no_person.png", tensor)))
        #expect(delivered.map(\.dropped).reduce(0, +) == Int(source.statistics.dropped))
        #expect(delivered.last?.sequence == 3)
        #expect(throws: CaptureError.stalled(device: path, milliseconds: 100)) {
            _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
        }
        close(ends[1])
        close(ends[0])
        #expect(throws: CaptureError.endOfStream(source: path)) {
            _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
        }
    }

    @Test func rawYUYVStream() throws {
        let first = try TestFrames.bytes("person.png", .yuyv, 640, 480), second = try TestFrames.bytes("no_person.png", .yuyv, 640, 480)
        let url = try Self.file(first + second + Array(first.prefix(1000)))
        defer { try? FileManager.default.removeItem(at: url) }
        let source = StreamSource(path: url.path, input: try .init(parsing: "yuyv:640x480"))
        try source.start()
        let tensor = InputTensor()
        _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 1000)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(try ReferencePath.image(first, .yuyv, 640, 480), for: tensor)))
        _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 1000)
        #expect(tensor.int8 == (try ReferencePath.expectedInt8(try ReferencePath.image(second, .yuyv, 640, 480), for: tensor)))
        #expect(throws: CaptureError.endOfStream(source: url.path)) {
            _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 1000)
        }
    }

    @Test func inputFormatParsing() throws {
        #expect(try StreamSource.Input(parsing: "mjpeg") == .mjpeg)
        #expect(try StreamSource.Input(parsing: "NV12:1280x720") == .raw(.nv12, width: 1280, height: 720))
        for bad in ["yuyv", "yuyv:640", "h264:640x480", "mjpeg:640x480", "yuyv:0x480"] {
            #expect(throws: CaptureError.self) { try StreamSource.Input(parsing: bad) }
        }
        #expect(throws: CaptureError.notFound(device: "/nonexistent.mjpeg")) {
            try StreamSource(path: "/nonexistent.mjpeg").start()
        }
    }

    /// Stills in a loop, each converted as classify converts the decoded image; with a frame
    /// clock, the frames the caller was too slow for are dropped.
    @Test func imageFolderLoops() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-stills-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["person.png", "dog_0007.jpg"] {
            try FileManager.default.copyItem(at: CameraTestEnvironment.images.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("broken.png"))
        let source = ImageFolderSource(path: folder.path)
        try source.start()
        #expect(source.statistics.corrupt == 1)
        let tensor = InputTensor()
        let order = ["dog_0007.jpg", "person.png", "dog_0007.jpg"]  // sorted, looped
        for name in order {
            _ = try source.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
            let image = try ImageDecoder.decode(contentsOf: CameraTestEnvironment.images.appendingPathComponent(name))
            #expect(tensor.int8 == (try ReferencePath.expectedInt8(image, for: tensor)), "\(name)")
        }
        let clocked = ImageFolderSource(path: folder.path, framesPerSecond: 100)
        try clocked.start()
        _ = try clocked.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
        usleep(100_000)
        let late = try clocked.nextFrame(into: tensor.destination, timeoutMilliseconds: 100)
        #expect(late.dropped >= 5)
        #expect(throws: CaptureError.notFound(device: "/nonexistent/stills")) {
            try ImageFolderSource(path: "/nonexistent/stills").start()
        }
    }
}

/// The MJPEG stream splitter on hand-made marker sequences.
@Suite struct JPEGFramingTests {
    static func scan(_ bytes: [UInt8]) -> JPEGFraming.Result {
        bytes.withUnsafeBytes { JPEGFraming.scan($0, from: 0, to: bytes.count) }
    }

    @Test func findsFramesByMarkers() {
        // SOI, APP0 (length 4) holding FF D9, SOS (length 2), entropy data with stuffing,
        // a restart marker and fill bytes, EOI.
        let frame: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02,
                              0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0xFF, 0xD9]
        #expect(Self.scan([0x00, 0x01] + frame + [0x00]) == .complete(2..<(2 + frame.count)))
        #expect(Self.scan(Array(frame.dropLast(3))) == .needMore(resume: 0))
        // A new SOI inside the entropy data: the first image was cut short.
        #expect(Self.scan(Array(frame.prefix(14)) + frame) == .broken(resume: 14))
        #expect(Self.scan([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]) == .broken(resume: 2))
        #expect(Self.scan([0x00, 0x00, 0x00, 0x00]) == .needMore(resume: 2))
    }
}

/// Which source the command-line options name.
@Suite struct FrameSourceSelectionTests {
    @Test func picksTheSourceTheOptionsName() throws {
        #expect(try FrameSourceSelection().makeSource() is Camera)
        #expect((try FrameSourceSelection(camera: "/dev/video2").makeSource() as? Camera)?.options.device == "/dev/video2")
        #expect(try FrameSourceSelection(source: "-").makeSource() is StreamSource)
        let raw = try FrameSourceSelection(source: "frames.raw", inputFormat: "yuyv:320x240").makeSource() as? StreamSource
        #expect(raw?.input == .raw(.yuyv, width: 320, height: 240))
        let folder = FileManager.default.temporaryDirectory.path
        #expect((try FrameSourceSelection(source: folder).makeSource() as? ImageFolderSource)?.framesPerSecond == nil)
        #expect((try FrameSourceSelection(source: folder, stillsPerSecond: 30).makeSource() as? ImageFolderSource)?.framesPerSecond == 30)
        #expect(try FrameSourceSelection(source: "/missing/still.PNG").makeSource() is ImageFolderSource)
        #expect(try FrameSourceSelection(source: "capture.mjpeg").makeSource() is StreamSource)
        #expect(try FrameSourceSelection(source: folder, inputFormat: "mjpeg").makeSource() is StreamSource)
        #expect(throws: CaptureError.self) { try FrameSourceSelection(camera: "/dev/video0", source: "-").makeSource() }
        #expect(throws: CaptureError.self) { try FrameSourceSelection(source: "-", inputFormat: "h264").makeSource() }
    }
}
