/// The tensors of a safetensors file, read without Foundation (the full reader, `SafeTensors` in
/// the `MobileNet` module, does not build as Embedded Swift): an 8-byte little-endian header
/// length N, N bytes of JSON naming each tensor's `dtype`, `shape` and `data_offsets` (relative
/// to the data that follows the header), then the data.
struct GoldenFile {
    /// One tensor: its element type (`I8`, `F32`, ...), shape and bytes within `bytes`.
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var range: Range<Int>
    }

    let bytes: [UInt8]
    /// Tensors in file order (`__metadata__` left out).
    private(set) var entries: [Entry] = []

    init(bytes: [UInt8]) throws(DriverError) {
        self.bytes = bytes
        guard bytes.count >= 8 else { throw DriverError("safetensors: shorter than its 8-byte header length") }
        var length = 0
        for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
        guard length >= 2, length <= bytes.count - 8 else {
            throw DriverError("safetensors: header length \(length) does not fit in \(bytes.count) bytes")
        }
        var parser = JSONParser(bytes: bytes, position: 8, end: 8 + length)
        guard case .object(let members) = try parser.value() else {
            throw DriverError("safetensors: the header is not a JSON object")
        }
        let dataStart = 8 + length
        for (name, value) in members where name != "__metadata__" {
            guard case .object(let fields) = value,
                  case .string(let dtype)? = fields.first(where: { $0.0 == "dtype" })?.1,
                  case .array(let shapeValues)? = fields.first(where: { $0.0 == "shape" })?.1,
                  case .array(let offsets)? = fields.first(where: { $0.0 == "data_offsets" })?.1,
                  offsets.count == 2, case .number(let begin) = offsets[0], case .number(let end) = offsets[1],
                  begin <= end, dataStart + end <= bytes.count
            else { throw DriverError("safetensors: tensor \(name) has a malformed header entry") }
            var shape: [Int] = []
            for dimension in shapeValues {
                guard case .number(let size) = dimension, size >= 0 else {
                    throw DriverError("safetensors: tensor \(name) has a malformed shape")
                }
                shape.append(size)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, range: dataStart + begin..<dataStart + end))
        }
    }

    /// The tensor called `name`.
    func entry(_ name: String) throws(DriverError) -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw DriverError("safetensors: no tensor \(name)")
        }
        return entry
    }

    /// The int8 values of tensor `name`.
    func int8(_ name: String) throws(DriverError) -> (shape: [Int], values: [Int8]) {
        let e = try entry(name)
        guard e.dtype == "I8", e.range.count == e.shape.reduce(1, *) else {
            throw DriverError("safetensors: \(name) is \(e.dtype) with \(e.range.count) bytes, not int8 of its shape")
        }
        return (e.shape, e.range.map { Int8(bitPattern: bytes[$0]) })
    }

    /// The float32 values of tensor `name` (little endian).
    func float32(_ name: String) throws(DriverError) -> (shape: [Int], values: [Float]) {
        let e = try entry(name)
        guard e.dtype == "F32", e.range.count == 4 * e.shape.reduce(1, *) else {
            throw DriverError("safetensors: \(name) is \(e.dtype) with \(e.range.count) bytes, not float32 of its shape")
        }
        var values: [Float] = []
        var i = e.range.lowerBound
        while i < e.range.upperBound {
            let bits = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            values.append(Float(bitPattern: bits))
            i += 4
        }
        return (e.shape, values)
    }
}

/// The JSON a safetensors header holds: objects, arrays, strings, integers (other numbers,
/// booleans and null are read and kept as `.other`).
indirect enum JSONValue {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(Int)
    case other
}

/// A recursive-descent JSON parser over `bytes[position..<end]`.
struct JSONParser {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    mutating func value() throws(DriverError) -> JSONValue {
        skipSpace()
        guard position < end else { throw fail("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                members.append((key, try value()))
                skipSpace()
                if try separatorEnds(UInt8(ascii: "}")) { return .object(members) }
            }
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            skipSpace()
            if position < end, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                elements.append(try value())
                skipSpace()
                if try separatorEnds(UInt8(ascii: "]")) { return .array(elements) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            position += 1
            var integral = true
            while position < end, Self.isNumberByte(bytes[position]) {
                if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { integral = false }
                position += 1
            }
            guard integral else { return .other }
            var value = 0
            let negative = bytes[start] == UInt8(ascii: "-")
            for b in bytes[(negative ? start + 1 : start)..<position] {
                let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = scaled.addingReportingOverflow(Int(b - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw fail("integer out of range") }
                value = sum
            }
            return .number(negative ? -value : value)
        default:
            // true, false, null
            while position < end, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[position]) { position += 1 }
            return .other
        }
    }

    private static func isNumberByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e")
            || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }

    /// Consumes `,` (false: more follows) or `close` (true).
    private mutating func separatorEnds(_ close: UInt8) throws(DriverError) -> Bool {
        guard position < end else { throw fail("unexpected end") }
        if bytes[position] == UInt8(ascii: ",") { position += 1; return false }
        try expect(close)
        return true
    }

    private mutating func string() throws(DriverError) -> String {
        try expect(UInt8(ascii: "\""))
        var utf8: [UInt8] = []
        while position < end, bytes[position] != UInt8(ascii: "\"") {
            if bytes[position] == UInt8(ascii: "\\"), position + 1 < end {
                position += 1
                switch bytes[position] {
                case UInt8(ascii: "n"): utf8.append(10)
                case UInt8(ascii: "t"): utf8.append(9)
                case UInt8(ascii: "r"): utf8.append(13)
                case UInt8(ascii: "u"): utf8.append(UInt8(ascii: "?")); position += 4  // not in our headers' names
                default: utf8.append(bytes[position])
                }
            } else {
                utf8.append(bytes[position])
            }
            position += 1
        }
        try expect(UInt8(ascii: "\""))
        return String(decoding: utf8, as: UTF8.self)
    }

    private mutating func expect(_ byte: UInt8) throws(DriverError) {
        guard position < end, bytes[position] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    private mutating func skipSpace() {
        while position < end, [32, 9, 10, 13].contains(bytes[position]) { position += 1 }
    }

    private func fail(_ what: String) -> DriverError {
        DriverError("safetensors: malformed JSON header at byte \(position): \(what)")
    }
}
