#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Opens any model file the engine runs and lowers it to an `InferenceGraph`:
/// `.tflite` flatbuffers (float) and our `.safetensors` weight files.
public enum ModelLoader {
    /// The inference graph of the model at `url`; one-line errors for missing, unknown or malformed files.
    public static func graph(contentsOf url: URL) throws -> InferenceGraph {
        let bytes = try readFileBytes(url, what: "model")
        if bytes.count >= 8, bytes[4..<8].elementsEqual("TFL3".utf8) || url.pathExtension.lowercased() == "tflite" {
            return try InferenceGraph(TFLiteModel(bytes: bytes))
        }
        if url.pathExtension.lowercased() == "safetensors" {
            return try InferenceGraph(MobileNetModel(safeTensors: SafeTensors(bytes: bytes), source: url.lastPathComponent))
        }
        throw MobileNetError.unsupported("\(url.lastPathComponent) is neither a .tflite nor a .safetensors model")
    }
}
