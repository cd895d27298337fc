import Foundation
import Testing

import MobileNet

/// Decoding checked against Pillow 13 (scripts/fixtures/make_image_fixtures.py): every fixture
/// under Fixtures/images is compared with the pixels Pillow decoded from the same file.
@Suite struct ImageDecoderTests {
    /// Pillow's decoded pixels, uint8 [height, width, 3] per name.
    static let expected: SafeTensors? = try? SafeTensors(contentsOf: SharedData.fixture("images/expected.safetensors"))

    static func fixture(_ name: String) throws -> URL {
        try SharedData.fixture("images/\(name)")
    }

    static func expectedImage(_ name: String) throws -> RGBImage {
        let tensor = try #require(expected?[name], "no '\(name)' in expected.safetensors")
        try #require(tensor.type == .uint8 && tensor.shape.count == 3 && tensor.shape[2] == 3)
        return try RGBImage(width: tensor.shape[1], height: tensor.shape[0], pixels: tensor.bytes)
    }

    /// The largest per-sample difference between two images of the same size.
    static func maximumDifference(_ a: RGBImage, _ b: RGBImage) -> Int {
        zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    static func expectSame(_ image: RGBImage, _ name: String, tolerance: Int = 0,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try expectedImage(name)
        #expect(image.width == reference.width && image.height == reference.height,
                "\(name): \(image.width)x\(image.height) vs Pillow's \(reference.width)x\(reference.height)",
                sourceLocation: sourceLocation)
        guard image.width == reference.width, image.height == reference.height else { return }
        let difference = maximumDifference(image, reference)
        #expect(difference <= tolerance, "\(name): differs from Pillow by up to \(difference) levels",
                sourceLocation: sourceLocation)
    }

    // MARK: - Formats

    /// libjpeg-turbo here (2.1) and the one bundled in Pillow's wheel (3.x) use the same
    /// integer IDCT and fancy upsampling, so the pixels are identical.
    @Test(arguments: ["baseline", "progressive", "grey", "cmyk"])
    func jpegMatchesPillow(name: String) throws {
        try Self.expectSame(ImageDecoder.decode(contentsOf: Self.fixture("\(name).jpg")), "jpeg_\(name)")
    }

    @Test(arguments: ["rgb8", "rgb16", "palette", "grey", "grey1", "grey16", "grey_alpha", "rgba"])
    func pngMatchesPillow(name: String) throws {
        try Self.expectSame(ImageDecoder.decode(contentsOf: Self.fixture("\(name).png")), "png_\(name)")
    }

    @Test(arguments: ["rgb24", "palette8", "mono1", "palette4", "rgb555", "topdown24", "bitfields32", "rgb565"])
    func bmpMatchesPillow(name: String) throws {
        try Self.expectSame(ImageDecoder.decode(contentsOf: Self.fixture("\(name).bmp")), "bmp_\(name)")
    }

    /// Pillow's EXIF block (big-endian, after a JFIF APP0) with each orientation patched in,
    /// against Pillow's `ImageOps.exif_transpose`.
    @Test func exifOrientationsMatchPillow() throws {
        let original = try [UInt8](Data(contentsOf: Self.fixture("exif_be.jpg")))
        let entry: [UInt8] = [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]  // tag, SHORT, count 1
        let at = try #require(original.indices.first { original[$0...].starts(with: entry) }) + entry.count + 1
        for orientation in 1...8 {
            var bytes = original
            bytes[at] = UInt8(orientation)
            let image = try bytes.withUnsafeBytes { try ImageDecoder.decode($0, name: "exif_\(orientation).jpg") }
            try Self.expectSame(image, "exif_\(orientation)")
        }
    }

    @Test func littleEndianExif() throws {
        let image = try ImageDecoder.decode(contentsOf: Self.fixture("exif_le.jpg"))
        #expect(image.width == 13 && image.height == 21)
        try Self.expectSame(image, "exif_le")
    }

    @Test func concurrentDecodesAgree() throws {
        let names = ["baseline.jpg", "progressive.jpg", "rgb16.png", "palette8.bmp"]
        let data = try names.map { try [UInt8](Data(contentsOf: Self.fixture($0))) }
        let serial = try zip(names, data).map { name, bytes in
            try bytes.withUnsafeBytes { try ImageDecoder.decode($0, name: name) }
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let image = try? data[i % 4].withUnsafeBytes { try ImageDecoder.decode($0, name: names[i % 4]) }
            results.set(i, image)
        }
        for i in 0..<16 { #expect(results.get(i) == serial[i % 4]) }
    }

    /// Images decoded by several threads, collected under a lock.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var images = [Int: RGBImage]()
        func set(_ index: Int, _ image: RGBImage?) { lock.withLock { images[index] = image } }
        func get(_ index: Int) -> RGBImage? { lock.withLock { images[index] } }
    }

    // MARK: - Bad files: one line naming the file, never a crash

    static func expectError(
        _ bytes: [UInt8], name: String, limits: ImageDecodingLimits = .init(), mentions: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try bytes.withUnsafeBytes { try ImageDecoder.decode($0, name: name, limits: limits) }
            Issue.record("\(name) decoded, expected an error mentioning \(mentions)", sourceLocation: sourceLocation)
        } catch let error as MobileNetError {
            let text = error.description
            #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
            for mention in [name] + mentions {
                #expect(text.contains(mention), "'\(text)' does not mention '\(mention)'", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: fixture(name)))
    }

    @Test func emptyFile() {
        Self.expectError([], name: "empty.jpg", mentions: ["malformed image file", "empty"])
    }

    @Test func truncatedJPEG() throws {
        let jpeg = try Self.bytes("baseline.jpg")
        Self.expectError(Array(jpeg.prefix(jpeg.count / 2)), name: "half.jpg",
                         mentions: ["malformed JPEG file", "Premature end of JPEG file"])
        Self.expectError(Array(jpeg.prefix(100)), name: "header.jpg", mentions: ["malformed JPEG file"])
        Self.expectError([0xFF, 0xD8, 0xFF], name: "soi.jpg", mentions: ["malformed JPEG file"])
    }

    @Test func truncatedPNG() throws {
        let png = try Self.bytes("rgb8.png")
        Self.expectError(Array(png.prefix(png.count - 20)), name: "cut.png", mentions: ["malformed PNG file", "truncated"])
        Self.expectError(Array(png.prefix(20)), name: "header.png", mentions: ["malformed PNG file", "truncated"])
    }

    @Test func truncatedBMP() throws {
        let bmp = try Self.bytes("rgb24.bmp")
        Self.expectError(Array(bmp.prefix(bmp.count - 1)), name: "cut.bmp", mentions: ["malformed BMP file", "truncated pixel data"])
        Self.expectError(Array(bmp.prefix(30)), name: "header.bmp", mentions: ["malformed BMP file", "truncated header"])
    }

    @Test func corruptData() throws {
        // A JPEG frame header declaring 7-bit samples.
        var jpeg = try Self.bytes("baseline.jpg")
        let sof = try #require(jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        jpeg[sof + 4] = 7
        Self.expectError(jpeg, name: "precision.jpg", mentions: ["malformed JPEG file", "precision 7"])
        // Entropy-coded data replaced by a marker-free run of 0xFF 0x00 pairs (not valid Huffman codes).
        var garbled = try Self.bytes("baseline.jpg")
        let scan = try #require(garbled.indices.first { garbled[$0] == 0xFF && garbled[$0 + 1] == 0xDA })
        for i in stride(from: scan + 20, to: garbled.count - 2, by: 2) { garbled[i] = 0xFF; garbled[i + 1] = 0x00 }
        Self.expectError(garbled, name: "garbled.jpg", mentions: ["malformed JPEG file", "Corrupt JPEG data"])
        // A flipped bit in the PNG image data (zlib rejects it before the chunk's CRC is checked).
        var png = try Self.bytes("rgb8.png")
        let idat = try #require(png.indices.first { png[$0...].starts(with: Array("IDAT".utf8)) })
        png[idat + 10] ^= 0x10
        Self.expectError(png, name: "flipped.png", mentions: ["malformed PNG file", "IDAT"])
        // A flipped bit in the header: the CRC check fails.
        var header = try Self.bytes("rgb8.png")
        header[17] ^= 0x01
        Self.expectError(header, name: "crc.png", mentions: ["malformed PNG file", "CRC"])
        // A BMP with a run-length compressed body.
        var bmp = try Self.bytes("palette8.bmp")
        bmp[30] = 1
        Self.expectError(bmp, name: "rle.bmp", mentions: ["unsupported", "RLE8"])
    }

    @Test func unknownFormats() {
        var random = SeededGenerator(seed: 7)
        let noise = (0..<200).map { _ in UInt8.random(in: 1...255, using: &random) }
        Self.expectError(noise, name: "noise.bin", mentions: ["unsupported", "not JPEG, PNG or BMP", "unknown data starting with"])
        Self.expectError(Array("GIF89a....".utf8), name: "anim.gif", mentions: ["a GIF image"])
        Self.expectError(Array("<html><body>Not found</body></html>".utf8), name: "page.jpg",
                         mentions: ["text starting with \"<html><body>Not found</b\""])
        Self.expectError([0xFF, 0xD8, 0xFF] + noise, name: "noise.jpg", mentions: ["malformed JPEG file"])
        Self.expectError([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + noise, name: "noise.png",
                         mentions: ["malformed PNG file"])
    }

    @Test func pixelLimitIsCheckedBeforeDecoding() throws {
        let limits = ImageDecodingLimits(maximumPixels: 272)  // 21x13 = 273
        for name in ["baseline.jpg", "rgb8.png", "rgb24.bmp"] {
            Self.expectError(try Self.bytes(name), name: name, limits: limits, mentions: ["unsupported", "21x13", "272"])
        }
        // A PNG header declaring 100000 x 100000 pixels is refused without touching its data.
        var bomb = try Self.bytes("rgb8.png")
        bomb.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        let crc = crc32(bomb[12..<29])
        bomb.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        Self.expectError(bomb, name: "bomb.png", mentions: ["100000x100000"])
    }

    /// A progressive 8x8 YCbCr JPEG whose coefficients are all zero, sent one component at a
    /// time in the most scans the format allows: the DC scan and its 13 refinements, then for
    /// each of the first `acBands` AC coefficients a scan and 13 refinements (56 scans per
    /// component for 3 bands, 896 for all 63). Every scan's data is one Huffman code "0".
    static func manyScanJPEG(acBands: Int) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ payload: [UInt8]) {
            bytes += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        segment(0xDB, [0x00] + Array(repeating: 1, count: 64))  // quantization table 0: all ones
        segment(0xC2, [8, 0, 8, 0, 8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])  // SOF2, 8x8, 3 components
        let oneSymbol: [UInt8] = [1] + Array(repeating: 0, count: 15) + [0x00]  // symbol 0 coded as "0"
        segment(0xC4, [0x00] + oneSymbol + [0x10] + oneSymbol)  // DC table 0, AC table 0
        func scan(_ component: UInt8, _ band: UInt8, high: UInt8, low: UInt8) {
            segment(0xDA, [1, component, 0x00, band, band, high << 4 | low])
            bytes.append(0x7F)  // "0" then 1-padding
        }
        for component: UInt8 in 1...3 {
            for band in 0...UInt8(acBands) {
                scan(component, band, high: 0, low: 13)
                for bit in (1...UInt8(13)).reversed() { scan(component, band, high: bit, low: bit - 1) }
            }
        }
        return bytes + [0xFF, 0xD9]
    }

    @Test func progressiveScanLimit() throws {
        let valid = Self.manyScanJPEG(acBands: 3)  // 168 scans
        let image = try valid.withUnsafeBytes { try ImageDecoder.decode($0, name: "scans.jpg") }
        #expect(image.width == 8 && image.height == 8 && image.pixels.allSatisfy { $0 == 128 })
        Self.expectError(Self.manyScanJPEG(acBands: 63), name: "bomb.jpg", mentions: ["malformed JPEG file", "more than 1000 scans"])
    }

    @Test func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/folder/cat.jpg")
        #expect(throws: MobileNetError.io("no such file: /nonexistent/folder/cat.jpg")) {
            try ImageDecoder.decode(contentsOf: url)
        }
    }

    /// CRC-32 (PNG's polynomial), bit by bit.
    private func crc32<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}
