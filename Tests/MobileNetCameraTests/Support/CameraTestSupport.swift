import Foundation
import Testing

import MobileNet
@testable import MobileNetCamera

/// What the camera tests need from the machine: the photos in `../shared/golden/images`,
/// `ffmpeg` (makes YUYV, NV12, GREY, RGB24 and MJPEG frames from them), `djpeg` (the reference
/// for DCT-scaled JPEG decoding) and, for the capture tests, the libv4l2 test camera plugin
/// (`make camera-plugin`). In CI (`CI=true`) the tests always run and a missing part fails them
/// with a message naming it; elsewhere they are disabled when a part is missing.
enum CameraTestEnvironment {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Support/, MobileNetCameraTests/, Tests/, file
        return url
    }()

    static let images = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden/images")
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func executable(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Where libv4l2 looks for plugins on this machine.
    static let pluginPaths = ["x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf"].map {
        "/usr/lib/\($0)/libv4l/plugins/00-mobilenet-test-camera.so"
    }

    static var pluginInstalled: Bool { pluginPaths.contains { FileManager.default.fileExists(atPath: $0) } }
    static var framesAvailable: Bool {
        executable("ffmpeg") != nil && executable("djpeg") != nil && FileManager.default.fileExists(atPath: images.path)
    }

    /// Conversion tests: frames from photos, no camera.
    static var conversionEnabled: Bool { isCI || framesAvailable }
    /// Capture tests: through the test camera.
    static var captureEnabled: Bool { isCI || (framesAvailable && pluginInstalled) }

    static let framesSkipReason: Comment = "needs ffmpeg, djpeg (scripts/install-deps.sh) and ../shared/golden/images"
    static let captureSkipReason: Comment =
        "needs the libv4l2 test camera: run `make camera-plugin` as root (its plugin directory is not writable here), ffmpeg, djpeg and ../shared"

    /// Throws a message naming what is missing (in CI, where the tests run regardless).
    static func requireCapture() throws {
        try requireFrames()
        guard pluginInstalled else {
            throw Missing(what: "the libv4l2 test camera plugin (run `make camera-plugin` as root): none of \(pluginPaths)")
        }
    }

    static func requireFrames() throws {
        for tool in ["ffmpeg", "djpeg"] where executable(tool) == nil {
            throw Missing(what: "\(tool) (scripts/install-deps.sh installs it)")
        }
        guard FileManager.default.fileExists(atPath: images.path) else { throw Missing(what: images.path) }
    }

    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "camera test requirement missing: \(what)" }
    }
}

/// Runs a program and returns its standard output; throws with its standard error on failure.
func run(_ program: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CameraTestEnvironment.executable(program) ?? program)
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CameraTestEnvironment.Missing(
            what: "\(program) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
    }
    return data
}

/// Frames made with ffmpeg from the shared photos, once per process, in a temporary folder.
enum TestFrames {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: [String: URL] = [:]
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-camera-frames-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// `image` (a file in ../shared/golden/images) scaled to `width`×`height` as one frame.
    static func url(_ image: String, _ format: PixelFormat, _ width: Int, _ height: Int) throws -> URL {
        try CameraTestEnvironment.requireFrames()
        let key = "\(image)-\(width)x\(height).\(format.rawValue)"
        lock.lock()
        defer { lock.unlock() }
        if let url = made[key] { return url }
        let url = folder.appendingPathComponent(key)
        var arguments = ["-nostdin", "-loglevel", "error", "-y", "-i", CameraTestEnvironment.images.appendingPathComponent(image).path,
                         "-vf", "scale=\(width):\(height)", "-frames:v", "1"]
        switch format {
        case .mjpeg: arguments += ["-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-q:v", "4", "-f", "mjpeg"]
        case .yuyv: arguments += ["-pix_fmt", "yuyv422", "-f", "rawvideo"]
        case .nv12: arguments += ["-pix_fmt", "nv12", "-f", "rawvideo"]
        case .grey: arguments += ["-pix_fmt", "gray", "-f", "rawvideo"]
        case .rgb24: arguments += ["-pix_fmt", "rgb24", "-f", "rawvideo"]
        }
        _ = try run("ffmpeg", arguments + [url.path])
        made[key] = url
        return url
    }

