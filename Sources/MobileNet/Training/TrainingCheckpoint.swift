#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A training checkpoint: a model file (see `MobileNetFile`: weights, running statistics,
/// architecture and class names, so `run`, `bench` and `eval` take it as it is) plus the
/// optimizer's state tensors under `optimizer/`, and in the metadata the run's settings
/// (`training`), the epochs completed (`epochs_completed`) and the input normalisation
/// (`normalization`) — all `--resume` needs to continue bit for bit — and how to prepare any
/// image for the model (`preprocessing`: the training images' stored size, which the trainer
/// then resized bilinearly to the model's input, and the normalisation).
public struct TrainingCheckpoint {
    public var model: MobileNetModel
    public var settings: TrainingSettings
    public var epochsCompleted: Int
    public var normalization: PixelNormalization
    public var optimizerState: [String: Tensor<Float>]
    /// The training images' stored size and normalisation (`nil` in checkpoints that predate it).
    public var preprocessing: ImagePreprocessing?

    static let optimizerPrefix = "optimizer/"

    public init(model: MobileNetModel, settings: TrainingSettings, epochsCompleted: Int,
                normalization: PixelNormalization, optimizerState: [String: Tensor<Float>],
                preprocessing: ImagePreprocessing? = nil) {
        self.model = model
        self.settings = settings
        self.epochsCompleted = epochsCompleted
        self.normalization = normalization
        self.optimizerState = optimizerState
        self.preprocessing = preprocessing
    }

    /// Reads a checkpoint written by `write(to:)`; throws a one-line error naming the file.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensors(contentsOf: url)
        let source = url.lastPathComponent
        model = try MobileNetModel(safeTensors: file, source: source)
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let json = file.metadata[key] else {
                throw MobileNetError.malformed(format: "checkpoint \(source)", reason: "no '\(key)' in its metadata (not a training checkpoint)")
            }
            do { return try JSONDecoder().decode(type, from: Data(json.utf8)) } catch {
                throw MobileNetError.malformed(format: "checkpoint \(source)", reason: "metadata '\(key)' is not valid")
            }
        }
        settings = try decode(TrainingSettings.self, "training")
        epochsCompleted = try decode(Int.self, "epochs_completed")
        normalization = try decode(PixelNormalization.self, "normalization")
        var state: [String: Tensor<Float>] = [:]
        for name in file.names where name.hasPrefix(Self.optimizerPrefix) {
            state[String(name.dropFirst(Self.optimizerPrefix.count))] = try file.floatTensor(name)
        }
        optimizerState = state
        preprocessing = Self.preprocessing(in: file)
    }

    /// The image preparation recorded in a model or checkpoint file, if any.
    public static func preprocessing(in file: SafeTensors) -> ImagePreprocessing? {
        file.metadata["preprocessing"].flatMap { try? JSONDecoder().decode(ImagePreprocessing.self, from: Data($0.utf8)) }
    }

    /// The normalisation recorded in a model or checkpoint file, if any.
    public static func normalization(in file: SafeTensors) -> PixelNormalization? {
        file.metadata["normalization"].flatMap { try? JSONDecoder().decode(PixelNormalization.self, from: Data($0.utf8)) }
    }

    /// Writes the checkpoint atomically (a temporary file renamed over `url`): a process killed
    /// at any moment leaves the previous checkpoint or the new one, never a broken file.
    public func write(to url: URL) throws {
        var file = try modelFile()
        for (name, tensor) in optimizerState { file.set(Self.optimizerPrefix + name, tensor) }
        try file.write(to: url)
    }

    /// The trained model alone, for deployment: weights, architecture, class names, the
    /// normalisation and preprocessing, and the settings that made it — no optimizer state.
    public func modelFile() throws -> SafeTensors {
        var file = try model.safeTensors()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata["training"] = String(decoding: try encoder.encode(settings), as: UTF8.self)
        file.metadata["epochs_completed"] = String(epochsCompleted)
        file.metadata["normalization"] = String(decoding: try encoder.encode(normalization), as: UTF8.self)
        if let preprocessing {
            file.metadata["preprocessing"] = String(decoding: try encoder.encode(preprocessing), as: UTF8.self)
        }
        return file
    }
}
