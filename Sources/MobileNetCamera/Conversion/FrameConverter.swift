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
/// once: the crop window, the MJPEG scale, an 8-bit RGB buffer for the scaled JPEG, the resize
/// weights and scratch rows, and for int8 destinations a float buffer of the model's input
/// size. Converting a frame then allocates nothing.
///
/// The stages are those of `classify` (`ImagePreprocessing`), with the same arithmetic: crop,
/// antialiased resize to floats (`WindowResizer`, bit-identical to `AntialiasedResizer`),
/// normalisation, then for int8 inputs the int8 engine's quantization, so for the same pixels
/// the values are identical. Raw frames go to the resize row by row, converted straight to
/// floats (no 8-bit RGB copy of the window).
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
    private let resizer: WindowResizer
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
        rgb = .allocate(capacity: format == .mjpeg ? decodedWidth * decodedHeight * 3 : 0)
        let count = geometry.width * geometry.height * 3
        if case .int8 = geometry.element { values = .allocate(capacity: count) } else { values = .allocate(capacity: 0) }
        resizer = try WindowResizer(
            inputWidth: window.width, inputHeight: window.height,
            outputWidth: geometry.width, outputHeight: geometry.height)
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
        let w = window
        switch format {
        case .rgb24:
            finish(bytes + w.top * bytesPerLine + w.left * 3, rowStride: bytesPerLine, into: base)
        case .yuyv:
            finish(into: base, blocked: w.left & 1 == 0) { y, out in
                YUVConversion.yuyvRow(bytes + (w.top + y) * bytesPerLine, left: w.left, width: w.width, into: out)
            }
        case .nv12:
            let chroma = bytes + frameHeight * bytesPerLine
            finish(into: base, blocked: w.left & 1 == 0) { y, out in
                let row = w.top + y
                YUVConversion.nv12Row(
                    luma: bytes + row * bytesPerLine, chroma: chroma + (row / 2) * bytesPerLine,
                    left: w.left, width: w.width, into: out)
            }
        case .grey:
            finish(into: base, blocked: true) { y, out in
                YUVConversion.greyRow(bytes + (w.top + y) * bytesPerLine, left: w.left, width: w.width, into: out)
            }
        case .mjpeg:
            return false
        }
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

    /// Resize, normalisation and quantization of the 8-bit RGB window whose top-left pixel is
    /// `corner`.
    private func finish(_ corner: UnsafePointer<UInt8>, rowStride: Int, into base: UnsafeMutableRawPointer) {
        let rowLength = window.width * 3
        finish(into: base, blocked: false) { y, out in YUVConversion.bytesRow(corner + y * rowStride, count: rowLength, into: out) }
    }

    /// Resize, normalisation and quantization of the window whose rows `row` writes as floats
    /// (in `WindowResizer`'s block layout when `blocked`).
    private func finish(into base: UnsafeMutableRawPointer, blocked: Bool, row: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let count = resizer.outputCount
        switch geometry.element {
        case .float32:
            let output = base.assumingMemoryBound(to: Float.self)
            resizer.resize(into: output, blocked: blocked, row: row)
            normalization.apply(to: UnsafeMutableBufferPointer(start: output, count: count))
        case .int8(let quantization):
            resizer.resize(into: values.baseAddress!, blocked: blocked, row: row)
            normalization.apply(to: values)
            quantization.quantize(UnsafeBufferPointer(values), into: base.assumingMemoryBound(to: Int8.self))
        }
    }
}

/// Writes frames of any format into model inputs: what every `FrameSource` uses, public for
/// frames captured some other way. Keeps the plan for the last format, frame size and
/// destination geometry, so a new plan (and its allocations) is made only when one of them
/// changes. One writer per thread.
public final class FrameWriter {
    private var converter: FrameConverter?
    private var jpeg: MJPEGDecoder?
    /// Why the last frame was rejected.
    public private(set) var lastProblem = ""
    /// The DCT scale the last MJPEG frame was decoded at (1/n of its size; nil when the last
    /// plan is not for MJPEG). Benchmarks decode with libjpeg alone at the same scale.
    public var jpegScaleDenominator: Int? {
        guard let converter, converter.format == .mjpeg else { return nil }
        return converter.denominator
    }

    public init() {}

    /// Converts one frame (`width`, `height` and `bytesPerLine` are ignored for MJPEG, whose
    /// header tells its size); false when it is corrupt or short, and then nothing has been
    /// written to the destination. Throws when the destination or the frame size cannot be
    /// used.
    public func write(
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
