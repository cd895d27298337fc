import Testing
@testable import MobileNet

/// `F32GEMM.multiply` against a naive triple loop, on shapes that reach both loop orders (panel
/// order for k below 64 or at most 64 rows, panel groups otherwise), several groups, partial
/// panels, 1 to 5 rows left over, and the row and panel ranges the thread splits pass.
@Suite struct F32GEMMTests {
    /// `clamp(bias[j] + Σ_k input[m][k] · weights[k][j])`, accumulated in Double.
    static func naive(_ input: [Float], _ weights: [Float], _ bias: [Float], rows: Int, k: Int, n: Int,
                      clamp: Clamp) -> [Float] {
        var output = [Float](repeating: 0, count: rows * n)
        for m in 0..<rows {
            for j in 0..<n {
                var sum = Double(bias[j])
                for d in 0..<k { sum += Double(input[m * k + d]) * Double(weights[d * n + j]) }
                output[m * n + j] = min(max(Float(sum), clamp.lower), clamp.upper)
            }
        }
        return output
    }

    /// The product over `rows × panels` split into `rowParts` row ranges (multiples of six, as
    /// the session splits them) and `panelParts` panel ranges; cells outside stay NaN.
    static func product(_ input: [Float], _ weights: [Float], _ bias: [Float], rows: Int, k: Int, n: Int,
                        clamp: Clamp, rowParts: Int, panelParts: Int) -> [Float] {
        let packed = F32GEMM.pack(weights, k: k, n: n)
        let panels = (n + 15) / 16, tiles = (rows + F32GEMM.tileRows - 1) / F32GEMM.tileRows
        let paddedBias = AlignedFloats(bias + [Float](repeating: 0, count: roundUp16(n) - n))
        let source = AlignedFloats(input)
        let output = AlignedFloats([Float](repeating: .nan, count: rows * n))
        for r in 0..<rowParts {
            let rowRange = min(rows, tiles * r / rowParts * 6)..<min(rows, tiles * (r + 1) / rowParts * 6)
            for p in 0..<panelParts {
                F32GEMM.multiply(input: source.pointer, output: output.pointer, packedWeights: packed.pointer,
                                 bias: paddedBias.pointer, k: k, n: n, clamp: clamp, rows: rowRange,
                                 panels: panels * p / panelParts..<panels * (p + 1) / panelParts)
            }
        }
        return Array(UnsafeBufferPointer(start: output.pointer, count: rows * n))
    }

    @Test(arguments: [
        // (rows, k, n, row parts, panel parts)
        (1, 3, 8, 1, 1), (7, 3, 33, 1, 1), (13, 8, 16, 2, 1), (11, 24, 40, 1, 2), (6, 63, 17, 1, 1),
        (17, 64, 47, 2, 1), (23, 64, 16, 1, 1), (10, 100, 70, 1, 3), (49, 128, 24, 3, 1),
        (13, 1024, 80, 1, 1), (9, 1024, 77, 2, 2), (1, 1024, 40, 1, 1), (4, 520, 33, 1, 1),
        // panel groups (k ≥ 64, more than 64 rows): k = 520 puts three panels in a group, so five
        // make two groups, the last partial; k = 64 has 32 panels per group
        (71, 520, 70, 1, 1), (67, 520, 80, 1, 2), (70, 64, 600, 1, 1), (130, 96, 33, 2, 1),
        (65, 200, 130, 1, 3), (97, 64, 16, 1, 1),
    ])
    func matchesNaive(_ shape: (Int, Int, Int, Int, Int)) {
        let (rows, k, n, rowParts, panelParts) = shape
        var rng = SeededGenerator(seed: UInt64(rows * 7919 + k * 31 + n))
        let input = (0..<rows * k).map { _ in rng.uniform(-1, 1) }
        let weights = (0..<k * n).map { _ in rng.uniform(-1, 1) }
        let bias = (0..<n).map { _ in rng.uniform(-1, 1) }
        for clamp in [Clamp.none, Clamp(.relu6)] {
            let expected = Self.naive(input, weights, bias, rows: rows, k: k, n: n, clamp: clamp)
            let actual = Self.product(input, weights, bias, rows: rows, k: k, n: n, clamp: clamp,
                                      rowParts: rowParts, panelParts: panelParts)
            // NaN (a cell never written) fails the comparison too.
            let wrong = zip(expected, actual).filter { !(abs($0 - $1) <= 1e-4 * max(1, abs($0))) }.count
            #expect(wrong == 0, "rows \(rows) k \(k) n \(n): \(wrong) outputs differ")
        }
    }
}
