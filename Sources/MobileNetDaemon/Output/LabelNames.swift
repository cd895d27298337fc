/// The class names as the line formats need them, encoded once when a model is loaded: UTF-8
/// for text lines (control characters replaced by spaces, so a name cannot break a line) and
/// JSON-escaped for JSON Lines. Index `count` is the "unknown" label (no class passes the
/// thresholds).
public final class LabelNames {
    public let count: Int
    private let text: [[UInt8]]
    private let json: [[UInt8]]

    /// The name written when no class passes the thresholds.
    public static let unknown = "unknown"

    public init(_ names: [String]) {
        count = names.count
        let all = names + [Self.unknown]
        text = all.map { name in name.utf8.map { $0 < 0x20 || $0 == 0x7F ? 0x20 : $0 } }
        json = all.map(Self.jsonEscaped)
    }

    /// The text bytes of class `index` (nil: unknown); calls `body` without copying.
    public func withText<R>(_ index: Int?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        text[index ?? count].withUnsafeBytes(body)
    }

    /// The JSON string contents (without quotes) of class `index` (nil: unknown).
    public func withJSON<R>(_ index: Int?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        json[index ?? count].withUnsafeBytes(body)
    }

    /// The name of class `index` (nil: unknown), for log lines.
    public func name(_ index: Int?) -> String {
        String(decoding: text[index ?? count], as: UTF8.self)
    }

    static func jsonEscaped(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        let hex = Array("0123456789abcdef".utf8)
        for byte in name.utf8 {
            switch byte {
            case 0x22: bytes += [0x5C, 0x22]  // \"
            case 0x5C: bytes += [0x5C, 0x5C]  // \\
            case 0x0A: bytes += [0x5C, 0x6E]  // \n
            case 0x0D: bytes += [0x5C, 0x72]  // \r
            case 0x09: bytes += [0x5C, 0x74]  // \t
            case 0..<0x20: bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: bytes.append(byte)
            }
        }
        return bytes
    }
}
