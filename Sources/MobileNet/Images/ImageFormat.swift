/// The container formats the decoder reads, recognized by their leading magic bytes (never by
/// the file extension).
enum ImageFormat {
    case jpeg, png, bmp

    /// The format whose signature starts `bytes`, or nil.
    init?(sniffing bytes: UnsafeRawBufferPointer) {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.starts(with: [0x42, 0x4D]) {  // "BM"
            self = .bmp
        } else {
            return nil
        }
    }

    /// "JPEG file <name>": the `format` of `MobileNetError.malformed`.
    func label(_ name: String) -> String {
        switch self {
        case .jpeg: return "JPEG file \(name)"
        case .png: return "PNG file \(name)"
        case .bmp: return "BMP file \(name)"
        }
    }

    /// What an unrecognized file looks like, for the error message: another image format
    /// named by its signature, text, or its first bytes in hex.
    static func describeUnknown(_ bytes: UnsafeRawBufferPointer) -> String {
        let signatures: [(String, [UInt8?])] = [
            ("a GIF image", Array("GIF8".utf8)),
            ("a TIFF image", [0x49, 0x49, 0x2A, 0x00]),
            ("a TIFF image", [0x4D, 0x4D, 0x00, 0x2A]),
            ("a WebP image", Array("RIFF".utf8) + [nil, nil, nil, nil] + Array("WEBP".utf8)),
            ("an ISO media file (HEIC, AVIF or MP4)", [nil, nil, nil, nil] + Array("ftyp".utf8)),
            ("a JPEG 2000 image", [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]),
            ("an ICO image", [0x00, 0x00, 0x01, 0x00]),
            ("a PDF document", Array("%PDF".utf8)),
            ("a gzip archive", [0x1F, 0x8B]),
            ("a zip archive", Array("PK".utf8) + [0x03, 0x04]),
            ("a Git LFS pointer", Array("version https://git-lfs".utf8)),
        ]
        for (name, signature) in signatures where bytes.count >= signature.count {
            if zip(bytes, signature).allSatisfy({ $1 == nil || $0 == $1 }) { return name }
        }
        let head = bytes.prefix(64)
        if head.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            let text = String(decoding: head.prefix(24), as: UTF8.self)
                .map { $0.isNewline || $0 == "\t" ? " " : $0 }
            return "text starting with \"\(String(text))\""
        }
        return "unknown data starting with " + bytes.prefix(8).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: " ")
    }
}
