/// Batch normalisation plus activation of one conv layer in training: batch statistics and
/// running averages forward, the exact gradient backward.
///
/// Per-channel reductions split the rows into a fixed number of chunks whatever the thread
/// count and add the chunks in order, so a step gives the same bits on 1 or 2 threads.
final class BatchNormTraining {
    let channels: Int
    let clamp: Clamp
    let epsilon: Float
    /// Keras' momentum: `running = momentum · running + (1 − momentum) · batch`.
    let momentum: Float
    let gamma: TrainableParameter
    let beta: TrainableParameter
    /// Running mean and (biased, as Keras) variance.
    let movingMean: AlignedFloats
    let movingVariance: AlignedFloats
    private let packed: Int
    private let chunks: Int
    private let partialA: AlignedFloats, partialB: AlignedFloats
    private let mean: AlignedFloats, invStd: AlignedFloats
    private let scale: AlignedFloats, shift: AlignedFloats
    private let coefficientB: AlignedFloats, coefficientD: AlignedFloats

    init(channels: Int, clamp: Clamp, epsilon: Float, momentum: Float, rows: Int,
         gamma: TrainableParameter, beta: TrainableParameter, movingMean: [Float], movingVariance: [Float]) {
        self.channels = channels
        self.clamp = clamp
        self.epsilon = epsilon
        self.momentum = momentum
        self.gamma = gamma
        self.beta = beta
        packed = roundUp16(channels)
        chunks = max(1, min(rows, 32))
        partialA = AlignedFloats(zeros: chunks * packed)
        partialB = AlignedFloats(zeros: chunks * packed)
        self.movingMean = AlignedFloats(movingMean + [Float](repeating: 0, count: packed - channels))
        self.movingVariance = AlignedFloats(movingVariance + [Float](repeating: 1, count: packed - channels))
        mean = AlignedFloats(zeros: packed)
        invStd = AlignedFloats(zeros: packed)
        scale = AlignedFloats(zeros: packed)
        shift = AlignedFloats(zeros: packed)
        coefficientB = AlignedFloats(zeros: packed)
        coefficientD = AlignedFloats(zeros: packed)
    }

    /// Rows of chunk `index` of `rows`.
    private func chunk(_ index: Int, of rows: Int) -> Range<Int> {
        rows * index / chunks..<rows * (index + 1) / chunks
    }

    /// Sums per channel over all rows: `body(rows, partial)` adds chunk sums into `partial`,
    /// which the chunks then add in order into `total`.
    private func reduce(rows: Int, parallel: ParallelFor, into partial: AlignedFloats,
                        _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let p = partial.pointer, packed = self.packed
        p.update(repeating: 0, count: chunks * packed)
        parallel(0..<chunks) { range in
            for index in range { body(chunk(index, of: rows), p + index * packed) }
        }
        for index in 1..<chunks {
            for c in 0..<packed { p[c] += p[index * packed + c] }
        }
    }

    /// Normalises `x` (`rows × channels`) into `y` with batch statistics (`training`, which
    /// also updates the running averages) or the running averages.
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, training: Bool,
                 parallel: ParallelFor) {
        let c = channels
        if training {
            reduce(rows: rows, parallel: parallel, into: partialA) { r, sum in
                F32BatchNorm.channelSums(x, channels: c, rows: r, sum: sum)
            }
            for i in 0..<c { mean.pointer[i] = partialA.pointer[i] / Float(rows) }
            let m = mean.pointer
            reduce(rows: rows, parallel: parallel, into: partialB) { r, sum in
                F32BatchNorm.centredSquareSums(x, mean: m, channels: c, rows: r, sum: sum)
            }
            for i in 0..<c {
                let variance = partialB.pointer[i] / Float(rows)
                invStd.pointer[i] = 1 / (variance + epsilon).squareRoot()
                movingMean.pointer[i] = momentum * movingMean.pointer[i] + (1 - momentum) * mean.pointer[i]
                movingVariance.pointer[i] = momentum * movingVariance.pointer[i] + (1 - momentum) * variance
            }
        } else {
            for i in 0..<c {
                mean.pointer[i] = movingMean.pointer[i]
                invStd.pointer[i] = 1 / (movingVariance.pointer[i] + epsilon).squareRoot()
            }
        }
        for i in 0..<c {
            scale.pointer[i] = gamma.values.pointer[i] * invStd.pointer[i]
            shift.pointer[i] = beta.values.pointer[i] - mean.pointer[i] * scale.pointer[i]
        }
        let s = scale.pointer, t = shift.pointer, clamp = self.clamp
        parallel(0..<rows, minimumPerThread: 64) { r in
            F32BatchNorm.normalize(x, y, scale: s, shift: t, channels: c, clamp: clamp, rows: r)
        }
    }

    /// From `dy` (gradient of `y`), sets γ's and β's gradients and writes the gradient of `x`
    /// into `dx` (which may be `dy`). Uses the batch statistics, scale and shift of the last
    /// training forward (which also decide where the clamp passed the gradient).
    func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int,
                  parallel: ParallelFor) {
        let c = channels, clamp = self.clamp, m = mean.pointer, sa = scale.pointer, st = shift.pointer
        // partialA: Σ dz (β's gradient); partialB: Σ dz · (x − mean).
        let a = partialA.pointer, b = partialB.pointer, packed = self.packed
        parallel(0..<chunks) { range in
            for index in range {
                F32BatchNorm.backwardSums(outputGradient: dy, input: x, mean: m, scale: sa, shift: st, channels: c,
                                          clamp: clamp, rows: chunk(index, of: rows),
                                          shiftSum: a + index * packed, centredSum: b + index * packed)
            }
        }
        for index in 1..<chunks {
            for i in 0..<packed {
                a[i] += a[index * packed + i]
                b[i] += b[index * packed + i]
            }
        }
        let n = Float(rows)
        for i in 0..<c {
            let s = invStd.pointer[i], g = gamma.values.pointer[i]
            beta.gradients.pointer[i] = a[i]
            gamma.gradients.pointer[i] = b[i] * s
            coefficientB.pointer[i] = -g * s * s * s * b[i] / n
            coefficientD.pointer[i] = -g * s * a[i] / n
        }
        let cb = coefficientB.pointer, cd = coefficientD.pointer
        parallel(0..<rows, minimumPerThread: 64) { r in
            F32BatchNorm.inputGradient(outputGradient: dy, input: x, mean: m, shift: st, a: sa, b: cb, d: cd,
                                       channels: c, clamp: clamp, rows: r, inputGradient: dx)
        }
    }
}
