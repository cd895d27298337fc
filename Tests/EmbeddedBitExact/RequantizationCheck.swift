#if arch(arm64)
import MobileNetRuntime

/// The aarch64 requantization's two forms (`VectorRequantization.requantize16`/`requantize8`
/// with `RightShiftsOnly` and `AnyShifts`) against the scalar reference,
/// `Requantization.apply` (`FixedPointMultiplier`: TFLite's `MultiplyByQuantizedMultiplier`),
/// lane by lane: random per-channel multipliers and right shifts 1...31 (with extremes: the
/// largest and smallest multipliers, zero with any shift), accumulators of every magnitude and the extremes
/// (INT32_MIN, INT32_MAX, 0, ±1), zero points and clamps. `AnyShifts` also gets left shifts.
func runRequantizationTest(report: inout Report) {
    var random = SplitMix64(seed: 2026)
    var mismatches = 0, vectors = 0
    for trial in 0..<4_000 {
        let rightOnly = trial % 2 == 0
        let requantization = randomRequantization(&random, rightOnly: rightOnly)
        let vector = VectorRequantization(requantization)
        if vector.rightShiftsOnly != rightOnly {
            mismatches += 1
            continue
        }
        let q0 = vector.parameters(channel: 0), q1 = vector.parameters(channel: 8)
        for _ in 0..<64 {
            var low = SIMD8<Int32>(), high = SIMD8<Int32>()
            for lane in 0..<8 {
                low[lane] = randomAccumulator(&random, shift: requantization.multipliers[lane].shift)
                high[lane] = randomAccumulator(&random, shift: requantization.multipliers[8 + lane].shift)
            }
            var expected = SIMD16<Int8>()
            for lane in 0..<8 {
                expected[lane] = reference(requantization, low[lane], channel: lane)
                expected[8 + lane] = reference(requantization, high[lane], channel: 8 + lane)
            }
            var results = [vector.requantize16(low, high, q0, q1, AnyShifts.self),
                           merge(vector.requantize8(low, q0, AnyShifts.self), vector.requantize8(high, q1, AnyShifts.self))]
            if rightOnly {
                results.append(vector.requantize16(low, high, q0, q1, RightShiftsOnly.self))
                results.append(merge(vector.requantize8(low, q0, RightShiftsOnly.self),
                                     vector.requantize8(high, q1, RightShiftsOnly.self)))
            }
            for result in results where result != expected { mismatches += 1 }
            vectors += 1
        }
    }
    report.check(mismatches == 0, "requantization: RightShiftsOnly and AnyShifts equal to the scalar reference on "
                 + "\(vectors) vectors of 16 channels (\(mismatches) differ)")
}

/// `Requantization.apply`, except where adding the zero point overflows int32 (undefined in
/// TFLite's C++ reference; a scaled value within the zero point of INT32_MAX or INT32_MIN, which
/// takes a multiplier near 1 and no right shift, never a real layer's): there the value the
/// NEON kernels give, saturated.
private func reference(_ r: Requantization, _ accumulator: Int32, channel: Int) -> Int8 {
    let scaled = r.multipliers[channel].apply(accumulator)
    guard scaled.addingReportingOverflow(r.outputZeroPoint).overflow else { return r.apply(accumulator, channel: channel) }
    return Int8(truncatingIfNeeded: scaled > 0 ? r.upper : r.lower)
}

/// Lanes 0..<8 of `a` then lanes 0..<8 of `b` (`requantize8` results of two halves).
private func merge(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    SIMD16(lowHalf: a.lowHalf, highHalf: b.lowHalf)
}

/// 16 channels: multipliers in [2^30, 2^31) (or the extremes, or 0 with a right shift or shift
/// 0), right shifts 1...31, and unless `rightOnly` a shift of 0...4 in channel 0 (no or a left
/// shift, non-zero multipliers mostly); a zero point and clamp bounds.
private func randomRequantization(_ random: inout SplitMix64, rightOnly: Bool) -> Requantization {
    var multipliers: [FixedPointMultiplier] = []
    for channel in 0..<16 {
        var multiplier: Int32
        switch random.below(8) {
        case 0: multiplier = Int32.max
        case 1: multiplier = 1 << 30
        case 2: multiplier = 0
        default: multiplier = Int32(1 << 30) + Int32(truncatingIfNeeded: random.below(1 << 30))
        }
        var shift = -1 - Int(random.below(31))
        if random.below(2) == 0 { shift = -1 - Int(random.below(8)) }  // small shifts: frequent ties
        if multiplier == 0 && random.below(2) == 0 { shift = 0 }  // a dead channel, as stored
        if !rightOnly && channel == 0 {
            shift = Int(random.below(5))
            if multiplier == 0 { multiplier = 1 << 30 }
        }
        multipliers.append(FixedPointMultiplier(multiplier: multiplier, shift: shift))
    }
    let zeroPoint = Int32(truncatingIfNeeded: random.below(256)) - 128
    let lower = Int32(truncatingIfNeeded: random.below(64)) - 128, upper = 127 - Int32(truncatingIfNeeded: random.below(64))
    return Requantization(multipliers: multipliers, outputZeroPoint: zeroPoint, lower: lower, upper: upper)
}

/// An extreme (INT32_MIN, INT32_MAX, 0, ±1) one time in eight, else a random value whose
/// magnitude brings the output near the int8 range for `shift` (or anywhere, one time in four).
private func randomAccumulator(_ random: inout SplitMix64, shift: Int) -> Int32 {
    let extremes: [Int32] = [.min, .max, 0, 1, -1, .min + 1, .max - 1]
    if random.below(8) == 0 { return extremes[Int(random.below(UInt64(extremes.count)))] }
    let bits = Int32(truncatingIfNeeded: random.next())
    if random.below(4) == 0 { return bits }
    let magnitude = min(31, max(1, 8 - shift + Int(random.below(5)) - 2))
    return bits >> Int32(32 - magnitude)
}
#endif
