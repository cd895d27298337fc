extension ImageDecoder {
    /// Decodes an uncompressed BMP in pure Swift: 1/4/8-bit palette, 16-bit (5-5-5 or bit
    /// fields), 24-bit, 32-bit (BGRX or bit fields); bottom-up or top-down rows; alpha dropped.
    /// Every offset is checked against the data. `file` is "BMP file <name>".
    static func decodeBMP(_ bytes: UnsafeRawBufferPointer, file: String, limits: ImageDecodingLimits) throws -> RGBImage {
        let header = try BMPHeader(bytes, file: file)
        try limits.check(width: header.width, height: header.height, file: file)
        return try header.decodePixels(bytes)
    }
}

/// The parts of a BMP's file and info headers the decoder needs, validated.
struct BMPHeader {
    let width: Int
    let height: Int
    let topDown: Bool
    let bitsPerPixel: Int
    let pixelOffset: Int
    let rowStride: Int
    /// BGR palette entries for 1-, 4- and 8-bit images, flattened as RGB.
    let palette: [UInt8]
    /// Channel masks for 16- and 32-bit images (R, G, B).
    let masks: [UInt32]

    private static let compressionNames = [1: "RLE8", 2: "RLE4", 4: "JPEG", 5: "PNG"]

    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        func malformed(_ reason: String) -> MobileNetError { .malformed(format: file, reason: reason) }
        func read(_ offset: Int, _ size: Int) throws -> Int {
            guard offset + size <= bytes.count else {
                throw malformed("truncated header (\(bytes.count) bytes)")
            }
            var value = 0
            for i in (0..<size).reversed() { value = value << 8 | Int(bytes[offset + i]) }
            return value
        }
        func signed32(_ offset: Int) throws -> Int { Int(Int32(truncatingIfNeeded: try read(offset, 4))) }

        pixelOffset = try read(10, 4)
        let infoSize = try read(14, 4)
        let compression: Int
        var colorsUsed = 0
        let signedHeight: Int
        switch infoSize {
        case 12:  // BITMAPCOREHEADER (OS/2)
            width = try read(18, 2)
            signedHeight = try read(20, 2)
            bitsPerPixel = try read(24, 2)
            compression = 0
        case 40, 52, 56, 64, 108, 124:
            width = try signed32(18)
            signedHeight = try signed32(22)
            bitsPerPixel = try read(28, 2)
            compression = try read(30, 4)
            colorsUsed = try read(46, 4)
        default:
            throw malformed("unknown info header size \(infoSize)")
        }
        guard width > 0, signedHeight != 0, signedHeight != Int(Int32.min) else {
            throw malformed("invalid size \(width)x\(signedHeight)")
        }
        height = abs(signedHeight)
        topDown = signedHeight < 0

        // BI_RGB (0) or BI_BITFIELDS (3) / BI_ALPHABITFIELDS (6) only.
        let usesBitFields = compression == 3 || compression == 6
        guard compression == 0 || (usesBitFields && (bitsPerPixel == 16 || bitsPerPixel == 32)) else {
            let name = Self.compressionNames[compression].map { "\($0) compression" } ?? "compression \(compression)"
            throw MobileNetError.unsupported("\(file) uses \(name) with \(bitsPerPixel) bits per pixel (only uncompressed BMPs are read)")
        }
        guard [1, 4, 8, 16, 24, 32].contains(bitsPerPixel) else {
            throw MobileNetError.unsupported("\(file) has \(bitsPerPixel) bits per pixel")
        }
        if usesBitFields {
            // In the V2+ headers the masks are part of the info header; after a 40-byte one they follow it.
            masks = try (0..<3).map { UInt32(try read(54 + 4 * $0, 4)) }
            guard masks.allSatisfy({ $0 != 0 }) else { throw malformed("a zero channel mask") }
        } else if bitsPerPixel == 16 {
            masks = [0x7C00, 0x03E0, 0x001F]
        } else {
            masks = [0xFF_0000, 0x00_FF00, 0x00_00FF]
        }

        if bitsPerPixel <= 8 {
            let entrySize = infoSize == 12 ? 3 : 4
            let count = colorsUsed == 0 ? 1 << bitsPerPixel : colorsUsed
            guard count <= 1 << bitsPerPixel else { throw malformed("\(count) palette entries for \(bitsPerPixel)-bit pixels") }
            let start = 14 + infoSize
            guard start + count * entrySize <= bytes.count else { throw malformed("truncated palette") }
            var palette = [UInt8](repeating: 0, count: 3 << bitsPerPixel)  // missing entries are black
            for i in 0..<count {
                for c in 0..<3 { palette[3 * i + c] = bytes[start + entrySize * i + 2 - c] }
            }
            self.palette = palette
        } else {
            palette = []
        }

        let rowBits = width.multipliedReportingOverflow(by: bitsPerPixel)
        guard !rowBits.overflow else { throw malformed("invalid width \(width)") }
        rowStride = (rowBits.partialValue + 31) / 32 * 4
        let size = rowStride.multipliedReportingOverflow(by: height)
        guard !size.overflow, pixelOffset >= 14 + infoSize, pixelOffset <= bytes.count,
              size.partialValue <= bytes.count - pixelOffset
        else {
            throw malformed("truncated pixel data (needs \(rowStride) x \(height) bytes from offset \(pixelOffset), the file has \(bytes.count) bytes)")
        }
    }

    /// The pixels as top-down RGB.
    func decodePixels(_ bytes: UnsafeRawBufferPointer) throws -> RGBImage {
        let width = width, bitsPerPixel = bitsPerPixel
        let fields = masks.map(BitField.init)
        let pixels = palette.withUnsafeBufferPointer { palette in
            [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, count in
                for y in 0..<height {
                    let row = pixelOffset + rowStride * (topDown ? y : height - 1 - y)
                    var o = 3 * width * y
                    for x in 0..<width {
                        switch bitsPerPixel {
                        case 24:
                            let p = row + 3 * x
                            out[o] = bytes[p + 2]; out[o + 1] = bytes[p + 1]; out[o + 2] = bytes[p]
                        case 16, 32:
                            let p = row + x * bitsPerPixel / 8
                            var value = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8
                            if bitsPerPixel == 32 { value |= UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24 }
                            for c in 0..<3 { out[o + c] = fields[c].extract(value) }
                        default:  // 1, 4, 8: palette indices, most significant bits first
                            let bit = x * bitsPerPixel
                            let byte = Int(bytes[row + bit / 8])
                            let index = (byte >> (8 - bitsPerPixel - bit % 8)) & ((1 << bitsPerPixel) - 1)
                            for c in 0..<3 { out[o + c] = palette[3 * index + c] }
                        }
                        o += 3
                    }
                }
                count = width * height * 3
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// One channel of a bit-field pixel: its mask's position and width, scaled to 0...255 the way
/// Pillow does (`value * 255 / max`, truncated).
private struct BitField {
    let shift: UInt32
    let maximum: UInt32

    init(mask: UInt32) {
        shift = UInt32(mask.trailingZeroBitCount)
        maximum = mask >> shift
    }

    func extract(_ pixel: UInt32) -> UInt8 {
        let value = (pixel >> shift) & maximum
        return UInt8(truncatingIfNeeded: UInt64(value) * 255 / UInt64(maximum))
    }
}
