#if arch(arm64)
import CDotProduct

// Integer SIMD building blocks of the aarch64 kernels (GEMM/, DWConv/).

/// `p + bytes` through an empty asm (`mn_opaque_pointer`): a load from `p` followed by this
/// becomes one post-indexed load, where the compiler would otherwise address a run of loads
/// from the first pointer, one `add` each.
@inline(__always)
func advanced(_ p: UnsafeRawPointer, by bytes: Int) -> UnsafeRawPointer {
    UnsafeRawPointer(mn_opaque_pointer(p.assumingMemoryBound(to: Int8.self) + bytes).unsafelyUnwrapped)
}

/// Sign-extends 8 int16 lanes to int32 (spelled lane by lane, see IntegerSIMD.swift): with an
/// addition, `saddw`/`saddw2`; with a multiplication, the operand of `smull`/`smlal`.
@inline(__always)
func widen32(_ v: SIMD8<Int16>) -> SIMD8<Int32> {
    SIMD8<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]),
                 Int32(v[6]), Int32(v[7]))
}

/// Whether a kernel sums two products of int8 weights in int16 (exact when no weight is -128:
/// depthwise tap pairs, GEMM quad pairs), as a type: the loops are specialized for it, so that
/// no loop tests it.
protocol ProductPairing { static var paired: Bool { get } }
/// Pairs of products summed in int16 (every weight in -127...127).
enum Paired: ProductPairing { static var paired: Bool { true } }
/// Every product widened on its own (a -128 weight).
enum Unpaired: ProductPairing { static var paired: Bool { false } }

/// Whether a block of channels fills its vector (16 lanes, or 8 for a narrow block), as a type.
protocol VectorStore { static var whole: Bool { get } }
/// The block fills the vector: one `str`.
enum WholeVectors: VectorStore { static var whole: Bool { true } }
/// A last block of fewer channels: stored lane by lane.
enum PartialVectors: VectorStore { static var whole: Bool { false } }
#endif
