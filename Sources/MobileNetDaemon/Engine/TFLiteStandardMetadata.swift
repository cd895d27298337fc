#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// What a `.tflite` file's standard metadata (the `TFLITE_METADATA` entry written by Model Maker,
/// Teachable Machine and tflite-support's metadata writers; schema `metadata_schema.fbs`) says
/// about using it: the input's `NormalizationOptions` and the output's associated labels file
/// (`TENSOR_AXIS_LABELS`), read from the zip archive those tools append to the model.
public struct TFLiteStandardMetadata: Equatable, Sendable {
    /// Per-channel mean and standard deviation on the input's pixel scale (0...255), as stored.
    public var mean: [Float]?
    public var std: [Float]?
    /// The lines of the output's labels file.
    public var labels: [String]?

    public static let entryName = "TFLITE_METADATA"

    /// The metadata of the `.tflite` file at `path`; nil when it carries none. Throws one line
    /// when the metadata or the archive holding its files is malformed.
    public init?(fileAt path: String) throws {
        let model = try TFLiteModel(contentsOf: URL(fileURLWithPath: path))
        guard let metadata = model.metadata[Self.entryName] else { return nil }
        let file: [UInt8]
        switch SystemError.readFile(path, limit: 1 << 30) {
        case .success(let bytes): file = bytes
        case .failure(let error): throw MobileNetError.io("cannot read \(path): \(error)")
        }
        try self.init(metadata: metadata, file: file)
    }

    /// Parses the `TFLITE_METADATA` flatbuffer `metadata`; associated files come from the zip
    /// archive at the end of `file`.
    init(metadata: [UInt8], file: [UInt8]) throws {
        let reader = MetadataReader(metadata)
        // ModelMetadata.subgraph_metadata (field 3) → [0] → input (2) and output (3) tensor metadata.
        guard let subgraph = try reader.tables(reader.root, field: 3).first else { return }
        if let input = try reader.tables(subgraph, field: 2).first {
            // TensorMetadata.process_units (field 4): ProcessUnit { options_type (0), options (1) }.
            for unit in try reader.tables(input, field: 4) where try reader.byte(unit, field: 0) == 1 {  // NormalizationOptions
                guard let options = try reader.table(unit, field: 1) else { continue }
                mean = try reader.floats(options, field: 0)
                std = try reader.floats(options, field: 1)
            }
        }
        if let output = try reader.tables(subgraph, field: 3).first {
            // TensorMetadata.associated_files (field 6): AssociatedFile { name (0), description (1), type (2) }.
            for associated in try reader.tables(output, field: 6) where try reader.byte(associated, field: 2) == 2 {  // TENSOR_AXIS_LABELS
                guard let name = try reader.string(associated, field: 0) else { continue }
                let bytes = try StoredZipArchive(file).file(named: name)
                var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
                while lines.last == "" { lines.removeLast() }
                labels = lines
                break
            }
        }
    }

    /// The normalisation the options describe, on `PixelNormalization`'s [0, 1] scale.
    public var normalization: PixelNormalization? {
        guard let mean, let std, [1, 3].contains(mean.count), [1, 3].contains(std.count) else { return nil }
        let m = mean.count == 1 ? Array(repeating: mean[0], count: 3) : mean
        let s = std.count == 1 ? Array(repeating: std[0], count: 3) : std
        return try? PixelNormalization(mean: m.map { $0 / 255 }, std: s.map { $0 / 255 })
    }
}

/// A bounds-checked reader of the few flatbuffer shapes the metadata uses: tables, vectors of
/// tables, strings, float vectors and byte fields.
private struct MetadataReader: LittleEndianFields {
    let bytes: [UInt8]
    let format = "tflite metadata"
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var root: Int { get throws { try u32(0) } }

