import Foundation
import Testing
import MobileNet

/// Learning-rate schedules against PyTorch's own schedulers (sampled in the training fixture)
/// and against their formulas written out here.
@Suite struct ScheduleTests {
    /// `schedule` over the fixture's 100 steps (10 per epoch) against `schedule/<name>`.
    static func expectMatchesPyTorch(_ schedule: LearningRateSchedule, _ name: String) throws {
        let expected = try OptimizerFixtureTests.fixture().floatTensor("schedule/\(name)").scalars
        #expect(expected.count == 100)
        for (step, reference) in expected.enumerated() {
            let ours = schedule.learningRate(step: step, totalSteps: 100, stepsPerEpoch: 10)
            #expect(abs(ours - reference) <= 1e-6 * reference, "\(name) step \(step): \(ours) vs PyTorch \(reference)")
        }
    }

    @Test func oneCycleCosineMatchesPyTorch() throws {
        let policy = OneCyclePolicy(peak: 0.1, warmupFraction: 0.15, warmup: .cosine, decay: .cosine)
        try Self.expectMatchesPyTorch(.oneCycle(policy), "onecycle_cos")
    }

    @Test func oneCycleLinearMatchesPyTorch() throws {
        try Self.expectMatchesPyTorch(.oneCycle(OneCyclePolicy(peak: 0.1, warmup: .linear, decay: .linear)), "onecycle_linear")
    }

    @Test func cosineMatchesPyTorch() throws {
        try Self.expectMatchesPyTorch(.cosine(rate: 0.1, floor: 0.001), "cosine")
    }

    @Test func warmupThenCosineMatchesPyTorch() throws {
        try Self.expectMatchesPyTorch(.cosine(rate: 0.1, warmupEpochs: 1), "warmup_cosine")
    }

    @Test func stepMatchesPyTorch() throws {
        try Self.expectMatchesPyTorch(.step(rate: 0.1, everyEpochs: 3, factor: 0.1), "step")
    }

