/// One output row of a resize's vertical pass, from the `taps` rows `rows[0..<taps]` of
/// `rowLength` floats: `Σ_k tap[k] · row_k[i]`, fused multiply-adds (`multiplyAdd`) in `k` order
/// for the lanes below the largest multiple of 16, plain multiply and add for the rest. Four
/// vectors at a time (four independent chains), which changes no lane's arithmetic.
/// `AntialiasedResizer` and the camera's `WindowResizer` both use it, so they agree bit for bit.
@inlinable @inline(__always)
package func columnSums(_ rows: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, _ tap: UnsafePointer<Float>,
                        _ taps: Int, rowLength: Int, into out: UnsafeMutablePointer<Float>) {
    let vectorEnd = rowLength - rowLength % 16
    var i = 0
    while i + 64 <= vectorEnd {
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        for k in 0..<taps {
            let w = SIMD16<Float>(repeating: tap[k]), p = rows[k] + i
            s0 = multiplyAdd(s0, w, load16(p))
            s1 = multiplyAdd(s1, w, load16(p + 16))
            s2 = multiplyAdd(s2, w, load16(p + 32))
            s3 = multiplyAdd(s3, w, load16(p + 48))
        }
        store16(s0, out + i)
        store16(s1, out + i + 16)
        store16(s2, out + i + 32)
        store16(s3, out + i + 48)
        i += 64
    }
    while i < vectorEnd {
        var sum = SIMD16<Float>()
        for k in 0..<taps { sum = multiplyAdd(sum, SIMD16(repeating: tap[k]), load16(rows[k] + i)) }
        store16(sum, out + i)
        i += 16
    }
    while i < rowLength {
        var sum: Float = 0
        for k in 0..<taps { sum += tap[k] * rows[k][i] }
        out[i] = sum
        i += 1
    }
}
