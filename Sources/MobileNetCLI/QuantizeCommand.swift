import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet quantize`: post-training int8 quantization of a float model into a `.tflite`.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a float model to a fully int8 .tflite file, calibrated on images.",
        discussion: """
            TFLite's scheme: batch norm folded, weights symmetric int8 per output channel (per \
            tensor for the classifier), int32 biases, activations asymmetric int8 over the ranges \
            the calibration images produce (--method minmax, or percentile[:P] to clip the P-th \
            percentile, default 99.99). The file takes a float input and returns float outputs \
            (QUANTIZE and DEQUANTIZE at its edges), runs in TFLite's interpreter and in our int8 \
            engine (run, bench, classify, eval), and records the class names and image \
            preparation of the model it came from.
            Calibration images (.jpg, .jpeg, .png, .bmp under --calibration, searched \
            recursively) are prepared as classify prepares them; --images of them are used, \
            spread evenly over the sorted list (so over every class folder).
            """)

    @Option(help: "Float model: our .safetensors model or checkpoint, or a float .tflite.")
    var model: String

    @Option(help: "Folder of calibration images (e.g. the training split).")
    var calibration: String

    @Option(help: "Calibration images to use.")
    var images: Int = 500

    @Option(help: "Range calibration: minmax, percentile or percentile:P.")
    var method: String = "minmax"

    @Option(help: "Normalisation when the model records none: \(NormalizationPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preprocess: String?

    @Option(help: "Threads.")
    var threads: Int = 2

    @Option(help: "Output .tflite file.")
    var out: String

    func validate() throws {
        guard images >= 1 else { throw ValidationError("--images must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: model)
            let file = try ModelFile(contentsOf: url)
            guard case .float(let graph) = file.model else {
                throw MobileNetError.invalidArgument("\(url.lastPathComponent) is already an int8 model")
            }
            let preprocessing = try preparation(for: graph, file: file)
            let inputs = try calibrationInputs(preprocessing)
            let quantizer = try PostTrainingQuantizer(graph: graph, method: try CalibrationMethod(parsing: method),
                                                      expectedImages: inputs.count, batch: 32, threads: threads)
            for start in stride(from: 0, to: inputs.count, by: 32) {
                let part = inputs[start..<min(start + 32, inputs.count)]
                try quantizer.calibrate(Tensor(shape: [part.count] + graph.inputShape, scalars: part.flatMap(\.scalars)))
            }
            let usage = ModelUsage(classNames: file.classNames, preprocessing: file.preprocessing)
            let quantized = try quantizer.model(metadata: usage.metadata())
            let outURL = URL(fileURLWithPath: out)
            try quantized.write(to: outURL)
            let agreement = try topOneAgreement(float: graph, int8: QuantizedGraph(quantized), inputs: inputs)
            let floatBytes = try TFLiteModel(exporting: graph).serialized().count
            print("calibrated on \(inputs.count) images (\(method)); wrote \(outURL.path): \(try quantized.serialized().count) bytes (as float .tflite: \(floatBytes) bytes)")
            print("int8 and float agree on the top class of \(fixed(100 * agreement, 1))% of the calibration images")
        }
    }

    /// How images are prepared for `graph`: as the model file records, else `--preprocess`.
    private func preparation(for graph: InferenceGraph, file: ModelFile) throws -> ClassifierPreprocessing {
        let input = graph.inputShape
        guard input.count == 3, input[2] == 3 else {
            throw MobileNetError.unsupported("the model takes \(input) inputs, not RGB images [H, W, 3]")
        }
        var normalization: PixelNormalization? = nil
        if let preprocess {
            guard let preset = NormalizationPreset(rawValue: preprocess) else {
                throw MobileNetError.invalidArgument("unknown --preprocess '\(preprocess)'")
            }
            normalization = preset.normalization
        } else if file.normalization == nil {
            throw MobileNetError.invalidArgument("\(model) records no input normalisation; pass --preprocess")
        }
        return try ClassifierPreprocessing(width: input[1], height: input[0], recorded: file.preprocessing,
                                           normalization: normalization ?? file.normalization)
    }

    /// `--images` prepared inputs, spread evenly over the sorted calibration files.
    private func calibrationInputs(_ preprocessing: ClassifierPreprocessing) throws -> [Tensor<Float>] {
        let list = ImageFileList(paths: [calibration])
        if let problem = list.problems.first { throw problem }
        let files = list.files
        let count = min(images, files.count)
        return try (0..<count).map { i in
            try preprocessing.tensor(from: ImageDecoder.decode(contentsOf: files[i * files.count / count]))
        }
    }

    /// The fraction of `inputs` whose most probable class is the same in both engines.
    private func topOneAgreement(float: InferenceGraph, int8: QuantizedGraph, inputs: [Tensor<Float>]) throws -> Double {
        let floatSession = try InferenceSession(graph: float, batch: 1, threads: threads)
        let int8Session = try QuantizedSession(graph: int8, batch: 1, threads: threads)
        func top(_ t: Tensor<Float>) -> Int { t.scalars.indices.max { t.scalars[$0] < t.scalars[$1] } ?? 0 }
        var same = 0
        for input in inputs {
            let batch = try Tensor(shape: [1] + input.shape, scalars: input.scalars)
            if try top(floatSession.run(batch)) == top(int8Session.run(batch)) { same += 1 }
        }
        return Double(same) / Double(max(1, inputs.count))
    }
}
