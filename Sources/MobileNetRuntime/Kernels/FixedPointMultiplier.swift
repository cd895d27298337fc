/// A real multiplier as TFLite stores it for integer kernels: `multiplier · 2^(shift − 31)` with a
/// 31-bit fraction `multiplier` in [2^30, 2^31) (or 0) and a power-of-two `shift`
/// (`QuantizeMultiplier` in tensorflow/lite/kernels/internal/quantization_util.cc).
///
/// `apply` is TFLite's double-rounding `MultiplyByQuantizedMultiplier` (the default build, without
/// `TFLITE_SINGLE_ROUNDING`): a left shift for `shift > 0`, gemmlowp's
/// `SaturatingRoundingDoublingHighMul`, then `RoundingDivideByPOT` for `shift < 0`.
public struct FixedPointMultiplier: Sendable, Equatable {
    /// The fraction, in [2^30, 2^31) for non-zero multipliers.
    public var multiplier: Int32
    /// The power of two: positive shifts left before the multiplication, negative round-shift right after.
    public var shift: Int

    public init(multiplier: Int32, shift: Int) {
        self.multiplier = multiplier
        self.shift = shift
    }

    /// `QuantizeMultiplier(real)` for requantizing an accumulator; throws for values that are not
    /// finite and non-negative, or too large for a 32-bit accumulator (above 2^30).
    public init(_ real: Double) throws(RuntimeError) {
        guard real.isFinite, real >= 0 else {
            throw RuntimeError.unsupported("requantization multiplier \(real) (it must be finite and non-negative)")
        }
        let (multiplier, shift) = Self.quantize(real)
        guard shift <= 30 else {
            throw RuntimeError.unsupported("requantization multiplier \(real) is larger than 2^30")
        }
        self.init(multiplier: multiplier, shift: shift)
    }

    /// TFLite's `QuantizeMultiplier` for a finite `real` ≥ 0: frexp, round half away from zero to
    /// 31 bits, renormalise 2^31, and flush values below 2^-31 to zero.
    static func quantize(_ real: Double) -> (multiplier: Int32, shift: Int) {
        guard real > 0 else { return (0, 0) }
        // frexp: real = fraction · 2^exponent with fraction in [0.5, 1).
        var exponent = Int(real.exponent) + 1
        var fixed = Int64((real.significand / 2 * 2_147_483_648).rounded(.toNearestOrAwayFromZero))
        if fixed == 1 << 31 {
            fixed /= 2
            exponent += 1
        }
        if exponent < -31 { return (0, 0) }
        return (Int32(fixed), exponent)
    }

    /// `MultiplyByQuantizedMultiplier(x, multiplier, shift)` with TFLite's double rounding.
    @inline(__always)
    public func apply(_ x: Int32) -> Int32 {
        let left = max(shift, 0), right = max(-shift, 0)
        return FixedPointMultiplier.roundingDivideByPowerOfTwo(
            FixedPointMultiplier.saturatingRoundingDoublingHighMul(x &* (1 &<< Int32(left)), multiplier), right)
    }

    /// gemmlowp's `SaturatingRoundingDoublingHighMul`: `round(a·b / 2^31)`, halves toward +∞ (the
    /// nudge of ±2^30 followed by a division that truncates toward zero), saturating
    /// `Int32.min · Int32.min`.
    @inline(__always)
    public static func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == b && a == .min { return .max }
        let product = Int64(a) * Int64(b)
        let nudge: Int64 = product >= 0 ? 1 << 30 : 1 - (1 << 30)
        return Int32(truncatingIfNeeded: (product + nudge) / (1 << 31))
    }

    /// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, halves away from zero.
    @inline(__always)
    public static func roundingDivideByPowerOfTwo(_ x: Int32, _ exponent: Int) -> Int32 {
        let mask = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> Int32(exponent)) + (remainder > threshold ? 1 : 0)
    }
}
