#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the scores given to an evaluation are to be read.
public enum ScoreKind: String, Sendable, Codable {
    /// Unnormalized logits: the loss is softmax cross-entropy.
    case logits
    /// Probabilities (softmax outputs): the loss is −log p of the true class, p clipped below
    /// at 1e-7 as Keras clips it.
    case probabilities
}

/// Running counts of a classifier evaluation, fed batch by batch: top-1 and top-k hits,
/// summed cross-entropy, and the confusion matrix (rows = true class, columns = predicted).
///
/// The predicted class is the highest score, the lowest index among equal scores; a sample
/// is a top-k hit when fewer than k classes rank before its true class in that order.
public struct EvaluationTally: Sendable, Equatable {
    /// The number of classes (columns of the scores).
    public let classCount: Int
    /// The k of top-k accuracy: the requested k, at most `classCount`.
    public let k: Int
    /// Samples added so far.
    public private(set) var sampleCount = 0
    /// Samples whose predicted class is the true one.
    public private(set) var top1Hits = 0
    /// Samples whose true class is among the k best scores.
    public private(set) var topKHits = 0
    /// Sum of the per-sample cross-entropy (natural log).
    public private(set) var lossSum = 0.0
    /// `confusion[t * classCount + p]`: samples of true class t predicted as p.
    public private(set) var confusion: [Int]

    /// An empty tally for `classCount` classes and top-`k` accuracy (k clipped to the classes).
    public init(classCount: Int, k: Int = 5) throws {
        guard classCount >= 1 else {
            throw MobileNetError.invalidArgument("an evaluation needs at least one class, got \(classCount)")
        }
        guard k >= 1 else { throw MobileNetError.invalidArgument("top-k needs k >= 1, got \(k)") }
        guard classCount <= 10_000 else {  // the confusion matrix (classes² counts) must fit in memory
            throw MobileNetError.invalidArgument("too many classes for a confusion matrix: \(classCount)")
        }
        self.classCount = classCount
        self.k = min(k, classCount)
        confusion = Array(repeating: 0, count: classCount * classCount)
    }

    /// Top-1 accuracy so far (NaN before any sample).
    public var top1Accuracy: Double { Double(top1Hits) / Double(sampleCount) }
    /// Top-k accuracy so far (NaN before any sample).
    public var topKAccuracy: Double { Double(topKHits) / Double(sampleCount) }
    /// Mean cross-entropy so far (NaN before any sample).
    public var meanLoss: Double { lossSum / Double(sampleCount) }

    /// Adds a batch: `scores` holds `labels.count` rows of `classCount` scores (row-major).
    /// Throws, adding nothing, on a size mismatch, a label outside the classes or a
    /// non-finite score.
    public mutating func add(scores: UnsafeBufferPointer<Float>, labels: [Int], kind: ScoreKind) throws {
        let classes = classCount
        guard scores.count == labels.count * classes else {
            throw MobileNetError.shapeMismatch(
                "\(scores.count) scores for \(labels.count) labels and \(classes) classes")
        }
        for (row, label) in labels.enumerated() {
            guard (0..<classes).contains(label) else {
                throw MobileNetError.invalidArgument("label \(label) of sample \(row) is outside 0..<\(classes)")
            }
            if let column = scores[(row * classes)..<((row + 1) * classes)].firstIndex(where: { !$0.isFinite }) {
                throw MobileNetError.invalidArgument(
                    "non-finite score \(scores[column]) for sample \(row), class \(column - row * classes)")
            }
        }
        for (row, label) in labels.enumerated() {
            let s = UnsafeBufferPointer(rebasing: scores[(row * classes)..<((row + 1) * classes)])
            var predicted = 0
            var rank = 0  // classes ordered before the true one
            for j in 0..<classes {
                if s[j] > s[predicted] { predicted = j }
                if s[j] > s[label] || (s[j] == s[label] && j < label) { rank += 1 }
            }
            sampleCount += 1
            if predicted == label { top1Hits += 1 }
            if rank < k { topKHits += 1 }
            confusion[label * classes + predicted] += 1
            lossSum += Self.crossEntropy(s, label: label, kind: kind)
        }
    }

    /// Adds a batch of scores shaped `[labels.count, classCount]`.
    public mutating func add(_ scores: Tensor<Float>, labels: [Int], kind: ScoreKind) throws {
        guard scores.shape == [labels.count, classCount] else {
            throw MobileNetError.shapeMismatch(
                "scores of shape \(scores.shape.shapeDescription) for \(labels.count) labels and \(classCount) classes")
        }
        try scores.scalars.withUnsafeBufferPointer { try add(scores: $0, labels: labels, kind: kind) }
    }

    /// −log softmax(s)[label] for logits (log-sum-exp shifted by the maximum, in Double), or
    /// −log max(s[label], 1e-7) for probabilities.
    private static func crossEntropy(_ s: UnsafeBufferPointer<Float>, label: Int, kind: ScoreKind) -> Double {
        switch kind {
        case .probabilities:
            return -log(max(Double(s[label]), 1e-7))
        case .logits:
            let top = Double(s.max()!)
            var sum = 0.0
            for value in s { sum += exp(Double(value) - top) }
            return top + log(sum) - Double(s[label])
        }
    }
}
