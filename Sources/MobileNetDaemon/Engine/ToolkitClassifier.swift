import MobileNet

/// A `FrameClassifier` on the toolkit's sessions: `QuantizedSession` for int8 `.tflite` models,
/// `InferenceSession` for float models (our safetensors, float `.tflite`).
///
/// The input tensor and the probabilities are allocated once; the sessions themselves still
/// allocate their input copy and output tensor per run (the edge runtime's `Interpreter`,
/// issue 13, replaces the int8 path with one that allocates nothing).
final class ToolkitClassifier: FrameClassifier {
    private enum Engine {
        case int8(QuantizedSession, input: UnsafeMutableBufferPointer<Int8>)
        case float(InferenceSession, input: UnsafeMutableBufferPointer<Float>)
    }

    let inputShape: [Int]
    let classCount: Int
    private let engine: Engine
    private let endsWithSoftmax: Bool
    private let probabilities: UnsafeMutableBufferPointer<Float>

    init(model: consuming LoadedModel, threads: Int) throws {
        switch consume model {
        case .int8(let graph):
            endsWithSoftmax = graph.operations.last?.name == "softmax"
            let session = try QuantizedSession(graph: graph, batch: 1, threads: threads)
            inputShape = session.inputShape
            let input = UnsafeMutableBufferPointer<Int8>.allocate(capacity: session.inputShape.reduce(1, *))
            input.initialize(repeating: 0)
            engine = .int8(session, input: input)
            classCount = session.outputShape.reduce(1, *)
        case .float(let graph):
            endsWithSoftmax = graph.operations.last?.name == "softmax"
            let session = try InferenceSession(graph: graph, batch: 1, threads: threads)
            inputShape = session.inputShape
            let input = UnsafeMutableBufferPointer<Float>.allocate(capacity: session.inputShape.reduce(1, *))
            input.initialize(repeating: 0)
            engine = .float(session, input: input)
            classCount = session.outputShape.reduce(1, *)
        }
        probabilities = .allocate(capacity: max(classCount, 1))
        probabilities.initialize(repeating: 0)
    }

    deinit {
        switch engine {
        case .int8(_, let input): input.deallocate()
        case .float(_, let input): input.deallocate()
        }
        probabilities.deallocate()
    }

    var inputBase: UnsafeMutableRawPointer {
        switch engine {
        case .int8(_, let input): UnsafeMutableRawPointer(input.baseAddress!)
        case .float(_, let input): UnsafeMutableRawPointer(input.baseAddress!)
        }
    }

    var inputQuantization: QuantizationParameters? {
        if case .int8(let session, _) = engine { return session.inputQuantization }
        return nil
    }

    var engineName: String {
        if case .int8 = engine { return "int8" }
        return "float32"
    }

    func classify() throws -> UnsafeBufferPointer<Float> {
        switch engine {
        case .int8(let session, let input):
            let output = try session.run(try Tensor(shape: [1] + inputShape, scalars: Array(input)))
            let q = session.outputQuantization
            for index in 0..<classCount { probabilities[index] = Float(Double(q.scale) * Double(Int32(output.scalars[index]) - q.zeroPoint)) }
        case .float(let session, let input):
            let output = try session.run(try Tensor(shape: [1] + inputShape, scalars: Array(input)))
            for index in 0..<classCount { probabilities[index] = output.scalars[index] }
        }
        if !endsWithSoftmax { softmaxInPlace(probabilities) }
        return UnsafeBufferPointer(probabilities)
    }
}
