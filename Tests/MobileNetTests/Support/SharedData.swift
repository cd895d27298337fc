import Foundation

/// Access to `../shared` (models, golden files, datasets) from the tests.
///
/// In CI (`CI=true`) a missing file is a failure that names the path; elsewhere tests that need
/// it are disabled with `.enabled(if: SharedData.required)` so a checkout without the data still
/// runs everything else.
enum SharedData {
    /// The package root (the folder holding Package.swift).
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Support/, MobileNetTests/, Tests/, file
        return url
    }()

    /// `../shared` beside the package root.
    static let root = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when tests that need shared data must run: in CI, or when the folder exists.
    static var required: Bool { isCI || FileManager.default.fileExists(atPath: root.path) }

    /// The URL of `relative` under shared/, or a thrown error naming the missing path.
    static func url(_ relative: String) throws -> URL {
        let url = root.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingSharedFile(path: url.path)
        }
        return url
    }

    /// The URL of a file committed under Tests/MobileNetTests/Fixtures/.
    static func fixture(_ relative: String) throws -> URL {
        let url = packageRoot.appendingPathComponent("Tests/MobileNetTests/Fixtures")
            .appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingSharedFile(path: url.path)
        }
        return url
    }
}

/// Thrown when a test's data file is absent; the message names the path.
struct MissingSharedFile: Error, CustomStringConvertible {
    let path: String
    var description: String { "required test data is missing: \(path)" }
}
