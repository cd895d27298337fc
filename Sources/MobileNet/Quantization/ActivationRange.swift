/// The interval of real values an int8 activation tensor is quantized over.
public struct ActivationRange: Sendable, Equatable, Codable {
    public var lower: Float
    public var upper: Float

    public init(lower: Float, upper: Float) {
        self.lower = lower
        self.upper = upper
    }
}

extension QuantizationParameters {
    /// TFLite's asymmetric int8 parameters for `range` (its calibrator's
    /// `GetAsymmetricQuantizationParams`): the range is widened to contain 0, the scale spreads it
    /// over the 255 steps of -128...127, and the zero point is the real 0's position, rounded
    /// ("nudged") to an integer inside -128...127 so that 0 is exactly representable.
    public init(int8Range range: ActivationRange) {
        let lower = Double(min(range.lower, 0)), upper = Double(max(range.upper, 0))
        guard upper > lower else {
            // A tensor that is always 0: any scale represents it exactly.
            self.init(scale: 1.0 / 255, zeroPoint: -128)
            return
        }
        let scale = (upper - lower) / 255
        let zeroPointFromMin = -128 - lower / scale
        let zeroPoint = zeroPointFromMin < -128 ? -128 : zeroPointFromMin > 127 ? 127 : zeroPointFromMin.rounded()
        self.init(scale: Float(scale), zeroPoint: Int32(zeroPoint))
    }
}
