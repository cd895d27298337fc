#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import CMemory

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
        let file = try MappedFile(url, what: "model")
        if isTFLite(file.bytes, url) {
            return try lower(TFLiteModel(mapped: file))
        }
        return .float(try safeTensorsGraph(bytes: Array(file.bytes), url: url))
    }

    /// The inference graph of the model at `url`; one-line errors for missing, unknown or malformed files.
    public static func graph(contentsOf url: URL) throws -> InferenceGraph {
        let file = try MappedFile(url, what: "model")
        if isTFLite(file.bytes, url) {
            return try InferenceGraph(TFLiteModel(mapped: file))
        }
        return try safeTensorsGraph(bytes: Array(file.bytes), url: url)
    }

    /// `model` lowered for the engine its arithmetic needs. Taken (`consuming`) so that the
    /// float lowering frees each weight's bytes once converted: with the mapped parse, a
    /// model's weights are resident about once from file to packed session.
    static func lower(_ model: consuming TFLiteModel) throws -> LoadedModel {
        if model.isQuantized { return .int8(try QuantizedGraph(model)) }
        return .float(try InferenceGraph(consume model))
    }

    /// Makes the C library give large allocations (128 KB and more) their own mappings, returned
    /// to the system when freed (glibc; elsewhere nothing). For a process that loads a model and
    /// then runs it: loading frees the file's copies and the unpacked weights as it packs them,
    /// and by default glibc keeps that space in its heap and hands it out again, already
    /// resident, for the session's buffers, including the parts of them no layer ever writes
    /// (about 2.5 MB of peak RSS for MobileNet 1.0-224). Process-wide, so it is the caller's
    /// choice; call it before loading. Costs a page fault per page of each large allocation
    /// (a session allocates none per run).
    public static func mapLargeAllocations() {
        mn_map_large_allocations()
    }

    static func isTFLite(_ bytes: UnsafeRawBufferPointer, _ url: URL) -> Bool {
        bytes.count >= 8 && bytes[4..<8].elementsEqual("TFL3".utf8) || url.pathExtension.lowercased() == "tflite"
    }

    /// The graph of one of our `.safetensors` weight files; anything else is rejected.
    private static func safeTensorsGraph(bytes: [UInt8], url: URL) throws -> InferenceGraph {
        guard url.pathExtension.lowercased() == "safetensors" else {
            throw MobileNetError.unsupported("\(url.lastPathComponent) is neither a .tflite nor a .safetensors model")
        }
        return try InferenceGraph(MobileNetModel(safeTensors: SafeTensors(bytes: bytes), source: url.lastPathComponent))
    }
}
