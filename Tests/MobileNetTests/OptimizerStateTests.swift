import Foundation
import Testing
import MobileNet

/// Optimizer behaviour the fixture does not cover: options against a direct Double
/// implementation, the weight-decay rule, checkpoint state (bit-for-bit resume) and errors.
@Suite struct OptimizerStateTests {
    /// Parameters of every role with sizes that exercise the 16-lane tail (1, 5, 16, 37, 72).
    static func parameters(seed: UInt64) -> [TrainableParameter] {
        var rng = SeededGenerator(seed: seed)
        let specs: [(String, ParameterRole, [Int])] = [
            ("conv1.kernel", .convolutionKernel, [2, 2, 2, 2]),
            ("conv_dw_1.depthwise_kernel", .depthwiseKernel, [3, 3, 8, 1]),
            ("conv1_bn.gamma", .batchNormScale, [5]),
            ("conv1_bn.beta", .batchNormShift, [1]),
            ("conv_preds.kernel", .classifierKernel, [1, 1, 37, 1]),
            ("conv_preds.bias", .bias, [1]),
        ]
        return specs.map { name, role, shape in
            let count = shape.reduce(1, *)
            return TrainableParameter(name: name, role: role, shape: shape,
                                      initial: (0..<count).map { _ in rng.normal(deviation: 0.5) })
        }
    }

    static func setGradients(_ parameters: [TrainableParameter], seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for parameter in parameters {
            for i in 0..<parameter.count { parameter.gradient[i] = rng.normal(deviation: 0.3) }
        }
    }

