/// Unaligned SIMD loads and stores at the kernel boundary (inlinable: the camera's resizer uses
/// them too).
@inlinable @inline(__always)
package func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inlinable @inline(__always)
package func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// Stores the first `count` lanes of `value` (count ≤ 16). A partial store copies the lanes
/// from the vector's own stack slot: with a lane-by-lane loop LLVM sinks the lane computations
/// into it and scalarises the kernels feeding it, and passing the vector by value to an
/// out-of-line copy made it split the clamp feeding the store into 128-bit pieces on the
/// full-vector path too (`vextractf128` + `vblendvps xmm` instead of one `vmaxps`/`vminps`;
/// seen in the depthwise kernel, where the epilogue then cost as much as the nine taps).
@inline(__always)
func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 { store16(value, pointer); return }
    var lanes = value
    withUnsafeBytes(of: &lanes) { UnsafeMutableRawPointer(pointer).copyMemory(from: $0.baseAddress!, byteCount: count * 4) }
}

/// Copies `count` bytes 32 at a time with vector loads and stores. For the sessions' input
/// copies: glibc's `memcpy` of a few hundred KB uses `rep movsb`, which on Zen 3 ran several
/// times slower when source and destination sat at unlucky distances (the input tensor is its
/// own mapping; seen as 14% of a 0.25-128 run in `perf`).
@inline(never)
func copyBytes(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, count: Int) {
    var offset = 0
    while offset + 32 <= count {
        target.storeBytes(of: source.loadUnaligned(fromByteOffset: offset, as: SIMD32<UInt8>.self),
                          toByteOffset: offset, as: SIMD32<UInt8>.self)
        offset += 32
    }
    while offset < count {
        target.storeBytes(of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset, as: UInt8.self)
        offset += 1
    }
}

/// Loads eight floats (unaligned): half of a vector, for the kernels that put two pixels of
/// eight channels in one SIMD16.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

/// Clamps every lane. Written with `replace(with:where:)`, which lowers to compare + blend;
/// `clamped(lowerBound:upperBound:)` and `pointwiseMin/Max` on SIMD16 are scalarised lane by
/// lane (hundreds of instructions, seen in the assembly).
@inline(__always)
func clamp16(_ value: SIMD16<Float>, _ lower: SIMD16<Float>, _ upper: SIMD16<Float>) -> SIMD16<Float> {
    var result = value
    result.replace(with: lower, where: value .< lower)
    result.replace(with: upper, where: result .> upper)
    return result
}

/// `accumulator + a · b`, fused when the build targets a CPU with FMA (`MOBILENET_FMA`, set by
/// Package.swift with the target CPU, and always on arm64), else a separate multiply and add
/// (on baseline x86-64 `addingProduct` would be a libm call per lane).
/// Concrete overloads on purpose: through a generic `V: SIMD`, `addingProduct` resolves to the
/// protocol's lane-by-lane default, which LLVM does not always re-vectorise (seen for SIMD8).
/// Inlinable with this module's choice, so that the camera's resizer fuses exactly where
/// `AntialiasedResizer` does.
@inlinable @inline(__always)
package func multiplyAdd(_ accumulator: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    #if MOBILENET_FMA || arch(arm64)
    return accumulator.addingProduct(a, b)
    #else
    return accumulator + a * b
    #endif
}
