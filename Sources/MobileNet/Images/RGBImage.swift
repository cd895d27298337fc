/// A decoded 8-bit RGB image, row-major `[height][width][3]`, top row first, already turned
/// upright (EXIF orientation applied) and with any alpha channel dropped.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes, R G B per pixel.
    public var pixels: [UInt8]

    /// Wraps `pixels`; throws when their count is not `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw MobileNetError.shapeMismatch(
                "\(pixels.count) bytes for a \(width)x\(height) RGB image (needs \(max(0, width * height * 3)))")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
