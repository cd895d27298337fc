import Foundation
import Testing
import MobileNet

/// The optimizers against PyTorch (SGD, Adam, AdamW) and Keras 3 (RMSprop) on the training
/// fixture (scripts/fixtures/make_training_fixture.py): the fixture's weights and float32
/// gradients, two steps with the same gradient, decay only on conv/pointwise/classifier kernels.
@Suite struct OptimizerFixtureTests {
    /// The fixture, parsed once for all tests.
    static let loaded = Result { try SafeTensors(contentsOf: SharedData.fixture("training/mobilenet_a025_32.safetensors")) }

    static func fixture() throws -> SafeTensors { try loaded.get() }

    /// The role of a Keras weight name (as the trainer assigns them).
    static func role(of name: String) -> ParameterRole {
        if name.hasSuffix(".depthwise_kernel") { return .depthwiseKernel }
        if name == "conv_preds.kernel" { return .classifierKernel }
        if name.hasSuffix(".kernel") { return .convolutionKernel }
        if name.hasSuffix(".gamma") { return .batchNormScale }
        if name.hasSuffix(".beta") { return .batchNormShift }
        return .bias
    }

    /// Every parameter the fixture has `<prefix>/` expectations for, with the fixture's weights
    /// as values and `grad/<name>` as gradients.
    static func parameters(_ data: SafeTensors, expected prefix: String) throws -> [TrainableParameter] {
        try data.names.filter { $0.hasPrefix(prefix + "/") }.map { key in
            let name = String(key.dropFirst(prefix.count + 1))
            let weight = try data.floatTensor(name)
            let parameter = TrainableParameter(name: name, role: role(of: name), shape: weight.shape, initial: weight.scalars)
            let gradient = try data.floatTensor("grad/\(name)").scalars
            for i in gradient.indices { parameter.gradient[i] = gradient[i] }
            return parameter
        }
    }

    /// Two steps, then every value within 1e-5 relative of the reference, and every
    /// displacement from the initial weights within 1e-3 of the tensor's largest displacement.
    static func expectTwoSteps(_ settings: OptimizerSettings, learningRate: Float, matching prefix: String) throws {
        let data = try fixture()
        let parameters = try parameters(data, expected: prefix)
        #expect(parameters.count == 76)
        #expect(Set(parameters.map(\.role)) == Set(ParameterRole.allCases))
        let optimizer = try Optimizer(settings: settings)
        optimizer.step(parameters, learningRate: learningRate)
        optimizer.step(parameters, learningRate: learningRate)
        #expect(optimizer.iterations == 2)
        var worstValue: Float = 0, worstDisplacement: Float = 0
        for parameter in parameters {
            let initial = try data.floatTensor(parameter.name).scalars
            let expected = try data.floatTensor("\(prefix)/\(parameter.name)").scalars
            let largestMove = zip(expected, initial).map { abs($0 - $1) }.max() ?? 0
            let largest = expected.map(abs).max() ?? 0
            #expect(largestMove > 0, "\(prefix)/\(parameter.name) does not move")
            for i in expected.indices {
                let ours = parameter.value[i]
                let valueError = abs(ours - expected[i]) / max(abs(expected[i]), 0.01 * largest)
                let moveError = abs((ours - initial[i]) - (expected[i] - initial[i])) / largestMove
                worstValue = max(worstValue, valueError)
                worstDisplacement = max(worstDisplacement, moveError)
                if valueError > 1e-5 || moveError > 1e-3 {
                    Issue.record("\(prefix)/\(parameter.name)[\(i)]: \(ours) vs \(expected[i]) (initial \(initial[i]))")
                    break
                }
            }
        }
        #expect(worstValue <= 1e-5 && worstDisplacement <= 1e-3,
                "\(prefix): worst relative value error \(worstValue), displacement error \(worstDisplacement)")
    }

    @Test func nesterovSGDMatchesPyTorch() throws {
        try Self.expectTwoSteps(.sgd(momentum: 0.9, nesterov: true, weightDecay: 5e-4), learningRate: 0.1, matching: "sgd")
    }

    @Test func rmspropMatchesKeras() throws {
        try Self.expectTwoSteps(.rmsprop(rho: 0.9, momentum: 0.9, epsilon: 1.0, weightDecay: 0),
                                learningRate: 0.01, matching: "rmsprop")
    }

    @Test func adamWMatchesPyTorch() throws {
        try Self.expectTwoSteps(.adamW(weightDecay: 1e-2), learningRate: 1e-3, matching: "adamw")
    }

    @Test func adamMatchesPyTorch() throws {
        try Self.expectTwoSteps(.adam(weightDecay: 1e-2), learningRate: 1e-3, matching: "adam")
    }

    /// The fixture's metadata loads as our model file, and its weights are the model's.
    @Test func fixtureLoadsAsModel() throws {
        let data = try Self.fixture()
        let model = try MobileNetModel(safeTensors: data, source: "mobilenet_a025_32")
        #expect(model.architecture.config == MobileNetConfig(alpha: 0.25, height: 32, classes: 10, dropout: 0))
        #expect(model.weights["conv_dw_13.depthwise_kernel"] == (try data.floatTensor("conv_dw_13.depthwise_kernel")))
        let trainable = model.architecture.weightShapes.filter { !$0.name.contains(".moving_") }
        for (name, shape) in trainable {
            #expect((try data.floatTensor("grad/\(name)")).shape == shape, "grad/\(name)")
        }
    }
}
