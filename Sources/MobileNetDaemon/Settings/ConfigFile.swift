/// The `watch` config file: `key = value` lines, `#` comments (whole lines or after a value),
/// blank lines; values bare (`threshold = 0.8`, `format = json`) or quoted as TOML strings
/// (`"..."` with backslash escapes, `'...'` literal). A TOML file of top-level keys reads the
/// same. Every error names the file and line: `watch.conf:3: unknown key 'treshold'`.
public enum ConfigFile {
    /// Where the service looks when no `--config` is given.
    public static let defaultPath = "/etc/mobilenet/watch.conf"

    /// One `key = value` entry and the line it is on.
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let value: String
        public let line: Int
    }

    /// Reads the file at `path` and applies its entries over `settings`.
    public static func apply(path: String, to settings: inout WatchSettings) throws(SettingError) {
        switch SystemError.readFile(path) {
        case .success(let bytes): try apply(text: String(decoding: bytes, as: UTF8.self), name: path, to: &settings)
        case .failure(let error): throw SettingError("\(path): cannot read the config file (\(error))")
        }
    }

    /// Applies the entries of `text` (a file called `name` in messages) over `settings`.
    public static func apply(text: String, name: String, to settings: inout WatchSettings) throws(SettingError) {
        var seen: [String: Int] = [:]
        for entry in try entries(text, name: name) {
            let canonical = String(entry.key.map { $0 == "_" ? "-" : $0 })
            if let first = seen[canonical] {
                throw SettingError("\(name):\(entry.line): '\(entry.key)' is already set on line \(first)")
            }
            seen[canonical] = entry.line
            do {
                try settings.apply(entry.key, entry.value)
            } catch {
                throw SettingError("\(name):\(entry.line): \(error.message)")
            }
        }
        do {
            try settings.validate()
        } catch {
            throw SettingError("\(name): \(error.message)")
        }
    }

    /// The entries of `text`, in order.
    public static func entries(_ text: String, name: String) throws(SettingError) -> [Entry] {
        var result: [Entry] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if index == 0, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") {
                throw SettingError("\(name):\(number): sections are not supported; write top-level 'key = value' lines")
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw SettingError("\(name):\(number): expected 'key = value', got '\(trimmed)'")
            }
            let key = trimmed[..<equals].trimmingSpaces
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw SettingError("\(name):\(number): '\(key)' is not a key (letters, digits, '-' and '_')")
            }
            do {
                let value = try parseValue(trimmed[trimmed.index(after: equals)...].trimmingSpaces)
                result.append(Entry(key: String(key), value: value, line: number))
            } catch {
                throw SettingError("\(name):\(number): \(error.message)")
            }
        }
        return result
    }

    /// A value: a quoted TOML string, or bare text up to a `#` comment.
    static func parseValue(_ text: Substring) throws(SettingError) -> String {
        guard let first = text.first else { throw SettingError("missing value after '='") }
        if first == "\"" || first == "'" {
            var value = ""
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                let character = text[index]
                if character == first {
                    let rest = text[text.index(after: index)...].trimmingSpaces
                    guard rest.isEmpty || rest.hasPrefix("#") else {
                        throw SettingError("unexpected '\(rest)' after the closing quote")
                    }
                    return value
                }
                if character == "\\" && first == "\"" {
                    index = text.index(after: index)
                    guard index < text.endIndex else { break }
                    switch text[index] {
                    case "\\": value.append("\\")
                    case "\"": value.append("\"")
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    default: throw SettingError("unknown escape '\\\(text[index])' in a quoted value")
                    }
                } else {
                    value.append(character)
                }
                index = text.index(after: index)
            }
            throw SettingError("missing closing \(first)")
        }
        let bare = (text.firstIndex(of: "#").map { text[..<$0] } ?? text).trimmingSpaces
        guard !bare.isEmpty else { throw SettingError("missing value after '='") }
        return String(bare)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
