/// One class of a classification: its index in the model's output, its name and probability.
public struct ClassScore: Sendable, Equatable, Codable {
    public var index: Int
    public var label: String
    public var probability: Float

    public init(index: Int, label: String, probability: Float) {
        self.index = index
        self.label = label
        self.probability = probability
    }

    /// The `k` most probable classes of one image's `probabilities`, most probable first; ties
    /// go to the lower index and NaN counts as the least probable.
    public static func top(_ k: Int, of probabilities: some Collection<Float>, labels: [String]) -> [ClassScore] {
        let values = Array(probabilities)
        precondition(values.count == labels.count, "one label per probability")
        let key = values.map { $0.isNaN ? -Float.infinity : $0 }
        let order = values.indices.sorted { key[$0] > key[$1] || (key[$0] == key[$1] && $0 < $1) }
        return order.prefix(max(0, k)).map { ClassScore(index: $0, label: labels[$0], probability: values[$0]) }
    }
}
