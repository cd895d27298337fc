/// Bounds a decoder checks against the image header before it allocates the pixel buffer, so
/// that a small file declaring a huge image (a decompression bomb) fails instead of exhausting
/// memory.
public struct ImageDecodingLimits: Sendable, Equatable {
    /// The largest `width * height` accepted. Default 64 megapixels (192 MB of RGB).
    public var maximumPixels: Int

    public init(maximumPixels: Int = 64 * 1024 * 1024) {
        self.maximumPixels = maximumPixels
    }

    /// Throws `.unsupported` naming the file when a `width`×`height` image is above the limit.
    func check(width: Int, height: Int, file: String) throws {
        let pixels = width.multipliedReportingOverflow(by: height)
        guard pixels.overflow || pixels.partialValue > maximumPixels else { return }
        throw MobileNetError.unsupported(
            "\(file) is \(width)x\(height) pixels, above the limit of \(maximumPixels) pixels (ImageDecodingLimits.maximumPixels)")
    }
}
