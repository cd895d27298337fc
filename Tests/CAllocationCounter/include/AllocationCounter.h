// Counts heap allocations made by the calling thread between begin and end, for tests that
// check a steady state allocates nothing. Linking this target replaces malloc, calloc, realloc,
// posix_memalign, aligned_alloc and memalign for the whole test process with versions that
// forward to glibc's own (__libc_malloc, ...) and count when the calling thread asked to.
#ifndef MOBILENET_ALLOCATION_COUNTER_H
#define MOBILENET_ALLOCATION_COUNTER_H

#include <stdint.h>

/// Starts counting this thread's allocations from zero.
void mn_allocations_begin(void);
/// Stops counting and returns how many allocations this thread made since `begin`.
uint64_t mn_allocations_end(void);

#endif
