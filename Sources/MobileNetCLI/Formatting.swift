#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// printf-style formatting for the CLI's text output, without Foundation's `String(format:)`
// (on Linux, `import Foundation` maps ICU and costs several MB of resident memory).

/// `value` with `decimals` digits after the point, like `String(format: "%.<decimals>f", value)`
/// (the C library's conversion, so rounding is the same).
func fixed(_ value: Double, _ decimals: Int) -> String {
    precondition((0...20).contains(decimals), "decimals must be in 0...20")
    let format = "%.\(decimals)f"
    var buffer = [CChar](repeating: 0, count: 64)
    while true {
        let capacity = buffer.count
        let length = buffer.withUnsafeMutableBufferPointer { out in
            withVaList([value]) { vsnprintf(out.baseAddress, capacity, format, $0) }
        }
        precondition(length >= 0, "vsnprintf failed")
        if Int(length) < capacity {
            return String(decoding: buffer[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        buffer = [CChar](repeating: 0, count: Int(length) + 1)
    }
}

/// `text` right-aligned in `width` characters, like `%<width>d` or `%<width>@` (never truncated).
func rightAligned(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

/// `text` left-aligned in `width` characters, like `%-<width>@` (never truncated).
func leftAligned(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}
