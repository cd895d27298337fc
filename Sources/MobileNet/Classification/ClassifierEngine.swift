/// The session a classifier runs its batches on: the float engine, or the int8 engine for fully
/// quantized `.tflite` models (float input quantized, output dequantized, as TFLite's
/// QUANTIZE/DEQUANTIZE do).
enum ClassifierEngine {
    case float(InferenceSession)
    case int8(QuantizedSession)

    /// Packs `model` for `batch` images on `threads` threads; `endsWithSoftmax` tells whether
    /// its last operation is a softmax (else its outputs are logits).
    static func make(_ model: LoadedModel, batch: Int, threads: Int) throws -> (ClassifierEngine, endsWithSoftmax: Bool) {
        switch model {
        case .float(let graph):
            let softmax = graph.operations.last?.name == "softmax"
            return (.float(try InferenceSession(graph: graph, batch: batch, threads: threads)), softmax)
        case .int8(let graph):
            let softmax = graph.operations.last?.name == "softmax"
            return (.int8(try QuantizedSession(graph: graph, batch: batch, threads: threads)), softmax)
        }
    }

    /// One image's input shape, [height, width, channels].
    var inputShape: [Int] {
        switch self {
        case .float(let session): return session.inputShape
        case .int8(let session): return session.inputShape
        }
    }

    /// One image's output shape.
    var outputShape: [Int] {
        switch self {
        case .float(let session): return session.outputShape
        case .int8(let session): return session.outputShape
        }
    }

    /// Runs a float batch [N, H, W, C] and returns the float outputs.
    func run(_ input: Tensor<Float>) throws -> Tensor<Float> {
        switch self {
        case .float(let session): return try session.run(input)
        case .int8(let session): return try session.run(input)
        }
    }
}
