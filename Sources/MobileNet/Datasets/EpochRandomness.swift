/// The random streams of a training run, each a pure function of (seed, epoch, …), so a run is
/// reproducible, independent of thread counts and resumable from any batch.
///
/// Keys are chained through SplitMix64's finaliser, which makes nearby inputs (epoch 3 and 4,
/// positions 17 and 18) give unrelated generators. Bounded integers use the high half of a
/// 64×64-bit product (Lemire's method without rejection: bias below n/2⁶⁴, irrelevant here),
/// so the numbers do not depend on the standard library's `random(in:)` implementation.
public enum EpochRandomness {
    /// The order in which an epoch visits `count` samples: a Fisher–Yates permutation of
    /// `0..<count` drawn from (seed, epoch).
    public static func order(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<max(0, count))
        var generator = SeededGenerator(seed: key(seed, stream: 1, epoch, 0))
        var i = order.count - 1
        while i > 0 {
            order.swapAt(i, generator.bounded(i + 1))
            i -= 1
        }
        return order
    }

    /// The generator for the augmentation of the sample at `position` in epoch `epoch`'s order.
    public static func sampleGenerator(seed: UInt64, epoch: Int, position: Int) -> SeededGenerator {
        SeededGenerator(seed: key(seed, stream: 2, epoch, position))
    }

    private static func key(_ seed: UInt64, stream: UInt64, _ epoch: Int, _ position: Int) -> UInt64 {
        mix(mix(mix(seed ^ (stream &* 0xD1B5_4A32_D192_ED03)) &+ UInt64(truncatingIfNeeded: epoch))
            &+ UInt64(truncatingIfNeeded: position))
    }

    /// SplitMix64's output function.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    /// A uniform integer in `0..<bound` (0 when `bound` ≤ 1), the same on every platform.
    public mutating func bounded(_ bound: Int) -> Int {
        guard bound > 1 else { _ = next(); return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
