import Foundation
import Testing

import MobileNet

@Suite struct TrainingReportEvaluationTests {
    // Five samples, three classes, worked by hand (ties go to the lower class index):
    //   logits     label  predicted  classes ranked before the label  top-2
    //   [2, 1, 0]  cat    cat        none                             hit
    //   [0, 3, 1]  bird   dog        dog                              hit
    //   [1, 1, 5]  dog    bird       bird, cat (tie, lower index)     miss
    //   [4, 4, 0]  dog    cat (tie)  cat (tie, lower index)           hit
    //   [0, 0, 0]  cat    cat        none                             hit
    static let names = ["cat", "dog", "bird"]
    static let logits: [Float] = [2, 1, 0, 0, 3, 1, 1, 1, 5, 4, 4, 0, 0, 0, 0]
    static let labels = [0, 2, 1, 1, 0]

    /// Cross-entropy written directly from its definition, −log(e^z_y / Σ e^z).
    static func naiveLoss(_ row: [Float], _ label: Int) -> Double {
        let exps = row.map { exp(Double($0)) }
        return -log(exps[label] / exps.reduce(0, +))
    }

    static func report(k: Int = 2) throws -> EvaluationReport {
        try EvaluationReport(scores: Tensor(shape: [5, 3], scalars: logits), labels: labels, classNames: names, k: k)
    }

    @Test func countsMatchTheWorkedExample() throws {
        let report = try Self.report()
        #expect(report.sampleCount == 5 && report.k == 2)
        #expect(report.top1Accuracy == 0.4)
        #expect(report.topKAccuracy == 0.8)
        #expect(report.confusionMatrix == [[2, 0, 0], [1, 0, 1], [0, 1, 0]])
        #expect(report.perClass.map(\.name) == Self.names)
        #expect(report.perClass.map(\.samples) == [2, 2, 1])
        #expect(report.perClass.map(\.correct) == [2, 0, 0])
        #expect(report.perClass.map(\.accuracy) == [1, 0, 0])
        let losses = (0..<5).map { Self.naiveLoss(Array(Self.logits[($0 * 3)..<($0 * 3 + 3)]), Self.labels[$0]) }
        #expect(abs(report.meanLoss - losses.reduce(0, +) / 5) < 1e-12)

        // k above the number of classes is clipped: every sample is a top-3 hit.
        let top5 = try Self.report(k: 5)
        #expect(top5.k == 3 && top5.topKAccuracy == 1)
        // k = 1 is top-1.
        #expect(try Self.report(k: 1).topKAccuracy == 0.4)
    }

