#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes JPEG (libjpeg-turbo: baseline, progressive, grey, CMYK/YCCK), PNG (libpng: every bit
/// depth and color type) and uncompressed BMP (pure Swift) files into upright 8-bit
/// `RGBImage`s; the format is recognized by its magic bytes, not the file name. Grey, palette,
/// CMYK and 16-bit images become 8-bit RGB (16-bit keeps the high byte); an alpha channel is
/// dropped, not composited (the stored RGB values are kept, as Pillow's `convert("RGB")` does);
/// JPEG EXIF orientation is applied. The pixels equal Pillow's (checked in the tests).
///
/// Every failure is one `MobileNetError` line naming the file: `.malformed` for truncated or
/// corrupt data (libjpeg's recoverable warnings count as errors, so a damaged JPEG never comes
/// back half grey), `.unsupported` for other formats and images above `limits`, `.io` for
/// unreadable files. Nothing is printed. Decoding keeps no shared state, so any number of
/// threads can decode at once.
public enum ImageDecoder {
    /// Reads and decodes the image file at `url`.
    public static func decode(contentsOf url: URL, limits: ImageDecodingLimits = .init()) throws -> RGBImage {
        let bytes = try readFileBytes(url, what: "image file")
        return try bytes.withUnsafeBytes { try decode($0, name: url.path, limits: limits) }
    }

    /// Decodes an image held in memory; `name` identifies it in error messages.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, name: String, limits: ImageDecodingLimits = .init()
    ) throws -> RGBImage {
        guard !bytes.isEmpty else {
            throw MobileNetError.malformed(format: "image file \(name)", reason: "the file is empty")
        }
        guard let format = ImageFormat(sniffing: bytes) else {
            throw MobileNetError.unsupported(
                "image file \(name) is not JPEG, PNG or BMP: it looks like \(ImageFormat.describeUnknown(bytes))")
        }
        let file = format.label(name)
        switch format {
        case .jpeg: return try decodeJPEG(bytes, file: file, limits: limits)
        case .png: return try decodePNG(bytes, file: file, limits: limits)
        case .bmp: return try decodeBMP(bytes, file: file, limits: limits)
        }
    }
}
