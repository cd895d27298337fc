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

// Number formatting and file writing shared by the training reports, without Foundation's
// `String(format:)` (on Linux it maps ICU, several MB of resident memory).

/// `value` with exactly `places` digits after the point, rounded half away from zero
/// ("0.125" → "0.13" at 2 places); "nan", "inf", "-inf" for non-finite values, and Swift's
/// shortest form ("1e+20") for magnitudes too large for fixed-point digits.
func decimalText(_ value: Double, places: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let places = min(max(places, 0), 15)
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (value.magnitude * scale).rounded(.toNearestOrAwayFromZero)
    guard scaled < 9.0e15 else { return value.description }
    var digits = String(Int(scaled))
    if places > 0 {
        if digits.count <= places { digits = String(repeating: "0", count: places + 1 - digits.count) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
    }
    return value < 0 && scaled != 0 ? "-" + digits : digits
}

/// `text` right-aligned in `width` characters (never truncated).
func padLeft(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

/// `text` left-aligned in `width` characters (never truncated).
func padRight(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// Writes `bytes` as the whole file at `path`, atomically: to a temporary file in the same
/// folder, then renamed over `path`. `what` names the file in the one-line error.
func writeFileAtomically(_ bytes: [UInt8], toPath path: String, what: String) throws {
    let temporary = path + ".\(UUID().uuidString).tmp"
    do {
        try writeFileBytes(bytes, toPath: temporary)
    } catch {
        unlink(temporary)
        throw MobileNetError.io("cannot write \(what) \(path): \(error.reason)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = systemReason(errno)
        unlink(temporary)
        throw MobileNetError.io("cannot write \(what) \(path): \(reason)")
    }
}
