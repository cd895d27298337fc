#if arch(arm64)
// Integer SIMD building blocks of the aarch64 kernels (GEMM/, DWConv/).

/// Sign-extends 8 int16 lanes to int32 (spelled lane by lane, see IntegerSIMD.swift): with an
/// addition, `saddw`/`saddw2`; with a multiplication, the operand of `smull`/`smlal`.
@inline(__always)
func widen32(_ v: SIMD8<Int16>) -> SIMD8<Int32> {
    SIMD8<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]),
                 Int32(v[6]), Int32(v[7]))
}
#endif
