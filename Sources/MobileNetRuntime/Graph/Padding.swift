/// Zero padding around a feature map, in pixels.
public struct Padding: Sendable, Equatable {
    public var top: Int, left: Int, bottom: Int, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    /// No padding ("VALID").
    public static let zero = Padding(top: 0, left: 0, bottom: 0, right: 0)

    /// TensorFlow "SAME": output = ceil(input / stride), the odd pixel of padding at the bottom/right.
    public static func same(height: Int, width: Int, kernel: Int, stride: Int) -> Padding {
        func split(_ size: Int) -> (Int, Int) {
            let out = (size + stride - 1) / stride
            let total = max((out - 1) * stride + kernel - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(height)
        let (left, right) = split(width)
        return Padding(top: top, left: left, bottom: bottom, right: right)
    }

    /// Output size of a `kernel` window with `stride` over `size` pixels padded by `before`+`after`.
    package static func outputSize(_ size: Int, before: Int, after: Int, kernel: Int, stride: Int) -> Int {
        (size + before + after - kernel) / stride + 1
    }
}

#if !$Embedded
// Codable needs existentials (`any Encoder`), which Embedded Swift does not have.
extension Padding: Codable {}
#endif
