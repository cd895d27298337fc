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

    /// `width` pixels of a YUYV row starting at pixel `left` into RGB: 8 pixels at a time in
    /// vector lanes, then a Y U Y V group (two pixels sharing their chroma terms) at a time
    /// with the terms and the clamp from tables; the same arithmetic as `store`.
    static func yuyvRow(_ row: UnsafePointer<UInt8>, left: Int, width: Int, into rgb: UnsafeMutablePointer<UInt8>) {
        var x = 0
        if left & 1 != 0 && width > 0 {  // an odd first pixel: the second of its group
            store(y: row[left * 2], u: row[left * 2 - 1], v: row[left * 2 + 1], into: rgb)
            x = 1
        }
        let tables = YUVTables.shared
        let luma = tables.luma, red = tables.red, blue = tables.blue, greenU = tables.greenU, greenV = tables.greenV
        let clamp = tables.clamp
        var group = row + (left + x) * 2
        var out = rgb + x * 3
        while x + 8 <= width {  // 8 pixels in 32-bit lanes
            let bytes = UnsafeRawPointer(group).loadUnaligned(as: SIMD16<UInt8>.self)
            let y = SIMD8<Int32>(Int32(bytes[0]), Int32(bytes[2]), Int32(bytes[4]), Int32(bytes[6]),
                                 Int32(bytes[8]), Int32(bytes[10]), Int32(bytes[12]), Int32(bytes[14]))
            let d = SIMD8<Int32>(Int32(bytes[1]), Int32(bytes[1]), Int32(bytes[5]), Int32(bytes[5]),
                                 Int32(bytes[9]), Int32(bytes[9]), Int32(bytes[13]), Int32(bytes[13])) &- 128
            let e = SIMD8<Int32>(Int32(bytes[3]), Int32(bytes[3]), Int32(bytes[7]), Int32(bytes[7]),
                                 Int32(bytes[11]), Int32(bytes[11]), Int32(bytes[15]), Int32(bytes[15])) &- 128
            let c = (y &- 16) &* 298 &+ 128
            let r = clampLanes((c &+ e &* 409) &>> 8)
            let g = clampLanes((c &- d &* 100 &- e &* 208) &>> 8)
            let b = clampLanes((c &+ d &* 516) &>> 8)
            for i in 0..<8 {
                out[i * 3] = UInt8(truncatingIfNeeded: r[i])
                out[i * 3 + 1] = UInt8(truncatingIfNeeded: g[i])
                out[i * 3 + 2] = UInt8(truncatingIfNeeded: b[i])
            }
            group += 16
            out += 24
            x += 8
        }
        while x + 2 <= width {
            let u = Int(group[1]), v = Int(group[3])
            let r = red[v], g = greenU[u] &+ greenV[v], b = blue[u]
            let c0 = luma[Int(group[0])], c1 = luma[Int(group[2])]
            out[0] = clamp[Int((c0 &+ r) >> 8) & 2047]
            out[1] = clamp[Int((c0 &+ g) >> 8) & 2047]
            out[2] = clamp[Int((c0 &+ b) >> 8) & 2047]
            out[3] = clamp[Int((c1 &+ r) >> 8) & 2047]
            out[4] = clamp[Int((c1 &+ g) >> 8) & 2047]
            out[5] = clamp[Int((c1 &+ b) >> 8) & 2047]
            group += 4
            out += 6
            x += 2
        }
        if x < width { store(y: group[0], u: group[1], v: group[3], into: out) }
    }

    /// Each lane clamped to 0...255 with bit operations only (the generic `clamped` is not
    /// always inlined): negative lanes are masked to 0, lanes above 255 saturated to all ones.
    @inline(__always)
    static func clampLanes(_ v: SIMD8<Int32>) -> SIMD8<Int32> {
        ((v & ~(v &>> 31)) | ((255 &- v) &>> 31)) & 255
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

/// The terms of `YUVConversion`'s formula for every 8-bit value, and the clamp to 0...255 of
/// every shifted sum (indexed modulo 2048, so negative sums land in the upper half), made once.
final class YUVTables: @unchecked Sendable {  // immutable after init
    static let shared = YUVTables()
    /// `298·(Y−16) + 128`; the rounding constant rides with luma.
    let luma: UnsafeMutablePointer<Int32>
    let red: UnsafeMutablePointer<Int32>, blue: UnsafeMutablePointer<Int32>
    let greenU: UnsafeMutablePointer<Int32>, greenV: UnsafeMutablePointer<Int32>
    let clamp: UnsafeMutablePointer<UInt8>

    private init() {
        func table(_ term: (Int32) -> Int32) -> UnsafeMutablePointer<Int32> {
            let values = UnsafeMutablePointer<Int32>.allocate(capacity: 256)
            for i in 0..<256 { values[i] = term(Int32(i)) }
            return values
        }
        luma = table { 298 * ($0 - 16) + 128 }
        red = table { 409 * ($0 - 128) }
        blue = table { 516 * ($0 - 128) }
        greenU = table { -100 * ($0 - 128) }
        greenV = table { -208 * ($0 - 128) }
        clamp = .allocate(capacity: 2048)
        for i in 0..<2048 { clamp[i] = i < 1024 ? UInt8(min(i, 255)) : 0 }  // 1024... are negative
    }
}
