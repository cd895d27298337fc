internal import CImageCodecs

/// libjpeg-turbo set up for a stream of frames (the toolkit's codec shim): one decompressor
/// for every frame, its per-image memory kept between frames (so decoding allocates nothing
/// once it has seen a frame), DCT scaling to decode at 1/2, 1/4 or 1/8 size. Any libjpeg
/// warning (truncated data, corrupt entropy codes) fails the frame: a damaged frame is never
/// delivered half grey.
final class MJPEGDecoder {
    private let decoder: OpaquePointer

    init() throws(CaptureError) {
        guard let decoder = mn_jpeg_create(nil, 0) else {
            throw .invalidConfiguration("out of memory creating a JPEG decoder")
        }
        mn_jpeg_reuse_memory(decoder)
        self.decoder = decoder
    }

    deinit { mn_jpeg_destroy(decoder) }

    /// The size `frame` declares, or nil when it is not a decodable JPEG (or is CMYK).
    func readHeader(_ frame: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        guard let base = frame.baseAddress, frame.count > 0 else { return nil }
        mn_jpeg_set_source(decoder, base.assumingMemoryBound(to: UInt8.self), frame.count)
        var header = MNJPEGHeader()
        guard mn_jpeg_read_header(decoder, &header), header.outputsCMYK == 0 else { return nil }
        return (Int(header.width), Int(header.height))
    }

    /// The size of the frame whose header was just read, decoded at 1/`denominator`.
    func scaledSize(denominator: Int) -> (width: Int, height: Int)? {
        var width: UInt32 = 0, height: UInt32 = 0
        guard mn_jpeg_scale(decoder, UInt32(denominator), &width, &height) else { return nil }
        return (Int(width), Int(height))
    }

    /// Decodes the frame whose header was read (and scale set) as RGB rows `rowStride` bytes
    /// apart; false when the data is corrupt or truncated.
    func decode(into pixels: UnsafeMutablePointer<UInt8>, rowStride: Int) -> Bool {
        mn_jpeg_read_pixels(decoder, pixels, rowStride)
    }

    /// Why the last frame failed.
    var message: String { String(cString: mn_jpeg_message(decoder)) }
}
