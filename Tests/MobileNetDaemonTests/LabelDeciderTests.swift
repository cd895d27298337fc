import Testing
@testable import MobileNetDaemon

/// Smoothing, thresholds with hysteresis and the emit policies, on sequences worked out by hand.
struct LabelDeciderTests {
    func run(_ decider: LabelDecider, _ frames: [[Float]]) -> [LabelDecider.Decision] {
        frames.map { frame in frame.withUnsafeBufferPointer { decider.update($0) } }
    }

    @Test func thresholdZeroIsTheMostProbableClass() {
        let decisions = run(LabelDecider(classes: 3, smooth: 1, threshold: 0, thresholdLow: 0),
                            [[0.1, 0.7, 0.2], [0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
        #expect(decisions.map(\.label) == [1, 1, 0])
        #expect(decisions.map(\.changed) == [true, false, true])
        #expect(decisions.map(\.score) == [0.7, 0.7, 0.5])
    }

    @Test func hysteresisHoldsTheLabelBetweenTheThresholds() {
        // person = class 1; enters at >= 0.8, holds while >= 0.6.
        let person: [Float] = [0.9], between: [Float] = [0.7], low: [Float] = [0.5]
        let frames = [person, between, low, between, person].map { [1 - $0[0], $0[0]] }
        let decisions = run(LabelDecider(classes: 2, smooth: 1, threshold: 0.8, thresholdLow: 0.6), frames)
        // 0.9: person. 0.7: held. 0.5: no-person is 0.5 < 0.8, so unknown. 0.7: not enough to enter. 0.9: person.
        #expect(decisions.map(\.label) == [1, 1, nil, nil, 1])
        #expect(decisions.map(\.changed) == [true, false, true, false, true])
        #expect(abs(decisions[2].score - 0.5) < 1e-6)
    }

    @Test func movingAverageOverTheWindow() {
        let decider = LabelDecider(classes: 2, smooth: 3, threshold: 0, thresholdLow: 0)
        let decisions = run(decider, [[1, 0], [0, 1], [0, 1], [0, 1], [1, 0]])
        // Averages of class 1: 0, 1/2, 2/3, 1, 2/3.
        #expect(decisions.map(\.label) == [0, 0, 1, 1, 1])
        #expect(abs(decisions[1].score - 0.5) < 1e-6)
        #expect(abs(decisions[4].score - 2.0 / 3) < 1e-6)
        decider.reset()
        #expect(run(decider, [[1, 0]]).map(\.changed) == [true])
    }

    @Test func emitPolicies() throws {
        var change = EmitGate(policy: try EmitPolicy(parsing: "change"))
        #expect([true, false, true].map { change.shouldEmit(changed: $0, now: 0) } == [true, false, true])
        var every = EmitGate(policy: .every)
        #expect([false, false].map { every.shouldEmit(changed: $0, now: 0) } == [true, true])
        var interval = EmitGate(policy: try EmitPolicy(parsing: "interval:0.5"))
        let times: [UInt64] = [0, 100_000_000, 499_999_999, 500_000_000, 900_000_000, 1_000_000_000]
        #expect(times.map { interval.shouldEmit(changed: false, now: $0) } == [true, false, false, true, false, true])
    }
}
