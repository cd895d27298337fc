// The C library's allocator settings that Swift's Glibc module does not expose (malloc.h).
#ifndef MOBILENET_MEMORY_H
#define MOBILENET_MEMORY_H

/// Makes glibc give every allocation of 128 KB or more its own mapping, unmapped when freed
/// (a fixed M_MMAP_THRESHOLD). glibc's default threshold rises to the largest block freed so
/// far, and from then on serves such blocks from its heap, where freed space stays resident
/// and is handed out again already resident. A no-op with other C libraries (macOS, musl).
void mn_map_large_allocations(void);

#endif
