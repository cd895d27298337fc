#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TFLiteModel {
    /// Reads and parses the `.tflite` file at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(mapped: MappedFile(url, what: "TFLite model"))
    }

    /// Parses a mapped `.tflite` file, releasing the pages of each buffer once copied: the
    /// weights are resident once (in the model) rather than twice (file and model).
    init(mapped file: MappedFile) throws {
        try self.init(parsing: file.bytes, release: { file.release($0) })
    }
}

extension TFLiteTensor {
    /// The constant data as floats; throws unless the tensor is a dense FLOAT32 constant.
    public func floats() throws -> Tensor<Float> {
        try Tensor(shape: shape, scalars: try floatValues())
    }

    /// The constant data as int8 values; throws unless the tensor is a dense INT8 constant.
    public func int8s() throws -> Tensor<Int8> {
        try Tensor(shape: shape, scalars: try int8Values())
    }

    /// The constant data as int32 values; throws unless the tensor is a dense INT32 constant.
    public func int32s() throws -> Tensor<Int32> {
        try Tensor(shape: shape, scalars: try int32Values())
    }
}
