#ifndef MOBILENET_CDOTPRODUCT_H
#define MOBILENET_CDOTPRODUCT_H
// The 4-way byte dot products of the int8 GEMM's dot-product variants, as one instruction where
// the build targets a CPU with it, and as portable exact emulations that the tests run on any
// CPU. Swift does not form `vpdpbusd` or a lane-indexed `sdot` from generic SIMD code, hence
// this header.
//
// x86 VNNI (qs8-gemm-6x16c4): for each of 8 int32 lanes i, acc[i] + sum over j < 4 of
// a[4i+j] (unsigned) * b[4i+j] (signed), wrapping on overflow (`vpdpbusd`, not the saturating
// `vpdpbusds`).
// ARM dot product (qs8-gemm-4x16c4-neondot, ARMv8.2 `sdot`, e.g. the Pi 5's Cortex-A76): the
// same with both operands signed.

#include <stdint.h>

typedef int32_t mn_i32x8 __attribute__((ext_vector_type(8)));
typedef uint8_t mn_u8x32 __attribute__((ext_vector_type(32)));
typedef int8_t mn_i8x32 __attribute__((ext_vector_type(32)));

/// The dot product in portable C, in place on `acc[8]` (exact; what the tests check the kernel's
/// logic with). Through pointers: a 256-bit vector argument is passed in a register or in memory
/// depending on whether the caller and this file were compiled with AVX.
void mn_dpbusd_emulated(int32_t *acc, const uint8_t *a, const int8_t *b);

/// The signed form (`sdot`'s arithmetic) in portable C, in place on `acc[8]`: lane i gains
/// sum over j < 4 of a[4i+j] * b[4i+j], both signed, wrapping.
void mn_sdot_emulated(int32_t *acc, const int8_t *a, const int8_t *b);

#if defined(MOBILENET_VNNI)
#include <immintrin.h>
/// The dot product as one instruction: AVX-512 VNNI (with VL, 256-bit form; Cascade Lake, Ice
/// Lake, Sapphire Rapids, Zen 4) or AVX-VNNI (Alder Lake and later client cores).
static inline __attribute__((always_inline)) mn_i32x8 mn_dpbusd(mn_i32x8 acc, mn_u8x32 a, mn_i8x32 b) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return (mn_i32x8)_mm256_dpbusd_epi32((__m256i)acc, (__m256i)a, (__m256i)b);
#elif defined(__AVXVNNI__)
    return (mn_i32x8)_mm256_dpbusd_avx_epi32((__m256i)acc, (__m256i)a, (__m256i)b);
#else
#error "MOBILENET_VNNI is set but the target CPU has neither AVX-512 VNNI+VL nor AVX-VNNI"
#endif
}
#endif

#if defined(__aarch64__)
// TFLite's requantization with the NEON instructions of its optimized kernels (ARMv8.0, every
// aarch64 board), bit-exact with the reference arithmetic:
// - `sqrdmulh` is gemmlowp's SaturatingRoundingDoublingHighMul: (2ab + 2^31) >> 32, saturating
//   only for a = b = INT32_MIN (a multiplier is never negative);
// - RoundingDivideByPOT (halves away from zero) as gemmlowp's NEON form: add -1 to negative values
//   when the shift is non-zero (`and` with the negated shift keeps x's sign bit only then,
//   `sshr #31` spreads it; saturating add), then `srshl` by the negated shift (halves up).
#include <arm_neon.h>
typedef int32_t mn_i32x4 __attribute__((ext_vector_type(4)));
typedef int8_t mn_i8x16 __attribute__((ext_vector_type(16)));