    /// The default one-cycle (linear 30 % rise from peak/25, cosine fall to peak/25/1e4),
    /// written out.
    @Test func defaultOneCycleFollowsItsFormula() {
        let schedule = LearningRateSchedule.oneCycle(OneCyclePolicy(peak: 0.4))
        let total = 1000
        let peak: Double = 0.4, start: Double = 0.4 / 25, end: Double = 0.4 / 25 / 1e4
        let warmupEnd: Double = 0.3 * 1000 - 1  // 299
        for step in [0, 1, 150, 298, 299, 300, 301, 650, 998, 999] {
            let s = Double(step)
            let expected: Double
            if s <= warmupEnd {
                expected = start + (peak - start) * s / warmupEnd
            } else {
                let progress: Double = (s - warmupEnd) / (999 - warmupEnd)
                expected = end + (peak - end) * (1 + cos(Double.pi * progress)) / 2
            }
            let ours = schedule.learningRate(step: step, totalSteps: total, stepsPerEpoch: 50)
            #expect(abs(Double(ours) - expected) <= 1e-6 * expected, "step \(step): \(ours) vs \(expected)")
        }
        #expect(schedule.learningRate(step: 299, totalSteps: total, stepsPerEpoch: 50) == 0.4)
        #expect(schedule.learningRate(step: 5000, totalSteps: total, stepsPerEpoch: 50)
                == schedule.learningRate(step: 999, totalSteps: total, stepsPerEpoch: 50))
        let fromZero = LearningRateSchedule.oneCycle(OneCyclePolicy(peak: 0.4, startFraction: 0))
        #expect(fromZero.learningRate(step: 0, totalSteps: total, stepsPerEpoch: 50) == 0)
    }

    @Test func warmupRampsToTheScheduleValue() {
        // 2 warm-up epochs of 5 steps: (s + 1)/10 of the value at step 10.
        let constant = LearningRateSchedule.constant(rate: 0.2, warmupEpochs: 2)
        #expect(constant.warmupSteps(stepsPerEpoch: 5, totalSteps: 100) == 10)
        for step in 0..<10 {
            let expected = 0.2 * Float(step + 1) / 10
            #expect(abs(constant.learningRate(step: step, totalSteps: 100, stepsPerEpoch: 5) - expected) <= 1e-7)
        }
        #expect(constant.learningRate(step: 10, totalSteps: 100, stepsPerEpoch: 5) == 0.2)
        #expect(constant.learningRate(step: 99, totalSteps: 100, stepsPerEpoch: 5) == 0.2)
        // Step decay every epoch with a warm-up of 1.5 epochs (3 steps of 2): the ramp aims at
        // the value of step 3 (epoch 1: 0.1 · 0.5).
        let step = LearningRateSchedule.step(rate: 0.1, everyEpochs: 1, factor: 0.5, warmupEpochs: 1.5)
        let rates = (0..<8).map { step.learningRate(step: $0, totalSteps: 8, stepsPerEpoch: 2) }
        let expected: [Float] = [0.05 / 3, 0.1 / 3, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
        for (ours, reference) in zip(rates, expected) { #expect(abs(ours - reference) <= 1e-8, "\(rates)") }
    }

    @Test func parsesCommandLineForms() throws {
        let cases: [(String, LearningRateSchedule)] = [
            ("constant", .constant(rate: 0.1)),
            ("step:30:0.1", .step(rate: 0.1, everyEpochs: 30, factor: 0.1)),
            ("cosine", .cosine(rate: 0.1)),
            ("cosine:0.001,warmup:5", .cosine(rate: 0.1, floor: 0.001, warmupEpochs: 5)),
            ("Constant,warmup:0.5", .constant(rate: 0.1, warmupEpochs: 0.5)),
            ("onecycle", .oneCycle(OneCyclePolicy(peak: 0.1))),
            ("onecycle:0.15", .oneCycle(OneCyclePolicy(peak: 0.1, warmupFraction: 0.15))),
            ("onecycle:0.25:linear", .oneCycle(OneCyclePolicy(peak: 0.1, warmupFraction: 0.25, decay: .linear))),
        ]
        for (text, expected) in cases {
            let parsed = try LearningRateSchedule(parsing: text, learningRate: 0.1)
            #expect(parsed == expected, "\(text)")
            #expect(try LearningRateSchedule(parsing: parsed.argument, learningRate: 0.1) == parsed, "\(parsed.argument)")
            let json = try JSONEncoder().encode(parsed)
            #expect(try JSONDecoder().decode(LearningRateSchedule.self, from: json) == parsed)
        }
    }

    @Test(arguments: ["", "linear", "step", "step:30", "step:x:0.1", "step:30:0", "cosine:abc", "cosine:0.5",
                      "onecycle:1.5", "onecycle:0.3:exp", "onecycle,warmup:2", "constant,warmup:-1",
                      "constant,decay:3", "constant,warmup:1,warmup:2"])
    func rejectsMalformedForms(_ text: String) {
        do {
            _ = try LearningRateSchedule(parsing: text, learningRate: 0.1)
            Issue.record("'\(text)' was accepted")
        } catch let error as MobileNetError {
            #expect(error.description.contains("learning-rate schedule"), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func degenerateRunsStayFinite() {
        let schedules: [LearningRateSchedule] = [
            .constant(rate: 0.1, warmupEpochs: 100), .cosine(rate: 0.1, warmupEpochs: 3),
            .step(rate: 0.1, everyEpochs: 1, factor: 0.5), .oneCycle(OneCyclePolicy(peak: 0.1, warmupFraction: 0.01)),
        ]
        for schedule in schedules {
            for total in [0, 1, 2, 3] {
                for step in -1...3 {
                    let rate = schedule.learningRate(step: step, totalSteps: total, stepsPerEpoch: 0)
                    #expect(rate.isFinite && rate >= 0 && rate <= schedule.peak, "\(schedule) \(step)/\(total)")
                }
            }
        }
    }
}
