#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Class names for a classifier's outputs: a labels file (one label per line, in output order,
/// as TFLite's `labels.txt`), the names a model file records, or `class 0`, `class 1`, ….
public enum ClassLabels {
    /// The labels in the UTF-8 text file at `url`: one per line (`\n` or `\r\n`; a UTF-8 byte
    /// order mark and a final newline are ignored). Throws a one-line error naming the file
    /// when it cannot be read, holds no labels or an empty line, or, with `expectedCount`,
    /// holds another number of labels.
    public static func read(contentsOf url: URL, expectedCount: Int? = nil) throws -> [String] {
        let bytes = try readFileBytes(url, what: "labels file")
        let text = String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...], as: UTF8.self)
        // "\r\n" is one Character, so splitting at newline characters handles both line ends.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else {
            throw MobileNetError.invalidArgument("labels file \(url.path) holds no labels")
        }
        if let empty = lines.firstIndex(of: "") {
            throw MobileNetError.invalidArgument("labels file \(url.path): line \(empty + 1) is empty")
        }
        if let expectedCount, lines.count != expectedCount {
            throw MobileNetError.shapeMismatch(
                "labels file \(url.path) has \(lines.count) labels but the model has \(expectedCount) classes")
        }
        return lines
    }

    /// `class 0`, `class 1`, … for `count` classes.
    public static func numbered(_ count: Int) -> [String] {
        (0..<max(0, count)).map { "class \($0)" }
    }
}
