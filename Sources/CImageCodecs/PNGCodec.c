// libpng's low-level API behind return codes: png_error longjmps back to the setjmp of the call
// in progress, warnings are dropped (never printed), and the data is read from memory.
#include "ImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

struct MNPNGDecoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    png_bytep *rows;
    char message[200];
};

static void fail(png_structp png, png_const_charp message) {
    MNPNGDecoder *decoder = png_get_error_ptr(png);
    snprintf(decoder->message, sizeof decoder->message, "%s", message);
    png_longjmp(png, 1);
}

/// Ancillary-chunk problems (bad CRC on a text chunk, a known-bad ICC profile) do not affect
/// the pixels; libpng skips the chunk and goes on.
static void ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void read_bytes(png_structp png, png_bytep destination, size_t count) {
    MNPNGDecoder *decoder = png_get_io_ptr(png);
    if (count > decoder->size - decoder->offset) png_error(png, "truncated file (the data ends early)");
    memcpy(destination, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

MNPNGDecoder *mn_png_create(const uint8_t *data, size_t size) {
    MNPNGDecoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, fail, ignore_warning);
    if (decoder->png != NULL) decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL) {
        mn_png_destroy(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, read_bytes);
    return decoder;
}

void mn_png_destroy(MNPNGDecoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->png != NULL) png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder->rows);
    free(decoder);
}

bool mn_png_read_header(MNPNGDecoder *decoder, MNPNGHeader *header) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return false;
    png_read_info(png, info);
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bitDepth = png_get_bit_depth(png, info);
    header->colorType = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    return true;
}

bool mn_png_read_rgb(MNPNGDecoder *decoder, uint8_t *pixels, size_t rowStride) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return false;
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int colorType = png_get_color_type(png, info);
    int bitDepth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (bitDepth == 16) png_set_strip_16(png);
    if ((colorType & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    if (!(colorType & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 3 || png_get_rowbytes(png, info) != (size_t)width * 3) {
        png_error(png, "unexpected row layout after conversion to 8-bit RGB");
    }
    decoder->rows = malloc((size_t)height * sizeof(png_bytep));
    if (decoder->rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) decoder->rows[y] = pixels + (size_t)y * rowStride;
    png_read_image(png, decoder->rows);
    png_read_end(png, NULL);
    return true;
}

const char *mn_png_message(const MNPNGDecoder *decoder) {
    return decoder->message;
}
