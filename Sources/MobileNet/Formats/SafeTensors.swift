#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A safetensors file: named tensors plus string metadata.
///
/// Layout: a little-endian u64 header length N, N bytes of UTF-8 JSON
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// possibly padded with spaces), then the data buffer that the offsets are relative to.
/// Reading validates the header completely; writing sorts tensors by name, like the Python
/// library, and pads the header to a multiple of 8 bytes.
public struct SafeTensors: Sendable {
    /// The tensors by name.
    public var tensors: [String: RawTensor]
    /// The `__metadata__` entries.
    public var metadata: [String: String]
    /// Names in file order (as read) followed by names added since.
    private var order: [String]

    /// An empty file.
    public init() {
        tensors = [:]
        metadata = [:]
        order = []
    }

    /// Parses the bytes of a safetensors file.
    public init(bytes: [UInt8]) throws {
        self.init()
        try parse(bytes)
    }

    /// Reads and parses the safetensors file at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(bytes: readFileBytes(url, what: "safetensors file"))
    }

    /// The tensor names: in data-offset order for tensors read from a file, then in insertion
    /// order for tensors added with `set` (then any others added to `tensors` directly, sorted).
    public var names: [String] {
        var listed = Set<String>()
        var result = [String]()
        for name in order where tensors[name] != nil && listed.insert(name).inserted {
            result.append(name)
        }
        return result + tensors.keys.filter { !listed.contains($0) }.sorted()
    }

    /// The tensor called `name`, or nil.
    public subscript(name: String) -> RawTensor? {
        tensors[name]
    }

    /// The tensor called `name` as floats (F16, BF16 and F64 converted); throws
    /// `.missingTensor(name)` when absent and `.unsupported` for integer dtypes.
    public func floatTensor(_ name: String) throws -> Tensor<Float> {
        try raw(name).floats(name: name)
    }

    /// The I8 tensor called `name`; throws when absent or of another dtype.
    public func int8Tensor(_ name: String) throws -> Tensor<Int8> {
        let tensor = try raw(name)
        try tensor.checkType(.int8, name: name)
        return try tensor.int8s()
    }

    /// The I32 tensor called `name`; throws when absent or of another dtype.
    public func int32Tensor(_ name: String) throws -> Tensor<Int32> {
        let tensor = try raw(name)
        try tensor.checkType(.int32, name: name)
        return try tensor.int32s()
    }

    private func raw(_ name: String) throws -> RawTensor {
        guard let tensor = tensors[name] else { throw MobileNetError.missingTensor(name) }
        return tensor
    }

    /// Adds or replaces a raw tensor (a new name goes last in `names`).
    public mutating func set(_ name: String, _ tensor: RawTensor) {
        if tensors.updateValue(tensor, forKey: name) == nil, !order.contains(name) {
            order.append(name)
        }
    }

    /// Adds or replaces an F32 tensor.
    public mutating func set(_ name: String, _ tensor: Tensor<Float>) {
        set(name, RawTensor(tensor))
    }

    /// Adds or replaces an I8 tensor.
    public mutating func set(_ name: String, _ tensor: Tensor<Int8>) {
        set(name, RawTensor(tensor))
    }

    /// Adds or replaces an I32 tensor.
    public mutating func set(_ name: String, _ tensor: Tensor<Int32>) {
        set(name, RawTensor(tensor))
    }

    // MARK: - Writing

    /// The file's bytes: tensors sorted by name, metadata first in the header; throws when a
    /// tensor's byte count does not match its shape and dtype.
    public func serialized() throws -> [UInt8] {
        let sortedNames = tensors.keys.sorted()
        var json = "{"
        var fields = [String]()
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            fields.append("\"__metadata__\":{" + entries.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in sortedNames {
            let tensor = tensors[name]!
            guard name != "__metadata__" else {
                throw MobileNetError.invalidArgument("a tensor cannot be named __metadata__")
            }
            guard tensor.shape.allSatisfy({ $0 >= 0 }),
                let count = Self.elementCount(tensor.shape),
                count.multipliedReportingOverflow(by: tensor.type.byteSize) == (tensor.bytes.count, false)
            else {
                throw MobileNetError.shapeMismatch(
                    "tensor '\(name)' has \(tensor.bytes.count) bytes, which do not fit shape \(tensor.shape.shapeDescription) of \(tensor.type.rawValue)")
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            let end = offset + tensor.bytes.count
            fields.append("\(Self.quoted(name)):{\"dtype\":\"\(tensor.type.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        var result = [UInt8]()
        result.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { result.append(contentsOf: $0) }
        result.append(contentsOf: header)
        for name in sortedNames { result.append(contentsOf: tensors[name]!.bytes) }
        return result
    }

    /// Writes the file atomically: to a temporary file in the same folder, then renamed over `url`.
    public func write(to url: URL) throws {
        try writeFileAtomically(try serialized(), to: url, what: "safetensors file")
    }

    /// `s` as a JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The product of `shape`, or nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

// MARK: - Reading

extension SafeTensors {
    private static func malformed(_ reason: String) -> MobileNetError {
        .malformed(format: "safetensors", reason: reason)
    }

    /// A JSON number that is an integer in Int's range (booleans and fractions are not).
    private static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .integer(let n):
            return n
        case .number(let double):
            guard double.isFinite, double == double.rounded(),
                double >= -9.2e18, double <= 9.2e18
            else { return nil }
            return Int(double)
        default:
            return nil
        }
    }

    fileprivate mutating func parse(_ bytes: [UInt8]) throws {
        guard bytes.count >= 8 else {
            throw Self.malformed("file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(bytes.count - 8) else {
            throw Self.malformed("header length \(length) runs past the end of the \(bytes.count)-byte file")
        }
        let headerEnd = 8 + Int(length)
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<headerEnd]))
        } catch {
            throw Self.malformed("header is not valid UTF-8 JSON")
        }
        guard case .object(let header) = json else {
            throw Self.malformed("header is not a JSON object")
        }
        let bufferSize = bytes.count - headerEnd

        if let meta = header["__metadata__"] {
            guard case .object(let entries) = meta else {
                throw Self.malformed("__metadata__ is not a JSON object")
            }
            for (key, value) in entries {
                guard case .string(let string) = value else {
                    throw Self.malformed("__metadata__ value of '\(key)' is not a string")
                }
                metadata[key] = string
            }
        }

        var spans = [(begin: Int, end: Int, name: String)]()
        for (name, value) in header where name != "__metadata__" {
            guard case .object(let entry) = value else {
                throw Self.malformed("entry of tensor '\(name)' is not a JSON object")
            }
            guard let dtypeValue = entry["dtype"] else { throw Self.malformed("tensor '\(name)' has no dtype") }
            guard let shapeValue = entry["shape"] else { throw Self.malformed("tensor '\(name)' has no shape") }
            guard let offsetsValue = entry["data_offsets"] else {
                throw Self.malformed("tensor '\(name)' has no data_offsets")
            }
            guard case .string(let dtypeName) = dtypeValue, let type = ElementType(rawValue: dtypeName) else {
                throw Self.malformed("tensor '\(name)' has unknown dtype \(dtypeValue)")
            }
            guard case .array(let dims) = shapeValue else {
                throw Self.malformed("shape of tensor '\(name)' is not an array")
            }
            var shape = [Int]()
            for d in dims {
                guard let n = Self.integer(d), n >= 0 else {
                    throw Self.malformed("tensor '\(name)' has a negative or non-integer dimension \(d)")
                }
                shape.append(n)
            }
            guard case .array(let offsets) = offsetsValue, offsets.count == 2,
                let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1])
            else {
                throw Self.malformed("data_offsets of tensor '\(name)' are not two integers")
            }
            guard begin >= 0, end >= 0, begin <= bufferSize, end <= bufferSize else {
                throw Self.malformed(
                    "data_offsets [\(begin), \(end)] of tensor '\(name)' are outside the \(bufferSize)-byte data buffer")
            }
            guard end >= begin else {
                throw Self.malformed("data_offsets of tensor '\(name)' end (\(end)) before they begin (\(begin))")
            }
            guard let count = Self.elementCount(shape),
                count.multipliedReportingOverflow(by: type.byteSize) == (end - begin, false)
            else {
                throw Self.malformed(
                    "tensor '\(name)' has \(end - begin) data bytes, but shape \(shape.shapeDescription) of \(type.rawValue) needs \(Self.elementCount(shape).map { "\($0 * type.byteSize)" } ?? "more")")
            }
            spans.append((begin, end, name))
            tensors[name] = RawTensor(type: type, shape: shape, bytes: [])
        }

        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.begin < previous.end {
            throw Self.malformed(
                "tensors '\(previous.name)' [\(previous.begin), \(previous.end)] and '\(next.name)' [\(next.begin), \(next.end)] overlap")
        }
        for span in spans {
            tensors[span.name]!.bytes = Array(bytes[(headerEnd + span.begin)..<(headerEnd + span.end)])
        }
        order = spans.map(\.name)
    }
}

/// A JSON value as JSONDecoder reads it: the safetensors header before validation. Numbers
/// that are integers in Int's range are `.integer`, other numbers `.number`; booleans stay
/// booleans (never numbers).
private enum JSONValue: Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        // Tried in order of frequency in a header (strings, integers, objects, arrays), as each
        // failed attempt costs a thrown DecodingError.
        let single = try decoder.singleValueContainer()
        if let value = try? single.decode(String.self) {
            self = .string(value)
        } else if let value = try? single.decode(Int.self) {
            self = .integer(value)
        } else if let container = try? decoder.container(keyedBy: Key.self) {
            var members = [String: JSONValue]()
            for key in container.allKeys {
                members[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
            }
            self = .object(members)
        } else if var container = try? decoder.unkeyedContainer() {
            var elements = [JSONValue]()
            while !container.isAtEnd { elements.append(try container.decode(JSONValue.self)) }
            self = .array(elements)
        } else if let value = try? single.decode(Double.self) {
            self = .number(value)
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if single.decodeNil() {
            self = .null
        } else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "not a JSON value")
        }
    }

    /// Strings bare, everything else as JSON-like text (for error messages).
    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): value
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.keys.sorted().map { "\(SafeTensors.quoted($0)): \(members[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
