#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// A packed session of either engine and what the CLI reports about it, built so that the file's
/// bytes, the model and the unpacked graph are all released once the session has packed its
/// weights.
struct LoadedSession {
    /// The engine a model runs on: float graphs and fully quantized int8 `.tflite` files.
    enum Engine {
        case float(InferenceSession)
        case int8(QuantizedSession)
    }

    /// A batch for either engine.
    enum Batch {
        case float(Tensor<Float>)
        case int8(Tensor<Int8>)
    }

    let engine: Engine
    /// The model file's name, or a description of the random-weight model.
    let name: String
    /// Per-operation names and multiply-adds per image (from the graph before packing).
    let operationNames: [String]
    let multiplyAdds: [Int]
    let outputShapes: [[Int]]

    /// Loads `model` (float or int8), or builds a random-weight MobileNet of `alpha` and `resolution`.
    init(model: String?, alpha: Double, resolution: Int, batch: Int, threads: Int) throws {
        // Freed load-time blocks must not stay resident under the session's weights and buffers.
        ModelLoader.mapLargeAllocations()
        let loaded: LoadedModel
        if let model {
            loaded = try ModelLoader.load(contentsOf: URL(fileURLWithPath: model))
            name = URL(fileURLWithPath: model).lastPathComponent
        } else {
            let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution))
            loaded = .float(try InferenceGraph(MobileNetModel.random(architecture, seed: 1)))
            name = "mobilenet_v1_\(alpha)_\(resolution) (random weights)"
        }
        // `consume`: the session must hold the only reference to the graph, or the weights it
        // frees as it packs them would stay alive here (two copies of them at the peak).
        switch consume loaded {
        case .float(let graph):
            operationNames = graph.operations.map(\.name)
            multiplyAdds = graph.multiplyAdds()
            outputShapes = try graph.shapes()
            engine = .float(try InferenceSession(graph: consume graph, batch: batch, threads: threads))
        case .int8(let graph):
            operationNames = graph.operations.map(\.name)
            multiplyAdds = graph.multiplyAdds()
            outputShapes = try graph.shapes()
            engine = .int8(try QuantizedSession(graph: consume graph, batch: batch, threads: threads))
        }
    }

    /// One image's input shape.
    var inputShape: [Int] {
        switch engine {
        case .float(let session): session.inputShape
        case .int8(let session): session.inputShape
        }
    }

    /// int8 models: the bytes of the runtime's arena (activations and scratch).
    var arenaBytes: Int? {
        if case .int8(let session) = engine { return session.interpreter.plan.arenaBytes }
        return nil
    }

    /// True for int8 models.
    var isQuantized: Bool {
        if case .int8 = engine { return true }
        return false
    }

    /// A seeded random batch of real values in [0, 1) for the session's input shape; int8
    /// models get it quantized with their input's scale and zero point.
    func randomInput(batch: Int) throws -> Batch {
        var rng = SeededGenerator(seed: 1)
        let shape = [batch] + inputShape
        let real = try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(0, 1) })
        switch engine {
        case .float: return .float(real)
        case .int8(let session): return .int8(session.quantize(real))
        }
    }

    /// Runs one batch and discards the output.
    func run(_ batch: Batch) throws {
        switch (engine, batch) {
        case (.float(let session), .float(let input)): _ = try session.run(input)
        case (.int8(let session), .int8(let input)): _ = try session.run(input)
        default: throw MobileNetError.invalidArgument("a \(isQuantized ? "float" : "int8") batch for a \(isQuantized ? "int8" : "float") model")
        }
    }

    /// Per-operation median seconds over `runs` runs.
    func profile(_ batch: Batch, runs: Int) throws -> [Double] {
        switch (engine, batch) {
        case (.float(let session), .float(let input)): return try session.profile(input, runs: runs)
        case (.int8(let session), .int8(let input)): return try session.profile(input, runs: runs)
        default: throw MobileNetError.invalidArgument("a \(isQuantized ? "float" : "int8") batch for a \(isQuantized ? "int8" : "float") model")
        }
    }
}
