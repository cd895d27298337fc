/// An antialiased bilinear resize (Pillow's `BILINEAR`, see `ResamplingWeights`) from 8-bit
/// RGB rows to float RGB values on the 0...255 scale, planned once for one input and output
/// size: the weights of both axes and the scratch rows are made at `init`, so `resize`
/// allocates nothing. `RGBImage.resized` makes one per call; a camera keeps one per
/// (frame window, model input) and reuses it for every frame, with identical results.
///
/// Columns first: the vertical pass is vectorized along whole rows, and when shrinking it
/// leaves the scalar horizontal pass only `outputHeight` rows to filter. Input rows are
/// converted to float once, into a ring of `taps` rows (the rows an output row needs are
/// consecutive and at most `taps`).
package final class AntialiasedResizer {
    package let inputWidth: Int, inputHeight: Int
    package let outputWidth: Int, outputHeight: Int
    private let vertical: ResamplingWeights
    private let horizontal: ResamplingWeights
    /// `vertical.taps` converted input rows (empty when the height is unchanged).
    private let ring: UnsafeMutableBufferPointer<Float>
    /// The vertical pass's output, `outputHeight` rows of `inputWidth` pixels (empty when the
    /// width is unchanged: the vertical pass then writes the output directly).
    private let columns: UnsafeMutableBufferPointer<Float>
    /// The ring rows of the taps of the output row being computed.
    private let rowPointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>

    /// Throws `.invalidArgument` for a size below 1.
    package init(inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int) throws {
        guard inputWidth > 0, inputHeight > 0, outputWidth > 0, outputHeight > 0 else {
            throw MobileNetError.invalidArgument(
                "cannot resize a \(inputWidth)x\(inputHeight) image to \(outputWidth)x\(outputHeight)")
        }
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        vertical = ResamplingWeights(inputSize: inputHeight, outputSize: outputHeight)
        horizontal = ResamplingWeights(inputSize: inputWidth, outputSize: outputWidth)
        let rowLength = inputWidth * 3
        ring = .allocate(capacity: outputHeight == inputHeight ? 0 : vertical.taps * rowLength)
        columns = .allocate(capacity: outputWidth == inputWidth ? 0 : outputHeight * rowLength)
        rowPointers = .allocate(capacity: vertical.taps)
    }

    deinit {
        ring.deallocate()
        columns.deallocate()
        rowPointers.deallocate()
    }

    /// Values per output, `outputHeight × outputWidth × 3`.
    package var outputCount: Int { outputHeight * outputWidth * 3 }

    /// Resizes the `inputWidth × inputHeight` pixels whose top-left pixel is at `source`, rows
    /// `rowStride` bytes apart (so a window of a larger image needs no copy), into `output`
    /// (`outputCount` floats, interleaved RGB, row-major).
    package func resize(_ source: UnsafePointer<UInt8>, rowStride: Int, into output: UnsafeMutablePointer<Float>) {
        if outputWidth == inputWidth {
            verticalPass(source, rowStride: rowStride, into: output)
        } else {
            verticalPass(source, rowStride: rowStride, into: columns.baseAddress!)
            horizontalPass(columns.baseAddress!, into: output)
        }
    }

    /// Resamples the columns to `outputHeight` rows of `inputWidth` pixels.
    private func verticalPass(_ source: UnsafePointer<UInt8>, rowStride: Int, into output: UnsafeMutablePointer<Float>) {
        let rowLength = inputWidth * 3
        /// Input row `row` as floats into `destination`.
        func convert(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
            let bytes = source + row * rowStride
            for i in 0..<rowLength { destination[i] = Float(bytes[i]) }
        }
        if outputHeight == inputHeight {
            for y in 0..<outputHeight { convert(y, into: output + y * rowLength) }
            return
        }
        let ring = ring.baseAddress!, ringRows = vertical.taps
        let rows = rowPointers
        vertical.weights.withUnsafeBufferPointer { weights in
            var converted = 0  // input rows below this are in the ring
            for y in 0..<outputHeight {
                let first = vertical.first[y], taps = vertical.count[y]
                while converted < first + taps {
                    convert(converted, into: ring + (converted % ringRows) * rowLength)
                    converted += 1
                }
                for k in 0..<taps { rows[k] = ring + ((first + k) % ringRows) * rowLength }
                columnSums(rows, weights.baseAddress! + y * ringRows, taps, rowLength: rowLength,
                           into: output + y * rowLength)
            }
        }
    }

    /// Resamples each of the `outputHeight` rows at `input` to `outputWidth` pixels.
    private func horizontalPass(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        horizontal.weights.withUnsafeBufferPointer { weights in
            for y in 0..<outputHeight {
                let row = input + y * inputWidth * 3
                for x in 0..<outputWidth {
                    let tap = weights.baseAddress! + x * horizontal.taps
                    var source = row + horizontal.first[x] * 3
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for k in 0..<horizontal.count[x] {
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
}
