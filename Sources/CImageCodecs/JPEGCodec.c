// libjpeg behind return codes: `error_exit` and fatal warnings longjmp back to the setjmp of
// the call in progress, and every message is formatted into the decoder instead of stderr.
#include "ImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include <jerror.h>

/// Real progressive files have about ten scans; crafted ones can have thousands, each costing
/// a pass over the whole coefficient buffer.
enum { maximumScans = 1000 };

/// One block of the per-image arena (`mn_jpeg_reuse_memory`); the bytes follow the header.
typedef struct ArenaBlock {
    struct ArenaBlock *next;
    size_t size, used;
} ArenaBlock;

struct MNJPEGDecoder {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    char message[JMSG_LENGTH_MAX];
    /// libjpeg's own memory methods, which the arena forwards the permanent pool to.
    struct jpeg_memory_mgr original;
    ArenaBlock *blocks;
};

static MNJPEGDecoder *decoder_of(j_common_ptr info) {
    return (MNJPEGDecoder *)info->client_data;
}

/// Keeps the message instead of printing it.
static void keep_message(j_common_ptr info) {
    (*info->err->format_message)(info, decoder_of(info)->message);
}

static void fail(j_common_ptr info) {
    keep_message(info);
    longjmp(decoder_of(info)->jump, 1);
}

/// Warnings (level -1) mean corrupt or truncated data (libjpeg would go on with grey blocks),
/// so they fail the decode; only junk bytes between markers, common in camera files, pass.
/// Trace messages (level >= 0) are ignored.
static void emit_message(j_common_ptr info, int level) {
    if (level >= 0 || info->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
    fail(info);
}

/// Called by libjpeg as it works through the data; stops files with too many scans.
static void limit_scans(j_common_ptr info) {
    MNJPEGDecoder *decoder = decoder_of(info);
    if (decoder->info.input_scan_number <= maximumScans) return;
    snprintf(decoder->message, sizeof decoder->message, "more than %d scans", maximumScans);
    longjmp(decoder->jump, 1);
}

MNJPEGDecoder *mn_jpeg_create(const uint8_t *data, size_t size) {
    MNJPEGDecoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->info.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = fail;
    decoder->errors.emit_message = emit_message;
    decoder->errors.output_message = keep_message;
    decoder->info.client_data = decoder;
    decoder->progress.progress_monitor = limit_scans;
    if (setjmp(decoder->jump)) {  // jpeg_create_decompress only fails when out of memory
        jpeg_destroy_decompress(&decoder->info);
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->info.progress = &decoder->progress;
    return decoder;
}

void mn_jpeg_destroy(MNJPEGDecoder *decoder) {
    if (decoder == NULL) return;
    jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}

bool mn_jpeg_read_header(MNJPEGDecoder *decoder, MNJPEGHeader *header) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->jump)) return false;
    decoder->message[0] = 0;
    jpeg_abort_decompress(info);  // back to the start state after a previous image or failure
    jpeg_mem_src(info, decoder->data, (unsigned long)decoder->size);
    jpeg_read_header(info, TRUE);
    switch (info->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        info->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        info->out_color_space = JCS_CMYK;
        break;
    default:
        snprintf(decoder->message, sizeof decoder->message,
                 "unsupported color space (%d components, no known color transform)",
                 info->num_components);
        return false;
    }
    header->width = info->image_width;
    header->height = info->image_height;
    header->outputsCMYK = info->out_color_space == JCS_CMYK;
    return true;
}

bool mn_jpeg_read_pixels(MNJPEGDecoder *decoder, uint8_t *pixels, size_t rowStride) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->jump)) return false;
    jpeg_start_decompress(info);
    enum { batch = 16 };
    JSAMPROW rows[batch];
    while (info->output_scanline < info->output_height) {
        JDIMENSION first = info->output_scanline;
        JDIMENSION count = info->output_height - first;
        if (count > batch) count = batch;
        for (JDIMENSION i = 0; i < count; i++) rows[i] = pixels + (size_t)(first + i) * rowStride;
        // A memory source never suspends: at the end of the data it reports a warning (fatal
        // here), so every call makes progress.
        jpeg_read_scanlines(info, rows, count);
    }
    jpeg_finish_decompress(info);
    return true;
}

const char *mn_jpeg_message(const MNJPEGDecoder *decoder) {
    return decoder->message;
}

void mn_jpeg_set_source(MNJPEGDecoder *decoder, const uint8_t *data, size_t size) {
    decoder->data = data;
    decoder->size = size;
}

bool mn_jpeg_scale(MNJPEGDecoder *decoder, unsigned denominator, uint32_t *width, uint32_t *height) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (setjmp(decoder->jump)) return false;
    info->scale_num = 1;
    info->scale_denom = denominator;
    jpeg_calc_output_dimensions(info);
    *width = info->output_width;
    *height = info->output_height;
    return true;
}

