import MobileNet

/// The fields of a destination that decide how frames are converted (all but the pointer).
struct DestinationGeometry: Equatable {
    var width: Int, height: Int
    var crop: FrameDestination.Crop
    var normalization: PixelNormalization
    var element: FrameDestination.Element

    init(_ destination: FrameDestination) {
        width = destination.width
        height = destination.height
        crop = destination.crop
        normalization = destination.normalization
        element = destination.element
    }
}

/// The conversion of frames of one format and size into one destination geometry, planned
/// once: the crop window, the MJPEG scale, an 8-bit RGB buffer for the window (raw YUV and
/// grey formats) or the scaled JPEG, the resize weights and scratch rows, and for int8
/// destinations a float buffer of the model's input size. Converting a frame then allocates
/// nothing.
///
/// The stages are those of `classify` (`ImagePreprocessing`), on the same code: crop,
/// antialiased resize from 8-bit RGB to floats, normalisation, then for int8 inputs the int8
/// engine's quantization, so for the same pixels the values are identical.
final class FrameConverter {
    let format: PixelFormat
    let frameWidth: Int, frameHeight: Int
    let geometry: DestinationGeometry
    /// MJPEG frames are decoded at 1/denominator of their size.
    let denominator: Int
    /// The kept pixels, in the decoded image (the scaled one for MJPEG).
    let window: PixelWindow
    /// Width of the decoded (scaled) MJPEG image.
    private let decodedWidth: Int
    private let rgb: UnsafeMutableBufferPointer<UInt8>
    private let values: UnsafeMutableBufferPointer<Float>
    private let resizer: AntialiasedResizer
    private let normalization: PlannedNormalization

    init(format: PixelFormat, frameWidth: Int, frameHeight: Int, geometry: DestinationGeometry) throws(CaptureError) {
        guard frameWidth > 0, frameHeight > 0, frameWidth <= 16384, frameHeight <= 16384 else {
            throw .unsupportedFormat(device: "frame", reason: "frame size \(frameWidth)x\(frameHeight) is not usable")
        }
        guard geometry.width > 0, geometry.height > 0 else {
            throw .invalidConfiguration("model input \(geometry.width)x\(geometry.height) is empty")
        }
        self.format = format
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.geometry = geometry
        var denominator = 1
        if format == .mjpeg {
            // The smallest DCT-scaled decode whose crop still covers the model's input.
            for candidate in [8, 4, 2] {
                let width = (frameWidth + candidate - 1) / candidate, height = (frameHeight + candidate - 1) / candidate
                let window = try geometry.crop.window(width: width, height: height)
                if window.width >= geometry.width && window.height >= geometry.height {
                    denominator = candidate
                    break
                }
            }
        }
        self.denominator = denominator
        let decodedWidth = (frameWidth + denominator - 1) / denominator
        let decodedHeight = (frameHeight + denominator - 1) / denominator
        self.decodedWidth = decodedWidth
        window = try geometry.crop.window(width: decodedWidth, height: decodedHeight)
        switch format {
        case .mjpeg: rgb = .allocate(capacity: decodedWidth * decodedHeight * 3)
        case .rgb24: rgb = .allocate(capacity: 0)
        case .yuyv, .nv12, .grey: rgb = .allocate(capacity: window.width * window.height * 3)
        }
        let count = geometry.width * geometry.height * 3
        if case .int8 = geometry.element { values = .allocate(capacity: count) } else { values = .allocate(capacity: 0) }
        do {
            resizer = try AntialiasedResizer(
                inputWidth: window.width, inputHeight: window.height,
                outputWidth: geometry.width, outputHeight: geometry.height)
        } catch {
            throw .invalidConfiguration("\(error)")
        }
        normalization = PlannedNormalization(geometry.normalization)
    }

    deinit {
        rgb.deallocate()
        values.deallocate()
    }

