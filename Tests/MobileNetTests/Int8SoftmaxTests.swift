import Testing
@testable import MobileNet
@testable import MobileNetRuntime

/// The table-driven int8 softmax against a direct per-element evaluation of TFLite's reference
/// arithmetic (gemmlowp's exp, the Q12.19 sum, the fixed-point reciprocal).
@Suite struct Int8SoftmaxTests {
    /// `reference_ops::Softmax`, every element's exp evaluated on its own.
    static func naive(_ x: [Int8], _ s: QuantizedSoftmax) -> [Int8] {
        let rescale = FixedPointMultiplier(multiplier: s.inputMultiplier, shift: s.inputLeftShift)
        func exp(_ difference: Int32) -> Int32 {
            GemmlowpFixedPoint.expOnNegativeValuesQ5(FixedPointMultiplier.saturatingRoundingDoublingHighMul(
                difference &* (1 &<< Int32(rescale.shift)), rescale.multiplier))
        }
        let largest = x.map(Int32.init).max()!
        var sum: Int32 = 0
        for v in x where Int32(v) - largest >= s.differenceMinimum {
            sum &+= FixedPointMultiplier.roundingDivideByPowerOfTwo(exp(Int32(v) - largest), 12)
        }
        let (scale, bitsOverUnit) = GemmlowpFixedPoint.reciprocal(sum, integerBits: 12)
        return x.map { v in
            let difference = Int32(v) - largest
            guard difference >= s.differenceMinimum else { return -128 }
            let value = FixedPointMultiplier.roundingDivideByPowerOfTwo(
                GemmlowpFixedPoint.multiply(scale, exp(difference)), bitsOverUnit + 23)
            return Int8(min(max(value &- 128, -128), 127))
        }
    }

    /// The softmax parameters TFLite prepares for `inputScale` and beta 1 (as the lowering does).
    static func parameters(inputScale: Double) -> QuantizedSoftmax {
        let (multiplier, shift) = FixedPointMultiplier.quantize(inputScale * Double(1 << 26))
        let radius = (31 * Double(1 << 26) / Double(Int64(1) << shift)).rounded(.down)
        return QuantizedSoftmax(inputMultiplier: multiplier, inputLeftShift: shift, differenceMinimum: -Int32(radius))
    }

    @Test(arguments: [1.0 / 16, 0.05, 0.2, 0.5, 1.7])
    func tableMatchesDirectEvaluation(_ inputScale: Double) {
        let s = Self.parameters(inputScale: inputScale)
        let table = I8Head.softmaxExponentials(s)
        var rng = SeededGenerator(seed: UInt64(inputScale * 1000))
        let width = 1000
        var rows: [[Int8]] = (0..<3).map { _ in (0..<width).map { _ in Int8(truncatingIfNeeded: rng.next()) } }
        rows.append([Int8](repeating: 5, count: width))
        rows.append((0..<width).map { $0 % 2 == 0 ? -128 : 127 })
        rows.append((0..<width).map { _ in Int8(truncatingIfNeeded: rng.next() % 16) })
        let input = rows.flatMap { $0 }
        var output = [Int8](repeating: 0, count: input.count)
        table.withUnsafeBufferPointer { t in
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    I8Head.softmax(input: x.baseAddress!, output: y.baseAddress!, rows: rows.count, width: width,
                                   exponentials: t.baseAddress!)
                }
            }
        }
        #expect(output == rows.flatMap { Self.naive($0, s) })
    }
}
