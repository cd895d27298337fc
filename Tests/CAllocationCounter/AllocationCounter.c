#define _GNU_SOURCE
#include "CAllocationCounter.h"

#include <errno.h>  // defines __GLIBC__ on glibc

#if defined(__linux__) && defined(__GLIBC__)
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void __libc_free(void *pointer);

// One counter per tracking thread, shared with the threads it creates, so that tests running
// in parallel on other threads (each with its own counter) never add to each other's counts.
// A counter is never freed: a worker may outlive the test that created it.
struct counter {
    atomic_int counting;
    atomic_long count;
};

static _Thread_local struct counter *current;  // where this thread's allocations count; NULL: nowhere

// Whole-process mode, for a program run with this file built as an LD_PRELOAD library
// (`cc -shared -fPIC -O2 -I Tests/CAllocationCounter/include`, as the `mobilenet watch`
// allocation test does): with $MALLOC_COUNT_FILE set, every allocation of every thread counts,
// and the total is written to that file at exit.
static const char *process_count_file;
static atomic_long process_count;

__attribute__((constructor)) static void read_mode(void) { process_count_file = getenv("MALLOC_COUNT_FILE"); }

__attribute__((destructor)) static void write_process_count(void) {
    if (process_count_file == NULL) return;
    FILE *file = fopen(process_count_file, "w");
    if (file == NULL) return;
    fprintf(file, "%ld\n", atomic_load(&process_count));
    fclose(file);
}

static void note(void) {
    if (process_count_file) atomic_fetch_add_explicit(&process_count, 1, memory_order_relaxed);
    struct counter *counter = current;
    if (counter && atomic_load_explicit(&counter->counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&counter->count, 1, memory_order_relaxed);
    }
}

int cac_available(void) { return 1; }
void cac_track_this_thread(int value) {
    if (!value) {
        current = NULL;
    } else if (current == NULL) {
        current = __libc_calloc(1, sizeof *current);
    }
}
void cac_start(void) {
    if (current == NULL) return;
    atomic_store(&current->count, 0);
    atomic_store(&current->counting, 1);
}
long cac_stop(void) {
    if (current == NULL) return 0;
    atomic_store(&current->counting, 0);
    return atomic_load(&current->count);
}

void *malloc(size_t size) { note(); return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { note(); return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { note(); return __libc_realloc(pointer, size); }
void free(void *pointer) { __libc_free(pointer); }
void *memalign(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { note(); return __libc_memalign(alignment, size); }
void *valloc(size_t size) { note(); return __libc_valloc(size); }
int posix_memalign(void **result, size_t alignment, size_t size) {
    note();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return ENOMEM;
    *result = pointer;
    return 0;
}

// Threads created by a tracked thread count into its counter: the start routine is wrapped.
struct start {
    void *(*routine)(void *);
    void *argument;
    struct counter *counter;
};

static void *tracked_start(void *raw) {
    struct start start = *(struct start *)raw;
    __libc_free(raw);
    current = start.counter;
    return start.routine(start.argument);
}

typedef int (*create_function)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *thread, const pthread_attr_t *attributes, void *(*routine)(void *), void *argument) {
    static _Atomic(create_function) real;
    create_function create = atomic_load(&real);
    if (create == NULL) {
        create = (create_function)dlsym(RTLD_NEXT, "pthread_create");
        atomic_store(&real, create);
    }
    if (current == NULL) return create(thread, attributes, routine, argument);
    struct start *start = __libc_malloc(sizeof *start);
    if (start == NULL) return EAGAIN;
    start->routine = routine;
    start->argument = argument;
    start->counter = current;
    int status = create(thread, attributes, tracked_start, start);
    if (status != 0) __libc_free(start);
    return status;
}

#else
int cac_available(void) { return 0; }
void cac_track_this_thread(int value) { (void)value; }
void cac_start(void) {}
long cac_stop(void) { return 0; }
#endif
