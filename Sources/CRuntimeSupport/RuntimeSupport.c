#include "CRuntimeSupport.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

struct crs_thread {
    pthread_t handle;
    void (*body)(void *);
    void *context;
};

static void *crs_thread_main(void *argument) {
    crs_thread *thread = argument;
    thread->body(thread->context);
    return NULL;
}

crs_thread *crs_thread_start(void (*body)(void *), void *context, intptr_t stack_bytes) {
    crs_thread *thread = malloc(sizeof *thread);
    if (thread == NULL) return NULL;
    thread->body = body;
    thread->context = context;
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) { free(thread); return NULL; }
    pthread_attr_setstacksize(&attributes, (size_t)stack_bytes);
    int status = pthread_create(&thread->handle, &attributes, crs_thread_main, thread);
    pthread_attr_destroy(&attributes);
    if (status != 0) { free(thread); return NULL; }
    return thread;
}

void crs_thread_join(crs_thread *thread) {
    pthread_join(thread->handle, NULL);
    free(thread);
}

struct crs_gate {
    _Atomic intptr_t generation;
    _Atomic intptr_t sleepers;
    pthread_mutex_t mutex;
    pthread_cond_t condition;
};

crs_gate *crs_gate_create(void) {
    crs_gate *gate = malloc(sizeof *gate);
    if (gate == NULL) return NULL;
    atomic_init(&gate->generation, 0);
    atomic_init(&gate->sleepers, 0);
    pthread_mutex_init(&gate->mutex, NULL);
    pthread_cond_init(&gate->condition, NULL);
    return gate;
}

void crs_gate_destroy(crs_gate *gate) {
    pthread_cond_destroy(&gate->condition);
    pthread_mutex_destroy(&gate->mutex);
    free(gate);
}

intptr_t crs_gate_generation(crs_gate *gate) {
    return atomic_load_explicit(&gate->generation, memory_order_acquire);
}

void crs_gate_open(crs_gate *gate) {
    // Sequentially consistent with the sleeper count: either the opener sees a sleeper (and
    // broadcasts under the mutex it waits with) or the sleeper sees the new generation.
    atomic_fetch_add(&gate->generation, 1);
    if (atomic_load(&gate->sleepers) > 0) {
        pthread_mutex_lock(&gate->mutex);
        pthread_cond_broadcast(&gate->condition);
        pthread_mutex_unlock(&gate->mutex);
    }
}

intptr_t crs_gate_wait(crs_gate *gate, intptr_t seen, intptr_t spins) {
    for (intptr_t i = 0; i < spins; i++) {
        intptr_t now = atomic_load_explicit(&gate->generation, memory_order_acquire);
        if (now != seen) return now;
        crs_spin_pause();
        if ((i & 4095) == 4095) crs_thread_yield();  // let a process waiting for this core run
    }
    pthread_mutex_lock(&gate->mutex);
    atomic_fetch_add(&gate->sleepers, 1);
    intptr_t now;
    while ((now = atomic_load(&gate->generation)) == seen) {
        pthread_cond_wait(&gate->condition, &gate->mutex);
    }
    atomic_fetch_sub(&gate->sleepers, 1);
    pthread_mutex_unlock(&gate->mutex);
    return now;
}

intptr_t crs_atomic_load(intptr_t *word) {
    return atomic_load((_Atomic intptr_t *)word);
}

void crs_atomic_store(intptr_t *word, intptr_t value) {
    atomic_store((_Atomic intptr_t *)word, value);
}

intptr_t crs_atomic_fetch_add(intptr_t *word, intptr_t value) {
    return atomic_fetch_add((_Atomic intptr_t *)word, value);
}

intptr_t crs_atomic_fetch_and(intptr_t *word, intptr_t mask) {
    return atomic_fetch_and((_Atomic intptr_t *)word, mask);
}

int crs_atomic_compare_exchange(intptr_t *word, intptr_t expected, intptr_t desired) {
    return atomic_compare_exchange_strong((_Atomic intptr_t *)word, &expected, desired);
}

void crs_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

void crs_thread_yield(void) {
    sched_yield();
}
