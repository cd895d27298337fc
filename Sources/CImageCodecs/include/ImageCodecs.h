// Thin wrappers around libjpeg and libpng that turn their longjmp-based error handling into
// return codes (Swift cannot longjmp) and capture their messages instead of printing them.
// Each decode is two calls: read the header (so the caller can check the size against its
// limits before allocating), then read the pixels into the caller's buffer. A decoder object
// belongs to one thread at a time; different decoders are independent.
#ifndef MOBILENET_IMAGE_CODECS_H
#define MOBILENET_IMAGE_CODECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Every call that can fail returns true on success; on failure the decoder's message says why.

// MARK: - JPEG

/// What the JPEG header declares.
typedef struct {
    uint32_t width;
    uint32_t height;
    /// 1 when the pixels will come out as 4-channel CMYK (CMYK and YCCK files), else RGB.
    int32_t outputsCMYK;
} MNJPEGHeader;

typedef struct MNJPEGDecoder MNJPEGDecoder;

/// A decoder reading `size` bytes at `data` (not copied: they must outlive the decoder);
/// NULL when out of memory.
MNJPEGDecoder *mn_jpeg_create(const uint8_t *data, size_t size);
void mn_jpeg_destroy(MNJPEGDecoder *decoder);
/// Reads the markers up to the first scan and fills `header`.
bool mn_jpeg_read_header(MNJPEGDecoder *decoder, MNJPEGHeader *header);
/// Decodes every row into `pixels` (`height` rows of `rowStride` bytes, 3 bytes per pixel for
/// RGB or 4 for CMYK as the header said). Any libjpeg warning except extraneous bytes between
/// markers (truncated data, corrupt entropy codes) fails the decode, and so does a progressive
/// file with more than 1000 scans (a denial-of-service pattern: each scan re-walks the image).
bool mn_jpeg_read_pixels(MNJPEGDecoder *decoder, uint8_t *pixels, size_t rowStride);
/// The message of the last failure (empty if none).
const char *mn_jpeg_message(const MNJPEGDecoder *decoder);

// A decoder can decode a stream of frames (MJPEG): after a failure, or once a frame is done,
// `mn_jpeg_set_source` points it at the next frame and `mn_jpeg_read_header` starts over.

/// Points the decoder at the next `size` bytes at `data` (not copied).
void mn_jpeg_set_source(MNJPEGDecoder *decoder, const uint8_t *data, size_t size);
/// After `mn_jpeg_read_header`: decode at `1/denominator` of the size (1, 2, 4 or 8), with
/// libjpeg's DCT scaling (the IDCT computes the smaller image directly), and report the size
/// the pixels will have.
bool mn_jpeg_scale(MNJPEGDecoder *decoder, unsigned denominator, uint32_t *width, uint32_t *height);
/// Makes the decoder keep its per-image memory between frames: libjpeg's per-image pool is
/// taken from blocks that are reset, not freed, at the end of each image, so once the blocks
/// have grown to a frame's needs, decoding frames of that size allocates nothing. Call once,
/// before the first header.
void mn_jpeg_reuse_memory(MNJPEGDecoder *decoder);

// MARK: - PNG

/// What the PNG header (IHDR) declares.
typedef struct {
    uint32_t width;
    uint32_t height;
    int32_t bitDepth;
    /// PNG color type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
    int32_t colorType;
    int32_t interlaced;
} MNPNGHeader;

typedef struct MNPNGDecoder MNPNGDecoder;

/// A decoder reading `size` bytes at `data` (not copied); NULL when out of memory.
MNPNGDecoder *mn_png_create(const uint8_t *data, size_t size);
void mn_png_destroy(MNPNGDecoder *decoder);
/// Checks the signature and reads the chunks up to the image data.
bool mn_png_read_header(MNPNGDecoder *decoder, MNPNGHeader *header);
/// Decodes the image as 8-bit RGB into `pixels` (`height` rows of `rowStride` bytes): palette
/// and grey expanded, 16-bit samples reduced to their high byte, alpha (and tRNS) dropped,
/// no gamma correction. Reads to the end of the file, so a missing IEND is an error.
bool mn_png_read_rgb(MNPNGDecoder *decoder, uint8_t *pixels, size_t rowStride);
/// The message of the last failure (empty if none).
const char *mn_png_message(const MNPNGDecoder *decoder);

#endif
