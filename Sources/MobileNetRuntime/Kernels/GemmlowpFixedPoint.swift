/// The fixed-point functions of gemmlowp (fixedpoint/fixedpoint.h) that TFLite's reference int8
/// softmax uses, on raw int32 values. A value with `m` integer bits represents `raw / 2^(31−m)`;
/// multiplying two values is `SaturatingRoundingDoublingHighMul` of their raws (the integer bits
/// add up).
enum GemmlowpFixedPoint {
    @inline(__always)
    static func multiply(_ a: Int32, _ b: Int32) -> Int32 {
        FixedPointMultiplier.saturatingRoundingDoublingHighMul(a, b)
    }

    /// `SaturatingRoundingMultiplyByPOT<exponent>` for a positive exponent: a left shift that
    /// saturates to the int32 range.
    @inline(__always)
    static func saturatingShiftLeft(_ x: Int32, _ exponent: Int) -> Int32 {
        let threshold = Int32((1 << (31 - exponent)) - 1)
        if x > threshold { return .max }
        if x < -threshold { return .min }
        return x &* (1 << Int32(exponent))
    }

    /// `RoundingHalfSum`: `(a + b) / 2` rounded half away from zero.
    @inline(__always)
    static func roundingHalfSum(_ a: Int32, _ b: Int32) -> Int32 {
        let sum = Int64(a) + Int64(b)
        return Int32(truncatingIfNeeded: (sum + (sum >= 0 ? 1 : -1)) / 2)
    }

    /// `exp(a)` for `a` in [-1/4, 0), both with 0 integer bits: a Taylor expansion around -1/8.
    static func expOnIntervalBetweenNegativeOneQuarterAndZero(_ a: Int32) -> Int32 {
        let constantTerm: Int32 = 1_895_147_668  // exp(-1/8)
        let oneThird: Int32 = 715_827_883
        let x = a &+ (1 << 28)  // a + 1/8
        let x2 = multiply(x, x), x3 = multiply(x2, x), x4 = multiply(x2, x2)
        let x4Over4 = FixedPointMultiplier.roundingDivideByPowerOfTwo(x4, 2)
        let polynomial = FixedPointMultiplier.roundingDivideByPowerOfTwo(
            multiply(x4Over4 &+ x3, oneThird) &+ x2, 1)
        return constantTerm &+ multiply(constantTerm, x &+ polynomial)
    }

    /// `exp_on_negative_values` for an input with 5 integer bits (TFLite softmax's Q5.26
    /// differences); the result has 0 integer bits.
    static func expOnNegativeValuesQ5(_ a: Int32) -> Int32 {
        let fractionalBits = 26
        let oneQuarter: Int32 = 1 << (fractionalBits - 2)
        let aModQuarterMinusOneQuarter = (a & (oneQuarter - 1)) &- oneQuarter
        var result = expOnIntervalBetweenNegativeOneQuarterAndZero(
            saturatingShiftLeft(aModQuarterMinusOneQuarter, 5))  // Rescale<0> from 5 integer bits
        let remainder = aModQuarterMinusOneQuarter &- a
        // The barrel shifter: for each set bit 2^e (e = -2 ... 4) of the remainder, multiply by
        // exp(-2^e).
        @inline(__always) func apply(_ exponent: Int, _ multiplier: Int32) {
            if remainder & (1 << Int32(fractionalBits + exponent)) != 0 { result = multiply(result, multiplier) }
        }
        apply(-2, 1_672_461_947)
        apply(-1, 1_302_514_674)
        apply(0, 790_015_084)
        apply(1, 290_630_308)
        apply(2, 39_332_535)
        apply(3, 720_401)
        apply(4, 242)
        return a == 0 ? .max : result
    }

    /// `1 / (1 + a)` for `a` in [0, 1), 0 integer bits: three Newton–Raphson steps from 48/17 − 32/17·d.
    static func oneOverOnePlusX(_ a: Int32) -> Int32 {
        let halfDenominator = roundingHalfSum(a, .max)
        let fortyEightSeventeenths: Int32 = 1_515_870_810  // 2 integer bits
        let minusThirtyTwoSeventeenths: Int32 = -1_010_580_540
        let one: Int32 = 1 << 29  // 1.0 with 2 integer bits
        var x = fortyEightSeventeenths &+ multiply(halfDenominator, minusThirtyTwoSeventeenths)
        for _ in 0..<3 {
            let oneMinusHalfDenominatorTimesX = one &- multiply(halfDenominator, x)
            x = x &+ saturatingShiftLeft(multiply(x, oneMinusHalfDenominatorTimesX), 2)
        }
        return saturatingShiftLeft(x, 1)  // x / 2 as 1 integer bit, rescaled to 0
    }

    /// TFLite's `GetReciprocal(x, integerBits)`: `1 / x` as a value with 0 integer bits and the
    /// number of bits by which x exceeds one.
    static func reciprocal(_ x: Int32, integerBits: Int) -> (scale: Int32, bitsOverUnit: Int) {
        let headroomPlusOne = UInt32(bitPattern: x).leadingZeroBitCount
        let shiftedMinusOne = Int32(bitPattern: (UInt32(bitPattern: x) << UInt32(headroomPlusOne)) &- (1 << 31))
        return (oneOverOnePlusX(shiftedMinusOne), integerBits - headroomPlusOne)
    }
}
