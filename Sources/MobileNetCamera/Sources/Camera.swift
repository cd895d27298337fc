internal import CV4L2
#if canImport(Glibc)
import Glibc
#endif
import MobileNet

/// A V4L2 camera (a UVC webcam, the Pi camera's V4L2 node) through libv4l2, as a
/// `FrameSource`. `start()` opens the device with `v4l2_open` (only libv4l2 calls touch it, so
/// a libv4l2 plugin can stand in for a camera), negotiates format, size and rate from the
/// options, maps `bufferCount` driver buffers and starts streaming. `nextFrame` waits with
/// `poll`, drains every filled buffer and converts only the newest (the others are queued
/// again at once and counted as dropped, with the driver's sequence gaps), then requeues it.
/// `stop()` (and deinit) stop streaming, unmap, release the buffers and close: the camera owns
/// its descriptor and mappings and releases them on every path, including a failed `start()`.
///
/// Faults: ENODEV/EIO/ENXIO from any call → `.unplugged` (within one poll timeout);
/// no frame within the timeout → `.stalled`; EBUSY → `.busy` naming the device; a frame that
/// does not decode → skipped, counted in `statistics.corrupt`, and the next one awaited.
public final class Camera: FrameSource {
    /// What to ask the device for.
    public struct Options: Sendable, Equatable {
        public var device: String
        public var width: Int
        public var height: Int
        public var framesPerSecond: Int
        /// Pixel formats in order of preference; the first one the device offers is used.
        public var formats: [PixelFormat]
        /// Driver buffers to map (2...32).
        public var bufferCount: Int

        public init(
            device: String = "/dev/video0", width: Int = 640, height: Int = 480, framesPerSecond: Int = 30,
            formats: [PixelFormat] = PixelFormat.preference, bufferCount: Int = 4
        ) {
            self.device = device
            self.width = width
            self.height = height
            self.framesPerSecond = framesPerSecond
            self.formats = formats
            self.bufferCount = bufferCount
        }
    }

    /// What the device agreed to.
    public struct Format: Sendable, Equatable {
        public var pixelFormat: PixelFormat
        public var width: Int
        public var height: Int
        public var bytesPerLine: Int
        /// The frame rate the driver reports (0 when it does not say).
        public var framesPerSecond: Int
    }

    public let options: Options
    public var name: String { options.device }
    public private(set) var statistics = CaptureStatistics()
    /// The negotiated format while started.
    public private(set) var format: Format?

    private var descriptor: Int32 = -1
    private var mappings: [UnsafeMutableRawBufferPointer] = []
    private var streaming = false
    private var hasStarted = false
    private var lastSequence: UInt64?
    private let writer = FrameWriter()

    public init(_ options: Options = Options()) {
        self.options = options
    }

    deinit { stop() }

    public func start() throws(CaptureError) {
        if hasStarted { statistics.restarts += 1 }
        hasStarted = true
        stop()
        guard (2...32).contains(options.bufferCount) else {
            throw .invalidConfiguration("camera buffer count \(options.bufferCount) is not in 2...32")
        }
        do {
            try open()
            format = try negotiate()
            try mapBuffers()
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            try control(MN_VIDIOC_STREAMON, &type, "VIDIOC_STREAMON")
            streaming = true
            lastSequence = nil
        } catch {
            stop()
            throw error
        }
    }

    public func stop() {
        guard descriptor >= 0 else { return }
        if streaming {
            var type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            _ = try? control(MN_VIDIOC_STREAMOFF, &type, "VIDIOC_STREAMOFF")
            streaming = false
        }
        for mapping in mappings { _ = v4l2_munmap(mapping.baseAddress, mapping.count) }
        if !mappings.isEmpty {
            var request = v4l2_requestbuffers()
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            _ = try? control(MN_VIDIOC_REQBUFS, &request, "VIDIOC_REQBUFS")
        }
        mappings.removeAll()
        _ = v4l2_close(descriptor)
        descriptor = -1
        format = nil
    }

