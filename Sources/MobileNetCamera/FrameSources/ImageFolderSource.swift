#if canImport(Glibc)
import Glibc
#endif
import MobileNet

/// A still image, or the images of a folder (as `classify` lists them), delivered in a loop as
/// frames: for demos on a machine with no camera, and for tests. The images are decoded once
/// at `start()`; each frame converts one of them (as an RGB24 frame) into the destination.
/// With a frame rate, frames "arrive" on that clock and the ones the caller was too slow for
/// are skipped and counted as dropped, as a camera drops them; without one, every call
/// delivers the next image at once.
public final class ImageFolderSource: FrameSource {
    public let path: String
    public let framesPerSecond: Double?
    public var name: String { path }
    public private(set) var statistics = CaptureStatistics()
    /// At most this many images are kept (decoded) from a folder.
    public static let maximumImages = 256

    private var images: [RGBImage] = []
    private var writers: [FrameWriter] = []
    private var delivered: UInt64 = 0
    private var startTime: UInt64 = 0
    private var hasStarted = false

    public init(path: String, framesPerSecond: Double? = nil) {
        self.path = path
        self.framesPerSecond = framesPerSecond
    }

    public func start() throws(CaptureError) {
        if hasStarted { statistics.restarts += 1 }
        hasStarted = true
        if let rate = framesPerSecond, !(rate > 0 && rate <= 1000) {
            throw .invalidConfiguration("image source frame rate \(rate) is not in (0, 1000]")
        }
        if images.isEmpty {
            guard access(path, F_OK) == 0 else { throw .notFound(device: path) }
            let list = ImageFileList(paths: [path])
            if let problem = list.problems.first { throw .invalidConfiguration("\(problem)") }
            var decoded: [RGBImage] = []
            var firstProblem: String?
            for file in list.files.prefix(Self.maximumImages) {
                do {
                    decoded.append(try ImageDecoder.decode(contentsOf: file))
                } catch {
                    statistics.corrupt += 1
                    firstProblem = firstProblem ?? "\(error)"
                }
            }
            guard !decoded.isEmpty else {
                throw .unsupportedFormat(device: path, reason: firstProblem ?? "no images")
            }
            images = decoded
            // One conversion plan per image, so that looping plans nothing per frame.
            writers = decoded.map { _ in FrameWriter() }
        }
        delivered = 0
        startTime = monotonicNanoseconds()
    }

    public func stop() {}

    public func nextFrame(into destination: FrameDestination, timeoutMilliseconds: Int) throws(CaptureError) -> FrameInfo {
        guard !images.isEmpty else { throw .invalidConfiguration("image source \(path) is not started") }
        var number = delivered + 1  // 1-based number of the frame to deliver
        var now = monotonicNanoseconds()
        if let rate = framesPerSecond {
            let period = UInt64(1e9 / rate)
            let arrived = (now - startTime) / period  // frames that arrived so far
            if arrived >= number {
                number = arrived  // the newest; the ones before it are dropped
            } else {
                let due = startTime + number * period
                guard due - now <= UInt64(max(0, timeoutMilliseconds)) * 1_000_000 else {
                    throw .stalled(device: path, milliseconds: timeoutMilliseconds)
                }
                sleepNanoseconds(due - now)
                now = due
            }
        }
        let index = Int((number - 1) % UInt64(images.count))
        let image = images[index]
        let written: Bool
        do {
            written = try image.pixels.withUnsafeBytes { bytes in
                try writers[index].write(
                    bytes, format: .rgb24, width: image.width, height: image.height, bytesPerLine: image.width * 3,
                    into: destination)
            }
        } catch let error as CaptureError {
            throw error
        } catch {
            throw .invalidConfiguration("\(error)")
        }
        precondition(written, "a decoded image is always a whole RGB24 frame")
        let dropped = Int(number - delivered - 1)
        delivered = number
        statistics.frames += 1
        statistics.dropped += UInt64(dropped)
        return FrameInfo(sequence: number - 1, timestampNanoseconds: now, dropped: dropped)
    }
}
