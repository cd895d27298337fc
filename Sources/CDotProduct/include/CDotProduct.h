#ifndef MOBILENET_CDOTPRODUCT_H
#define MOBILENET_CDOTPRODUCT_H
// The 4-way u8 x s8 dot product of the int8 GEMM's VNNI variant (qs8-gemm-6x16c4), as one
// instruction where the build targets a CPU with it, and as a portable exact emulation that the
// tests run on any CPU. Swift does not form `vpdpbusd` from generic SIMD code, hence this header.
//
// For each of 8 int32 lanes i: acc[i] + sum over j < 4 of a[4i+j] (unsigned) * b[4i+j] (signed),
// wrapping on overflow (`vpdpbusd`, not the saturating `vpdpbusds`).

#include <stdint.h>

typedef int32_t mn_i32x8 __attribute__((ext_vector_type(8)));
typedef uint8_t mn_u8x32 __attribute__((ext_vector_type(32)));
typedef int8_t mn_i8x32 __attribute__((ext_vector_type(32)));

/// The dot product in portable C, in place on `acc[8]` (exact; what the tests check the kernel's
/// logic with). Through pointers: a 256-bit vector argument is passed in a register or in memory
/// depending on whether the caller and this file were compiled with AVX.
void mn_dpbusd_emulated(int32_t *acc, const uint8_t *a, const int8_t *b);

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

#endif