static inline __attribute__((always_inline)) mn_i32x4 mn_sqrdmulh(mn_i32x4 a, mn_i32x4 b) {
    return (mn_i32x4)vqrdmulhq_s32((int32x4_t)a, (int32x4_t)b);
}
/// x / 2^e rounded half away from zero, per lane; `negatedShift` = -e (e >= 0).
static inline __attribute__((always_inline)) mn_i32x4 mn_rounding_divide_pot(mn_i32x4 x, mn_i32x4 negatedShift) {
    int32x4_t fixup = vshrq_n_s32(vandq_s32((int32x4_t)x, (int32x4_t)negatedShift), 31);
    return (mn_i32x4)vrshlq_s32(vqaddq_s32((int32x4_t)x, fixup), (int32x4_t)negatedShift);
}
/// `mn_rounding_divide_pot` of a `sqrdmulh` result x (never INT32_MIN) by e >= 1 in every lane:
/// the fix-up is then x's sign bit alone, added without saturation by one `ssra` (the proof is
/// at `VectorRequantization.scaled`), and `srshl` by the negated shift.
static inline __attribute__((always_inline)) mn_i32x4 mn_rounding_divide_pot_right(mn_i32x4 x, mn_i32x4 negatedShift) {
    return (mn_i32x4)vrshlq_s32(vsraq_n_s32((int32x4_t)x, (int32x4_t)x, 31), (int32x4_t)negatedShift);
}
/// 16 requantized int32 lanes (a, b, c, d) plus the zero point, clamped to [lo, hi], as int8:
/// saturating narrows (`sqxtn`), the zero point added in int16 (`sqadd`), `sqxtn` to int8, then
/// `smax`/`smin` (TFLite's NEON epilogue). Equal to clamping in int32 since [lo, hi] lies inside
/// int8: a value saturated by a narrow lies beyond the clamp on the same side.
static inline __attribute__((always_inline)) mn_i8x16 mn_narrow_clamp(mn_i32x4 a, mn_i32x4 b, mn_i32x4 c, mn_i32x4 d,
                                                                      int16_t zp, int8_t lo, int8_t hi) {
    int16x8_t zero = vdupq_n_s16(zp);
    int16x8_t ab = vqaddq_s16(vqmovn_high_s32(vqmovn_s32((int32x4_t)a), (int32x4_t)b), zero);
    int16x8_t cd = vqaddq_s16(vqmovn_high_s32(vqmovn_s32((int32x4_t)c), (int32x4_t)d), zero);
    int8x16_t y = vqmovn_high_s16(vqmovn_s16(ab), cd);
    return (mn_i8x16)vminq_s8(vmaxq_s8(y, vdupq_n_s8(lo)), vdupq_n_s8(hi));
}
/// The depthwise kernel's tap pairs (QS8DWConv3x3NEONMLAL): the products of two taps' 16 int8
/// inputs `xa`, `xb` with their weights `wa`, `wb`, summed in int16 (exact for weights in
/// -127...127), for channels 0..<8 (`smull` + `smlal`) and 8..<16 (`smull2` + `smlal2`, which
/// read the high halves in place; generic Swift code would first move them down with `ext`).
typedef int16_t mn_i16x8 __attribute__((ext_vector_type(8)));
static inline __attribute__((always_inline)) mn_i16x8 mn_multiply_pair_low(mn_i8x16 xa, mn_i8x16 wa, mn_i8x16 xb,
                                                                            mn_i8x16 wb) {
    return (mn_i16x8)vmlal_s8(vmull_s8(vget_low_s8((int8x16_t)xa), vget_low_s8((int8x16_t)wa)),
                              vget_low_s8((int8x16_t)xb), vget_low_s8((int8x16_t)wb));
}
static inline __attribute__((always_inline)) mn_i16x8 mn_multiply_pair_high(mn_i8x16 xa, mn_i8x16 wa, mn_i8x16 xb,
                                                                             mn_i8x16 wb) {
    return (mn_i16x8)vmlal_high_s8(vmull_high_s8((int8x16_t)xa, (int8x16_t)wa), (int8x16_t)xb, (int8x16_t)wb);
}
/// `p` through an empty `asm`: the compiler no longer knows how it relates to the previous
/// iteration's pointer, so the taps `p + step` and `p + 2 step` stay register-offset loads from
/// one pointer per window row instead of becoming nine separately incremented pointers.
static inline __attribute__((always_inline)) const int8_t *mn_opaque_pointer(const int8_t *p) {
    __asm__("" : "+r"(p));
    return p;
}
/// The 4 bytes at `p` in every 32-bit lane (`ld1r`), through an empty `asm`: knowing the halves
/// equal, the compiler would otherwise trade each `smull2` for an `ext` and a `smull`.
static inline __attribute__((always_inline)) mn_i8x16 mn_replicated_quad(const void *p) {
    int8x16_t v = vreinterpretq_s8_u32(vld1q_dup_u32((const uint32_t *)p));
    __asm__("" : "+w"(v));
    return (mn_i8x16)v;
}
/// A compiler barrier (no instruction): memory accesses are not moved across it. Between the
/// GEMM's groups of channels, it keeps the compiler from loading every group's weights at once,
/// which would need more than the 32 vector registers and spill accumulators.
static inline __attribute__((always_inline)) void mn_compiler_barrier(void) { __asm__ volatile("" ::: "memory"); }
/// The ARMv8.0 4-way dot products of the GEMM without `sdot` (QS8GEMM2x16c4NEONMLAL): `w` holds
/// 4 channels × 4 k, `xa`/`xb` a row's quad of 4 k in every 32-bit lane. `low` multiplies the
/// vector's first 2 channels (`smull`, plus `smlal` of a second quad `wb` × `xb`: exact in int16
/// for weights in -127...127) and adds neighbouring products into the int32 lanes of `acc`
/// (`sadalp`): two partial sums per channel. `high` does the same for the last 2 channels
/// (`smull2`, `smlal2`).
static inline __attribute__((always_inline)) mn_i32x4 mn_dot_pairs_low(mn_i32x4 acc, mn_i8x16 wa, mn_i8x16 xa,
                                                                       mn_i8x16 wb, mn_i8x16 xb) {
    int16x8_t p = vmlal_s8(vmull_s8(vget_low_s8((int8x16_t)wa), vget_low_s8((int8x16_t)xa)),
                           vget_low_s8((int8x16_t)wb), vget_low_s8((int8x16_t)xb));
    return (mn_i32x4)vpadalq_s16((int32x4_t)acc, p);
}
static inline __attribute__((always_inline)) mn_i32x4 mn_dot_pairs_high(mn_i32x4 acc, mn_i8x16 wa, mn_i8x16 xa,
                                                                        mn_i8x16 wb, mn_i8x16 xb) {
    int16x8_t p = vmlal_high_s8(vmull_high_s8((int8x16_t)wa, (int8x16_t)xa), (int8x16_t)wb, (int8x16_t)xb);
    return (mn_i32x4)vpadalq_s16((int32x4_t)acc, p);
}
/// One quad (any weights, -128 included): `smull` or `smull2`, then `sadalp`.
static inline __attribute__((always_inline)) mn_i32x4 mn_dot_low(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vpadalq_s16((int32x4_t)acc, vmull_s8(vget_low_s8((int8x16_t)w), vget_low_s8((int8x16_t)x)));
}
static inline __attribute__((always_inline)) mn_i32x4 mn_dot_high(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vpadalq_s16((int32x4_t)acc, vmull_high_s8((int8x16_t)w, (int8x16_t)x));
}
/// The channel sums from two partial sums each (`addp`): (a0+a1, a2+a3, b0+b1, b2+b3).
static inline __attribute__((always_inline)) mn_i32x4 mn_add_pairs(mn_i32x4 a, mn_i32x4 b) {
    return (mn_i32x4)vpaddq_s32((int32x4_t)a, (int32x4_t)b);
}
/// One tap's products (`smull`, `smull2`).
static inline __attribute__((always_inline)) mn_i16x8 mn_multiply_low(mn_i8x16 x, mn_i8x16 w) {
    return (mn_i16x8)vmull_s8(vget_low_s8((int8x16_t)x), vget_low_s8((int8x16_t)w));
}
static inline __attribute__((always_inline)) mn_i16x8 mn_multiply_high(mn_i8x16 x, mn_i8x16 w) {
    return (mn_i16x8)vmull_high_s8((int8x16_t)x, (int8x16_t)w);
}
#endif

