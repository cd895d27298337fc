internal import CImageCodecs

extension ImageDecoder {
    /// Decodes a PNG of any bit depth and color type with libpng into 8-bit RGB (16-bit samples
    /// keep their high byte, alpha is dropped, gamma chunks are ignored, as Pillow does).
    /// `file` is "PNG file <name>".
    static func decodePNG(_ bytes: UnsafeRawBufferPointer, file: String, limits: ImageDecodingLimits) throws -> RGBImage {
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard let decoder = mn_png_create(data, bytes.count) else {
            throw MobileNetError.io("out of memory creating a PNG decoder for \(file)")
        }
        defer { mn_png_destroy(decoder) }
        func failure() -> MobileNetError {
            .malformed(format: file, reason: String(cString: mn_png_message(decoder)))
        }
        var header = MNPNGHeader()
        guard mn_png_read_header(decoder, &header) else { throw failure() }
        let width = Int(header.width), height = Int(header.height)
        try limits.check(width: width, height: height, file: file)
        var decoded = true
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, count in
            decoded = mn_png_read_rgb(decoder, buffer.baseAddress!, width * 3)
            count = decoded ? buffer.count : 0
        }
        guard decoded else { throw failure() }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }
}
