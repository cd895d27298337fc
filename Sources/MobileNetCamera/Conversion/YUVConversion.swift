/// YUV to RGB as BT.601 with limited range (Y 16...235, U and V 16...240), the encoding of a
/// UVC camera's raw YUYV and NV12 frames, in 8-bit fixed point:
/// `R = (298·(Y−16) + 409·(V−128) + 128) >> 8`, `G = (298·(Y−16) − 100·(U−128) − 208·(V−128) + 128) >> 8`,
/// `B = (298·(Y−16) + 516·(U−128) + 128) >> 8`, each clamped to 0...255.
///
/// Rows are written as floats (the values a decoded 8-bit image gives the resize), straight
/// from the frame, in `WindowResizer`'s block layout: 16 pixels at a time with lane-wise
/// operations only (no shuffles, which LLVM lowers badly for 3-channel interleaving), as six
/// planes of 8 floats (R, G, B of the even pixels, then of the odd ones); the pixels after the
/// last whole block interleaved, by `store`. A row whose first pixel is odd (YUYV, NV12: the
/// second of a chroma pair) is written interleaved throughout.
enum YUVConversion {
    @inline(__always)
    static func store(y: UInt8, u: UInt8, v: UInt8, into rgb: UnsafeMutablePointer<Float>) {
        let c = 298 &* (Int32(y) &- 16) &+ 128
        let d = Int32(u) &- 128, e = Int32(v) &- 128
        rgb[0] = Float(clamp((c &+ 409 &* e) >> 8))
        rgb[1] = Float(clamp((c &- 100 &* d &- 208 &* e) >> 8))
        rgb[2] = Float(clamp((c &+ 516 &* d) >> 8))
    }

    @inline(__always)
    static func clamp(_ value: Int32) -> Int32 { min(max(value, 0), 255) }

    /// Each lane clamped to 0...255, as a float (`pointwiseMin`/`Max` become `vpminsd`/`vpmaxsd`;
    /// `clamped` and `replacing(with:where:)` with a scalar are not specialised: a call and a
    /// lane loop per vector).
    @inline(__always)
    static func clampLanes(_ v: SIMD8<Int32>) -> SIMD8<Float> {
        SIMD8<Float>(pointwiseMin(pointwiseMax(v, SIMD8(repeating: 0)), SIMD8(repeating: 255)))
    }

    /// One block: 16 pixels from the luma of the even (`y0`) and odd (`y1`) pixels and the
    /// chroma each pair shares, as 48 floats at `out` (block layout).
    @inline(__always)
    static func storeBlock(y0: SIMD8<Int32>, y1: SIMD8<Int32>, u: SIMD8<Int32>, v: SIMD8<Int32>, into out: UnsafeMutablePointer<Float>) {
        let d = u &- 128, e = v &- 128
        let red = e &* 409, green = 0 &- d &* 100 &- e &* 208, blue = d &* 516
        let c0 = y0 &* 298 &- 4640, c1 = y1 &* 298 &- 4640  // 298·(Y−16) + 128
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: clampLanes((c0 &+ red) &>> 8), as: SIMD8<Float>.self)
        raw.storeBytes(of: clampLanes((c0 &+ green) &>> 8), toByteOffset: 32, as: SIMD8<Float>.self)
        raw.storeBytes(of: clampLanes((c0 &+ blue) &>> 8), toByteOffset: 64, as: SIMD8<Float>.self)
        raw.storeBytes(of: clampLanes((c1 &+ red) &>> 8), toByteOffset: 96, as: SIMD8<Float>.self)
        raw.storeBytes(of: clampLanes((c1 &+ green) &>> 8), toByteOffset: 128, as: SIMD8<Float>.self)
        raw.storeBytes(of: clampLanes((c1 &+ blue) &>> 8), toByteOffset: 160, as: SIMD8<Float>.self)
    }

    /// `width` pixels of a YUYV row starting at pixel `left`; block layout when `left` is even.
    static func yuyvRow(_ row: UnsafePointer<UInt8>, left: Int, width: Int, into rgb: UnsafeMutablePointer<Float>) {
        var x = 0
        if left & 1 == 0 {
            while x + 16 <= width {
                let groups = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(row + (left + x) * 2).loadUnaligned(as: SIMD8<UInt32>.self))
                storeBlock(y0: groups & 255, y1: (groups &>> 16) & 255, u: (groups &>> 8) & 255, v: (groups &>> 24) & 255,
                           into: rgb + x * 3)
                x += 16
            }
        }
        while x < width {
            let pixel = left + x
            let group = row + (pixel & ~1) * 2
            store(y: row[pixel * 2], u: group[1], v: group[3], into: rgb + x * 3)
            x += 1
        }
    }

    /// `width` pixels from an NV12 luma row and its chroma row (interleaved U V); block layout
    /// when `left` is even.
    static func nv12Row(
        luma: UnsafePointer<UInt8>, chroma: UnsafePointer<UInt8>, left: Int, width: Int,
        into rgb: UnsafeMutablePointer<Float>
    ) {
        var x = 0
        if left & 1 == 0 {
            while x + 16 <= width {
                let l = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(luma + left + x).loadUnaligned(as: SIMD8<UInt16>.self))
                let c = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(chroma + left + x).loadUnaligned(as: SIMD8<UInt16>.self))
                storeBlock(y0: l & 255, y1: l &>> 8, u: c & 255, v: c &>> 8, into: rgb + x * 3)
                x += 16
            }
        }
        while x < width {
            let pixel = left + x
            let uv = chroma + (pixel & ~1)
            store(y: luma[pixel], u: uv[0], v: uv[1], into: rgb + x * 3)
            x += 1
        }
    }

    /// `width` grey pixels (each value in the three channels), block layout.
    static func greyRow(_ row: UnsafePointer<UInt8>, left: Int, width: Int, into rgb: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + 16 <= width {
            let pairs = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(row + left + x).loadUnaligned(as: SIMD8<UInt16>.self))
            let even = SIMD8<Float>(pairs & 255), odd = SIMD8<Float>(pairs &>> 8)
            let raw = UnsafeMutableRawPointer(rgb + x * 3)
            for plane in 0..<3 {
                raw.storeBytes(of: even, toByteOffset: plane * 32, as: SIMD8<Float>.self)
                raw.storeBytes(of: odd, toByteOffset: 96 + plane * 32, as: SIMD8<Float>.self)
            }
            x += 16
        }
        while x < width {
            let value = Float(row[left + x])
            rgb[x * 3] = value
            rgb[x * 3 + 1] = value
            rgb[x * 3 + 2] = value
            x += 1
        }
    }

    /// `count` bytes (8-bit RGB) as floats, interleaved as they are.
    static func bytesRow(_ bytes: UnsafePointer<UInt8>, count: Int, into values: UnsafeMutablePointer<Float>) {
        for i in 0..<count { values[i] = Float(bytes[i]) }
    }
}
