#if canImport(Glibc)
import Glibc
#endif
import MobileNet

/// Frames from standard input (`-`) or a file: an MJPEG stream (JPEG images back to back, as
/// `rpicam-vid --codec mjpeg -o -` and `ffmpeg -f mjpeg -` write them) or raw frames of one
/// format and size (`yuyv:640x480`), for boards whose camera has no V4L2 node.
///
/// From a pipe, each call reads everything that has arrived and converts the newest complete
/// frame (the older ones are dropped and counted), so a slow model never falls behind the
/// producer. From a regular file, frames are delivered in order, none dropped. A JPEG that is
/// cut short (the next one starts before its end marker), malformed or does not decode is
/// skipped and counted in `statistics.corrupt`. The stream buffer is allocated once.
public final class StreamSource: FrameSource {
    /// What the stream carries.
    public enum Input: Equatable, Sendable, CustomStringConvertible {
        case mjpeg
        case raw(PixelFormat, width: Int, height: Int)

        /// Parses `mjpeg` or `FORMAT:WIDTHxHEIGHT` (`yuyv:640x480`, `nv12:…`, `grey:…`, `rgb24:…`).
        public init(parsing text: String) throws(CaptureError) {
            let lowered = text.lowercased()
            if lowered == "mjpeg" || lowered == "mjpg" {
                self = .mjpeg
                return
            }
            let parts = lowered.split(separator: ":")
            let size = parts.count == 2 ? parts[1].split(separator: "x") : []
            guard parts.count == 2, let format = PixelFormat(rawValue: String(parts[0])), format != .mjpeg,
                  size.count == 2, let width = Int(size[0]), let height = Int(size[1]),
                  (1...16384).contains(width), (1...16384).contains(height)
            else {
                throw .invalidConfiguration(
                    "input format '\(text)' is not mjpeg or FORMAT:WIDTHxHEIGHT with FORMAT one of yuyv, nv12, grey, rgb24")
            }
            self = .raw(format, width: width, height: height)
        }

        public var description: String {
            switch self {
            case .mjpeg: return "mjpeg"
            case .raw(let format, let width, let height): return "\(format.rawValue):\(width)x\(height)"
            }
        }
    }

    /// The largest MJPEG frame accepted; a longer one is dropped as corrupt.
    public static let maximumJPEGBytes = 8 << 20

    public let path: String
    public let input: Input
    public var name: String { path == "-" ? "stdin" : path }
    public private(set) var statistics = CaptureStatistics()

    private var descriptor: Int32 = -1
    private var isPipe = true
    private var endOfInput = false
    private var hasStarted = false
    private var sequence: UInt64 = 0
    private let buffer: UnsafeMutableRawBufferPointer
    /// Buffered bytes are `buffer[head..<tail]`.
    private var head = 0, tail = 0
    private let writer = FrameWriter()

    /// `path` "-" is standard input.
    public init(path: String, input: Input = .mjpeg) {
        self.path = path
        self.input = input
        let capacity: Int
        switch input {
        case .mjpeg: capacity = 2 * Self.maximumJPEGBytes
        case .raw(let format, let width, let height):
            let frame = format.frameBytes(height: height, bytesPerLine: format.minimumBytesPerLine(width: width)!)!
            capacity = max(4 * frame, 1 << 20)
        }
        buffer = .allocate(byteCount: capacity, alignment: 64)
    }

    deinit {
        stop()
        buffer.deallocate()
    }

