// Counts the C allocator's calls (malloc, calloc, realloc, posix_memalign, aligned_alloc,
// memalign, valloc) made by the threads being tracked, while counting is on. For the
// nothing-allocated-per-frame tests (runtime, camera).
//
// On glibc, this target's definitions of the malloc family, linked into the test executable,
// take the place of the C library's for the whole process and forward to glibc's own entry
// points (`__libc_malloc`, ...). Only tracked threads count: the thread that called
// `cac_track_this_thread` and every thread it (or another tracked thread) creates afterwards
// (`pthread_create` is wrapped too), so tests running in parallel on other threads do not.
// Elsewhere the functions exist but `cac_available` returns 0.
//
// Built as an LD_PRELOAD library instead, the same file counts a whole process: with
// $MALLOC_COUNT_FILE set, all threads' allocations, written to that file at exit (the
// `mobilenet watch` zero-allocation test, Tests/MobileNetDaemonTests/WatchEndToEndTests.swift).
#ifndef CALLOCATIONCOUNTER_H
#define CALLOCATIONCOUNTER_H

/// 1 where allocations are counted (Linux with glibc), else 0.
int cac_available(void);
/// Tracks the calling thread (and threads it creates from now on) with a counter of its own
/// (kept across calls), or stops tracking it.
void cac_track_this_thread(int tracked);
/// Resets the count and starts counting the tracked threads' allocations.
void cac_start(void);
/// Stops counting and returns the number of allocation calls since `cac_start`.
long cac_stop(void);

#endif
