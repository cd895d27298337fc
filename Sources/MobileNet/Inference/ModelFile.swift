#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A model file opened for the engines, with what it records about its use: class names and
/// how images were prepared for it. Our safetensors files record them in their metadata (see
/// `TrainingCheckpoint`); `.tflite` files we export record them as `ModelUsage` JSON in the
/// metadata entry `mobilenet_swift`; other files record nothing.
public struct ModelFile: Sendable {
    public var model: LoadedModel
    public var classNames: [String]?
    /// The training images' stored size, crop and normalisation, when recorded.
    public var preprocessing: ImagePreprocessing?
    /// The input normalisation, when recorded (also without a preprocessing record).
    public var normalization: PixelNormalization?
    /// The float weights, for our safetensors files.
    public var weights: MobileNetModel?

    /// Opens `.safetensors` (ours) or `.tflite` (float or int8); one-line errors naming the file.
    public init(contentsOf url: URL) throws {
        if url.pathExtension.lowercased() == "safetensors" {
            let file = try SafeTensors(contentsOf: url)
            let weights = try MobileNetModel(safeTensors: file, source: url.lastPathComponent)
            model = .float(try InferenceGraph(weights))
            classNames = weights.classNames
            preprocessing = TrainingCheckpoint.preprocessing(in: file)
            normalization = TrainingCheckpoint.normalization(in: file) ?? preprocessing?.normalization
            self.weights = weights
            return
        }
        let file = try MappedFile(url, what: "model")
        guard ModelLoader.isTFLite(file.bytes, url) else {
            throw MobileNetError.unsupported("\(url.lastPathComponent) is neither a .tflite nor a .safetensors model")
        }
        let tflite = try TFLiteModel(mapped: file)
        let usage = try ModelUsage(metadataOf: tflite, source: url.lastPathComponent)
        model = try ModelLoader.lower(consume tflite)
        classNames = usage?.classNames
        preprocessing = usage?.preprocessing
        normalization = usage?.preprocessing?.normalization
        weights = nil
    }
}

/// How a model is used, stored beside the network in the `.tflite` files we export (metadata
/// entry `mobilenet_swift`, JSON; TFLite ignores metadata it does not know).
public struct ModelUsage: Sendable, Equatable, Codable {
    public var classNames: [String]?
    public var preprocessing: ImagePreprocessing?

    enum CodingKeys: String, CodingKey {
        case classNames = "class_names", preprocessing
    }

    /// The metadata entry's name.
    public static let metadataName = "mobilenet_swift"

    public init(classNames: [String]?, preprocessing: ImagePreprocessing?) {
        self.classNames = classNames
        self.preprocessing = preprocessing
    }

    /// The usage recorded in `model`, nil when it records none; a malformed record throws.
    public init?(metadataOf model: TFLiteModel, source: String) throws {
        guard let bytes = model.metadata[Self.metadataName] else { return nil }
        do {
            self = try JSONDecoder().decode(ModelUsage.self, from: Data(bytes))
        } catch {
            throw MobileNetError.malformed(format: "tflite \(source)", reason: "metadata '\(Self.metadataName)' is not valid JSON of class names and preprocessing")
        }
    }

    /// The metadata entries that record this usage.
    public func metadata() throws -> [String: [UInt8]] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [Self.metadataName: Array(try encoder.encode(self))]
    }
}
