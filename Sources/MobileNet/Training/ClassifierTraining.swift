#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The head in training: global average pool, dropout, the classifier (`conv_preds`, a dense
/// layer on the pooled vector) and softmax cross-entropy with label smoothing.
final class ClassifierTraining {
    let batch: Int
    let pixels: Int
    let channels: Int
    let classes: Int
    let dropout: Float
    let kernel: TrainableParameter
    let bias: TrainableParameter
    /// Pooled features after dropout, `[batch][channels]` (+ slack for the SIMD kernels).
    private let features: AlignedFloats
    /// Dropout's scale per feature: 0 or 1/(1 − rate).
    private let mask: AlignedFloats
    /// Logits, then softmax probabilities, `[batch][classes]`.
    let logits: AlignedFloats
    let probabilities: AlignedFloats
    private let logitGradient: AlignedFloats
    private let featureGradient: AlignedFloats
    private let packedTransposed: AlignedFloats
    private let zeros: AlignedFloats

    init(batch: Int, pixels: Int, channels: Int, classes: Int, dropout: Float,
         kernel: TrainableParameter, bias: TrainableParameter) {
        self.batch = batch
        self.pixels = pixels
        self.channels = channels
        self.classes = classes
        self.dropout = dropout
        self.kernel = kernel
        self.bias = bias
        features = AlignedFloats(zeros: batch * channels + 16)
        mask = AlignedFloats(zeros: batch * channels)
        logits = AlignedFloats(zeros: batch * classes)
        probabilities = AlignedFloats(zeros: batch * classes)
        logitGradient = AlignedFloats(zeros: batch * classes + 16)
        featureGradient = AlignedFloats(zeros: batch * channels + 16)
        packedTransposed = AlignedFloats(zeros: roundUp16(channels) * classes)
        zeros = AlignedFloats(zeros: roundUp16(channels))
    }

    /// Pools `input` (`[batch][pixels][channels]`), applies dropout with a mask drawn from
    /// `dropoutSeed` when `training`, and computes logits and probabilities.
    func forward(_ input: UnsafePointer<Float>, training: Bool, dropoutSeed: UInt64) {
        let f = features.pointer, m = mask.pointer
        var rng = SeededGenerator(seed: dropoutSeed)
        let keep = 1 - dropout
        for b in 0..<batch {
            for c in 0..<channels { f[b * channels + c] = 0 }
            for p in 0..<pixels {
                let row = input + (b * pixels + p) * channels
                for c in 0..<channels { f[b * channels + c] += row[c] }
            }
            for c in 0..<channels {
                let scale: Float = training && dropout > 0 ? (rng.uniform(0, 1) < keep ? 1 / keep : 0) : 1
                m[b * channels + c] = scale
                f[b * channels + c] = f[b * channels + c] / Float(pixels) * scale
            }
        }
        let w = kernel.values.pointer, l = logits.pointer, p = probabilities.pointer
        for b in 0..<batch {
            for k in 0..<classes { l[b * classes + k] = bias.values.pointer[k] }
            for c in 0..<channels {
                let v = f[b * channels + c]
                for k in 0..<classes { l[b * classes + k] += v * w[c * classes + k] }
            }
            var largest = -Float.infinity
            for k in 0..<classes { largest = max(largest, l[b * classes + k]) }
            var sum: Float = 0
            for k in 0..<classes {
                p[b * classes + k] = expf(l[b * classes + k] - largest)
                sum += p[b * classes + k]
            }
            for k in 0..<classes { p[b * classes + k] /= sum }
        }
    }

    /// Mean cross-entropy over the batch against `labels` smoothed by `smoothing`
    /// (target = (1 − s) · one-hot + s / classes), and the number of top-1 hits.
    func loss(labels: UnsafePointer<Int32>, smoothing: Float) -> (loss: Float, correct: Int) {
        var total: Double = 0
        var correct = 0
        let l = logits.pointer
        for b in 0..<batch {
            let row = l + b * classes
            var largest = -Float.infinity, best = 0
            for k in 0..<classes where row[k] > largest { largest = row[k]; best = k }
            var sum: Double = 0
            for k in 0..<classes { sum += Double(expf(row[k] - largest)) }
            let logSum = Double(largest) + log(sum)
            let label = Int(labels[b])
            for k in 0..<classes {
                let target = Double(smoothing) / Double(classes) + (k == label ? Double(1 - smoothing) : 0)
                total -= target * (Double(row[k]) - logSum)
            }
            if best == label { correct += 1 }
        }
        return (Float(total / Double(batch)), correct)
    }

    /// Sets the classifier's gradients and writes the gradient of the pooled input into
    /// `inputGradient` (`[batch][pixels][channels]`).
    func backward(labels: UnsafePointer<Int32>, smoothing: Float, inputGradient: UnsafeMutablePointer<Float>,
                  parallel: ParallelFor) {
        let dl = logitGradient.pointer, p = probabilities.pointer
        for b in 0..<batch {
            for k in 0..<classes {
                let target = smoothing / Float(classes) + (k == Int(labels[b]) ? 1 - smoothing : 0)
                dl[b * classes + k] = (p[b * classes + k] - target) / Float(batch)
            }
        }
        for k in 0..<classes {
            var sum: Float = 0
            for b in 0..<batch { sum += dl[b * classes + k] }
            bias.gradients.pointer[k] = sum
        }
        let f = UnsafePointer(features.pointer), dlc = UnsafePointer(dl)
        let (c, n, dw) = (channels, classes, kernel.gradients.pointer)
        parallel(0..<(classes + 15) / 16) { panels in
            F32WeightGradient.pointwise(input: f, outputGradient: dlc, gradient: dw, m: batch, cin: c, cout: n, panels: panels)
        }
        let wt = packedTransposed.pointer, df = featureGradient.pointer
        F32GEMM.pack(UnsafePointer(kernel.values.pointer), k: channels, n: classes, transposed: true, into: wt)
        F32GEMM.multiply(input: dlc, output: df, packedWeights: wt, bias: zeros.pointer, k: classes, n: channels,
                         clamp: .none, rows: 0..<batch, panels: 0..<(channels + 15) / 16)
        let m = mask.pointer, scale = 1 / Float(pixels)
        for b in 0..<batch {
            for ch in 0..<channels { df[b * channels + ch] *= m[b * channels + ch] * scale }
            for px in 0..<pixels {
                (inputGradient + (b * pixels + px) * channels).update(from: df + b * channels, count: channels)
            }
        }
    }
}
