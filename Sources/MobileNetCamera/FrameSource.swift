import MobileNet

/// Something that delivers frames to the supervisor loop: a V4L2 `Camera`, a looped
/// `ImageFolderSource`, or a `StreamSource` reading MJPEG or raw frames from standard input or
/// a file (`FrameSourceSelection` picks one from command-line options). The loop calls `start()`, then `nextFrame(into:timeoutMilliseconds:)` once per
/// inference, and `stop()` when it shuts down or restarts the source.
///
/// `nextFrame` writes the freshest frame straight into the model's input (`FrameDestination`):
/// frames that arrived since the last call are drained and counted as dropped, corrupt frames
/// are skipped and counted, and nothing is allocated per frame once the conversion for a
/// destination has been planned (the first call, or a call with another geometry).
///
/// Faults are typed: `.unplugged` and `.stalled` tell the loop to restart the stream
/// (`stop()`, `start()`) and, if that fails, to open the source again with backoff.
/// A source belongs to one thread at a time.
public protocol FrameSource: AnyObject {
    /// What the source reads, for log lines ("/dev/video0", "stdin", "images/").
    var name: String { get }
    /// Opens the stream (for a camera: negotiate the format, map the buffers, STREAMON).
    /// Calling it on a started source restarts the stream and counts a restart.
    func start() throws(CaptureError)
    /// Waits at most `timeoutMilliseconds` for a frame, then writes the newest one into
    /// `destination` and describes it. Throws `.stalled` when no frame arrives in time.
    func nextFrame(into destination: FrameDestination, timeoutMilliseconds: Int) throws(CaptureError) -> FrameInfo
    /// Stops the stream and releases what `start()` acquired; safe to call more than once.
    func stop()
    /// Counters since the source was created.
    var statistics: CaptureStatistics { get }
}

/// Where a frame is written: the model's input tensor (`height × width × 3`, HWC, no batch
/// dimension) and how pixels become its values: crop, antialiased resize (as `classify`),
/// normalisation, and for int8 inputs quantization.
public struct FrameDestination {
    /// The element type of the input tensor.
    public enum Element: Equatable, Sendable {
        /// Quantized as TFLite's QUANTIZE does: `round(x / scale) + zeroPoint`, saturated.
        case int8(QuantizationParameters)
        case float32
    }

    /// The part of each frame that is kept before resizing.
    public enum Crop: Equatable, Sendable {
        /// The central fraction in each dimension, with `classify`'s rounding (0.875 is its
        /// default for models that record no preprocessing; 1 keeps the whole frame).
        case central(fraction: Double)
        /// A region given as fractions of the frame's width and height (so it stays the same
        /// part of the view whatever size the camera negotiates).
        case region(left: Double, top: Double, width: Double, height: Double)
    }

    public var width: Int
    public var height: Int
    /// Always 3 (RGB or BGR, as `normalization.channelOrder` says).
    public static let channels = 3
    public var crop: Crop
    public var normalization: PixelNormalization
    public var element: Element
    /// The first element of the tensor: `height × width × 3` Int8 or Float values.
    public var base: UnsafeMutableRawPointer

    public init(
        width: Int, height: Int, crop: Crop = .central(fraction: 0.875),
        normalization: PixelNormalization, element: Element, base: UnsafeMutableRawPointer
    ) {
        self.width = width
        self.height = height
        self.crop = crop
        self.normalization = normalization
        self.element = element
        self.base = base
    }

    /// Values in the tensor, `height × width × 3`.
    public var count: Int { width * height * Self.channels }
}

/// What `nextFrame` delivered.
public struct FrameInfo: Equatable, Sendable {
    /// The driver's frame sequence number (a camera), or the source's own count.
    public var sequence: UInt64
    /// When the frame was captured, CLOCK_MONOTONIC nanoseconds: the driver's timestamp for a
    /// camera, the time the frame was read for other sources.
    public var timestampNanoseconds: UInt64
    /// Frames that arrived since the previous call and were drained without being converted.
    public var dropped: Int

    public init(sequence: UInt64, timestampNanoseconds: UInt64, dropped: Int) {
        self.sequence = sequence
        self.timestampNanoseconds = timestampNanoseconds
        self.dropped = dropped
    }
}

/// Counters a source keeps from its creation, for `--stats` and the daemon's STATUS line.
public struct CaptureStatistics: Equatable, Sendable {
    /// Frames written into a destination.
    public var frames: UInt64 = 0
    /// Frames drained unconverted because a newer one was waiting.
    public var dropped: UInt64 = 0
    /// Frames skipped because they could not be decoded (corrupt or truncated MJPEG, short
    /// raw frames).
    public var corrupt: UInt64 = 0
    /// Stream restarts (`start()` on a started or stopped source).
    public var restarts: UInt64 = 0

    public init() {}
}

/// Why a source cannot deliver a frame; each is one line naming the source.
public enum CaptureError: Error, Equatable, CustomStringConvertible {
    /// The device path does not exist.
    case notFound(device: String)
    /// No permission to open the device (not in the `video` group?).
    case permissionDenied(device: String)
    /// Another program is streaming from the device (EBUSY).
    case busy(device: String)
    /// The device went away while open (ENODEV, EIO): unplugged or reset.
    case unplugged(device: String, errno: Int32)
    /// No frame arrived within the timeout.
    case stalled(device: String, milliseconds: Int)
    /// The device is not a streaming video capture device.
    case notACamera(device: String, reason: String)
    /// No format in the preference list, or a frame size the conversion cannot use.
    case unsupportedFormat(device: String, reason: String)
    /// The input ended (a file or pipe closed); there will be no more frames.
    case endOfStream(source: String)
    /// A destination the conversion cannot fill (size, crop), or a bad source option.
    case invalidConfiguration(String)
    /// Any other system call failure.
    case system(device: String, call: String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let device): return "camera \(device): no such device"
        case .permissionDenied(let device):
            return "camera \(device): permission denied (is the user in the 'video' group?)"
        case .busy(let device): return "camera \(device) is busy: another program is using it"
        case .unplugged(let device, let code):
            return "camera \(device) disappeared (\(Errno(code))): unplugged or reset"
        case .stalled(let device, let ms): return "camera \(device) stalled: no frame within \(ms) ms"
        case .notACamera(let device, let reason): return "\(device) is not a usable camera: \(reason)"
        case .unsupportedFormat(let device, let reason): return "camera \(device): \(reason)"
        case .endOfStream(let source): return "\(source): end of stream"
        case .invalidConfiguration(let reason): return "frame source: \(reason)"
        case .system(let device, let call, let code): return "camera \(device): \(call) failed: \(Errno(code))"
        }
    }
}
