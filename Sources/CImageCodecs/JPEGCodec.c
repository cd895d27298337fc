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

struct MNJPEGDecoder {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    char message[JMSG_LENGTH_MAX];
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
