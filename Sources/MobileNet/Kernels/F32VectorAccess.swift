/// Stores the first `count` lanes of `value` (count ≤ 16), for the inference kernels' epilogues.
///
/// Like `store16(_:_:count:)`, but a partial store copies the lanes from the vector's own stack
/// slot instead of passing the vector by value to an out-of-line function: that call takes
/// SIMD16 as four 128-bit registers, and LLVM then computed the clamp feeding the store in
/// 128-bit pieces on the full-vector path too (`vcmpltps` + `vextractf128` + two `vblendvps xmm`
/// per 8 lanes instead of one `vmaxps`/`vminps`; seen in the depthwise kernel, where the
/// epilogue cost as much as the nine taps).
@inline(__always)
func storeLanes16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 {
        store16(value, pointer)
        return
    }
    var lanes = value
    withUnsafeBytes(of: &lanes) { UnsafeMutableRawPointer(pointer).copyMemory(from: $0.baseAddress!, byteCount: count * 4) }
}

/// Loads eight floats (unaligned): half of a vector for the kernels that put two pixels of eight
/// channels in one SIMD16.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}
