#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The result of evaluating a classifier on a labelled set: top-1 and top-k accuracy, mean
/// cross-entropy, accuracy per class and the confusion matrix, as an aligned text table or
/// as JSON (snake_case keys). Accuracies are fractions in 0…1.
public struct EvaluationReport: Codable, Sendable, Equatable {
    /// The class names, index order.
    public let classNames: [String]
    /// The number of samples evaluated.
    public let sampleCount: Int
    /// The k of `topKAccuracy` (5, or the number of classes when fewer).
    public let k: Int
    public let top1Accuracy: Double
    public let topKAccuracy: Double
    /// Mean cross-entropy (natural log) over the samples.
    public let meanLoss: Double
    /// One entry per class, index order.
    public let perClass: [ClassAccuracy]
    /// `confusionMatrix[t][p]`: samples of true class t predicted as class p.
    public let confusionMatrix: [[Int]]

    /// The report of a finished tally; `classNames` must have one name per class.
    public init(_ tally: EvaluationTally, classNames: [String]) throws {
        let classes = tally.classCount
        guard classNames.count == classes else {
            throw MobileNetError.invalidArgument("\(classNames.count) class names for \(classes) classes")
        }
        guard tally.sampleCount > 0 else { throw MobileNetError.invalidArgument("no samples to evaluate") }
        self.classNames = classNames
        sampleCount = tally.sampleCount
        k = tally.k
        top1Accuracy = tally.top1Accuracy
        topKAccuracy = tally.topKAccuracy
        meanLoss = tally.meanLoss
        let rows = (0..<classes).map { Array(tally.confusion[($0 * classes)..<(($0 + 1) * classes)]) }
        confusionMatrix = rows
        perClass = rows.enumerated().map { index, row in
            let samples = row.reduce(0, +)
            return ClassAccuracy(name: classNames[index], samples: samples, correct: row[index],
                                 accuracy: samples == 0 ? nil : Double(row[index]) / Double(samples))
        }
    }

    /// The report of `scores` `[N, classes]` (logits or probabilities) against `labels` (N
    /// class indices), one name per class.
    public init(scores: Tensor<Float>, labels: [Int], kind: ScoreKind = .logits, classNames: [String], k: Int = 5) throws {
        var tally = try EvaluationTally(classCount: classNames.count, k: k)
        try tally.add(scores, labels: labels, kind: kind)
        try self.init(tally, classNames: classNames)
    }

    enum CodingKeys: String, CodingKey {
        case classNames = "class_names"
        case sampleCount = "samples"
        case k
        case top1Accuracy = "top1_accuracy"
        case topKAccuracy = "topk_accuracy"
        case meanLoss = "mean_loss"
        case perClass = "per_class"
        case confusionMatrix = "confusion_matrix"
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The report as aligned text: the totals, a table per class and, for at most
    /// `confusionMatrixLimit` classes, the confusion matrix (columns numbered by class index).
    public func text(confusionMatrixLimit: Int = 20) -> String {
        func percent(_ fraction: Double?) -> String {
            fraction.map { decimalText($0 * 100, places: 2) + " %" } ?? "-"
        }
        let rowLabels = classNames.enumerated().map { "\($0) \($1)" }
        var lines = [
            "samples          \(sampleCount)",
            "top-1 accuracy   \(percent(top1Accuracy))",
            "top-\(k) accuracy   \(percent(topKAccuracy))",
            "mean loss        \(decimalText(meanLoss, places: 4))",
            "",
        ]

        let nameWidth = max(5, rowLabels.map(\.count).max() ?? 0)
        let countWidth = max(7, String(sampleCount).count)
        lines.append(padRight("class", nameWidth) + "  " + padLeft("samples", countWidth) + "  "
                     + padLeft("correct", countWidth) + "  " + padLeft("accuracy", 8))
        for (label, entry) in zip(rowLabels, perClass) {
            lines.append(padRight(label, nameWidth) + "  " + padLeft(String(entry.samples), countWidth) + "  "
                         + padLeft(String(entry.correct), countWidth) + "  " + padLeft(percent(entry.accuracy), 8))
        }
        lines.append("")

        let classes = classNames.count
        if classes <= confusionMatrixLimit {
            lines.append("confusion matrix (rows: true class, columns: predicted class)")
            let largest = confusionMatrix.joined().max() ?? 0
            let cellWidth = max(String(largest).count, String(classes - 1).count)
            lines.append(padRight("", nameWidth) + (0..<classes).map { "  " + padLeft(String($0), cellWidth) }.joined())
            for (label, row) in zip(rowLabels, confusionMatrix) {
                lines.append(padRight(label, nameWidth) + row.map { "  " + padLeft(String($0), cellWidth) }.joined())
            }
        } else {
            lines.append("confusion matrix: \(classes) classes, too many to show (see the JSON report)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// How well one class was recognised: of its samples, how many were predicted as it.
public struct ClassAccuracy: Codable, Sendable, Equatable {
    public let name: String
    /// Samples whose true class is this one.
    public let samples: Int
    /// Of those, the ones predicted as this class.
    public let correct: Int
    /// `correct / samples`; nil when the class had no samples.
    public let accuracy: Double?
}
