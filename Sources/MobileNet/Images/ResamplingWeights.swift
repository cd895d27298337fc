/// The filter taps of one axis of an antialiased bilinear resize, as Pillow computes them for
/// `Image.resize(..., BILINEAR)`: output pixel `i` is centred on input coordinate
/// `(i + 0.5) · scale` (scale = input / output size), and takes the inputs whose centres lie
/// within `support = max(scale, 1)` of it, weighted by the triangle `1 − |d| / max(scale, 1)`
/// and normalised to sum 1. When shrinking, the triangle widens with the scale, so every input
/// pixel contributes (antialiasing); when enlarging it is plain linear interpolation.
package struct ResamplingWeights {
    /// The largest number of taps of any output pixel; `weights` has this many per output.
    package let taps: Int
    /// The first input index of each output pixel.
    package let first: [Int]
    /// How many taps each output pixel uses (≤ taps).
    package let count: [Int]
    /// `outputSize × taps` weights, zero past `count`.
    package let weights: [Float]

    package init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale  // the triangle's support is 1, stretched by the filter scale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputSize)
        var count = [Int](repeating: 0, count: outputSize)
        var weights = [Float](repeating: 0, count: outputSize * taps)
        var row = [Double](repeating: 0, count: taps)
        for i in 0..<outputSize {
            let center = (Double(i) + 0.5) * scale
            // Truncation toward zero of `x + 0.5`, as the reference's C int conversion rounds.
            let low = max(0, Int(center - support + 0.5))
            let high = min(inputSize, Int(center + support + 0.5))
            var total = 0.0
            for k in 0..<(high - low) {
                let distance = abs((Double(low + k) + 0.5 - center) / filterScale)
                row[k] = max(0, 1 - distance)
                total += row[k]
            }
            for k in 0..<(high - low) {
                weights[i * taps + k] = Float(total == 0 ? row[k] : row[k] / total)
            }
            first[i] = low
            count[i] = high - low
        }
        self.taps = taps
        self.first = first
        self.count = count
        self.weights = weights
    }
}
