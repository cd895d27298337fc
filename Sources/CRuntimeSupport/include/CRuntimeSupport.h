// What the int8 runtime (MobileNetRuntime) needs from the operating system, behind a small C
// layer so that the Swift module imports neither Glibc nor Foundation and also builds as
// Embedded Swift: worker threads, a gate workers sleep on between jobs, and atomic counters.
// The header needs only the compiler's own <stdint.h>; the implementation uses POSIX threads.
#ifndef CRUNTIMESUPPORT_H
#define CRUNTIMESUPPORT_H

#include <stdint.h>

/// A joinable thread.
typedef struct crs_thread crs_thread;

/// Starts `body(context)` on a new thread with a stack of `stack_bytes`; returns NULL on failure.
crs_thread *_Nullable crs_thread_start(void (*_Nonnull body)(void *_Nullable), void *_Nullable context,
                                       intptr_t stack_bytes);

/// Waits for the thread to end and frees it.
void crs_thread_join(crs_thread *_Nonnull thread);

/// A generation counter that threads wait on: `crs_gate_wait` returns once the generation
/// differs from the one the caller saw, spinning first and then sleeping on a condition variable.
typedef struct crs_gate crs_gate;

/// A gate at generation 0; NULL when out of memory.
crs_gate *_Nullable crs_gate_create(void);
void crs_gate_destroy(crs_gate *_Nonnull gate);
/// The current generation (acquire).
intptr_t crs_gate_generation(crs_gate *_Nonnull gate);
/// Advances the generation (release) and wakes the sleepers. Allocates nothing.
void crs_gate_open(crs_gate *_Nonnull gate);
/// Returns the generation once it differs from `seen`: spins `spins` times, then sleeps.
intptr_t crs_gate_wait(crs_gate *_Nonnull gate, intptr_t seen, intptr_t spins);

/// Sequentially consistent atomics on a word (counters shared by the workers of a job).
intptr_t crs_atomic_load(intptr_t *_Nonnull word);
void crs_atomic_store(intptr_t *_Nonnull word, intptr_t value);
/// Adds `value` and returns the previous value.
intptr_t crs_atomic_fetch_add(intptr_t *_Nonnull word, intptr_t value);
/// ANDs `mask` in and returns the previous value.
intptr_t crs_atomic_fetch_and(intptr_t *_Nonnull word, intptr_t mask);
/// Stores `desired` if the word holds `expected`; returns 1 if it did.
int crs_atomic_compare_exchange(intptr_t *_Nonnull word, intptr_t expected, intptr_t desired);

/// A hint to the CPU that the caller is spinning (x86 `pause`, ARM `yield`).
void crs_spin_pause(void);
/// Gives the core to another thread or process that is ready to run (`sched_yield`).
void crs_thread_yield(void);

#endif
