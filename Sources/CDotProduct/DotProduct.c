#include "CDotProduct.h"

void mn_dpbusd_emulated(int32_t *acc, const uint8_t *a, const int8_t *b) {
    for (int lane = 0; lane < 8; lane++) {
        // Unsigned arithmetic: wraps like the instruction, without signed-overflow UB.
        uint32_t sum = (uint32_t)acc[lane];
        for (int j = 0; j < 4; j++) {
            sum += (uint32_t)((int32_t)a[4 * lane + j] * (int32_t)b[4 * lane + j]);
        }
        acc[lane] = (int32_t)sum;
    }
}

void mn_sdot_emulated(int32_t *acc, const int8_t *a, const int8_t *b) {
    for (int lane = 0; lane < 8; lane++) {
        uint32_t sum = (uint32_t)acc[lane];
        for (int j = 0; j < 4; j++) {
            sum += (uint32_t)((int32_t)a[4 * lane + j] * (int32_t)b[4 * lane + j]);
        }
        acc[lane] = (int32_t)sum;
    }
}