    public func nextFrame(into destination: FrameDestination, timeoutMilliseconds: Int) throws(CaptureError) -> FrameInfo {
        guard streaming, let format else { throw .invalidConfiguration("camera \(name) is not started") }
        let deadline = monotonicNanoseconds() + UInt64(max(0, timeoutMilliseconds)) * 1_000_000
        var drained = 0
        while true {
            guard var newest = try dequeueNewest(drained: &drained, deadline: deadline, timeout: timeoutMilliseconds)
            else { continue }
            let index = Int(newest.index)
            let frame = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(mappings[index])[..<min(Int(newest.bytesused), mappings[index].count)])
            let written: Bool
            do {
                written = try writer.write(
                    frame, format: format.pixelFormat, width: format.width, height: format.height,
                    bytesPerLine: format.bytesPerLine, into: destination)
            } catch {
                try? queue(&newest)
                throw error
            }
            try queue(&newest)
            let sequence = UInt64(newest.sequence)
            guard written else {
                statistics.corrupt += 1
                lastSequence = sequence
                continue
            }
            var dropped = drained
            if let last = lastSequence, sequence > last { dropped = max(dropped, Int(sequence - last - 1)) }
            lastSequence = sequence
            statistics.frames += 1
            statistics.dropped += UInt64(dropped)
            let time = UInt64(newest.timestamp.tv_sec) * 1_000_000_000 + UInt64(newest.timestamp.tv_usec) * 1000
            return FrameInfo(sequence: sequence, timestampNanoseconds: time, dropped: dropped)
        }
    }

    // MARK: - Streaming

    /// Waits for filled buffers and dequeues all of them, queueing every one but the newest
    /// again (each counted in `drained`). Returns nil when the newest is stale and was given
    /// back to wait for a fresher one. Throws `.stalled` at the deadline.
    private func dequeueNewest(drained: inout Int, deadline: UInt64, timeout: Int) throws(CaptureError) -> v4l2_buffer? {
        var newest: v4l2_buffer?
        var pollSaidReady = false
        while newest == nil {
            var buffer = v4l2_buffer()
            buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buffer.memory = V4L2_MEMORY_MMAP.rawValue
            while mn_v4l2_ioctl(descriptor, MN_VIDIOC_DQBUF, &buffer) == 0 {
                if var older = newest {
                    try queue(&older)
                    drained += 1
                }
                newest = buffer
            }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw failure("VIDIOC_DQBUF", code) }
            if newest != nil { break }
            let now = monotonicNanoseconds()
            guard now < deadline else { throw .stalled(device: name, milliseconds: timeout) }
            if pollSaidReady {
                // Ready but nothing to dequeue: a descriptor that is always readable (a
                // plugin's regular file). Wait a little instead of spinning.
                sleepNanoseconds(1_000_000)
            }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min((deadline - now + 999_999) / 1_000_000, 60_000))
            let ready = poll(&waiting, 1, milliseconds)
            if ready < 0 && errno != EINTR { throw failure("poll", errno) }
            pollSaidReady = ready > 0
        }
        guard var newest else { return nil }
        // Every buffer was full: the driver has been dropping the frames after this one, which
        // may be several periods old. Give it back and wait for the next (fresh) frame.
        if drained + 1 >= mappings.count, let rate = format?.framesPerSecond, rate > 0,
           newest.flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) != 0 {
            let time = UInt64(newest.timestamp.tv_sec) * 1_000_000_000 + UInt64(newest.timestamp.tv_usec) * 1000
            let now = monotonicNanoseconds()
            if now > time, now - time > 3_000_000_000 / UInt64(2 * rate), now < deadline {
                try queue(&newest)
                drained += 1
                return nil
            }
        }
        return newest
    }

    private func queue(_ buffer: inout v4l2_buffer) throws(CaptureError) {
        try control(MN_VIDIOC_QBUF, &buffer, "VIDIOC_QBUF")
    }

    // MARK: - Opening and negotiation

    private func open() throws(CaptureError) {
        let fd = mn_v4l2_open(options.device, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENXIO, ENODEV: throw .notFound(device: name)
            case EACCES, EPERM: throw .permissionDenied(device: name)
            case EBUSY: throw .busy(device: name)
            case ENOTTY, EINVAL: throw .notACamera(device: name, reason: "not a V4L2 video capture device")
            default: throw .system(device: name, call: "open", errno: code)
            }
        }
        descriptor = fd
    }

    private func negotiate() throws(CaptureError) -> Format {
        var capability = v4l2_capability()
        try control(MN_VIDIOC_QUERYCAP, &capability, "VIDIOC_QUERYCAP")
        let caps = capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? capability.device_caps : capability.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
            throw .notACamera(device: name, reason: "no video capture with streaming I/O")
        }
        var offered: [UInt32] = []
        var description = v4l2_fmtdesc()
        description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        while mn_v4l2_ioctl(descriptor, MN_VIDIOC_ENUM_FMT, &description) == 0 {
            offered.append(description.pixelformat)
            description.index += 1
        }
        guard let pixelFormat = options.formats.first(where: { offered.contains($0.fourcc) }) else {
            throw .unsupportedFormat(
                device: name,
                reason: "offers \(offered.map(fourccName).joined(separator: ", ")), none of \(options.formats.map(\.rawValue).joined(separator: ", "))")
        }
        let (width, height) = chooseSize(pixelFormat)
        var requested = v4l2_format()
        requested.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        requested.fmt.pix.pixelformat = pixelFormat.fourcc
        requested.fmt.pix.width = UInt32(width)
        requested.fmt.pix.height = UInt32(height)
        requested.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try control(MN_VIDIOC_S_FMT, &requested, "VIDIOC_S_FMT")
        let pix = requested.fmt.pix
        guard let agreed = PixelFormat(fourcc: pix.pixelformat) else {
            throw .unsupportedFormat(device: name, reason: "driver switched to \(fourccName(pix.pixelformat))")
        }
        let minimum = agreed.minimumBytesPerLine(width: Int(pix.width)) ?? 0
        var rate = v4l2_streamparm()
        rate.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        rate.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(max(1, options.framesPerSecond)))
        if mn_v4l2_ioctl(descriptor, MN_VIDIOC_S_PARM, &rate) != 0 {
            rate = v4l2_streamparm()
            rate.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            _ = mn_v4l2_ioctl(descriptor, MN_VIDIOC_G_PARM, &rate)
        }
        let period = rate.parm.capture.timeperframe
        return Format(
            pixelFormat: agreed, width: Int(pix.width), height: Int(pix.height),
            bytesPerLine: max(Int(pix.bytesperline), minimum),
            framesPerSecond: period.numerator > 0 ? Int(period.denominator / period.numerator) : 0)
    }

    /// The requested size when offered, else the smallest offered size that covers it, else
    /// the largest offered.
    private func chooseSize(_ format: PixelFormat) -> (Int, Int) {
        var sizes: [(Int, Int)] = []
        var size = v4l2_frmsizeenum()
        size.pixel_format = format.fourcc
        while mn_v4l2_ioctl(descriptor, MN_VIDIOC_ENUM_FRAMESIZES, &size) == 0 {
            guard size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue else {
                return (options.width, options.height)  // stepwise or continuous: the driver adjusts
            }
            sizes.append((Int(size.discrete.width), Int(size.discrete.height)))
            size.index += 1
        }
        if sizes.isEmpty || sizes.contains(where: { $0 == (options.width, options.height) }) {
            return (options.width, options.height)
        }
        let covering = sizes.filter { $0.0 >= options.width && $0.1 >= options.height }
        if let smallest = covering.min(by: { $0.0 * $0.1 < $1.0 * $1.1 }) { return smallest }
        return sizes.max(by: { $0.0 * $0.1 < $1.0 * $1.1 })!
    }

    private func mapBuffers() throws(CaptureError) {
        var request = v4l2_requestbuffers()
        request.count = UInt32(options.bufferCount)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        try control(MN_VIDIOC_REQBUFS, &request, "VIDIOC_REQBUFS")
        guard request.count >= 2 else {
            throw .notACamera(device: name, reason: "the driver gave \(request.count) buffer(s), at least 2 are needed")
        }
        for index in 0..<request.count {
            var buffer = v4l2_buffer()
            buffer.index = index
            buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buffer.memory = V4L2_MEMORY_MMAP.rawValue
            try control(MN_VIDIOC_QUERYBUF, &buffer, "VIDIOC_QUERYBUF")
            let length = Int(buffer.length)
            let address = v4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, Int64(buffer.m.offset))
            guard let address, address != MAP_FAILED else { throw failure("mmap", errno) }
            mappings.append(UnsafeMutableRawBufferPointer(start: address, count: length))
            try queue(&buffer)
        }
    }

    // MARK: - Calls

    /// One ioctl through libv4l2, retried on EINTR; failures as `CaptureError`.
    private func control<T>(_ request: UInt, _ argument: inout T, _ call: String) throws(CaptureError) {
        while withUnsafeMutablePointer(to: &argument, { mn_v4l2_ioctl(descriptor, request, $0) }) != 0 {
            let code = errno
            if code != EINTR { throw failure(call, code) }
        }
    }

    private func failure(_ call: String, _ code: Int32) -> CaptureError {
        switch code {
        case ENODEV, EIO, ENXIO: return .unplugged(device: name, errno: code)
        case EBUSY: return .busy(device: name)
        case EACCES, EPERM: return .permissionDenied(device: name)
        default: return .system(device: name, call: call, errno: code)
        }
    }
}

/// Sleeps `nanoseconds`, resuming after signals.
func sleepNanoseconds(_ nanoseconds: UInt64) {
    var pause = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
}

/// CLOCK_MONOTONIC in nanoseconds, the clock of V4L2 buffer timestamps.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