    static func bytes(_ image: String, _ format: PixelFormat, _ width: Int, _ height: Int) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(image, format, width, height)))
    }
}

/// A fake capture device for the libv4l2 test camera plugin (scripts/camera-plugin): a
/// description file in a temporary folder, and the fault switches next to it.
final class TestCameraDevice {
    let folder: URL
    let path: String

    struct Mode {
        var format: PixelFormat
        var width: Int, height: Int
        var frames: [URL]
    }

    init(_ modes: [Mode], fps: Int = 30) throws {
        try CameraTestEnvironment.requireCapture()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mobilenet-camera-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("video0").path
        var text = "mobilenet-test-camera\nfps \(fps)\n"
        for mode in modes {
            let fourcc = mode.format == .rgb24 ? "RGB3" : mode.format == .mjpeg ? "MJPG" : mode.format.rawValue.uppercased()
            text += "mode \(fourcc) \(mode.width) \(mode.height) \(mode.frames.map(\.path).joined(separator: " "))\n"
        }
        text += "end\n"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// A device with one mode serving `images` (photos) in `format`.
    convenience init(_ format: PixelFormat, _ width: Int = 640, _ height: Int = 480, images: [String] = ["person.png"], fps: Int = 30) throws {
        try CameraTestEnvironment.requireFrames()
        let frames = try images.map { try TestFrames.url($0, format, width, height) }
        try self.init([Mode(format: format, width: width, height: height, frames: frames)], fps: fps)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    private func toggle(_ suffix: String, _ on: Bool) {
        let switchPath = path + suffix
        if on { _ = FileManager.default.createFile(atPath: switchPath, contents: Data()) } else { try? FileManager.default.removeItem(atPath: switchPath) }
    }

    func stall(_ on: Bool) { toggle(".stall", on) }
    func corrupt(_ on: Bool) { toggle(".corrupt", on) }
    func unplug() { try? FileManager.default.removeItem(atPath: path) }

    func camera(_ formats: [PixelFormat] = PixelFormat.preference, width: Int = 640, height: Int = 480) -> Camera {
        Camera(.init(device: path, width: width, height: height, formats: formats))
    }
}

/// A model input tensor owned by a test, and the destination that points at it.
final class InputTensor {
    let width: Int, height: Int
    let element: FrameDestination.Element
    let raw: UnsafeMutableRawBufferPointer
    var crop: FrameDestination.Crop
    var normalization: PixelNormalization

    static let vwwQuantization = QuantizationParameters(scale: 1 / 255, zeroPoint: -128)

    init(width: Int = 96, height: Int = 96, element: FrameDestination.Element = .int8(vwwQuantization),
         crop: FrameDestination.Crop = .central(fraction: 0.875),
         normalization: PixelNormalization = NormalizationPreset.unit.normalization) {
        self.width = width
        self.height = height
        self.element = element
        self.crop = crop
        self.normalization = normalization
        let bytes = width * height * 3 * (element == .float32 ? 4 : 1)
        raw = .allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0x5A)
    }

    deinit { raw.deallocate() }

    var destination: FrameDestination {
        FrameDestination(width: width, height: height, crop: crop, normalization: normalization, element: element, base: raw.baseAddress!)
    }

    var int8: [Int8] { Array(raw.bindMemory(to: Int8.self)) }
    var float: [Float] { Array(raw.bindMemory(to: Float.self)) }

    /// Fills the tensor with a byte pattern, to see whether a frame was written.
    func poison() { raw.initializeMemory(as: UInt8.self, repeating: 0x5A) }
    var isPoisoned: Bool { raw.allSatisfy { $0 == 0x5A } }
}
