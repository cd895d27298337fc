/// Turns a decoded image into a network input: center crop, antialiased bilinear resize (as
/// Pillow's `BILINEAR`), then per-channel normalization, giving a `[height, width, 3]` tensor.
public struct ImagePreprocessing: Sendable, Equatable, Codable {
    /// The output size in pixels.
    public var width: Int
    public var height: Int
    /// The central fraction kept before resizing (`RGBImage.centerCropped(fraction:)`);
    /// 0.875 is TensorFlow's evaluation default, 1 keeps the whole image.
    public var centralFraction: Double
    public var normalization: PixelNormalization

    public init(
        width: Int, height: Int, centralFraction: Double = 0.875,
        normalization: PixelNormalization = NormalizationPreset.tf.normalization
    ) {
        self.width = width
        self.height = height
        self.centralFraction = centralFraction
        self.normalization = normalization
    }

    /// The network input for `image`, shape `[height, width, 3]`. Throws `.invalidArgument`
    /// for a size below 1 or a fraction outside (0, 1].
    public func tensor(from image: RGBImage) throws -> Tensor<Float> {
        let window = try image.centralWindow(fraction: centralFraction)
        var values = try image.resized(window, width: width, height: height)
        normalize(&values.scalars)
        return values
    }

    /// Applies `normalization` in place to interleaved RGB values on the 0...255 scale.
    private func normalize(_ values: inout [Float]) {
        let affine = PlannedNormalization(normalization)
        values.withUnsafeMutableBufferPointer { affine.apply(to: $0) }
    }
}

/// `PixelNormalization` as the vectors that apply it, made once (a camera keeps one for every
/// frame): `v · scale + offset` per channel, after swapping R and B for BGR order.
package struct PlannedNormalization {
    private let reversed: Bool
    private let scale: [Float], offset: [Float]
    /// Three vectors of 16 lanes cover the channel pattern's period (lcm(3, 16) = 48).
    private let scales: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)
    private let offsets: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

    package init(_ normalization: PixelNormalization) {
        (scale, offset) = normalization.affine
        reversed = normalization.channelOrder == .bgr
        var scales = [SIMD16<Float>](repeating: .zero, count: 3)
        var offsets = [SIMD16<Float>](repeating: .zero, count: 3)
        for lane in 0..<48 {
            scales[lane / 16][lane % 16] = scale[lane % 3]
            offsets[lane / 16][lane % 16] = offset[lane % 3]
        }
        self.scales = (scales[0], scales[1], scales[2])
        self.offsets = (offsets[0], offsets[1], offsets[2])
    }

    /// Normalizes interleaved RGB values on the 0...255 scale in place.
    package func apply(to buffer: UnsafeMutableBufferPointer<Float>) {
        let base = buffer.baseAddress!
        let count = buffer.count
        if reversed {
            var p = 0
            while p + 2 < count {
                buffer.swapAt(p, p + 2)
                p += 3
            }
        }
        var i = 0
        while i + 48 <= count {
            store16(multiplyAdd(offsets.0, load16(base + i), scales.0), base + i)
            store16(multiplyAdd(offsets.1, load16(base + i + 16), scales.1), base + i + 16)
            store16(multiplyAdd(offsets.2, load16(base + i + 32), scales.2), base + i + 32)
            i += 48
        }
        while i < count {
            base[i] = base[i] * scale[i % 3] + offset[i % 3]
            i += 1
        }
    }
}

extension QuantizationParameters {
    /// `values` quantized as the int8 engine quantizes its float input (TFLite's QUANTIZE,
    /// `I8Head.quantize`: `round(x / scale)` half away from zero, NaN to the lowest value,
    /// plus the zero point, saturated), written with operations the compiler vectorizes:
    /// `rounded(.toNearestOrAwayFromZero)` (LLVM's `round`: adding the largest float below ½
    /// with the value's sign, then truncating, which is exact), the saturation in float
    /// (exact: the values are whole numbers by then), and the conversion to an integer by
    /// adding 1.5·2^23 and reading the low bits of the float. A third faster than the
    /// truncation with a ±1 correction this replaced (the camera quantizes every frame).
    package func quantize(_ values: UnsafeBufferPointer<Float>, into output: UnsafeMutablePointer<Int8>) {
        guard let input = values.baseAddress else { return }
        let scale = self.scale, zeroPoint = Float(self.zeroPoint)
        for i in 0..<values.count {
            let steps = (input[i] / scale).rounded(.toNearestOrAwayFromZero)
            let saturated = steps.isNaN ? -128 : min(max(steps + zeroPoint, -128), 127)
            output[i] = Int8(truncatingIfNeeded: Int32(bitPattern: (saturated + 12_582_912).bitPattern) &- 0x4B40_0000)
        }
    }
}
