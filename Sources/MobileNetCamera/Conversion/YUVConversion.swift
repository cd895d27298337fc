/// YUV to RGB as BT.601 with limited range (Y 16...235, U and V 16...240), the encoding of a
/// UVC camera's raw YUYV and NV12 frames, in 8-bit fixed point:
/// `R = (298·(Y−16) + 409·(V−128) + 128) >> 8`, `G = (298·(Y−16) − 100·(U−128) − 208·(V−128) + 128) >> 8`,
/// `B = (298·(Y−16) + 516·(U−128) + 128) >> 8`, each clamped to 0...255.
enum YUVConversion {
    @inline(__always)
    static func store(y: UInt8, u: UInt8, v: UInt8, into rgb: UnsafeMutablePointer<UInt8>) {
        let c = 298 &* (Int32(y) &- 16) &+ 128
        let d = Int32(u) &- 128, e = Int32(v) &- 128
        rgb[0] = clamp((c &+ 409 &* e) >> 8)
        rgb[1] = clamp((c &- 100 &* d &- 208 &* e) >> 8)
        rgb[2] = clamp((c &+ 516 &* d) >> 8)
    }

    @inline(__always)
    static func clamp(_ value: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(value, 0), 255))
    }

    /// `width` pixels of a YUYV row starting at pixel `left` into RGB.
    static func yuyvRow(_ row: UnsafePointer<UInt8>, left: Int, width: Int, into rgb: UnsafeMutablePointer<UInt8>) {
        for x in 0..<width {
            let pixel = left + x
            let pair = row + (pixel & ~1) * 2
            store(y: row[pixel * 2], u: pair[1], v: pair[3], into: rgb + x * 3)
        }
    }

    /// `width` pixels from an NV12 luma row and its chroma row (interleaved U V) into RGB.
    static func nv12Row(
        luma: UnsafePointer<UInt8>, chroma: UnsafePointer<UInt8>, left: Int, width: Int,
        into rgb: UnsafeMutablePointer<UInt8>
    ) {
        for x in 0..<width {
            let pixel = left + x
            let uv = chroma + (pixel & ~1)
            store(y: luma[pixel], u: uv[0], v: uv[1], into: rgb + x * 3)
        }
    }

    /// `width` grey pixels into RGB (each value in the three channels).
    static func greyRow(_ row: UnsafePointer<UInt8>, left: Int, width: Int, into rgb: UnsafeMutablePointer<UInt8>) {
        for x in 0..<width {
            let value = row[left + x]
            rgb[x * 3] = value
            rgb[x * 3 + 1] = value
            rgb[x * 3 + 2] = value
        }
    }
}
