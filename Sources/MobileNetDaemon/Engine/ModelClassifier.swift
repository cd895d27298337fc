import MobileNet
import MobileNetRuntime

/// A `FrameClassifier` for int8 models on the edge runtime's `Interpreter` (frames are written
/// straight into its arena's input tensor; `invoke()` allocates nothing), and for float models
/// (our safetensors, float `.tflite`) on the toolkit's `InferenceSession`, which still
/// allocates its input copy and output tensor per run.
final class ModelClassifier: FrameClassifier {
    private enum Engine {
        case int8(Interpreter)
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
            let interpreter = try Interpreter(model: Int8Model(graph: graph), threads: threads)
            inputShape = interpreter.inputShape
            engine = .int8(interpreter)
            classCount = interpreter.outputShape.reduce(1, *)
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
        if case .float(_, let input) = engine { input.deallocate() }
        probabilities.deallocate()
    }

    var inputBase: UnsafeMutableRawPointer {
        switch engine {
        case .int8(let interpreter): UnsafeMutableRawPointer(interpreter.input.baseAddress!)
        case .float(_, let input): UnsafeMutableRawPointer(input.baseAddress!)
        }
    }

    var inputQuantization: QuantizationParameters? {
        if case .int8(let interpreter) = engine { return interpreter.inputQuantization }
        return nil
    }

    var engineName: String {
        if case .int8 = engine { return "int8" }
        return "float32"
    }

    func classify() throws -> UnsafeBufferPointer<Float> {
        switch engine {
        case .int8(let interpreter):
            interpreter.invoke()
            let output = interpreter.output
            let q = interpreter.outputQuantization
            for index in 0..<classCount { probabilities[index] = Float(Double(q.scale) * Double(Int32(output[index]) - q.zeroPoint)) }
        case .float(let session, let input):
            let output = try session.run(try Tensor(shape: [1] + inputShape, scalars: Array(input)))
            for index in 0..<classCount { probabilities[index] = output.scalars[index] }
        }
        if !endsWithSoftmax { softmaxInPlace(probabilities) }
        return UnsafeBufferPointer(probabilities)
    }
}
