import Foundation
import Testing
@testable import MobileNet

/// The trainer's backward pass against finite differences of its own forward pass (an
/// independent check: the forward is the inference kernels, verified against TFLite), on small
/// networks with odd sizes and channel counts that are not multiples of 16.
@Suite struct TrainingGradientTests {
    static func network(alpha: Double, height: Int, width: Int, classes: Int, batch: Int,
                        activation: Activation, threads: Int = 1, seed: UInt64 = 3) throws -> TrainingNetwork {
        var config = MobileNetConfig(alpha: alpha, height: height, width: width, classes: classes)
        config.activation = activation
        config.dropout = 0
        let architecture = try MobileNetArchitecture(config)
        return try TrainingNetwork(model: MobileNetModel.random(architecture, seed: seed), batch: batch, threads: threads)
    }

    static func batch(_ network: TrainingNetwork, seed: UInt64) -> (Tensor<Float>, [Int32]) {
        var rng = SeededGenerator(seed: seed)
        let input = (0..<network.inputCount).map { _ in rng.normal() }
        let labels = (0..<network.batch).map { _ in Int32(rng.next() % UInt64(network.architecture.config.classes)) }
        let c = network.architecture.config
        return (try! Tensor(shape: [network.batch, c.height, c.width, 3], scalars: input), labels)
    }

    /// Tensors of every kind and position: stem, stride-1 and stride-2 depthwise, pointwise,
    /// batch norm γ and β early and late, the classifier.
    static let checked = ["conv1.kernel", "conv1_bn.gamma", "conv_dw_2.depthwise_kernel", "conv_dw_3.depthwise_kernel",
                          "conv_dw_3_bn.gamma", "conv_pw_3.kernel", "conv_pw_4_bn.beta", "conv_dw_12.depthwise_kernel",
                          "conv_pw_13.kernel", "conv_pw_13_bn.gamma", "conv_preds.kernel", "conv_preds.bias"]

    /// For each checked tensor, the directional derivative along a random direction by central
    /// differences of the training-mode loss against ⟨gradient, direction⟩. No activation, so
    /// no kink sits inside the difference (ReLU6 is checked against PyTorch), and enough pixels
    /// per batch-norm channel at the end of the network for the loss to be smooth.
    @Test(arguments: [(0.3, 70, 66, 4, 3), (0.25, 64, 64, 3, 2)])
    func gradientsMatchFiniteDifferences(alpha: Double, height: Int, width: Int, classes: Int, batch: Int) throws {
        let net = try Self.network(alpha: alpha, height: height, width: width, classes: classes, batch: batch, activation: .none)
        let (input, labels) = Self.batch(net, seed: 11)
        _ = try net.step(input, labels: labels, labelSmoothing: 0.1)
        #expect(net.parameters.filter { Self.checked.contains($0.name) }.count == Self.checked.count)
        var rng = SeededGenerator(seed: 5)
        for parameter in net.parameters where Self.checked.contains(parameter.name) {
            let direction = (0..<parameter.count).map { _ in rng.normal() }
            let analytic = zip(parameter.gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let original = Array(parameter.value)
            let epsilon: Float = 1e-2 / Float(parameter.count).squareRoot()
            func loss(_ sign: Float) -> Double {
                for i in 0..<parameter.count { parameter.value[i] = original[i] + sign * epsilon * direction[i] }
                net.forward(input.scalars, training: true)
                return Double(labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, labelSmoothing: 0.1).loss })
            }
            let numeric = (loss(1) - loss(-1)) / (2 * Double(epsilon))
            for i in 0..<parameter.count { parameter.value[i] = original[i] }
            let error = abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-2)
            #expect(error < 2e-2, "\(parameter.name): analytic \(analytic) vs finite difference \(numeric)")
        }
    }

    @Test func stepIsBitIdenticalOnOneAndTwoThreads() throws {
        var results: [[[Float]]] = []
        for threads in [1, 2] {
            let net = try Self.network(alpha: 0.25, height: 40, width: 40, classes: 3, batch: 3,
                                       activation: .relu6, threads: threads)
            let (input, labels) = Self.batch(net, seed: 2)
            _ = try net.step(input, labels: labels, labelSmoothing: 0)
            results.append(net.parameters.map { Array($0.gradient) })
        }
        #expect(results[0] == results[1])
    }

    @Test func badBatchesAreRejected() throws {
        let net = try Self.network(alpha: 0.25, height: 32, width: 32, classes: 3, batch: 2, activation: .relu6)
        let (input, labels) = Self.batch(net, seed: 1)
        #expect(throws: MobileNetError.self) { try net.step(input, labels: [0]) }
        #expect(throws: MobileNetError.self) { try net.step(input, labels: [0, 7]) }
        let wrong = try Tensor<Float>(shape: [2, 32, 31, 3], scalars: [Float](repeating: 0, count: 2 * 32 * 31 * 3))
        #expect(throws: MobileNetError.self) { try net.step(wrong, labels: labels) }
    }
}
