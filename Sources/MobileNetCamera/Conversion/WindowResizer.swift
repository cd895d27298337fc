import MobileNet

/// The camera's antialiased resize: `AntialiasedResizer`'s arithmetic (the same weights, the
/// same operations in the same order, so the same floats bit for bit), arranged for a frame
/// window. Input rows come from a closure that writes one row of the window as floats (a YUV
/// row is converted straight to floats, with no 8-bit RGB copy of the window), and each output
/// row is finished while its column sums are still in cache:
/// - vertical pass: 64 lanes at a time (eight independent FMA chains, not two), fused as
///   `AntialiasedResizer` fuses them, its scalar tail unfused as there;
/// - horizontal pass: one pixel's R, G, B in the lanes of a `SIMD4` (the fourth lane is the
///   next pixel's red, computed and dropped), unfused multiply then add as the scalar loop.
///
/// Rows are interleaved RGB, or in block layout: each whole 16 pixels (from the row's start)
/// as six planes of 8 floats — R, G, B of the block's even pixels, then of its odd ones — and
/// the pixels after the last whole block interleaved. The vertical pass does not care (it is
/// the same per value, and a block never reaches the unfused tail: the tail starts at a
/// multiple of 16 values at or after the last block's end); its row is put back in interleaved
/// order before the horizontal pass: once per output row (96) instead of per window row (420).
/// Everything is allocated at `init`; `resize` allocates nothing.
final class WindowResizer {
    let inputWidth: Int, inputHeight: Int
    let outputWidth: Int, outputHeight: Int
    private let verticalTaps: Int, horizontalTaps: Int
    private let verticalFirst: UnsafeMutablePointer<Int>, verticalCount: UnsafeMutablePointer<Int>
    private let verticalWeights: UnsafeMutablePointer<Float>
    private let horizontalFirst: UnsafeMutablePointer<Int>, horizontalCount: UnsafeMutablePointer<Int>
    private let horizontalWeights: UnsafeMutablePointer<Float>
    /// `verticalTaps` converted input rows.
    private let ring: UnsafeMutablePointer<Float>
    /// One row of column sums, plus zeros for the padded taps and the `SIMD4` load of the last
    /// pixel.
    private let columns: UnsafeMutablePointer<Float>
    /// `columns` in interleaved order, for rows in block layout (same size).
    private let interleaved: UnsafeMutablePointer<Float>
    /// The ring rows of the taps of the output row being computed.
    private let rowPointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>

    /// Throws `.invalidConfiguration` for a size below 1.
    init(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) throws(CaptureError) {
        guard inputWidth > 0, inputHeight > 0, outputWidth > 0, outputHeight > 0 else {
            throw .invalidConfiguration("cannot resize a \(inputWidth)x\(inputHeight) window to \(outputWidth)x\(outputHeight)")
        }
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        let vertical = ResamplingWeights(inputSize: inputHeight, outputSize: outputHeight)
        let horizontal = ResamplingWeights(inputSize: inputWidth, outputSize: outputWidth)
        verticalTaps = vertical.taps
        horizontalTaps = horizontal.taps
        verticalFirst = copy(vertical.first)
        verticalCount = copy(vertical.count)
        verticalWeights = copy(vertical.weights)
        horizontalFirst = copy(horizontal.first)
        horizontalCount = copy(horizontal.count)
        horizontalWeights = copy(horizontal.weights)
        let rowLength = inputWidth * 3
        ring = .allocate(capacity: vertical.taps * rowLength)
        let slack = horizontal.taps * 3 + 1  // zeros read by the last pixel's padded taps
        columns = .allocate(capacity: rowLength + slack)
        columns.initialize(repeating: 0, count: rowLength + slack)
        interleaved = .allocate(capacity: rowLength + slack)
        interleaved.initialize(repeating: 0, count: rowLength + slack)
        rowPointers = .allocate(capacity: vertical.taps)
    }

