import Foundation

/// Reads a whole file for a parser; `what` names the kind of file in the one-line error
/// ("no such file: …" or "cannot read TFLite model …: reason").
func readFileBytes(_ url: URL, what: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw MobileNetError.io("no such file: \(url.path)")
    }
    do {
        return [UInt8](try Data(contentsOf: url))
    } catch {
        throw MobileNetError.io("cannot read \(what) \(url.path): \(error.localizedDescription)")
    }
}
