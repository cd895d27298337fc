// 64-bit file offsets and inode numbers on 32-bit ARM too (readdir and stat fail with EOVERFLOW
// on large file systems without them).
#define _FILE_OFFSET_BITS 64

#include "DriverSupport.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

uint8_t *ds_read_file(const char *path, size_t *size, const char **error) {
    *size = 0;
    *error = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) {
        *error = strerror(errno);
        return NULL;
    }
    uint8_t *bytes = NULL;
    if (fseek(file, 0, SEEK_END) == 0) {
        long length = ftell(file);
        if (length >= 0 && fseek(file, 0, SEEK_SET) == 0) {
            bytes = malloc(length > 0 ? (size_t)length : 1);
            if (!bytes) {
                *error = "out of memory";
            } else if (fread(bytes, 1, (size_t)length, file) != (size_t)length) {
                *error = "short read";
                free(bytes);
                bytes = NULL;
            } else {
                *size = (size_t)length;
            }
        }
    }
    if (!bytes && !*error) *error = strerror(errno);
    fclose(file);
    return bytes;
}

void ds_free(void *pointer) { free(pointer); }

int ds_exists(const char *path) {
    struct stat status;
    return stat(path, &status) == 0;
}

const char *ds_getenv(const char *name) { return getenv(name); }

void ds_write_error(const char *text, size_t length) {
    fwrite(text, 1, length, stderr);
    fflush(stderr);
}

char *ds_list_directory(const char *path) {
    DIR *directory = opendir(path);
    if (!directory) return NULL;
    size_t length = 0, capacity = 256;
    char *names = malloc(capacity);
    struct dirent *entry;
    while (names && (entry = readdir(directory))) {
        size_t n = strlen(entry->d_name);
        if (length + n + 2 > capacity) {
            capacity = 2 * (length + n + 2);
            char *grown = realloc(names, capacity);
            if (!grown) free(names);
            names = grown;
            if (!names) break;
        }
        memcpy(names + length, entry->d_name, n);
        names[length + n] = '\n';
        length += n + 1;
    }
    closedir(directory);
    if (names) names[length] = 0;
    return names;
}

int main(int argc, char **argv) { return bit_exact_main(argc, argv); }
