// What the Embedded Swift bit-exactness driver needs from the C library (Embedded Swift cannot
// import Glibc): reading a whole file, listing a directory, the environment, writing to stderr,
// and `main`.
#ifndef DRIVER_SUPPORT_H
#define DRIVER_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// The bytes of the file at `path` in a new malloc'd buffer (free with `ds_free`), their count
/// in `*size`; NULL with `*error` set to a static message when the file cannot be read.
uint8_t *_Nullable ds_read_file(const char *_Nonnull path, size_t *_Nonnull size,
                                const char *_Nullable *_Nonnull error);
void ds_free(void *_Nullable pointer);

/// True when the file or directory `path` exists.
int ds_exists(const char *_Nonnull path);

/// The value of the environment variable `name`, or NULL.
const char *_Nullable ds_getenv(const char *_Nonnull name);

/// Writes `length` bytes of `text` to stderr.
void ds_write_error(const char *_Nonnull text, size_t length);

/// The names of the entries of directory `path`, each followed by a newline, in a new malloc'd
/// string (free with `ds_free`); NULL when the directory cannot be read.
char *_Nullable ds_list_directory(const char *_Nonnull path);

/// The program's entry point, written in Swift (BitExactDriver.swift); `main` calls it.
int bit_exact_main(int argc, char *_Nullable *_Nonnull argv);

#endif