    /// The position of `field`'s value in the table at `table`, nil when absent.
    func field(_ table: Int, _ field: Int) throws -> Int? {
        let vtable = table - Int(Int32(truncatingIfNeeded: try u32(table)))
        let size = try u16(vtable)
        let slot = 4 + 2 * field
        guard slot + 2 <= size else { return nil }
        let offset = try u16(vtable + slot)
        return offset == 0 ? nil : table + offset
    }

    func table(_ table: Int, field id: Int) throws -> Int? {
        guard let at = try field(table, id) else { return nil }
        return at + (try u32(at))
    }

    func byte(_ table: Int, field id: Int) throws -> UInt8 {
        guard let at = try field(table, id) else { return 0 }
        guard at < bytes.count else { throw fail("offset \(at) past the end") }
        return bytes[at]
    }

    /// The vector a field points at: its element count and first element.
    func vector(_ table: Int, _ id: Int) throws -> (count: Int, start: Int)? {
        guard let at = try field(table, id) else { return nil }
        let vector = at + (try u32(at))
        let count = try u32(vector)
        guard count <= bytes.count else { throw fail("vector of \(count) elements") }
        return (count, vector + 4)
    }

    func tables(_ table: Int, field id: Int) throws -> [Int] {
        guard let (count, start) = try vector(table, id) else { return [] }
        return try (0..<count).map { index in
            let at = start + 4 * index
            return at + (try u32(at))
        }
    }

    func floats(_ table: Int, field id: Int) throws -> [Float] {
        guard let (count, start) = try vector(table, id) else { return [] }
        return try (0..<count).map { Float(bitPattern: UInt32(try u32(start + 4 * $0))) }
    }

    func string(_ table: Int, field id: Int) throws -> String? {
        guard let (count, start) = try vector(table, id) else { return nil }
        guard start + count <= bytes.count else { throw fail("string past the end") }
        return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
    }
}

/// The uncompressed ("stored") entries of a zip archive at the end of a file, as the metadata
/// writers append associated files to a model (Python's zipfile default).
private struct StoredZipArchive: LittleEndianFields {
    let bytes: [UInt8]
    let format = "tflite associated files"
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func file(named name: String) throws -> ArraySlice<UInt8> {
        // The end-of-central-directory record: within the last 64 KB + 22 bytes.
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while end >= lowest, try u32(end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else { throw fail("no zip archive holds '\(name)'") }
        let entries = try u16(end + 10), size = try u32(end + 12), offset = try u32(end + 16)
        // Offsets count from the archive's start, which is not the file's when it is appended.
        let shift = end - size - offset
        var at = end - size
        for _ in 0..<entries {
            guard try u32(at) == 0x0201_4B50 else { throw fail("bad central directory entry") }
            let method = try u16(at + 10), compressed = try u32(at + 20)
            let nameLength = try u16(at + 28), extra = try u16(at + 30), comment = try u16(at + 32)
            let local = try u32(at + 42) + shift
            guard at + 46 + nameLength <= bytes.count else { throw fail("entry name past the end") }
            let entryName = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            if entryName == name {
                guard method == 0 else { throw fail("'\(name)' is compressed (method \(method)); only stored files are read") }
                guard try u32(local) == 0x0403_4B50 else { throw fail("bad local header for '\(name)'") }
                let data = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
                guard data + compressed <= bytes.count else { throw fail("'\(name)' past the end") }
                return bytes[data..<(data + compressed)]
            }
            at += 46 + nameLength + extra + comment
        }
        throw fail("the archive has no '\(name)'")
    }
}

/// Bounds-checked little-endian reads from a byte array, failing with one line naming `format`.
private protocol LittleEndianFields {
    var bytes: [UInt8] { get }
    var format: String { get }
}

extension LittleEndianFields {
    func fail(_ what: String) -> MobileNetError {
        .malformed(format: format, reason: what)
    }

    func u16(_ at: Int) throws -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw fail("offset \(at) past the end") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) throws -> Int {
        guard at >= 0, at + 4 <= bytes.count else { throw fail("offset \(at) past the end") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
    }
}
