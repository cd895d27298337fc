#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet
import MobileNetCamera

/// A model ready for the loop: its classifier, the class names, and where and how a frame is
/// written into its input (crop, normalisation, quantization).
///
/// Class names come from `--labels`, else the model file (our files record them; other
/// `.tflite` files through their standard metadata's labels file), else `class N`. The
/// normalisation is `--preprocess`, else what the file records (ours, or the standard
/// metadata's NormalizationOptions), else, for an int8 model, the range its input quantization covers ([0, 1] → `unit`, [-1, 1] → `tf`; the
/// MLPerf Tiny and Model Maker int8 exports are so), else `tf` (as `classify`).
public final class WatchModel {
    public let classifier: any FrameClassifier
    public let names: LabelNames
    public let destination: FrameDestination
    /// "vww_96_int8.tflite (int8, 96x96, 2 classes, unit)" — for log lines.
    public let summary: String

    /// Loads `path` (nil: the embedded model at `embeddedPath`). Throws one line naming the file.
    public convenience init(path: String?, embeddedPath: String, labelsPath: String?, preprocess: String?, threads: Int) throws {
        do {
            try self.init(loading: path, embeddedPath: embeddedPath, labelsPath: labelsPath, preprocess: preprocess, threads: threads)
        } catch let error as MobileNetError {
            throw MobileNetError.io("model \(path ?? embeddedPath): \(error)")
        }
    }

    private init(loading path: String?, embeddedPath: String, labelsPath: String?, preprocess: String?, threads: Int) throws {
        let file = path ?? embeddedPath
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: file) else {
            throw MobileNetError.io(path == nil ? "the embedded model is missing - pass --model" : "no such file")
        }
        ModelLoader.mapLargeAllocations()
        let opened = try ModelFile(contentsOf: url)
        let classNames = opened.classNames
        let recorded = opened.preprocessing
        let recordedNormalization = opened.normalization
        let standard = url.pathExtension.lowercased() == "tflite" ? try TFLiteStandardMetadata(fileAt: file) : nil
        let classifier = try ModelClassifier(model: opened.model, threads: threads)
        let shape = classifier.inputShape
        guard shape.count == 3, shape[2] == 3 else {
            throw MobileNetError.unsupported("\(url.lastPathComponent) takes \(shape) inputs, not RGB images [H, W, 3]")
        }
        let names: [String]
        if let labelsPath {
            names = try ClassLabels.read(contentsOf: URL(fileURLWithPath: labelsPath), expectedCount: classifier.classCount)
        } else if let classNames, classNames.count == classifier.classCount {
            names = classNames
        } else if let labels = standard?.labels {
            guard labels.count == classifier.classCount else {
                throw MobileNetError.malformed(format: "tflite metadata",
                                               reason: "its labels file has \(labels.count) labels for \(classifier.classCount) classes")
            }
            names = labels
        } else {
            names = ClassLabels.numbered(classifier.classCount)
        }
        let normalization: PixelNormalization
        let normalizationName: String
        if let preprocess {
            guard let preset = NormalizationPreset(rawValue: preprocess) else {
                throw MobileNetError.invalidArgument(
                    "unknown preprocess '\(preprocess)'; one of \(NormalizationPreset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            normalization = preset.normalization
            normalizationName = preset.rawValue
        } else if let recordedNormalization {
            normalization = recordedNormalization
            normalizationName = "recorded in the model"
        } else if let fromMetadata = standard?.normalization {
            normalization = fromMetadata
            normalizationName = "mean \(standard?.mean ?? []) std \(standard?.std ?? []) from the model's metadata"
        } else if let q = classifier.inputQuantization, let preset = Self.preset(coveredBy: q) {
            normalization = preset.normalization
            normalizationName = "\(preset.rawValue) (from the input quantization)"
        } else {
            normalization = ClassifierPreprocessing.defaultNormalization.normalization
            normalizationName = ClassifierPreprocessing.defaultNormalization.rawValue
        }
        let crop = FrameDestination.Crop.central(fraction: recorded?.centralFraction ?? ClassifierPreprocessing.defaultCentralFraction)
        destination = FrameDestination(
            width: shape[1], height: shape[0], crop: crop, normalization: normalization,
            element: classifier.inputQuantization.map { .int8($0) } ?? .float32, base: classifier.inputBase)
        self.classifier = classifier
        self.names = LabelNames(names)
        summary = "\(url.lastPathComponent) (\(classifier.engineName), \(shape[1])x\(shape[0]), \(names.count) classes, \(normalizationName))"
    }

    /// The preset whose range an int8 input's quantization covers: [0, 1] (`unit`) or
    /// [-1, 1] (`tf`), within one quantization step.
    static func preset(coveredBy q: QuantizationParameters) -> NormalizationPreset? {
        let low = Double(q.scale) * Double(-128 - q.zeroPoint)
        let high = Double(q.scale) * Double(127 - q.zeroPoint)
        let step = Double(q.scale) * 1.01
        if abs(low) <= step && abs(high - 1) <= step { return .unit }
        if abs(low + 1) <= step && abs(high - 1) <= step { return .tf }
        return nil
    }
}
