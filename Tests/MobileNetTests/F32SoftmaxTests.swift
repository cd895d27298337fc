import Foundation
import Testing
@testable import MobileNet

/// The vectorised float softmax and its `exp16` against the same arithmetic in Double.
@Suite struct F32SoftmaxTests {
    /// Every lane of `exp16` over [−90, 0] (through the clip at −87.3) against `exp` in Double.
    @Test func exponentialWithinTwoUlp() {
        var worst: Double = 0
        var x: Float = -90
        while x <= 0 {
            var lanes = SIMD16<Float>()
            for lane in 0..<16 { lanes[lane] = min(0, x + Float(lane) * 0.000_37) }
            let result = F32Head.exp16(lanes)
            for lane in 0..<16 {
                let exact = Foundation.exp(Double(lanes[lane]))
                if lanes[lane] < -87.3 {
                    #expect(result[lane] == 0)
                } else {
                    worst = max(worst, abs(Double(result[lane]) - exact) / Double(Float(exact).ulp))
                }
            }
            x += 0.006
        }
        #expect(worst <= 2, "largest error \(worst) ulp")
    }

    /// Rows of several widths (whole vectors and a tail), spreads up to ±60, several betas;
    /// relative error below 1e-6 (8–16 ulp) except where the result is subnormal.
    @Test(arguments: [(1000, Float(1)), (37, Float(0.5)), (16, Float(1)), (5, Float(2))])
    func matchesDouble(width: Int, beta: Float) {
        var rng = SeededGenerator(seed: UInt64(width))
        let rows = 3
        let input = (0..<rows * width).map { i in rng.uniform(-60, 60) * Float(1 + i % 3) / 3 }
        var output = [Float](repeating: .nan, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                F32Head.softmax(input: x.baseAddress!, output: y.baseAddress!, rows: rows, width: width, beta: beta)
            }
        }
        for row in 0..<rows {
            // The argument rounded as in Float (its rounding is the softmax's, not exp's);
            // the rest in Double.
            let x = input[row * width..<(row + 1) * width]
            let largest = x.max()!
            let e = x.map { Foundation.exp(Double(($0 - largest) * beta)) }
            let sum = e.reduce(0, +)
            for (i, value) in e.enumerated() {
                let got = Double(output[row * width + i]), want = value / sum
                #expect(abs(got - want) <= 1e-6 * want + 1e-36, "row \(row) [\(i)]: \(got) vs \(want)")
            }
        }
    }
}
