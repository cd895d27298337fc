import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet export`: a float model as a `.tflite` file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a float model as a .tflite file that TFLite's interpreter runs.",
        discussion: """
            Batch norm is folded and activations fused as the TFLite converter does; the file \
            records the model's class names and image preparation for classify and eval. For an \
            int8 .tflite, use quantize.
            """)

    @Option(help: "Float model: our .safetensors model or checkpoint (or a float .tflite).")
    var model: String

    @Option(help: "Output .tflite file.")
    var out: String

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: model)
            let file = try ModelFile(contentsOf: url)
            guard case .float(let graph) = file.model else {
                throw MobileNetError.invalidArgument("\(url.lastPathComponent) is an int8 model; export writes float models")
            }
            let usage = ModelUsage(classNames: file.classNames, preprocessing: file.preprocessing)
            let exported = try TFLiteModel(exporting: graph, metadata: usage.metadata())
            let outURL = URL(fileURLWithPath: out)
            try exported.write(to: outURL)
            print("wrote \(outURL.path): \(try exported.serialized().count) bytes, \(graph.operations.count) operations")
        }
    }
}