    deinit {
        for pointer in [verticalFirst, verticalCount, horizontalFirst, horizontalCount] { pointer.deallocate() }
        verticalWeights.deallocate()
        horizontalWeights.deallocate()
        ring.deallocate()
        columns.deallocate()
        interleaved.deallocate()
        rowPointers.deallocate()
    }

    /// Values per output, `outputHeight × outputWidth × 3`.
    var outputCount: Int { outputHeight * outputWidth * 3 }

    /// Resizes the window into `output` (`outputCount` floats, interleaved RGB, row-major).
    /// `row(y, destination)` writes window row `y` (`0..<inputHeight`, each once, in order) as
    /// `inputWidth × 3` floats on the 0...255 scale, in block layout when `blocked`, else
    /// interleaved.
    func resize(into output: UnsafeMutablePointer<Float>, blocked: Bool, row: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let rowLength = inputWidth * 3, outputRowLength = outputWidth * 3
        /// The row of column sums `sums` (in the rows' layout) as output row `y`.
        func finishRow(_ sums: UnsafeMutablePointer<Float>, _ y: Int) {
            if outputWidth == inputWidth {
                if blocked { unblock(sums, into: output + y * rowLength) }
                else { (output + y * rowLength).update(from: sums, count: rowLength) }
                return
            }
            if blocked { unblock(sums, into: interleaved) }
            horizontalPass(blocked ? interleaved : sums, into: output + y * outputRowLength, last: y == outputHeight - 1)
        }
        if outputHeight == inputHeight {  // no vertical pass: the rows as they are
            for y in 0..<outputHeight {
                if outputWidth == inputWidth && !blocked {
                    row(y, output + y * rowLength)
                } else {
                    row(y, columns)
                    finishRow(columns, y)
                }
            }
            return
        }
        var converted = 0  // input rows below this are in the ring
        for y in 0..<outputHeight {
            let first = verticalFirst[y], taps = verticalCount[y]
            while converted < first + taps {
                row(converted, ring + (converted % verticalTaps) * rowLength)
                converted += 1
            }
            for k in 0..<taps { rowPointers[k] = ring + ((first + k) % verticalTaps) * rowLength }
            let weights = verticalWeights + y * verticalTaps
            if outputWidth == inputWidth && !blocked {
                columnSums(rowPointers, weights, taps, rowLength: inputWidth * 3, into: output + y * rowLength)
            } else {
                columnSums(rowPointers, weights, taps, rowLength: inputWidth * 3, into: columns)
                finishRow(columns, y)
            }
        }
    }