    static let variants: [OptimizerSettings] = [
        .sgd(momentum: 0.9, nesterov: true, weightDecay: 1e-2),
        .sgd(momentum: 0.5, nesterov: false, weightDecay: 1e-2, decayedRoles: Set(ParameterRole.allCases)),
        .sgd(momentum: 0, nesterov: false, weightDecay: 0),
        .rmsprop(rho: 0.8, momentum: 0.9, epsilon: 1e-3, centered: true, weightDecay: 1e-2),
        .rmsprop(rho: 0.9, momentum: 0, epsilon: 0.1, centered: false, weightDecay: 0),
        .rmsprop(rho: 0.9, momentum: 0, epsilon: 0.1, centered: true, weightDecay: 1e-3),
        .adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 1e-2),
        .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1),
    ]

    /// A direct Double implementation of one element's update, independent of the kernels:
    /// PyTorch's SGD/Adam/AdamW and Keras' RMSprop, L2 decay folded into the gradient except
    /// AdamW's decoupled decay.
    struct NaiveElement {
        var w: Double, m = 0.0, v = 0.0, a = 0.0

        mutating func step(_ s: OptimizerSettings, g gradient: Double, lr: Double, t: Int, decayed: Bool) {
            let wd = decayed ? s.weightDecay : 0
            var g = gradient
            switch s.kind {
            case .sgd:
                g += wd * w
                m = s.momentum * m + g
                w -= lr * (s.nesterov ? g + s.momentum * m : m)
            case .rmsprop:
                g += wd * w
                v = s.rho * v + (1 - s.rho) * g * g
                var denominator = v + s.epsilon
                if s.centered {
                    a = s.rho * a + (1 - s.rho) * g
                    denominator = v - a * a + s.epsilon
                }
                let increment = lr * g / denominator.squareRoot()
                if s.momentum > 0 {
                    m = s.momentum * m + increment
                    w -= m
                } else {
                    w -= increment
                }
            case .adam, .adamw:
                if s.kind == .adamw { w *= 1 - lr * wd } else { g += wd * w }
                m = s.beta1 * m + (1 - s.beta1) * g
                v = s.beta2 * v + (1 - s.beta2) * g * g
                let mHat = m / (1 - pow(s.beta1, Double(t)))
                let vHat = v / (1 - pow(s.beta2, Double(t)))
                w -= lr * mHat / (vHat.squareRoot() + s.epsilon)
            }
        }
    }

    @Test(arguments: variants)
    func matchesDirectImplementation(_ settings: OptimizerSettings) throws {
        let parameters = Self.parameters(seed: 7)
        let optimizer = try Optimizer(settings: settings)
        var naive = parameters.map { p in (0..<p.count).map { NaiveElement(w: Double(p.value[$0])) } }
        let rates: [Float] = [0.05, 0.02, 0.01, 0.03]
        for (t, lr) in rates.enumerated() {
            Self.setGradients(parameters, seed: 100 + UInt64(t))
            for (p, parameter) in parameters.enumerated() {
                let decayed = settings.decayedRoles.contains(parameter.role)
                for i in 0..<parameter.count {
                    naive[p][i].step(settings, g: Double(parameter.gradient[i]), lr: Double(lr), t: t + 1, decayed: decayed)
                }
            }
            optimizer.step(parameters, learningRate: lr)
        }
        for (p, parameter) in parameters.enumerated() {
            for i in 0..<parameter.count {
                let expected = naive[p][i].w
                let error = abs(Double(parameter.value[i]) - expected)
                #expect(error <= 2e-6 * max(1, abs(expected)),
                        "\(settings.kind) \(parameter.name)[\(i)]: \(parameter.value[i]) vs \(expected)")
            }
        }
    }

    /// With a zero gradient and no momentum, only the decayed roles shrink, by exactly
    /// (1 − lr·wd) per step; the others do not move.
    @Test func weightDecayFollowsTheRoleRule() throws {
        for rule in [OptimizerSettings.paperDecayedRoles, [.depthwiseKernel, .batchNormScale]] {
            let parameters = Self.parameters(seed: 3)
            let initial = parameters.map { Array($0.value) }
            let optimizer = try Optimizer(settings: .sgd(momentum: 0, nesterov: false, weightDecay: 0.5, decayedRoles: rule))
            optimizer.step(parameters, learningRate: 0.1)
            for (parameter, before) in zip(parameters, initial) {
                #expect(optimizer.decays(parameter) == rule.contains(parameter.role))
                let factor: Float = rule.contains(parameter.role) ? 1 - 0.1 * 0.5 : 1
                for i in before.indices {
                    #expect(abs(parameter.value[i] - before[i] * factor) <= 2.5e-7 * abs(before[i]), "\(parameter.name)")
                }
            }
        }
    }

    /// Stepping 5 times equals stepping 2 times, exporting the state and the weights, restoring
    /// both into a new optimizer and new parameters, and stepping 3 more times: bit for bit.
    @Test(arguments: variants)
    func resumesBitForBit(_ settings: OptimizerSettings) throws {
        let straight = Self.parameters(seed: 11)
        let first = try Optimizer(settings: settings)
        var checkpoint: (state: [String: Tensor<Float>], values: [[Float]])?
        for t in 0..<5 {
            if t == 2 { checkpoint = (first.state(), straight.map { Array($0.value) }) }
            Self.setGradients(straight, seed: 200 + UInt64(t))
            first.step(straight, learningRate: 0.01 * Float(t + 1))
        }
        let saved = try #require(checkpoint)
        let resumed = zip(Self.parameters(seed: 11), saved.values).map { parameter, values in
            TrainableParameter(name: parameter.name, role: parameter.role, shape: parameter.shape, initial: values)
        }
        let second = try Optimizer(settings: settings)
        try second.restore(saved.state, for: resumed)
        #expect(second.iterations == 2)
        for t in 2..<5 {
            Self.setGradients(resumed, seed: 200 + UInt64(t))
            second.step(resumed, learningRate: 0.01 * Float(t + 1))
        }
        for (a, b) in zip(straight, resumed) {
            #expect(Array(a.value).map(\.bitPattern) == Array(b.value).map(\.bitPattern), "\(settings.kind) \(a.name)")
        }
        #expect(first.state() == second.state())
    }

    @Test func stateNamesSlotsAndParameters() throws {
        let parameters = Self.parameters(seed: 1)
        Self.setGradients(parameters, seed: 2)
        let optimizer = try Optimizer(settings: .rmsprop(momentum: 0.9, centered: true))
        #expect(optimizer.slotNames == ["velocity", "momentum", "average_gradient"])
        optimizer.step(parameters, learningRate: 0.01)
        let state = optimizer.state()
        #expect(state.count == 1 + 3 * parameters.count)
        #expect(state["iterations"]?.scalars == [1])
        #expect(state["velocity/conv1_bn.gamma"]?.shape == [5])
        #expect(state["average_gradient/conv_preds.kernel"]?.shape == [1, 1, 37, 1])
        #expect(try Optimizer(settings: .sgd()).slotNames == ["momentum"])
        #expect(try Optimizer(settings: .rmsprop(momentum: 0)).slotNames == ["velocity"])
        #expect(try Optimizer(settings: .adamW()).slotNames == ["momentum", "velocity"])
    }

    @Test func restoreRejectsIncompleteOrMisShapedState() throws {
        let parameters = Self.parameters(seed: 1)
        Self.setGradients(parameters, seed: 2)
        let source = try Optimizer(settings: .adam())
        source.step(parameters, learningRate: 0.01)
        let good = source.state()

        func expectRejected(_ state: [String: Tensor<Float>], mentioning text: String) throws {
            let target = try Optimizer(settings: .adam())
            do {
                try target.restore(state, for: parameters)
                Issue.record("restore accepted a bad state (\(text))")
            } catch let error as MobileNetError {
                #expect(error.description.contains(text), "\(error)")
                #expect(!error.description.contains("\n"))
            }
            #expect(target.iterations == 0 && target.state().count == 1)
        }
        var missing = good
        missing["velocity/conv1_bn.beta"] = nil
        try expectRejected(missing, mentioning: "velocity/conv1_bn.beta")
        var misShaped = good
        misShaped["momentum/conv1.kernel"] = Tensor(repeating: 0, shape: [16])
        try expectRejected(misShaped, mentioning: "momentum/conv1.kernel")
        var noStep = good
        noStep["iterations"] = nil
        try expectRejected(noStep, mentioning: "iterations")
        var fractionalStep = good
        fractionalStep["iterations"] = Tensor(repeating: 1.5, shape: [1])
        try expectRejected(fractionalStep, mentioning: "iterations")
    }

    @Test func invalidSettingsAreRejected() {
        let bad: [OptimizerSettings] = [
            .sgd(momentum: 1.5), .sgd(momentum: 0, nesterov: true), .sgd(weightDecay: -1),
            .rmsprop(rho: 1), .rmsprop(epsilon: 0), .adam(beta1: 1), .adamW(beta2: -0.1),
            .adam(epsilon: .nan),
        ]
        for settings in bad {
            #expect(throws: MobileNetError.self, "\(settings)") { try Optimizer(settings: settings) }
        }
    }

    @Test func settingsRoundTripThroughJSON() throws {
        for settings in Self.variants + OptimizerKind.allCases.map(OptimizerSettings.defaults(for:)) {
            let decoded = try JSONDecoder().decode(OptimizerSettings.self, from: JSONEncoder().encode(settings))
            #expect(decoded == settings)
        }
    }
}
