// Integer SIMD building blocks of the int8 kernels, written so that LLVM lowers them to single
// AVX2 instructions (checked in the assembly, see docs/ARCHITECTURE.md, "int8"):
// - widening is spelled lane by lane: the standard library's `init(truncatingIfNeeded:)` between
//   SIMD types is an out-of-line call here (vectors passed through xmm pairs), which also hides
//   the `sext` that instruction selection needs;
// - `multiplyAddPairs` is `sext · sext` followed by adding even and odd lanes, which x86
//   instruction selection turns into one `vpmaddwd` (16 int16 products, pairwise summed into 8
//   int32 lanes). Without AVX-512 VNNI / AVX-VNNI this is the fastest exact int8 dot product.

/// Sign-extends 16 int16 lanes to int32.
@inline(__always)
func widen(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
    SIMD16<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]),
                  Int32(v[6]), Int32(v[7]), Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]),
                  Int32(v[12]), Int32(v[13]), Int32(v[14]), Int32(v[15]))
}

/// Sign-extends 8 int8 lanes to int32.
@inline(__always)
func widen(_ v: SIMD8<Int8>) -> SIMD8<Int32> {
    SIMD8<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]),
                 Int32(v[6]), Int32(v[7]))
}

/// Sign-extends 8 int8 lanes to int16.
@inline(__always)
func widen(_ v: SIMD8<Int8>) -> SIMD8<Int16> {
    SIMD8<Int16>(Int16(v[0]), Int16(v[1]), Int16(v[2]), Int16(v[3]), Int16(v[4]), Int16(v[5]),
                 Int16(v[6]), Int16(v[7]))
}

/// Sign-extends 16 int8 lanes to int16.
@inline(__always)
func widen(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
    SIMD16<Int16>(Int16(v[0]), Int16(v[1]), Int16(v[2]), Int16(v[3]), Int16(v[4]), Int16(v[5]),
                  Int16(v[6]), Int16(v[7]), Int16(v[8]), Int16(v[9]), Int16(v[10]), Int16(v[11]),
                  Int16(v[12]), Int16(v[13]), Int16(v[14]), Int16(v[15]))
}

/// Lanes 0..<8 of `a` and `b` interleaved: `a0 b0 a1 b1 … a7 b7` (`vpunpcklbw`).
@inline(__always)
func interleaveLow(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// Lanes 8..<16 of `a` and `b` interleaved: `a8 b8 … a15 b15` (`vpunpckhbw`).
@inline(__always)
func interleaveHigh(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14],
           a[15], b[15])
}

/// Packs two vectors of int32 lanes already clamped to -128...127 into 16 int8 lanes.
@inline(__always)
func narrow(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD16<Int8> {
    SIMD16<Int8>(Int8(truncatingIfNeeded: a[0]), Int8(truncatingIfNeeded: a[1]), Int8(truncatingIfNeeded: a[2]),
                 Int8(truncatingIfNeeded: a[3]), Int8(truncatingIfNeeded: a[4]), Int8(truncatingIfNeeded: a[5]),
                 Int8(truncatingIfNeeded: a[6]), Int8(truncatingIfNeeded: a[7]), Int8(truncatingIfNeeded: b[0]),
                 Int8(truncatingIfNeeded: b[1]), Int8(truncatingIfNeeded: b[2]), Int8(truncatingIfNeeded: b[3]),
                 Int8(truncatingIfNeeded: b[4]), Int8(truncatingIfNeeded: b[5]), Int8(truncatingIfNeeded: b[6]),
                 Int8(truncatingIfNeeded: b[7]))
}

/// `Σ a[2i+j] · b[2i+j]` over j = 0, 1 for each of 8 int32 lanes: one `vpmaddwd`.
/// Exact for int16 inputs (the only overflowing case, all four inputs -32768, cannot occur with
/// int8 weights).
@inline(__always)
func multiplyAddPairs(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
    let products = widen(a) &* widen(b)
    return products.evenHalf &+ products.oddHalf
}

/// Clamps every lane (compare + blend; `clamped` is scalarised on SIMD types).
@inline(__always)
func clamp8(_ value: SIMD8<Int32>, _ lower: SIMD8<Int32>, _ upper: SIMD8<Int32>) -> SIMD8<Int32> {
    var result = value
    result.replace(with: lower, where: value .< lower)
    result.replace(with: upper, where: result .> upper)
    return result
}

@inline(__always)
func load<V: SIMD>(_ type: V.Type, _ pointer: UnsafeRawPointer) -> V {
    pointer.loadUnaligned(as: V.self)
}

/// Stores the first `count` (≤ 16) lanes: 16 and 8 lanes (the channel counts of narrow layers)
/// directly, other counts through a whole-vector temporary (a lane loop would let LLVM sink the
/// lane computations into scalar code).
@inline(__always)
func store16(_ value: SIMD16<Int8>, _ pointer: UnsafeMutablePointer<Int8>, count: Int) {
    if count == 16 {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Int8>.self)
    } else if count == 8 {
        UnsafeMutableRawPointer(pointer).storeBytes(of: unsafeBitCast(value, to: SIMD2<UInt64>.self)[0], as: UInt64.self)
    } else {
        partialStore16(value, pointer, count: count)
    }
}

@inline(never)
func partialStore16(_ value: SIMD16<Int8>, _ pointer: UnsafeMutablePointer<Int8>, count: Int) {
    withUnsafeBytes(of: value) { lanes in
        UnsafeMutableRawPointer(pointer).copyMemory(from: lanes.baseAddress!, byteCount: count)
    }
}

/// Rounds `n` up to a multiple of 16 (the SIMD width packed weights are padded to).
@inline(__always)
package func roundUp16(_ n: Int) -> Int { (n + 15) & ~15 }
