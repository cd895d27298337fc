/// int8 kernels for layout and the head of the network, as TFLite's reference kernels compute
/// them: padding, average pooling, spatial mean, softmax, and the float conversions at the edges.
package enum I8Head {
    /// Pads each image's spatial dimensions with `value`.
    static func pad(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, images: Int,
                    height: Int, width: Int, channels: Int, padding p: Padding, value: Int8) {
        let outWidth = width + p.left + p.right, outHeight = height + p.top + p.bottom
        output.initialize(repeating: value, count: images * outHeight * outWidth * channels)
        let rowCount = width * channels
        for image in 0..<images {
            for y in 0..<height {
                let source = input + (image * height + y) * rowCount
                let target = output + ((image * outHeight + y + p.top) * outWidth + p.left) * channels
                target.update(from: source, count: rowCount)
            }
        }
    }

    /// `reference_integer_ops::AveragePool`: the in-bounds int8 values under each window summed,
    /// divided by their count rounding half away from zero, clamped. The sums run over 16
    /// channels at a time in int32 lanes (exact: a window of fewer than 2^24 pixels), the
    /// division per channel.
    static func averagePool(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>,
                            geometry g: ConvGeometry, lower: Int32, upper: Int32, rows: Range<Int>) {
        let c = g.inputChannels, inputRowStride = g.inputWidth &* c
        for row in rows {
            let (image, iy0, kys) = g.rowWindow(row)
            for ox in 0..<g.outputWidth {
                let (ix0, kxs) = g.columnWindow(ox)
                let count = Int32(kys.count &* kxs.count)
                let window = input + ((image &* g.inputHeight &+ iy0) &* g.inputWidth &+ ix0) &* c
                let out = output + (row &* g.outputWidth &+ ox) &* c
                @inline(__always) func store(_ sum: Int32, _ ch: Int) {
                    out[ch] = Int8(truncatingIfNeeded: min(max(roundedMean(sum, count), lower), upper))
                }
                var ch = 0
                while ch &+ 16 <= c {
                    var sum = SIMD16<Int32>()
                    for ky in kys {
                        for kx in kxs {
                            sum &+= widen(widen(load(SIMD16<Int8>.self, window + (ky &* inputRowStride &+ kx &* c &+ ch))))
                        }
                    }
                    for lane in 0..<16 { store(sum[lane], ch &+ lane) }
                    ch &+= 16
                }
                while ch < c {
                    var sum: Int32 = 0
                    for ky in kys {
                        for kx in kxs { sum &+= Int32(window[ky &* inputRowStride &+ kx &* c &+ ch]) }
                    }
                    store(sum, ch)
                    ch &+= 1
                }
            }
        }
    }

    /// `sum / count` rounded half away from zero (TFLite's average pool), 0 for an empty window.
    @inline(__always)
    private static func roundedMean(_ sum: Int32, _ count: Int32) -> Int32 {
        guard count > 0 else { return 0 }
        return (sum > 0 ? sum &+ count / 2 : sum &- count / 2) / count
    }

    /// `reference_ops::QuantizedMeanOrSum` (mean): per image and channel, the sum minus
    /// `count · inputZeroPoint`, times the multiplier divided by the count, plus the output zero
    /// point, saturated to int8.
    static func mean(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, images: Int,
                     pixels: Int, channels: Int, mean m: QuantizedMean) {
        // Fold 1/count into the multiplier as TFLite does: shift up by floor(log2(count)), divide.
        let count = Int64(pixels)
        var shift = 63 - UInt64(count).leadingZeroBitCount
        shift = min(shift, 32, 31 + m.scale.shift)
        let multiplier = FixedPointMultiplier(
            multiplier: Int32(truncatingIfNeeded: (Int64(m.scale.multiplier) << shift) / count),
            shift: m.scale.shift - shift)
        let offset = Int32(truncatingIfNeeded: Int64(m.inputZeroPoint) * count)
        for image in 0..<images {
            for ch in 0..<channels {
                var sum: Int32 = 0
                for p in 0..<pixels { sum &+= Int32(input[(image * pixels + p) * channels + ch]) }
                let value = multiplier.apply(sum &- offset) &+ m.outputZeroPoint
                output[image * channels + ch] = Int8(min(max(value, -128), 127))
            }
        }
    }

    /// The fixed-point exp of TFLite's int8 softmax for every possible difference to the row
    /// maximum: entry `k` is `exp_on_negative_values` of difference `−k` (0...255) rescaled to
    /// Q5.26, or -1 when the difference is below the kernel's input radius (it contributes
    /// nothing). An int8 row's differences take only these 256 values, so the softmax looks
    /// them up instead of evaluating the polynomial and barrel shifter per element.
    static func softmaxExponentials(_ s: QuantizedSoftmax) -> [Int32] {
        let rescale = FixedPointMultiplier(multiplier: s.inputMultiplier, shift: s.inputLeftShift)
        return (0...255).map { k in
            let difference = Int32(-k)
            guard difference >= s.differenceMinimum else { return -1 }
            // MultiplyByQuantizedMultiplierGreaterThanOne: shift left, then the high multiply.
            let scaled = FixedPointMultiplier.saturatingRoundingDoublingHighMul(
                difference &* (1 &<< Int32(rescale.shift)), rescale.multiplier)
            return GemmlowpFixedPoint.expOnNegativeValuesQ5(scaled)
        }
    }

    /// `reference_ops::Softmax` for int8 input and output: fixed-point exp of the differences to
    /// the row maximum (`exponentials`, from `softmaxExponentials`), a Q12.19 sum, its
    /// fixed-point reciprocal, and outputs with scale 1/256 and zero point -128.
    static func softmax(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, rows: Int, width: Int,
                        exponentials: UnsafePointer<Int32>) {
        for row in 0..<rows {
            let x = input + row * width, y = output + row * width
            var largest = Int32.min
            for i in 0..<width { largest = max(largest, Int32(x[i])) }
            var sum: Int32 = 0  // 12 integer bits
            for i in 0..<width {
                let e = exponentials[Int(largest &- Int32(x[i]))]
                if e >= 0 { sum &+= FixedPointMultiplier.roundingDivideByPowerOfTwo(e, 12) }
            }
            let (scale, bitsOverUnit) = GemmlowpFixedPoint.reciprocal(sum, integerBits: 12)
            for i in 0..<width {
                let e = exponentials[Int(largest &- Int32(x[i]))]
                guard e >= 0 else { y[i] = -128; continue }
                let unsaturated = FixedPointMultiplier.roundingDivideByPowerOfTwo(
                    GemmlowpFixedPoint.multiply(scale, e), bitsOverUnit + 31 - 8)
                y[i] = Int8(min(max(unsaturated &- 128, -128), 127))
            }
        }
    }

    /// `reference_ops::AffineQuantize` to int8: `round(x / scale) + zeroPoint` (float division,
    /// halves away from zero), saturated.
    package static func quantize(_ x: Float, _ q: QuantizationParameters) -> Int8 {
        let steps = (x / q.scale).rounded(.toNearestOrAwayFromZero)
        guard !steps.isNaN else { return -128 }
        let value = Int32(max(-1e6, min(1e6, steps))) + q.zeroPoint
        return Int8(min(max(value, -128), 127))
    }

    /// `reference_ops::Dequantize`: `float(scale · (q − zeroPoint))` computed in double.
    package static func dequantize(_ q: Int8, _ p: QuantizationParameters) -> Float {
        Float(Double(p.scale) * Double(Int32(q) - p.zeroPoint))
    }
}