// MARK: - Per-image arena

/// Alignment of every arena allocation and padding of every sample row: libjpeg-turbo's SIMD
/// code loads and stores whole 32-byte vectors, and libjpeg pads its own rows the same way.
enum { arenaAlignment = 64, arenaBlockSize = 256 * 1024 };

static size_t round_up(size_t n, size_t multiple) {
    return (n + multiple - 1) / multiple * multiple;
}

/// `size` bytes from the first block with room, adding a block when none has it.
static void *arena_allocate(j_common_ptr info, size_t size) {
    MNJPEGDecoder *decoder = decoder_of(info);
    size = round_up(size, arenaAlignment);
    size_t header = round_up(sizeof(ArenaBlock), arenaAlignment);
    ArenaBlock **link = &decoder->blocks;
    for (ArenaBlock *block = decoder->blocks; block != NULL; block = block->next) {
        if (block->size - block->used >= size) {
            void *memory = (uint8_t *)block + header + block->used;
            block->used += size;
            return memory;
        }
        link = &block->next;
    }
    size_t capacity = size > arenaBlockSize ? size : arenaBlockSize;
    ArenaBlock *block = aligned_alloc(arenaAlignment, header + capacity);
    if (block == NULL) ERREXIT1(info, JERR_OUT_OF_MEMORY, 0);
    block->next = NULL;
    block->size = capacity;
    block->used = size;
    *link = block;
    return (uint8_t *)block + header;
}

static void *arena_alloc_small(j_common_ptr info, int pool, size_t size) {
    if (pool == JPOOL_PERMANENT) return decoder_of(info)->original.alloc_small(info, pool, size);
    return arena_allocate(info, size);
}

static void *arena_alloc_large(j_common_ptr info, int pool, size_t size) {
    if (pool == JPOOL_PERMANENT) return decoder_of(info)->original.alloc_large(info, pool, size);
    return arena_allocate(info, size);
}

/// `rows` pointers to rows of `rowBytes` (padded) bytes, all from the arena.
static void **arena_rows(j_common_ptr info, size_t rowBytes, JDIMENSION rows) {
    void **pointers = arena_allocate(info, rows * sizeof(void *));
    rowBytes = round_up(rowBytes, 2 * arenaAlignment);
    uint8_t *data = arena_allocate(info, rowBytes * rows);
    for (JDIMENSION r = 0; r < rows; r++) pointers[r] = data + rowBytes * r;
    return pointers;
}

static JSAMPARRAY arena_alloc_sarray(j_common_ptr info, int pool, JDIMENSION samples, JDIMENSION rows) {
    if (pool == JPOOL_PERMANENT) return decoder_of(info)->original.alloc_sarray(info, pool, samples, rows);
    return (JSAMPARRAY)arena_rows(info, (size_t)samples * sizeof(JSAMPLE), rows);
}

static JBLOCKARRAY arena_alloc_barray(j_common_ptr info, int pool, JDIMENSION blocks, JDIMENSION rows) {
    if (pool == JPOOL_PERMANENT) return decoder_of(info)->original.alloc_barray(info, pool, blocks, rows);
    return (JBLOCKARRAY)arena_rows(info, (size_t)blocks * sizeof(JBLOCK), rows);
}

/// The end of an image: the arena's blocks are kept for the next one.
static void arena_free_pool(j_common_ptr info, int pool) {
    MNJPEGDecoder *decoder = decoder_of(info);
    if (pool == JPOOL_IMAGE) {
        for (ArenaBlock *block = decoder->blocks; block != NULL; block = block->next) block->used = 0;
    }
    decoder->original.free_pool(info, pool);  // what libjpeg allocated itself (virtual arrays)
}

static void arena_self_destruct(j_common_ptr info) {
    MNJPEGDecoder *decoder = decoder_of(info);
    ArenaBlock *block = decoder->blocks;
    while (block != NULL) {
        ArenaBlock *next = block->next;
        free(block);
        block = next;
    }
    decoder->blocks = NULL;
    decoder->original.self_destruct(info);
}

void mn_jpeg_reuse_memory(MNJPEGDecoder *decoder) {
    struct jpeg_memory_mgr *memory = decoder->info.mem;
    decoder->original = *memory;
    memory->alloc_small = arena_alloc_small;
    memory->alloc_large = arena_alloc_large;
    memory->alloc_sarray = arena_alloc_sarray;
    memory->alloc_barray = arena_alloc_barray;
    memory->free_pool = arena_free_pool;
    memory->self_destruct = arena_self_destruct;
}