    /// Converts a raw frame (rows `bytesPerLine` bytes apart) into `base`; false when the
    /// frame is shorter than its format needs.
    func convertRaw(_ frame: UnsafeRawBufferPointer, bytesPerLine: Int, into base: UnsafeMutableRawPointer) -> Bool {
        guard let needed = format.frameBytes(height: frameHeight, bytesPerLine: bytesPerLine),
              let minimum = format.minimumBytesPerLine(width: frameWidth), bytesPerLine >= minimum,
              frame.count >= needed, let bytes = frame.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { return false }
        let rgb = rgb.baseAddress!, w = window
        switch format {
        case .rgb24:
            finish(bytes + w.top * bytesPerLine + w.left * 3, rowStride: bytesPerLine, into: base)
            return true
        case .yuyv:
            for y in 0..<w.height {
                YUVConversion.yuyvRow(bytes + (w.top + y) * bytesPerLine, left: w.left, width: w.width, into: rgb + y * w.width * 3)
            }
        case .nv12:
            let chroma = bytes + frameHeight * bytesPerLine
            for y in 0..<w.height {
                let row = w.top + y
                YUVConversion.nv12Row(
                    luma: bytes + row * bytesPerLine, chroma: chroma + (row / 2) * bytesPerLine,
                    left: w.left, width: w.width, into: rgb + y * w.width * 3)
            }
        case .grey:
            for y in 0..<w.height {
                YUVConversion.greyRow(bytes + (w.top + y) * bytesPerLine, left: w.left, width: w.width, into: rgb + y * w.width * 3)
            }
        case .mjpeg:
            return false
        }
        finish(rgb, rowStride: w.width * 3, into: base)
        return true
    }

    /// Decodes the JPEG whose header `decoder` just read (of this converter's size) and
    /// converts it into `base`; false when it is corrupt.
    func convertJPEG(_ decoder: MJPEGDecoder, into base: UnsafeMutableRawPointer) -> Bool {
        guard let size = decoder.scaledSize(denominator: denominator),
              size.width == decodedWidth, size.width * size.height * 3 <= rgb.count,
              decoder.decode(into: rgb.baseAddress!, rowStride: decodedWidth * 3)
        else { return false }
        let corner = rgb.baseAddress! + (window.top * decodedWidth + window.left) * 3
        finish(corner, rowStride: decodedWidth * 3, into: base)
        return true
    }

    /// Resize, normalisation and quantization of the window whose top-left pixel is `corner`.
    private func finish(_ corner: UnsafePointer<UInt8>, rowStride: Int, into base: UnsafeMutableRawPointer) {
        let count = resizer.outputCount
        switch geometry.element {
        case .float32:
            let output = base.assumingMemoryBound(to: Float.self)
            resizer.resize(corner, rowStride: rowStride, into: output)
            normalization.apply(to: UnsafeMutableBufferPointer(start: output, count: count))
        case .int8(let quantization):
            resizer.resize(corner, rowStride: rowStride, into: values.baseAddress!)
            normalization.apply(to: values)
            let output = base.assumingMemoryBound(to: Int8.self)
            for i in 0..<count { output[i] = quantization.quantize(values[i]) }
        }
    }
}

/// Writes frames of any format into destinations, keeping the plan for the last format, size
/// and geometry (a new plan, and its allocations, only when one of them changes).
final class FrameWriter {
    private var converter: FrameConverter?
    private var jpeg: MJPEGDecoder?
    /// Why the last frame was rejected (for logs).
    private(set) var lastProblem = ""

    /// Converts one frame; false when it is corrupt (skipped, the destination untouched or
    /// partly written). Throws when the destination or the frame size cannot be used.
    func write(
        _ frame: UnsafeRawBufferPointer, format: PixelFormat, width: Int, height: Int, bytesPerLine: Int,
        into destination: FrameDestination
    ) throws(CaptureError) -> Bool {
        let geometry = DestinationGeometry(destination)
        if format == .mjpeg {
            if jpeg == nil { jpeg = try MJPEGDecoder() }
            let decoder = jpeg!
            guard let size = decoder.readHeader(frame) else {
                lastProblem = "corrupt JPEG frame: \(decoder.message)"
                return false
            }
            let converter = try plan(format, size.width, size.height, geometry)
            guard converter.convertJPEG(decoder, into: destination.base) else {
                lastProblem = "corrupt JPEG frame: \(decoder.message)"
                return false
            }
            return true
        }
        let converter = try plan(format, width, height, geometry)
        guard converter.convertRaw(frame, bytesPerLine: bytesPerLine, into: destination.base) else {
            lastProblem = "short \(format.rawValue) frame: \(frame.count) bytes for \(width)x\(height)"
            return false
        }
        return true
    }

    private func plan(_ format: PixelFormat, _ width: Int, _ height: Int, _ geometry: DestinationGeometry) throws(CaptureError) -> FrameConverter {
        if let converter, converter.format == format, converter.frameWidth == width,
           converter.frameHeight == height, converter.geometry == geometry {
            return converter
        }
        let planned = try FrameConverter(format: format, frameWidth: width, frameHeight: height, geometry: geometry)
        converter = planned
        return planned
    }
}