    /// A row in block layout put in interleaved order: per half block (4 pixel pairs) a 4×4
    /// transpose of the first four planes (R, G, B, R′ of each pair) and the pairs of the last
    /// two (G′, B′), in 128-bit vectors (LLVM lowers these two-source shuffles to one
    /// instruction each; the 256-bit version became a tangle of cross-lane moves).
    @inline(__always)
    private func unblock(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        @inline(__always) func low(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { SIMD4(a[0], b[0], a[1], b[1]) }
        @inline(__always) func high(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { SIMD4(a[2], b[2], a[3], b[3]) }
        @inline(__always) func lowPairs(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { SIMD4(a[0], a[1], b[0], b[1]) }
        @inline(__always) func highPairs(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> { SIMD4(a[2], a[3], b[2], b[3]) }
        let blocks = inputWidth / 16
        for block in 0..<blocks {
            let start: Int = block &* 48
            let planes = UnsafeRawPointer(source + start)
            for half in 0..<2 {  // pairs 0...3, then 4...7
                @inline(__always) func plane(_ c: Int) -> SIMD4<Float> {
                    planes.loadUnaligned(fromByteOffset: c &* 32 &+ half &* 16, as: SIMD4<Float>.self)
                }
                let r = plane(0), g = plane(1), b = plane(2), r2 = plane(3), g2 = plane(4), b2 = plane(5)
                let rg01 = low(r, g), rg23 = high(r, g), br01 = low(b, r2), br23 = high(b, r2)
                let gb01 = low(g2, b2), gb23 = high(g2, b2)
                let offset: Int = block &* 48 &+ half &* 24
                let out = UnsafeMutableRawPointer(destination + offset)
                out.storeBytes(of: lowPairs(rg01, br01), toByteOffset: 0, as: SIMD4<Float>.self)
                out.storeBytes(of: SIMD2(gb01[0], gb01[1]), toByteOffset: 16, as: SIMD2<Float>.self)
                out.storeBytes(of: highPairs(rg01, br01), toByteOffset: 24, as: SIMD4<Float>.self)
                out.storeBytes(of: SIMD2(gb01[2], gb01[3]), toByteOffset: 40, as: SIMD2<Float>.self)
                out.storeBytes(of: lowPairs(rg23, br23), toByteOffset: 48, as: SIMD4<Float>.self)
                out.storeBytes(of: SIMD2(gb23[0], gb23[1]), toByteOffset: 64, as: SIMD2<Float>.self)
                out.storeBytes(of: highPairs(rg23, br23), toByteOffset: 72, as: SIMD4<Float>.self)
                out.storeBytes(of: SIMD2(gb23[2], gb23[3]), toByteOffset: 88, as: SIMD2<Float>.self)
            }
        }
        let done = blocks * 48
        (destination + done).update(from: source + done, count: inputWidth * 3 - done)
    }


    /// One row of column sums resampled to `outputWidth` pixels: per pixel and channel
    /// `Σ_k tap[k] · value`, multiply then add in `k` order (as `AntialiasedResizer`), the three
    /// channels in one `SIMD4`, four pixels at a time (independent sums in flight: one sum's
    /// additions wait for each other). Every pixel runs all `horizontalTaps` taps, the ones past
    /// its count with weight 0: `0 · v` is +0 for these finite non-negative sums, and adding +0
    /// changes nothing, so the sums are exactly the unpadded ones, without a branch per pixel
    /// on a count that varies (with few taps, as for MJPEG's small windows, the mispredicted
    /// tails cost more than the arithmetic). The last pixel of the last row is stored lane by
    /// lane: the output may end there.
    @inline(__always)
    private func horizontalPass(_ input: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, last: Bool) {
        let raw = UnsafeRawPointer(input)
        let weights = horizontalWeights, first = horizontalFirst, taps = horizontalTaps
        /// Tap `k` of pixel `x` (wrapping arithmetic: the indices are planned in range, and
        /// overflow checks here cost more than the arithmetic).
        @inline(__always) func tap(_ x: Int, _ k: Int) -> SIMD4<Float> {
            SIMD4(repeating: weights[x &* taps &+ k])
                * (raw + (first[x] &+ k) &* 12).loadUnaligned(as: SIMD4<Float>.self)
        }
        @inline(__always) func store(_ sum: SIMD4<Float>, _ x: Int) {
            UnsafeMutableRawPointer(out + x &* 3).storeBytes(of: sum, as: SIMD4<Float>.self)
        }
        let end = last ? outputWidth - 1 : outputWidth  // pixels stored as whole SIMD4s
        var x = 0
        while x + 4 <= end {
            var s0 = SIMD4<Float>(), s1 = SIMD4<Float>(), s2 = SIMD4<Float>(), s3 = SIMD4<Float>()
            for k in 0..<taps {
                s0 = s0 + tap(x, k)
                s1 = s1 + tap(x &+ 1, k)
                s2 = s2 + tap(x &+ 2, k)
                s3 = s3 + tap(x &+ 3, k)
            }
            store(s0, x)
            store(s1, x &+ 1)
            store(s2, x &+ 2)
            store(s3, x &+ 3)
            x += 4
        }
        while x < outputWidth {
            var sum = SIMD4<Float>()
            for k in 0..<taps { sum = sum + tap(x, k) }
            if x < end {
                store(sum, x)
            } else {
                out[x * 3] = sum[0]
                out[x * 3 + 1] = sum[1]
                out[x * 3 + 2] = sum[2]
            }
            x += 1
        }
    }
}
