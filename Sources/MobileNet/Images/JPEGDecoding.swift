internal import CImageCodecs

extension ImageDecoder {
    /// Decodes a JPEG (baseline or progressive; grey, YCbCr, RGB, CMYK or YCCK) with libjpeg,
    /// converts it to RGB and applies its EXIF orientation. `file` is "JPEG file <name>".
    static func decodeJPEG(_ bytes: UnsafeRawBufferPointer, file: String, limits: ImageDecodingLimits) throws -> RGBImage {
        let data = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard let decoder = mn_jpeg_create(data, bytes.count) else {
            throw MobileNetError.io("out of memory creating a JPEG decoder for \(file)")
        }
        defer { mn_jpeg_destroy(decoder) }
        func failure() -> MobileNetError {
            .malformed(format: file, reason: String(cString: mn_jpeg_message(decoder)))
        }
        var header = MNJPEGHeader()
        guard mn_jpeg_read_header(decoder, &header) else { throw failure() }
        let width = Int(header.width), height = Int(header.height)
        try limits.check(width: width, height: height, file: file)
        let channels = header.outputsCMYK != 0 ? 4 : 3
        var decoded = true
        var pixels = [UInt8](unsafeUninitializedCapacity: width * height * channels) { buffer, count in
            decoded = mn_jpeg_read_pixels(decoder, buffer.baseAddress!, width * channels)
            count = decoded ? buffer.count : 0
        }
        guard decoded else { throw failure() }
        if channels == 4 { pixels = rgb(fromInvertedCMYK: pixels) }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        return try EXIFOrientation(jpeg: bytes).applied(to: image)
    }

    /// CMYK to RGB as Pillow converts it: `R = (255 − K) − (255 − K)·C/255` (rounded), likewise
    /// G from M and B from Y. The stored values are taken as inverted (255 = no ink), the
    /// Adobe convention that Pillow and browsers assume for every CMYK JPEG.
    static func rgb(fromInvertedCMYK cmyk: [UInt8]) -> [UInt8] {
        let pixelCount = cmyk.count / 4
        return [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { rgb, count in
            for p in 0..<pixelCount {
                let notBlack = Int(cmyk[4 * p + 3])
                for c in 0..<3 {
                    let ink = 255 - Int(cmyk[4 * p + c])
                    let product = ink * notBlack + 128
                    rgb[3 * p + c] = UInt8(notBlack - (((product >> 8) + product) >> 8))
                }
            }
            count = pixelCount * 3
        }
    }
}
