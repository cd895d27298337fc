import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet eval`: accuracy of a model on an image-folder dataset.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Top-1, top-5, per-class accuracy and confusion matrix of a model on image folders.",
        discussion: "--data is a folder of class folders, or a dataset folder whose test/ (or val/) is used. The input normalisation comes from the model file (our checkpoints record it) or --preprocess.")

    @Option(help: "Model file: our safetensors checkpoint or model file, or a .tflite (float or int8).")
    var model: String

    @Option(help: "Class folders, or a dataset folder with test/ or val/.")
    var data: String

    @Option(help: "Normalisation when the model file records none: \(NormalizationPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preprocess: String?

    @Option(help: "Threads.")
    var threads: Int = 2

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: model)
            let file = try ModelFile(contentsOf: url)
            let normalization: PixelNormalization
            if let preprocess {
                guard let preset = NormalizationPreset(rawValue: preprocess) else {
                    throw MobileNetError.invalidArgument("unknown --preprocess '\(preprocess)'")
                }
                normalization = preset.normalization
            } else if let recorded = file.normalization {
                normalization = recorded
            } else {
                throw MobileNetError.invalidArgument("\(url.lastPathComponent) records no input normalisation; pass --preprocess")
            }
            let root = URL(fileURLWithPath: data)
            let folder = (try? ImageFolderDataset.splitFolders(in: root).evaluation) ?? root
            let images = try DecodedImageSet(decoding: ImageFolderDataset(root: folder), threads: threads)
            if let names = file.classNames, names != images.classNames {
                throw MobileNetError.invalidArgument("the model's classes \(names) differ from the folders' \(images.classNames)")
            }
            let report = try Trainer.evaluate(file.model, classNames: file.classNames, on: images,
                                              normalization: normalization, threads: threads)
            print(json ? try report.json() : report.text())
        }
    }
}
