/// The element type of a safetensors tensor, spelled as in the file's `dtype` field.
public enum ElementType: String, Sendable, CaseIterable {
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
}

/// One tensor of a safetensors file as stored: element type, shape and little-endian bytes.
public struct RawTensor: Sendable, Equatable {
    /// The element type.
    public var type: ElementType
    /// The shape, outermost dimension first.
    public var shape: [Int]
    /// The elements, little-endian, row-major; `bytes.count == product(shape) * type.byteSize`.
    public var bytes: [UInt8]

    /// Wraps already-encoded bytes (not validated here; `SafeTensors` validates on read and write).
    public init(type: ElementType, shape: [Int], bytes: [UInt8]) {
        self.type = type
        self.shape = shape
        self.bytes = bytes
    }

    /// Encodes a float tensor as F32.
    public init(_ tensor: Tensor<Float>) {
        self.init(type: .float32, shape: tensor.shape, bytes: LittleEndianBytes.bytes(of: tensor.scalars))
    }

    /// Encodes an int8 tensor as I8.
    public init(_ tensor: Tensor<Int8>) {
        self.init(type: .int8, shape: tensor.shape, bytes: LittleEndianBytes.bytes(of: tensor.scalars))
    }

    /// Encodes an int32 tensor as I32.
    public init(_ tensor: Tensor<Int32>) {
        self.init(type: .int32, shape: tensor.shape, bytes: LittleEndianBytes.bytes(of: tensor.scalars))
    }

    /// The number of elements (product of `shape`).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as floats: F32 exactly; F16, BF16 and F64 converted (F64 rounds to nearest).
    /// Integer and boolean tensors are rejected with an error naming the dtype.
    public func floats() throws -> Tensor<Float> {
        try floats(name: nil)
    }

    /// The elements of an I8 tensor; other dtypes are rejected with an error naming the dtype.
    public func int8s() throws -> Tensor<Int8> {
        try checkType(.int8, name: nil)
        return try Tensor(shape: shape, scalars: LittleEndianBytes.scalars(bytes, as: Int8.self))
    }

    /// The elements of an I32 tensor; other dtypes are rejected with an error naming the dtype.
    public func int32s() throws -> Tensor<Int32> {
        try checkType(.int32, name: nil)
        return try Tensor(shape: shape, scalars: LittleEndianBytes.scalars(bytes, as: Int32.self))
    }

    func floats(name: String?) throws -> Tensor<Float> {
        let scalars: [Float]
        switch type {
        case .float32:
            scalars = LittleEndianBytes.scalars(bytes, as: Float.self)
        case .float64:
            scalars = LittleEndianBytes.scalars(bytes, as: Double.self).map { Float($0) }
        case .float16:
            scalars = LittleEndianBytes.scalars(bytes, as: UInt16.self).map(LittleEndianBytes.floatFromHalf)
        case .bfloat16:
            scalars = LittleEndianBytes.scalars(bytes, as: UInt16.self).map {
                Float(bitPattern: UInt32($0) << 16)
            }
        case .int64, .int32, .int16, .int8, .uint8, .bool:
            throw MobileNetError.unsupported(
                "\(label(name)) has dtype \(type.rawValue), which cannot be read as float")
        }
        return try Tensor(shape: shape, scalars: scalars)
    }

    func checkType(_ expected: ElementType, name: String?) throws {
        guard type == expected else {
            throw MobileNetError.unsupported(
                "\(label(name)) has dtype \(type.rawValue), expected \(expected.rawValue)")
        }
    }

    private func label(_ name: String?) -> String {
        name.map { "tensor '\($0)'" } ?? "tensor"
    }
}
