import MobileNet

/// A packed network that classifies the frame a `FrameSource` wrote into its input tensor.
/// `classify()` returns class probabilities (a softmax is applied to models that output
/// logits) in a buffer the classifier owns, valid until the next call.
public protocol FrameClassifier: AnyObject {
    /// Input height, width and channels.
    var inputShape: [Int] { get }
    /// The input tensor's first element and element type (what a `FrameDestination` needs).
    var inputBase: UnsafeMutableRawPointer { get }
    /// Quantization of an int8 input; nil for a float input.
    var inputQuantization: QuantizationParameters? { get }
    var classCount: Int { get }
    /// "int8" or "float32", for log lines.
    var engineName: String { get }
    func classify() throws -> UnsafeBufferPointer<Float>
}

/// Softmax of `values` in place (max-subtracted, as TFLite's float softmax).
func softmaxInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
    guard var largest = values.first else { return }
    for value in values where value > largest { largest = value }
    var sum: Float = 0
    for index in values.indices {
        values[index] = (values[index] - largest).exponential
        sum += values[index]
    }
    for index in values.indices { values[index] /= sum }
}

extension Float {
    fileprivate var exponential: Float {
        #if canImport(Glibc)
        return expf(self)
        #else
        return Float(Foundation.exp(Double(self)))
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
