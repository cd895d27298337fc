import Foundation
import Testing
@testable import MobileNet

/// The trainer's forward and backward against PyTorch (float64, cross-checked by its script
/// against Keras): MobileNet α = 0.25 at 32×32, ReLU6, batch 4, label smoothing 0.1
/// (Fixtures/training, made by scripts/fixtures/make_training_fixture.sh).
@Suite struct TrainingFixtureTests {
    static let fixture = "training/mobilenet_a025_32.safetensors"

    /// Within `relative` of the reference tensor's largest magnitude.
    static func expectClose(_ ours: [Float], _ reference: [Float], relative: Float, _ name: String) {
        #expect(ours.count == reference.count, "\(name): \(ours.count) vs \(reference.count) values")
        let largest = reference.map(abs).max() ?? 0
        let difference = zip(ours, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= relative * max(largest, 1e-6), "\(name): max difference \(difference), largest |reference| \(largest)")
    }

    @Test func lossGradientsAndRunningStatisticsMatchPyTorch() throws {
        let url = try SharedData.fixture(Self.fixture)
        let file = try SafeTensors(contentsOf: url)
        let model = try MobileNetModel(safeTensors: file)
        let network = try TrainingNetwork(model: model, batch: 4, threads: 2)
        let labels = try file.floatTensor("labels").scalars.map { Int32($0) }
        let (loss, _) = try network.step(file.floatTensor("input"), labels: labels, labelSmoothing: 0.1)
        let expectedLoss = try file.floatTensor("loss").scalars[0]
        #expect(abs(loss - expectedLoss) <= 1e-4 * abs(expectedLoss), "loss \(loss) vs PyTorch \(expectedLoss)")
        Self.expectClose(network.logits.scalars, try file.floatTensor("logits").scalars, relative: 1e-4, "logits")
        // Float32 against float64: the gradients of the early layers pass through the batch
        // norms of blocks 12–13, which normalise over 4 values; Keras in float32 is 9e-4 off.
        for parameter in network.parameters {
            Self.expectClose(Array(parameter.gradient), try file.floatTensor("grad/\(parameter.name)").scalars,
                             relative: 2e-3, "gradient of \(parameter.name)")
        }
        let trained = try network.model()
        for name in file.names where name.hasPrefix("moving_after/") {
            let weight = String(name.dropFirst("moving_after/".count))
            Self.expectClose(trained.weights[weight]!.scalars, try file.floatTensor(name).scalars, relative: 1e-4, name)
        }
    }
}
