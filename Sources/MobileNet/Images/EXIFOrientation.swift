/// The EXIF orientation of a JPEG (tag 0x0112 in the APP1 "Exif" segment's first IFD): how the
/// stored pixels must be turned to show the picture upright. A missing, unknown or malformed
/// EXIF block counts as "already upright" (the pixels themselves are intact).
struct EXIFOrientation: Equatable {
    /// 1 upright, 2 mirrored, 3 rotated 180°, 4 flipped vertically, 5 transposed,
    /// 6 needs 90° clockwise, 7 transversed, 8 needs 90° counter-clockwise.
    let value: Int

    init(value: Int) {
        self.value = (1...8).contains(value) ? value : 1
    }

    /// Reads the orientation from the markers before the first scan of a JPEG.
    init(jpeg bytes: UnsafeRawBufferPointer) {
        self.init(value: Self.find(in: bytes) ?? 1)
    }

    private static func find(in bytes: UnsafeRawBufferPointer) -> Int? {
        var position = 2  // after SOI
        while position + 4 <= bytes.count {
            guard bytes[position] == 0xFF else { return nil }
            let marker = bytes[position + 1]
            if marker == 0xFF { position += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan, end of image
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { position += 2; continue }  // no length
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            let end = position + 2 + length
            guard length >= 2, end <= bytes.count else { return nil }
            let segment = UnsafeRawBufferPointer(rebasing: bytes[(position + 4)..<end])
            if marker == 0xE1, segment.starts(with: Array("Exif".utf8) + [0, 0]) {
                return orientation(tiff: UnsafeRawBufferPointer(rebasing: segment[6...]))
            }
            position = end
        }
        return nil
    }

    /// Tag 0x0112 (SHORT) of IFD0 in a TIFF structure, either byte order; nil when absent or
    /// out of bounds.
    private static func orientation(tiff: UnsafeRawBufferPointer) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let bigEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): bigEndian = false  // "II"
        case (0x4D, 0x4D): bigEndian = true  // "MM"
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, size <= tiff.count, offset <= tiff.count - size else { return nil }
            var value = 0
            for i in 0..<size {
                let byte = Int(tiff[offset + (bigEndian ? i : size - 1 - i)])
                value = value << 8 | byte
            }
            return value
        }
        guard read(2, 2) == 42, let ifd = read(4, 4), let entries = read(ifd, 2) else { return nil }
        for entry in 0..<entries {
            let start = ifd + 2 + 12 * entry
            guard let tag = read(start, 2), let type = read(start + 2, 2) else { return nil }
            if tag == 0x0112 {
                return type == 3 ? read(start + 8, 2) : nil  // SHORT, stored in the value field
            }
        }
        return nil
    }

    /// `image` turned upright (Pillow's `ImageOps.exif_transpose`).
    func applied(to image: RGBImage) throws -> RGBImage {
        guard value != 1 else { return image }
        let width = image.width, height = image.height
        let swapsAxes = value >= 5
        let outWidth = swapsAxes ? height : width
        let outHeight = swapsAxes ? width : height
        /// Where output pixel (x, y) comes from in the stored image.
        func source(_ x: Int, _ y: Int) -> (x: Int, y: Int) {
            switch value {
            case 2: return (width - 1 - x, y)
            case 3: return (width - 1 - x, height - 1 - y)
            case 4: return (x, height - 1 - y)
            case 5: return (y, x)
            case 6: return (y, height - 1 - x)
            case 7: return (width - 1 - y, height - 1 - x)
            default: return (width - 1 - y, x)  // 8
            }
        }
        var pixels = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { input in
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    let (sx, sy) = source(x, y)
                    let from = 3 * (sy * width + sx), to = 3 * (y * outWidth + x)
                    pixels[to] = input[from]
                    pixels[to + 1] = input[from + 1]
                    pixels[to + 2] = input[from + 2]
                }
            }
        }
        return try RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }
}
