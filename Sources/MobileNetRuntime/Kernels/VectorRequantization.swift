#if arch(arm64)
import CDotProduct
#endif

/// A `Requantization` laid out for 8-lane SIMD, per block of 8 channels (padded to a multiple of
/// 16 with zero multipliers): the multipliers of the even and of the odd channels as int64 lanes
/// (the operands of `vpmuldq`), then the left shifts, right shifts, and the rounding mask and
/// threshold of `RoundingDivideByPOT` as int32 lanes. 64-byte aligned. On aarch64: the
/// multipliers as int32 lanes, the left shifts and the negated right shifts (operands of
/// `sqrdmulh` and `srshl`, see `Parameters`).
package struct VectorRequantization: @unchecked Sendable {
    let channels: Int
    private let table: AlignedStorage<Int32>
    /// False when no channel shifts left (multipliers below 1/2, the usual case): the left shift
    /// is skipped.
    private let shiftsLeft: Bool
    #if arch(arm64)
    /// True when every channel shifts right by at least 1 (no left shift) or has a zero
    /// multiplier (a dead channel, stored with shift 0: it gives 0 in either form, and in the
    /// reference): the kernels may take the `RightShiftsOnly` form of the requantization.
    package let rightShiftsOnly: Bool
    #endif
    let outputZeroPoint: Int32, lower: Int32, upper: Int32

    /// int32 elements per block of 8 channels: 2 × 4 int64 multipliers + 4 rows of 8.
    private static let blockSize = 48

    package init(_ r: Requantization) {
        channels = r.multipliers.count
        let blocks = roundUp16(channels) / 8
        table = AlignedStorage(zeros: blocks * Self.blockSize)
        for (c, m) in r.multipliers.enumerated() {
            let block = table.pointer + (c / 8) * Self.blockSize, lane = c % 8
            let right = max(-m.shift, 0)
            let mask = Int32(truncatingIfNeeded: (Int64(1) << right) - 1)
            // Even channels in lanes 0, 2, 4, 6 of the first 4 int64, odd ones of the next 4;
            // each int64 holds the multiplier sign-extended (low half first: little endian).
            #if arch(arm64)
            block[lane] = m.multiplier  // aarch64: int32 lanes, the operand of sqrdmulh
            block[8 + lane] = -Int32(right)  // the operand of srshl
            // The left shift as a multiplier, 2^left (TFLite's `x * (1 << left_shift)`, wrapping
            // alike): one `mul` that every channel takes, instead of a select on `shiftsLeft`
            // that LLVM if-converts into shifts, masks and blends.
            block[40 + lane] = Int32(truncatingIfNeeded: Int64(1) << max(m.shift, 0))
            #else
            let slot = (lane % 2) * 8 + (lane / 2) * 2
            block[slot] = m.multiplier
            block[slot + 1] = m.multiplier < 0 ? -1 : 0
            #endif
            block[16 + lane] = Int32(max(m.shift, 0))
            block[24 + lane] = Int32(right)
            #if !arch(arm64)
            block[32 + lane] = mask
            block[40 + lane] = mask >> 1
            #endif
        }
        shiftsLeft = r.multipliers.contains { $0.shift > 0 }
        #if arch(arm64)
        rightShiftsOnly = r.multipliers.allSatisfy { $0.shift < 0 || $0.multiplier == 0 }
        #endif
        outputZeroPoint = r.outputZeroPoint
        lower = r.lower
        upper = r.upper
    }

    /// TFLite's `MultiplyByQuantizedMultiplier` of channels `channel..<channel+8` (`channel` a
    /// multiple of 8; double rounding), plus the output zero point, clamped to the activation
    /// range.
    ///
    /// The high multiply is exact in 64-bit lanes: `vpmuldq` of the even lanes, and of the odd
    /// lanes shifted down. `(a·b + 2^30) >> 31` equals gemmlowp's nudge and truncating division
    /// for either sign, and only its low 32 bits are kept, so logical shifts serve: the even
    /// results are shifted down by 31, the odd ones up by 1 into the high halves, and the two
    /// blended. The rounding right shift then adds one when the remainder exceeds half the
    /// divisor (minus one for negative values).
    @inline(__always)
    func apply(_ accumulator: SIMD8<Int32>, channel: Int) -> SIMD8<Int32> {
        #if arch(arm64)
        return apply(accumulator, parameters(channel: channel))
        #else
        let p = UnsafeRawPointer(table.pointer + (channel &>> 3) &* Self.blockSize)
        let x = shiftsLeft ? accumulator &<< load(SIMD8<Int32>.self, p + 64) : accumulator
        #if arch(arm64)
        let high = Self.roundingHighMultiply(x, load(SIMD8<Int32>.self, p))
        #else
        let wide = unsafeBitCast(x, to: SIMD4<Int64>.self)
        let multiplierEven = load(SIMD4<Int64>.self, p), multiplierOdd = load(SIMD4<Int64>.self, p + 32)
        // Both operands sign-extended from 32 bits: LLVM selects vpmuldq and drops the shifts.
        let even = ((wide &<< 32) &>> 32) &* ((multiplierEven &<< 32) &>> 32)
        let odd = (wide &>> 32) &* ((multiplierOdd &<< 32) &>> 32)
        let roundedEven = (unsafeBitCast(even, to: SIMD4<UInt64>.self) &+ (1 << 30)) &>> 31
        let roundedOdd = (unsafeBitCast(odd, to: SIMD4<UInt64>.self) &+ (1 << 30)) &<< 1
        let high = unsafeBitCast((roundedEven & 0xFFFF_FFFF) | (roundedOdd & 0xFFFF_FFFF_0000_0000),
                                 to: SIMD8<Int32>.self)
        #endif
        let right = load(SIMD8<Int32>.self, p + 96)
        let mask = load(SIMD8<Int32>.self, p + 128), half = load(SIMD8<Int32>.self, p + 160)
        let threshold = half &- (high &>> 31)
        let rounded = (high &>> right) &- ((threshold &- (high & mask)) &>> 31)
        return clamp8(rounded &+ SIMD8(repeating: outputZeroPoint),
                      SIMD8(repeating: lower), SIMD8(repeating: upper))
        #endif
    }

    /// Channels `channel..<channel+16` requantized (`apply`) and narrowed to int8.
    @inline(__always)
    func requantize16(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, channel: Int) -> SIMD16<Int8> {
        #if arch(arm64)
        return requantize16(low, high, parameters(channel: channel), parameters(channel: channel &+ 8))
        #else
        return narrow(apply(low, channel: channel), apply(high, channel: channel &+ 8))
        #endif
    }

    /// Channels `channel..<channel+8` requantized and narrowed to int8, in lanes 0..<8 (and again
    /// in 8..<16).
    @inline(__always)
    func requantize8(_ accumulator: SIMD8<Int32>, channel: Int) -> SIMD16<Int8> {
        #if arch(arm64)
        return requantize8(accumulator, parameters(channel: channel))
        #else
        let y = apply(accumulator, channel: channel)
        return narrow(y, y)
        #endif
    }

    #if arch(arm64)
    /// The parameters of channels `channel..<channel+8`, loaded once for every row a tile stores.
    package struct Parameters {
        let multiplier: SIMD8<Int32>, leftMultiplier: SIMD8<Int32>, negatedRight: SIMD8<Int32>
    }

    @inline(__always)
    package func parameters(channel: Int) -> Parameters {
        let p = UnsafeRawPointer(table.pointer + (channel &>> 3) &* Self.blockSize)
        return Parameters(multiplier: load(SIMD8<Int32>.self, p), leftMultiplier: load(SIMD8<Int32>.self, p + 160),
                          negatedRight: load(SIMD8<Int32>.self, p + 32))
    }

    /// aarch64: the same arithmetic as TFLite's NEON kernels (bit-exact with the reference):
    /// `sqrdmulh` for the rounding doubling high multiply, gemmlowp's `and`/`sshr`/`sqadd` fix-up
    /// and `srshl` for the rounding right shift (CDotProduct.h).
    @inline(__always)
    func apply(_ accumulator: SIMD8<Int32>, _ q: Parameters) -> SIMD8<Int32> {
        clamp8(scaled(accumulator, q, AnyShifts.self) &+ SIMD8(repeating: outputZeroPoint), SIMD8(repeating: lower),
               SIMD8(repeating: upper))
    }

    /// `MultiplyByQuantizedMultiplier` alone (no zero point, no clamp).
    ///
    /// `AnyShifts`: `x = acc · 2^left`, `high = sqrdmulh(x, M)`, then gemmlowp's
    /// RoundingDivideByPOT: `fixed = sqadd(high, (high & −right) >> 31)`, `srshl(fixed, −right)`.
    ///
    /// `RightShiftsOnly` (every channel's shift < 0, so left = 0 and right ≥ 1; or, see below,
    /// a zero multiplier) computes
    /// `srshl(high + (high >> 31), −right)` with `high = sqrdmulh(acc, M)`, the same value:
    /// - `2^left` is 1, so `x = acc` and the `mul` goes.
    /// - `high` is never INT32_MIN: M ∈ [0, 2^31), so `|2·acc·M| ≤ 2^32·(2^31 − 1)` and
    ///   `high = (2·acc·M + 2^31) >> 32 ≥ −2^31 + 1` (`sqrdmulh` saturates only for M = INT32_MIN).
    /// - `−right` is negative (right ≥ 1), so its sign bit is set and `high & −right` has the sign
    ///   bit of `high`: `(high & −right) >> 31 = high >> 31` (−1 for negative `high`, else 0).
    /// - `sqadd(high, high >> 31)` saturates only for `high = INT32_MIN` plus −1, which cannot
    ///   occur, so it equals the wrapping `high + (high >> 31)`: one `ssra #31`.
    /// That is 3 instructions per 4 lanes (`sqrdmulh`, `ssra`, `srshl`) instead of 6 (`mul`,
    /// `sqrdmulh`, `and`, `sshr`/`cmlt`, `sqadd`, `srshl`). A zero multiplier (padding, dead
    /// channels; any shift) gives `high = 0` and 0 on both forms, as in the reference. With a
    /// shift ≥ 0 and a non-zero multiplier in some lane the `and` keeps nothing there, so that
    /// layer must take `AnyShifts`.
    @inline(__always)
    private func scaled<S: RequantizationShifts>(_ accumulator: SIMD8<Int32>, _ q: Parameters, _: S.Type)
        -> SIMD8<Int32> {
        if S.rightOnly {
            let high = SIMD8(lowHalf: mn_sqrdmulh(accumulator.lowHalf, q.multiplier.lowHalf),
                             highHalf: mn_sqrdmulh(accumulator.highHalf, q.multiplier.highHalf))
            return SIMD8(lowHalf: mn_rounding_divide_pot_right(high.lowHalf, q.negatedRight.lowHalf),
                         highHalf: mn_rounding_divide_pot_right(high.highHalf, q.negatedRight.highHalf))
        }
        let x = accumulator &* q.leftMultiplier
        let high = SIMD8(lowHalf: mn_sqrdmulh(x.lowHalf, q.multiplier.lowHalf),
                         highHalf: mn_sqrdmulh(x.highHalf, q.multiplier.highHalf))
        return SIMD8(lowHalf: mn_rounding_divide_pot(high.lowHalf, q.negatedRight.lowHalf),
                     highHalf: mn_rounding_divide_pot(high.highHalf, q.negatedRight.highHalf))
    }

    /// `requantize16` with parameters already loaded, in the general form (`AnyShifts`).
    @inline(__always)
    func requantize16(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ q0: Parameters, _ q1: Parameters) -> SIMD16<Int8> {
        requantize16(low, high, q0, q1, AnyShifts.self)
    }

    /// `requantize8` with parameters already loaded, in the general form (`AnyShifts`).
    @inline(__always)
    func requantize8(_ accumulator: SIMD8<Int32>, _ q: Parameters) -> SIMD16<Int8> {
        requantize8(accumulator, q, AnyShifts.self)
    }

    /// `requantize16` with parameters already loaded, in the form `S` (`RightShiftsOnly` only
    /// when `rightShiftsOnly`): the zero point and the clamp through saturating narrows
    /// (`mn_narrow_clamp`: 10 instructions for 16 channels instead of 23).
    @inline(__always)
    package func requantize16<S: RequantizationShifts>(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>, _ q0: Parameters,
                                                       _ q1: Parameters, _ shifts: S.Type) -> SIMD16<Int8> {
        let a = scaled(low, q0, shifts), b = scaled(high, q1, shifts)
        return mn_narrow_clamp(a.lowHalf, a.highHalf, b.lowHalf, b.highHalf, Int16(truncatingIfNeeded: outputZeroPoint),
                               Int8(truncatingIfNeeded: lower), Int8(truncatingIfNeeded: upper))
    }

    /// `requantize8` with parameters already loaded, in the form `S` (`RightShiftsOnly` only
    /// when `rightShiftsOnly`).
    @inline(__always)
    package func requantize8<S: RequantizationShifts>(_ accumulator: SIMD8<Int32>, _ q: Parameters, _ shifts: S.Type)
        -> SIMD16<Int8> {
        let a = scaled(accumulator, q, shifts)
        return mn_narrow_clamp(a.lowHalf, a.highHalf, a.lowHalf, a.highHalf, Int16(truncatingIfNeeded: outputZeroPoint),
                               Int8(truncatingIfNeeded: lower), Int8(truncatingIfNeeded: upper))
    }
    #endif
}

#if arch(arm64)
/// Compile-time choice of the requantization's shift handling.
package protocol RequantizationShifts { static var rightOnly: Bool { get } }
/// Every channel shifts right by at least 1 (no left shift): sqrdmulh, ssra, srshl.
package enum RightShiftsOnly: RequantizationShifts { package static var rightOnly: Bool { true } }
/// Any shifts: the general form (left-shift multiply, gemmlowp fix-up).
package enum AnyShifts: RequantizationShifts { package static var rightOnly: Bool { false } }
#endif
