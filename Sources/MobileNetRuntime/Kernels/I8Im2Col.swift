/// The rows a full int8 convolution multiplies: per output pixel its window, int16 and minus the
/// input zero point, in the weights' `(ky, kx, ci)` order; taps outside the input are zero (what
/// TFLite's reference kernel skips).
enum I8Im2Col {
    /// Fills `pixels.count` rows of `a` (row stride `rowStride` ≥ kh·kw·cin, the rest zero) with
    /// the windows of output pixels `pixels` (image-major). A window inside the input copies each
    /// of its rows (kw·cin contiguous bytes) 16 values at a time; the stores run up to 15 values
    /// past the row's end, which the next store or row overwrites (`a` needs 16 values of slack),
    /// and the loads up to 15 bytes past the window (the activation buffers carry that slack).
    @inline(never)  // a function of its own: the asm check reads its loops
    static func fill(input: UnsafePointer<Int8>, geometry g: ConvGeometry, zeroPoint: Int32,
                     pixels: Range<Int>, rowStride: Int, into a: UnsafeMutablePointer<Int16>) {
        let cin = g.inputChannels, zero = Int16(zeroPoint), zeros = SIMD16<Int16>(repeating: zero)
        let span = g.kernelWidth &* cin, inputRowBytes = g.inputWidth &* cin
        let interior = g.interiorColumns
        var pixel = pixels.lowerBound
        while pixel < pixels.upperBound {
            // One output row (of one image) at a time.
            let row = pixel / g.outputWidth, rowStart = row &* g.outputWidth
            let (image, iy0, kys) = g.rowWindow(row)
            let rowEnd = min(pixels.upperBound, rowStart &+ g.outputWidth)
            let inputRow = input + (image &* g.inputHeight &+ iy0) &* inputRowBytes
            // The run of windows inside the input (empty when the window rows are clipped).
            let runStart = kys.count == g.kernelHeight ? max(pixel, rowStart &+ interior.lowerBound) : rowEnd
            let runEnd = kys.count == g.kernelHeight ? min(rowEnd, rowStart &+ interior.upperBound) : rowEnd
            var p = pixel
            while p < rowEnd {
                var target = a + (p &- pixels.lowerBound) &* rowStride
                if p == runStart && runStart < runEnd {
                    // Source and target pointers step along the run; the row's padding past k
                    // stays as the last store left it (its weights are zero).
                    let sourceStep = g.strideWidth &* cin
                    var source = inputRow + ((p &- rowStart) &* g.strideWidth &- g.padLeft) &* cin
                    if span <= 16 && g.kernelHeight == 3 {
                        // 3 rows of at most 16 values (the stems: 3x3 windows of 3 channels),
                        // without the loops over rows and values.
                        let row1 = inputRowBytes, row2 = 2 &* inputRowBytes
                        @inline(__always) func widenedRow(_ from: UnsafePointer<Int8>) -> SIMD16<Int16> {
                            widen(load(SIMD16<Int8>.self, from)) &- zeros
                        }
                        for _ in runStart..<runEnd {
                            let to = UnsafeMutableRawPointer(target)
                            to.storeBytes(of: widenedRow(source), as: SIMD16<Int16>.self)
                            to.storeBytes(of: widenedRow(source + row1), toByteOffset: span &* 2, as: SIMD16<Int16>.self)
                            to.storeBytes(of: widenedRow(source + row2), toByteOffset: span &* 4, as: SIMD16<Int16>.self)
                            source += sourceStep
                            target += rowStride
                        }
                        p = runEnd
                        continue
                    }
                    for _ in runStart..<runEnd {
                        var from = source, to = UnsafeMutableRawPointer(target), ky = 0
                        while ky < g.kernelHeight {
                            var i = 0
                            while i < span {
                                let v = widen(load(SIMD16<Int8>.self, from + i)) &- zeros
                                (to + i &* 2).storeBytes(of: v, as: SIMD16<Int16>.self)
                                i &+= 16
                            }
                            from += inputRowBytes
                            to += span &* 2
                            ky &+= 1
                        }
                        source += sourceStep
                        target += rowStride
                    }
                    p = runEnd
                    continue
                }
                // A window reaching outside the input: zeros, then the taps inside.
                let (ix0, kxs) = g.columnWindow(p &- rowStart)
                target.update(repeating: 0, count: rowStride)
                for ky in kys {
                    let source = inputRow + (ky &* g.inputWidth &+ ix0) &* cin
                    let tapRow = target + ky &* span
                    for i in kxs.lowerBound &* cin..<kxs.upperBound &* cin {
                        tapRow[i] = Int16(source[i]) &- zero
                    }
                }
                p &+= 1
            }
            pixel = rowEnd
        }
    }
}
