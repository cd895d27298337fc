/// How calibration turns the activations it observed into a quantization range.
public enum CalibrationMethod: Sendable, Equatable {
    /// The smallest and largest value seen (TFLite's converter does this).
    case minMax
    /// The `p`-th percentile at the top and the `(100 − p)`-th at the bottom (e.g. 99.99):
    /// rare outliers are clipped so the common values get finer steps.
    case percentile(Double)

    /// Parses `minmax` or `percentile:P` (0 < P ≤ 100; `percentile` alone is 99.99).
    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        if lowered == "minmax" || lowered == "min-max" { self = .minMax; return }
        if lowered == "percentile" { self = .percentile(99.99); return }
        if lowered.hasPrefix("percentile:"), let p = Double(lowered.dropFirst("percentile:".count)), p > 50, p <= 100 {
            self = .percentile(p)
            return
        }
        throw MobileNetError.invalidArgument("calibration method '\(text)' is not minmax, percentile or percentile:P with 50 < P <= 100")
    }
}

/// What calibration saw of one tensor (the graph input, or one operation's output) over all
/// calibration images: its extreme values and an evenly strided sample of its values, from
/// which a percentile is read. The sample holds every `stride`-th value, the stride chosen from
/// the expected number of images so that at most `sampleLimit` values are kept per tensor.
struct TensorStatistics {
    private(set) var minimum = Float.infinity
    private(set) var maximum = -Float.infinity
    private(set) var sample: [Float] = []
    let stride: Int
    /// Position of the next sampled value within the next recorded batch.
    private var phase = 0

    init(valuesPerImage: Int, expectedImages: Int, sampleLimit: Int) {
        let total = max(1, valuesPerImage) * max(1, expectedImages)
        stride = max(1, (total + sampleLimit - 1) / sampleLimit)
        sample.reserveCapacity(min(total, sampleLimit))
    }

    mutating func record(_ values: UnsafeBufferPointer<Float>) {
        for v in values {
            minimum = min(minimum, v)
            maximum = max(maximum, v)
        }
        var i = phase
        while i < values.count {
            sample.append(values[i])
            i += stride
        }
        phase = i - values.count
    }

    /// The range by `method`; nil before anything was recorded.
    func range(_ method: CalibrationMethod) -> ActivationRange? {
        guard minimum <= maximum else { return nil }
        switch method {
        case .minMax:
            return ActivationRange(lower: minimum, upper: maximum)
        case .percentile(let p):
            let sorted = sample.sorted()
            func at(_ percent: Double) -> Float {
                let position = percent / 100 * Double(sorted.count - 1)
                let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
                let t = Float(position - Double(below))
                return sorted[below] + (sorted[above] - sorted[below]) * t
            }
            return ActivationRange(lower: at(100 - p), upper: at(p))
        }
    }
}