    @Test func textIsAnAlignedTable() throws {
        let expected = """
            samples          5
            top-1 accuracy   40.00 %
            top-2 accuracy   80.00 %
            mean loss        1.6829

            class   samples  correct  accuracy
            0 cat         2        2  100.00 %
            1 dog         2        0    0.00 %
            2 bird        1        0    0.00 %

            confusion matrix (rows: true class, columns: predicted class)
                    0  1  2
            0 cat   2  0  0
            1 dog   1  0  1
            2 bird  0  1  0

            """
        let report = try Self.report()
        #expect(report.text() == expected)
        #expect(report.text(confusionMatrixLimit: 2).hasSuffix(
            "\nconfusion matrix: 3 classes, too many to show (see the JSON report)\n"))
    }

    @Test func jsonHasSnakeCaseKeysAndRoundTrips() throws {
        let report = try Self.report()
        let json = try report.json()
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["class_names", "samples", "k", "top1_accuracy", "topk_accuracy", "mean_loss",
                                      "per_class", "confusion_matrix"])
        #expect(object["top1_accuracy"] as? Double == 0.4)
        #expect(object["confusion_matrix"] as? [[Int]] == [[2, 0, 0], [1, 0, 1], [0, 1, 0]])
        #expect(try JSONDecoder().decode(EvaluationReport.self, from: Data(json.utf8)) == report)
    }

    @Test func aClassWithoutSamplesHasNoAccuracy() throws {
        var tally = try EvaluationTally(classCount: 4)
        try tally.add(Tensor(shape: [2, 4], scalars: [0, 1, 0, 0, 5, 0, 0, 0]), labels: [1, 0], kind: .logits)
        let report = try EvaluationReport(tally, classNames: ["a", "b", "c", "d"])
        #expect(report.k == 4)
        #expect(report.perClass.map(\.accuracy) == [1, 1, nil, nil])
        let emptyRow = "2 c" + String(repeating: " ", count: 10) + "0" + String(repeating: " ", count: 8) + "0"
            + String(repeating: " ", count: 9) + "-"
        #expect(report.text().contains("\n" + emptyRow + "\n"))
        let json = try report.json()
        #expect(try JSONDecoder().decode(EvaluationReport.self, from: Data(json.utf8)) == report)
    }

    @Test func batchesAddUpToTheWhole() throws {
        var whole = try EvaluationTally(classCount: 3, k: 2)
        try Self.logits.withUnsafeBufferPointer { try whole.add(scores: $0, labels: Self.labels, kind: .logits) }
        var parts = try EvaluationTally(classCount: 3, k: 2)
        try Self.logits.withUnsafeBufferPointer {
            try parts.add(scores: UnsafeBufferPointer(rebasing: $0[0..<6]), labels: [0, 2], kind: .logits)
            try parts.add(scores: UnsafeBufferPointer(rebasing: $0[6..<15]), labels: [1, 1, 0], kind: .logits)
        }
        #expect(parts.sampleCount == 5 && parts.top1Hits == 2 && parts.topKHits == 4)
        #expect(parts.confusion == whole.confusion)
        #expect(abs(parts.lossSum - whole.lossSum) < 1e-12)
        #expect(abs(parts.meanLoss - whole.meanLoss) < 1e-12)
    }

    @Test func probabilitiesAndExtremeLogits() throws {
        var tally = try EvaluationTally(classCount: 2)
        try tally.add(Tensor(shape: [3, 2], scalars: [0.7, 0.3, 0, 1, 0.5, 0.5]), labels: [0, 0, 1], kind: .probabilities)
        // −log 0.7, −log 1e-7 (zero probability clipped as Keras clips it), −log 0.5.
        #expect(abs(tally.meanLoss - (-log(0.7) - log(1e-7) - log(0.5)) / 3) < 1e-7)
        #expect(tally.top1Hits == 1)  // the tie [0.5, 0.5] predicts class 0

        var large = try EvaluationTally(classCount: 2)
        try large.add(Tensor(shape: [2, 2], scalars: [1000, 0, -3e38, 3e38]), labels: [1, 1], kind: .logits)
        #expect(abs(large.lossSum - 1000) < 1e-9)
    }

    @Test func badInputsAreOneLineErrorsAndAddNothing() throws {
        var tally = try EvaluationTally(classCount: 3)
        let before = tally
        #expect(throws: MobileNetError.invalidArgument("label 3 of sample 1 is outside 0..<3")) {
            try tally.add(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), labels: [0, 3], kind: .logits)
        }
        #expect(throws: MobileNetError.invalidArgument("non-finite score nan for sample 1, class 2")) {
            try tally.add(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, .nan]), labels: [0, 1], kind: .logits)
        }
        #expect(throws: MobileNetError.self) {
            try tally.add(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), labels: [0], kind: .logits)
        }
        #expect(tally == before)
        #expect(throws: MobileNetError.invalidArgument("no samples to evaluate")) {
            _ = try EvaluationReport(tally, classNames: ["a", "b", "c"])
        }
        #expect(throws: MobileNetError.invalidArgument("2 class names for 3 classes")) {
            _ = try EvaluationReport(tally, classNames: ["a", "b"])
        }
        #expect(throws: MobileNetError.self) { _ = try EvaluationTally(classCount: 0) }
        #expect(throws: MobileNetError.self) { _ = try EvaluationTally(classCount: 3, k: 0) }
    }
}