#if defined(MOBILENET_DOTPROD)
// ARMv8.2 dot product (`sdot`), for boards whose CPU has it (BOARD_FEATURES `dotprod`: the
// build defines MOBILENET_DOTPROD for Swift and for this header, and targets the CPU). Lane i
// of the result: acc[i] + sum over j < 4 of w[4i+j] * x[4i+j] (or x[4*LANE+j] for the
// lane-indexed forms, which multiply 16 weights = 4 channels x 4 k with one quad of a row).
#if !defined(__ARM_FEATURE_DOTPROD)
#error "MOBILENET_DOTPROD is set but the target CPU has no dot product (sdot)"
#endif

static inline __attribute__((always_inline)) mn_i32x4 mn_sdot(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vdotq_s32((int32x4_t)acc, (int8x16_t)w, (int8x16_t)x);
}
/// 64 bytes of packed weights (16 channels × 4 k) in four registers by one `ld1` of four
/// registers, where two `ldp`s would take two instructions.
typedef struct { mn_i8x16 w0, w1, w2, w3; } mn_i8x16x4;
static inline __attribute__((always_inline)) mn_i8x16x4 mn_load_64_bytes(const void *p) {
    int8x16x4_t v = vld1q_s8_x4((const int8_t *)p);
    return (mn_i8x16x4){(mn_i8x16)v.val[0], (mn_i8x16)v.val[1], (mn_i8x16)v.val[2], (mn_i8x16)v.val[3]};
}
// `sdot vACC.4s, vW.16b, vX.4b[LANE]`: the lane is an immediate, hence one function per lane.
static inline __attribute__((always_inline)) mn_i32x4 mn_sdot_lane0(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vdotq_laneq_s32((int32x4_t)acc, (int8x16_t)w, (int8x16_t)x, 0);
}
static inline __attribute__((always_inline)) mn_i32x4 mn_sdot_lane1(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vdotq_laneq_s32((int32x4_t)acc, (int8x16_t)w, (int8x16_t)x, 1);
}
static inline __attribute__((always_inline)) mn_i32x4 mn_sdot_lane2(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vdotq_laneq_s32((int32x4_t)acc, (int8x16_t)w, (int8x16_t)x, 2);
}
static inline __attribute__((always_inline)) mn_i32x4 mn_sdot_lane3(mn_i32x4 acc, mn_i8x16 w, mn_i8x16 x) {
    return (mn_i32x4)vdotq_laneq_s32((int32x4_t)acc, (int8x16_t)w, (int8x16_t)x, 3);
}
#endif

#endif
