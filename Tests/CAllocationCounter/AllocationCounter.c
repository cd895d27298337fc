#define _GNU_SOURCE
#include "CAllocationCounter.h"

#include <errno.h>  // defines __GLIBC__ on glibc

#if defined(__linux__) && defined(__GLIBC__)
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void __libc_free(void *pointer);

static _Thread_local int tracked;
static atomic_int counting;
static atomic_long count;

static void note(void) {
    if (tracked && atomic_load_explicit(&counting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    }
}

int cac_available(void) { return 1; }
void cac_track_this_thread(int value) { tracked = value; }
void cac_start(void) {
    atomic_store(&count, 0);
    atomic_store(&counting, 1);
}
long cac_stop(void) {
    atomic_store(&counting, 0);
    return atomic_load(&count);
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

// Threads created by a tracked thread are tracked: the start routine is wrapped.
struct start {
    void *(*routine)(void *);
    void *argument;
};

static void *tracked_start(void *raw) {
    struct start start = *(struct start *)raw;
    __libc_free(raw);
    tracked = 1;
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
    if (!tracked) return create(thread, attributes, routine, argument);
    struct start *start = __libc_malloc(sizeof *start);
    if (start == NULL) return EAGAIN;
    start->routine = routine;
    start->argument = argument;
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
