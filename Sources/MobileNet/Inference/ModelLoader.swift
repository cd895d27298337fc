#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A model ready for one of the two engines: a float graph for `InferenceSession`, or a fully
/// quantized graph for `QuantizedSession`.
public enum LoadedModel: Sendable {
    case float(InferenceGraph)
    case int8(QuantizedGraph)
}

/// Opens any model file the engines run and lowers it: `.tflite` flatbuffers (float or fully
/// quantized int8) and our `.safetensors` weight files (float).
public enum ModelLoader {
    /// The model at `url`, lowered for the engine its arithmetic needs (int8 `.tflite` files to a
    /// `QuantizedGraph`, everything else to an `InferenceGraph`).
    public static func load(contentsOf url: URL) throws -> LoadedModel {
        let bytes = try readFileBytes(url, what: "model")
        if isTFLite(bytes, url) {
            // Parsed, the file's bytes go before the model is lowered: at most two copies of
            // the weights are alive at once.
            let model = try TFLiteModel(bytes: consume bytes)
            return try lower(model)
        }
        return .float(try graph(bytes: bytes, url: url))
    }

    /// The inference graph of the model at `url`; one-line errors for missing, unknown or malformed files.
    public static func graph(contentsOf url: URL) throws -> InferenceGraph {
        try graph(bytes: readFileBytes(url, what: "model"), url: url)
    }

    /// `model` lowered for the engine its arithmetic needs.
    static func lower(_ model: TFLiteModel) throws -> LoadedModel {
        model.isQuantized ? .int8(try QuantizedGraph(model)) : .float(try InferenceGraph(model))
    }

    static func isTFLite(_ bytes: [UInt8], _ url: URL) -> Bool {
        bytes.count >= 8 && bytes[4..<8].elementsEqual("TFL3".utf8) || url.pathExtension.lowercased() == "tflite"
    }

    private static func graph(bytes: [UInt8], url: URL) throws -> InferenceGraph {
        if isTFLite(bytes, url) {
            return try InferenceGraph(TFLiteModel(bytes: bytes))
        }
        if url.pathExtension.lowercased() == "safetensors" {
            return try InferenceGraph(MobileNetModel(safeTensors: SafeTensors(bytes: bytes), source: url.lastPathComponent))
        }
        throw MobileNetError.unsupported("\(url.lastPathComponent) is neither a .tflite nor a .safetensors model")
    }
}
