/// Unaligned SIMD loads and stores at the kernel boundary.
@inline(__always)
func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// Stores the first `count` lanes of `value` (count ≤ 16).
@inline(__always)
func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 { store16(value, pointer); return }
    for lane in 0..<count { pointer[lane] = value[lane] }
}

@inline(__always)
func clamp16(_ value: SIMD16<Float>, _ lower: SIMD16<Float>, _ upper: SIMD16<Float>) -> SIMD16<Float> {
    value.clamped(lowerBound: lower, upperBound: upper)
}

/// Rounds `n` up to a multiple of 16 (the SIMD width packed weights are padded to).
@inline(__always)
func roundUp16(_ n: Int) -> Int { (n + 15) & ~15 }
