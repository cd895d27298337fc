#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// A packed session and what the CLI reports about it, built so that the file's bytes, the
/// model and the unpacked graph are all released once the session has packed its weights.
struct LoadedSession {
    let session: InferenceSession
    /// The model file's name, or a description of the random-weight model.
    let name: String
    /// Per-operation names and multiply-adds per image (from the graph before packing).
    let operationNames: [String]
    let multiplyAdds: [Int]
    let outputShapes: [[Int]]

    /// Loads `model`, or builds a random-weight MobileNet of `alpha` and `resolution`.
    init(model: String?, alpha: Double, resolution: Int, batch: Int, threads: Int) throws {
        var graph: InferenceGraph
        if let model {
            graph = try ModelLoader.graph(contentsOf: URL(fileURLWithPath: model))
            name = URL(fileURLWithPath: model).lastPathComponent
        } else {
            let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution))
            graph = try InferenceGraph(MobileNetModel.random(architecture, seed: 1))
            name = "mobilenet_v1_\(alpha)_\(resolution) (random weights)"
        }
        operationNames = graph.operations.map(\.name)
        multiplyAdds = graph.multiplyAdds()
        outputShapes = try graph.shapes()
        session = try InferenceSession(graph: graph, batch: batch, threads: threads)
    }

    /// A seeded random batch in [0, 1) for the session's input shape.
    func randomInput(batch: Int) throws -> Tensor<Float> {
        var rng = SeededGenerator(seed: 1)
        let shape = [batch] + session.inputShape
        return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(0, 1) })
    }
}