    public func start() throws(CaptureError) {
        if hasStarted { statistics.restarts += 1 }
        hasStarted = true
        guard descriptor < 0 else { return }  // a stream cannot be rewound: keep reading it
        if path == "-" {
            descriptor = STDIN_FILENO
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let code = errno
                switch code {
                case ENOENT: throw .notFound(device: path)
                case EACCES, EPERM: throw .permissionDenied(device: path)
                default: throw .system(device: path, call: "open", errno: code)
                }
            }
            descriptor = fd
        }
        var status = stat()
        isPipe = fstat(descriptor, &status) != 0 || (status.st_mode & S_IFMT) != S_IFREG
        head = 0
        tail = 0
        endOfInput = false
    }

    public func stop() {
        if descriptor > STDIN_FILENO { close(descriptor) }
        descriptor = -1
    }

    public func nextFrame(into destination: FrameDestination, timeoutMilliseconds: Int) throws(CaptureError) -> FrameInfo {
        guard descriptor >= 0 else { throw .invalidConfiguration("stream \(name) is not started") }
        let deadline = monotonicNanoseconds() + UInt64(max(0, timeoutMilliseconds)) * 1_000_000
        while true {
            if let (frame, dropped) = takeFrame() {
                let written: Bool
                switch input {
                case .mjpeg:
                    written = try writer.write(frame, format: .mjpeg, width: 0, height: 0, bytesPerLine: 0, into: destination)
                case .raw(let format, let width, let height):
                    written = try writer.write(
                        frame, format: format, width: width, height: height,
                        bytesPerLine: format.minimumBytesPerLine(width: width)!, into: destination)
                }
                statistics.dropped += UInt64(dropped)
                sequence += UInt64(dropped) + 1
                guard written else {
                    statistics.corrupt += 1
                    continue
                }
                statistics.frames += 1
                return FrameInfo(sequence: sequence - 1, timestampNanoseconds: monotonicNanoseconds(), dropped: dropped)
            }
            if endOfInput {
                if tail > head, case .mjpeg = input { statistics.corrupt += 1 }  // a cut-off last frame
                head = tail
                throw .endOfStream(source: name)
            }
            try read(until: deadline, timeout: timeoutMilliseconds)
        }
    }

    // MARK: - Reading

    /// Reads more input: from a pipe everything available (waiting until the deadline for the
    /// first bytes), from a file one chunk.
    private func read(until deadline: UInt64, timeout: Int) throws(CaptureError) {
        compact()
        var waitMilliseconds: Int32 = -1
        while tail < buffer.count {
            if isPipe {
                let now = monotonicNanoseconds()
                waitMilliseconds = waitMilliseconds == 0 ? 0 : Int32(now >= deadline ? 0 : min((deadline - now + 999_999) / 1_000_000, 60_000))
                var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, waitMilliseconds)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw .system(device: name, call: "poll", errno: errno)
                }
                if ready == 0 {
                    if waitMilliseconds == 0 && tail > head { return }  // drained what has arrived
                    if monotonicNanoseconds() >= deadline { throw .stalled(device: name, milliseconds: timeout) }
                    continue
                }
            }
            let count = Glibc.read(descriptor, buffer.baseAddress! + tail, buffer.count - tail)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system(device: name, call: "read", errno: errno)
            }
            if count == 0 {
                endOfInput = true
                return
            }
            tail += count
            if !isPipe { return }
            waitMilliseconds = 0  // then take whatever else is already there
        }
    }

    /// Moves the buffered bytes to the front.
    private func compact() {
        guard head > 0 else { return }
        if tail > head { (buffer.baseAddress! + 0).copyMemory(from: buffer.baseAddress! + head, byteCount: tail - head) }
        tail -= head
        head = 0
    }

    // MARK: - Framing

    /// The frame to convert now (the newest complete one from a pipe, the next from a file) and
    /// how many complete frames before it were passed over; nil when none is complete.
    private func takeFrame() -> (UnsafeRawBufferPointer, dropped: Int)? {
        var found: Range<Int>?
        var passed = 0
        while let frame = nextCompleteFrame() {
            if found != nil { passed += 1 }
            found = frame
            head = frame.upperBound
            if !isPipe { break }
        }
        guard let found else { return nil }
        return (UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[found]), passed)
    }

    /// The next complete frame in the buffer (consuming garbage and cut-off JPEGs before it,
    /// the latter counted as corrupt), or nil when more input is needed.
    private func nextCompleteFrame() -> Range<Int>? {
        switch input {
        case .raw(let format, let width, let height):
            let size = format.frameBytes(height: height, bytesPerLine: format.minimumBytesPerLine(width: width)!)!
            return tail - head >= size ? head..<(head + size) : nil
        case .mjpeg:
            let bytes = UnsafeRawBufferPointer(buffer)
            while true {
                switch JPEGFraming.scan(bytes, from: head, to: tail) {
                case .complete(let frame):
                    return frame
                case .needMore(let resume):
                    head = resume
                    if tail - head >= Self.maximumJPEGBytes {  // too long to be a frame
                        statistics.corrupt += 1
                        head = tail
                    }
                    return nil
                case .broken(let resume):
                    statistics.corrupt += 1
                    head = resume
                }
            }
        }
    }
}

/// Splits an MJPEG byte stream into JPEG images by walking its markers: segments are skipped by
/// their lengths and entropy-coded data is scanned for the next marker (0xFF followed by
/// anything but a stuffed 0x00 or a restart marker), so an end marker inside an embedded EXIF
/// thumbnail does not end the frame early.
enum JPEGFraming {
    enum Result: Equatable {
        /// A whole image, SOI to EOI inclusive.
        case complete(Range<Int>)
        /// The data ends inside an image (or holds none): keep the bytes from `resume`.
        case needMore(resume: Int)
        /// The image starting before `resume` is cut short or malformed; go on from `resume`.
        case broken(resume: Int)
    }

    static func scan(_ bytes: UnsafeRawBufferPointer, from lower: Int, to upper: Int) -> Result {
        // Start of image: FF D8 followed by another marker.
        var soi = lower
        while soi + 3 <= upper, !(bytes[soi] == 0xFF && bytes[soi + 1] == 0xD8 && bytes[soi + 2] == 0xFF) { soi += 1 }
        guard soi + 3 <= upper else { return .needMore(resume: max(lower, upper - 2)) }
        var i = soi + 2
        while true {
            guard i + 2 <= upper else { return .needMore(resume: soi) }
            guard bytes[i] == 0xFF else { return .broken(resume: i) }
            let marker = bytes[i + 1]
            switch marker {
            case 0xFF:
                i += 1  // fill byte
            case 0xD9:
                return .complete(soi..<(i + 2))
            case 0xD8:
                return .broken(resume: i)  // a new image before this one ended
            case 0x01, 0xD0...0xD7:
                i += 2
            default:
                guard i + 4 <= upper else { return .needMore(resume: soi) }
                let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
                guard length >= 2 else { return .broken(resume: i + 2) }
                i += 2 + length
                if marker == 0xDA {  // start of scan: entropy-coded data up to the next marker
                    while true {
                        guard i + 2 <= upper else { return .needMore(resume: soi) }
                        if bytes[i] == 0xFF {
                            let next = bytes[i + 1]
                            if next != 0x00 && !(0xD0...0xD7).contains(next) && next != 0xFF { break }
                            i += next == 0xFF ? 1 : 2
                        } else {
                            i += 1
                        }
                    }
                }
            }
        }
    }
}
