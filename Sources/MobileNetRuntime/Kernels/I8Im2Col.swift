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
        let span = g.kernelWidth &* cin, k = g.kernelHeight &* span
        var pixel = pixels.lowerBound
        while pixel < pixels.upperBound {
            // One output row (of one image) at a time.
            let row = pixel / g.outputWidth
            let (image, iy0, kys) = g.rowWindow(row)
            let rowEnd = min(pixels.upperBound, (row + 1) &* g.outputWidth)
            let inputRow = input + (image &* g.inputHeight &+ iy0) &* g.inputWidth &* cin
            for p in pixel..<rowEnd {
                let ox = p &- row &* g.outputWidth
                let (ix0, kxs) = g.columnWindow(ox)
                let target = a + (p &- pixels.lowerBound) &* rowStride
                if kys.count == g.kernelHeight && kxs.count == g.kernelWidth {
                    for ky in 0..<g.kernelHeight {
                        let source = inputRow + (ky &* g.inputWidth &+ ix0) &* cin
                        var i = 0
                        while i < span {
                            let v = widen(load(SIMD16<Int8>.self, source + i)) &- zeros
                            UnsafeMutableRawPointer(target + (ky &* span &+ i)).storeBytes(of: v, as: SIMD16<Int16>.self)
                            i &+= 16
                        }
                    }
                    for i in k..<rowStride { target[i] = 0 }
                    continue
                }
                target.update(repeating: 0, count: rowStride)
                for ky in kys {
                    let source = inputRow + (ky * g.inputWidth + ix0) * cin
                    let tapRow = target + ky * span
                    for i in kxs.lowerBound * cin..<kxs.upperBound * cin {
                        tapRow[i] = Int16(source[i]) &- zero
                    }
                }
            }
            pixel = rowEnd
        }
    }
}
