extension RGBImage {
    /// The image resized to `width`×`height` with an antialiased bilinear (triangle) filter,
    /// as float RGB values on the 0...255 scale, shape `[height, width, 3]`.
    ///
    /// Matches Pillow's `Image.resize((width, height), Image.BILINEAR)` up to rounding: Pillow
    /// rounds to 8 bits after each of its two passes and uses 22-bit fixed-point weights, this
    /// resampler keeps floats throughout, so the results differ by less than one level
    /// (measured against Pillow in the tests). Throws `.invalidArgument` for a size below 1.
    public func resized(width outputWidth: Int, height outputHeight: Int) throws -> Tensor<Float> {
        try resized(PixelWindow(left: 0, top: 0, width: width, height: height), width: outputWidth, height: outputHeight)
    }

    /// `window` of the image resized as if it had been cropped out first.
    func resized(_ window: PixelWindow, width outputWidth: Int, height outputHeight: Int) throws -> Tensor<Float> {
        guard outputWidth > 0, outputHeight > 0 else {
            throw MobileNetError.invalidArgument(
                "cannot resize a \(window.width)x\(window.height) image to \(outputWidth)x\(outputHeight)")
        }
        // Columns first: the vertical pass is vectorized along whole rows, and when shrinking
        // it leaves the scalar horizontal pass only `outputHeight` rows to filter.
        let columns = verticalPass(window, outputHeight: outputHeight)
        let scalars = outputWidth == window.width
            ? columns
            : Self.horizontalPass(columns, rows: outputHeight, inputWidth: window.width, outputWidth: outputWidth)
        return try Tensor(shape: [outputHeight, outputWidth, 3], scalars: scalars)
    }

    /// Resamples the window's columns to `outputHeight` rows: each output row is a weighted
    /// sum of whole input rows, 16 values at a time. Input rows are converted to float once,
    /// into a ring of `taps` rows (the rows an output needs are consecutive and at most `taps`).
    private func verticalPass(_ window: PixelWindow, outputHeight: Int) -> [Float] {
        let rowLength = window.width * 3
        let identity = outputHeight == window.height
        let filter = ResamplingWeights(inputSize: window.height, outputSize: outputHeight)
        let vectorEnd = rowLength - rowLength % 16
        var ring = [Float](repeating: 0, count: identity ? 0 : filter.taps * rowLength)
        return [Float](unsafeUninitializedCapacity: outputHeight * rowLength) { output, initialized in
            pixels.withUnsafeBufferPointer { pixels in
                /// Window row `row` as floats into `destination`.
                func convert(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
                    let source = pixels.baseAddress! + ((window.top + row) * width + window.left) * 3
                    for i in 0..<rowLength { destination[i] = Float(source[i]) }
                }
                if identity {
                    for y in 0..<outputHeight { convert(y, into: output.baseAddress! + y * rowLength) }
                    return
                }
                ring.withUnsafeMutableBufferPointer { ring in
                    filter.weights.withUnsafeBufferPointer { weights in
                        var converted = 0  // window rows below this are in the ring
                        for y in 0..<outputHeight {
                            let first = filter.first[y], taps = filter.count[y]
                            while converted < first + taps {
                                convert(converted, into: ring.baseAddress! + (converted % filter.taps) * rowLength)
                                converted += 1
                            }
                            let tap = weights.baseAddress! + y * filter.taps
                            let out = output.baseAddress! + y * rowLength
                            func row(_ k: Int) -> UnsafeMutablePointer<Float> {
                                ring.baseAddress! + ((first + k) % filter.taps) * rowLength
                            }
                            var i = 0
                            while i < vectorEnd {
                                var sum = SIMD16<Float>()
                                for k in 0..<taps { sum = multiplyAdd(sum, SIMD16(repeating: tap[k]), load16(row(k) + i)) }
                                store16(sum, out + i)
                                i += 16
                            }
                            while i < rowLength {
                                var sum: Float = 0
                                for k in 0..<taps { sum += tap[k] * row(k)[i] }
                                out[i] = sum
                                i += 1
                            }
                        }
                    }
                }
            }
            initialized = outputHeight * rowLength
        }
    }

    /// Resamples every row of `rows` (interleaved RGB floats) to `outputWidth` pixels.
    private static func horizontalPass(_ rows: [Float], rows height: Int, inputWidth: Int, outputWidth: Int) -> [Float] {
        let filter = ResamplingWeights(inputSize: inputWidth, outputSize: outputWidth)
        return [Float](unsafeUninitializedCapacity: height * outputWidth * 3) { output, initialized in
            rows.withUnsafeBufferPointer { input in
                filter.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<height {
                        let row = input.baseAddress! + y * inputWidth * 3
                        for x in 0..<outputWidth {
                            let tap = weights.baseAddress! + x * filter.taps
                            var source = row + filter.first[x] * 3
                            var r: Float = 0, g: Float = 0, b: Float = 0
                            for k in 0..<filter.count[x] {
                                r += tap[k] * source[0]
                                g += tap[k] * source[1]
                                b += tap[k] * source[2]
                                source += 3
                            }
                            let o = (y * outputWidth + x) * 3
                            output[o] = r
                            output[o + 1] = g
                            output[o + 2] = b
                        }
                    }
                }
            }
            initialized = height * outputWidth * 3
        }
    }
}
