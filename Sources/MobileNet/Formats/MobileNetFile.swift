#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Our weight files: safetensors holding every weight of a `MobileNetModel` (Keras names and
/// layouts, batch norm unfolded) with the architecture in the metadata:
/// `format` = `mobilenet-v1`, `config` = the `MobileNetConfig` as JSON, and optionally
/// `class_names` = a JSON array of strings.
///
/// Files exported from Keras with the same tensor names and flat metadata keys (`alpha`,
/// `height`, `width`, `classes`, `include_top`) load too.
extension MobileNetModel {
    static let formatName = "mobilenet-v1"

    /// Reads a model from a safetensors file.
    public init(contentsOf url: URL) throws {
        try self.init(safeTensors: SafeTensors(contentsOf: url), source: url.lastPathComponent)
    }

    /// Reads a model from parsed safetensors; `source` names it in errors.
    public init(safeTensors file: SafeTensors, source: String = "model") throws {
        let config = try Self.config(from: file.metadata, source: source)
        let architecture = try MobileNetArchitecture(config)
        var weights: [String: Tensor<Float>] = [:]
        for (name, _) in architecture.weightShapes {
            guard file[name] != nil else {
                throw MobileNetError.missingTensor("\(name)' in '\(source)")
            }
            weights[name] = try file.floatTensor(name)
        }
        var classNames: [String]?
        if let json = file.metadata["class_names"] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
                throw MobileNetError.malformed(format: "model file \(source)", reason: "class_names is not a JSON array of strings")
            }
            classNames = names
        }
        try self.init(architecture: architecture, weights: weights, classNames: classNames)
    }

    /// The safetensors form of this model.
    public func safeTensors() throws -> SafeTensors {
        var file = SafeTensors()
        for (name, tensor) in weights { file.set(name, tensor) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata["format"] = Self.formatName
        file.metadata["config"] = String(decoding: try encoder.encode(architecture.config), as: UTF8.self)
        if let classNames {
            file.metadata["class_names"] = String(decoding: try encoder.encode(classNames), as: UTF8.self)
        }
        return file
    }

    /// Writes the model as safetensors (atomically).
    public func write(to url: URL) throws {
        try safeTensors().write(to: url)
    }

    private static func config(from metadata: [String: String], source: String) throws -> MobileNetConfig {
        if let json = metadata["config"] {
            do {
                return try JSONDecoder().decode(MobileNetConfig.self, from: Data(json.utf8))
            } catch {
                throw MobileNetError.malformed(format: "model file \(source)", reason: "metadata 'config' is not a MobileNet configuration")
            }
        }
        guard let alpha = metadata["alpha"].flatMap(Double.init),
              let height = metadata["height"].flatMap(Int.init) else {
            throw MobileNetError.malformed(format: "model file \(source)",
                                           reason: "no MobileNet architecture in its metadata (expected 'config', or 'alpha' and 'height')")
        }
        let includeTop = metadata["include_top"].map { $0.lowercased() == "true" } ?? true
        return MobileNetConfig(alpha: alpha, height: height, width: metadata["width"].flatMap(Int.init),
                               classes: metadata["classes"].flatMap(Int.init) ?? 1000, includeTop: includeTop)
    }
}
