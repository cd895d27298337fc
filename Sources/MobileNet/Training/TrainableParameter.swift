/// What a trainable tensor is, which decides its optimizer group (weight decay on or off).
public enum ParameterRole: String, Sendable, Codable, CaseIterable {
    /// A full or pointwise convolution kernel `[kh, kw, in, out]`.
    case convolutionKernel
    /// A depthwise kernel `[kh, kw, channels, 1]` (the paper: little or no weight decay).
    case depthwiseKernel
    /// The classifier's kernel `[1, 1, in, classes]`.
    case classifierKernel
    /// The classifier's bias.
    case bias
    /// Batch-norm scale γ.
    case batchNormScale
    /// Batch-norm shift β.
    case batchNormShift
}

/// One trainable tensor: its Keras name, its role, its values and the gradient the last
/// backward pass accumulated, both in the tensor's Keras layout (row-major, `count` floats).
///
/// The network owns the storage; optimizers update `value` in place from `gradient`.
public final class TrainableParameter: @unchecked Sendable {
    public let name: String
    public let role: ParameterRole
    public let shape: [Int]
    public var count: Int { values.count }
    let values: AlignedFloats
    let gradients: AlignedFloats

    /// A parameter holding a copy of `initial` (the product of `shape` floats), gradient zero.
    public init(name: String, role: ParameterRole, shape: [Int], initial: [Float]) {
        self.name = name
        self.role = role
        self.shape = shape
        values = AlignedFloats(initial)
        gradients = AlignedFloats(zeros: initial.count)
    }

    /// The values, `count` floats.
    public var value: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: values.pointer, count: count) }
    /// The gradient of the loss with respect to `value`, `count` floats.
    public var gradient: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: gradients.pointer, count: count) }
}
