/// The pixel formats frames arrive in, as V4L2 names them.
public enum PixelFormat: String, CaseIterable, Sendable {
    /// Motion JPEG: each frame a JPEG (JFIF, full-range YCbCr), decoded with libjpeg-turbo.
    case mjpeg
    /// YUV 4:2:2 packed Y0 U Y1 V (BT.601, limited range), 2 bytes per pixel.
    case yuyv
    /// YUV 4:2:0: a Y plane, then one plane of interleaved U V at half size (BT.601, limited).
    case nv12
    /// 8-bit luminance only.
    case grey
    /// 8-bit R G B.
    case rgb24

    /// The camera preference when none is given: MJPEG first (least USB bandwidth, and DCT
    /// scaling decodes it small), then the raw formats.
    public static let preference: [PixelFormat] = [.mjpeg, .yuyv, .nv12, .rgb24, .grey]

    /// The V4L2 four-character code.
    public var fourcc: UInt32 {
        func code(_ text: String) -> UInt32 {
            text.utf8.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        }
        switch self {
        case .mjpeg: return code("MJPG")
        case .yuyv: return code("YUYV")
        case .nv12: return code("NV12")
        case .grey: return code("GREY")
        case .rgb24: return code("RGB3")
        }
    }

    public init?(fourcc: UInt32) {
        guard let format = Self.allCases.first(where: { $0.fourcc == fourcc }) else { return nil }
        self = format
    }

    /// The smallest row length in bytes of a raw frame `width` pixels wide (nil for MJPEG).
    func minimumBytesPerLine(width: Int) -> Int? {
        switch self {
        case .mjpeg: return nil
        case .yuyv: return width * 2
        case .nv12, .grey: return width
        case .rgb24: return width * 3
        }
    }

    /// Bytes of a raw frame with rows `bytesPerLine` apart (nil for MJPEG).
    func frameBytes(height: Int, bytesPerLine: Int) -> Int? {
        switch self {
        case .mjpeg: return nil
        case .nv12: return bytesPerLine * height + bytesPerLine * ((height + 1) / 2)
        case .yuyv, .grey, .rgb24: return bytesPerLine * height
        }
    }
}

/// "MJPG" for a four-character code.
func fourccName(_ code: UInt32) -> String {
    String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: code >> (8 * $0)) }, as: UTF8.self)
}
