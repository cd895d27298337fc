// Enumerations of the TFLite flatbuffer schema (tensorflow/compiler/mlir/lite/schema/schema.fbs):
// tensor types, builtin operators, padding and fused activations, with the schema's numbering.

/// The element type of a TFLite tensor (`TensorType` in the schema).
public enum TFLiteTensorType: Sendable, Hashable, CustomStringConvertible {
    case float32, float16, int32, uint8, int64, string, bool, int16, complex64, int8, float64
    case complex128, uint64, resource, variant, uint32, uint16, int4, bfloat16
    /// A value the schema known to this reader does not define.
    case other(Int)

    private static let ordered: [TFLiteTensorType] = [
        .float32, .float16, .int32, .uint8, .int64, .string, .bool, .int16, .complex64, .int8,
        .float64, .complex128, .uint64, .resource, .variant, .uint32, .uint16, .int4, .bfloat16,
    ]
    private static let names = [
        "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
        "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4",
        "BFLOAT16",
    ]

    /// The type with schema value `code` (`.other(code)` when unknown).
    public init(code: Int) {
        self = code >= 0 && code < Self.ordered.count ? Self.ordered[code] : .other(code)
    }

    /// The schema value.
    public var code: Int {
        if case .other(let code) = self { return code }
        return Self.ordered.firstIndex(of: self)!
    }

    /// The schema's name, e.g. `FLOAT32`; `TYPE_<n>` for unknown values.
    public var name: String {
        let code = self.code
        return code >= 0 && code < Self.names.count ? Self.names[code] : "TYPE_\(code)"
    }

    public var description: String { name }

    /// Bytes per element, or nil when elements have no fixed size (strings, resources,
    /// variants, packed INT4, unknown types).
    public var byteSize: Int? {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64, .complex64: return 8
        case .complex128: return 16
        case .string, .resource, .variant, .int4, .other: return nil
        }
    }

    /// Bytes needed for `count` elements (INT4 packs two per byte); nil when not fixed.
    package func byteCount(elements count: Int) -> Int? {
        if self == .int4 { return (count + 1) / 2 }
        guard let size = byteSize else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : bytes
    }
}

/// A TFLite builtin operator (`BuiltinOperator` in the schema).
///
/// Common operators have named cases; every other code is `.other(code:)`. Equality compares
/// the schema code, so `.other(code: 3) == .conv2D`; `init(code:)` always picks the named case.
public enum TFLiteBuiltinOperator: Sendable, Hashable, CustomStringConvertible {
    /// `ADD` (0).
    case add
    /// `AVERAGE_POOL_2D` (1).
    case averagePool2D
    /// `CONCATENATION` (2).
    case concatenation
    /// `CONV_2D` (3).
    case conv2D
    /// `DEPTHWISE_CONV_2D` (4).
    case depthwiseConv2D
    /// `DEPTH_TO_SPACE` (5).
    case depthToSpace
    /// `DEQUANTIZE` (6).
    case dequantize
    /// `FLOOR` (8).
    case floor
    /// `FULLY_CONNECTED` (9).
    case fullyConnected
    /// `L2_NORMALIZATION` (11).
    case l2Normalization
    /// `LOGISTIC` (14).
    case logistic
    /// `MAX_POOL_2D` (17).
    case maxPool2D
    /// `MUL` (18).
    case mul
    /// `RELU` (19).
    case relu
    /// `RELU_N1_TO_1` (20).
    case reluN1To1
    /// `RELU6` (21).
    case relu6
    /// `RESHAPE` (22).
    case reshape
    /// `RESIZE_BILINEAR` (23).
    case resizeBilinear
    /// `SOFTMAX` (25).
    case softmax
    /// `SPACE_TO_DEPTH` (26).
    case spaceToDepth
    /// `TANH` (28).
    case tanh
    /// `CUSTOM` (32).
    case custom
    /// `PAD` (34).
    case pad
    /// `GATHER` (36).
    case gather
    /// `TRANSPOSE` (39).
    case transpose
    /// `MEAN` (40).
    case mean
    /// `SUB` (41).
    case sub
    /// `DIV` (42).
    case div
    /// `SQUEEZE` (43).
    case squeeze
    /// `STRIDED_SLICE` (45).
    case stridedSlice
    /// `EXP` (47).
    case exp
    /// `SPLIT` (49).
    case split
    /// `LOG_SOFTMAX` (50).
    case logSoftmax
    /// `CAST` (53).
    case cast
    /// `PRELU` (54).
    case prelu
    /// `MAXIMUM` (55).
    case maximum
    /// `MINIMUM` (57).
    case minimum
    /// `PADV2` (60).
    case padV2
    /// `SLICE` (65).
    case slice
    /// `TRANSPOSE_CONV` (67).
    case transposeConv
    /// `EXPAND_DIMS` (70).
    case expandDims
    /// `SUM` (74).
    case sum
    /// `SQRT` (75).
    case sqrt
    /// `RSQRT` (76).
    case rsqrt
    /// `SHAPE` (77).
    case shape
    /// `REDUCE_MAX` (82).
    case reduceMax
    /// `PACK` (83).
    case pack
    /// `UNPACK` (88).
    case unpack
    /// `REDUCE_MIN` (89).
    case reduceMin
    /// `SQUARE` (92).
    case square
    /// `RESIZE_NEAREST_NEIGHBOR` (97).
    case resizeNearestNeighbor
    /// `LEAKY_RELU` (98).
    case leakyRelu
    /// `MIRROR_PAD` (100).
    case mirrorPad
    /// `QUANTIZE` (114).
    case quantize
    /// `HARD_SWISH` (117).
    case hardSwish
    /// `BATCH_MATMUL` (126).
    case batchMatMul
    /// `GELU` (150).
    case gelu
    /// Any other code (known to the schema or not); `name` still gives the schema's name.
    case other(code: Int)

    /// The operator with schema code `code`.
    public init(code: Int) {
        switch code {
        case 0: self = .add
        case 1: self = .averagePool2D
        case 2: self = .concatenation
        case 3: self = .conv2D
        case 4: self = .depthwiseConv2D
        case 5: self = .depthToSpace
        case 6: self = .dequantize
        case 8: self = .floor
        case 9: self = .fullyConnected
        case 11: self = .l2Normalization
        case 14: self = .logistic
        case 17: self = .maxPool2D
        case 18: self = .mul
        case 19: self = .relu
        case 20: self = .reluN1To1
        case 21: self = .relu6
        case 22: self = .reshape
        case 23: self = .resizeBilinear
        case 25: self = .softmax
        case 26: self = .spaceToDepth
        case 28: self = .tanh
        case 32: self = .custom
        case 34: self = .pad
        case 36: self = .gather
        case 39: self = .transpose
        case 40: self = .mean
        case 41: self = .sub
        case 42: self = .div
        case 43: self = .squeeze
        case 45: self = .stridedSlice
        case 47: self = .exp
        case 49: self = .split
        case 50: self = .logSoftmax
        case 53: self = .cast
        case 54: self = .prelu
        case 55: self = .maximum
        case 57: self = .minimum
        case 60: self = .padV2
        case 65: self = .slice
        case 67: self = .transposeConv
        case 70: self = .expandDims
        case 74: self = .sum
        case 75: self = .sqrt
        case 76: self = .rsqrt
        case 77: self = .shape
        case 82: self = .reduceMax
        case 83: self = .pack
        case 88: self = .unpack
        case 89: self = .reduceMin
        case 92: self = .square
        case 97: self = .resizeNearestNeighbor
        case 98: self = .leakyRelu
        case 100: self = .mirrorPad
        case 114: self = .quantize
        case 117: self = .hardSwish
        case 126: self = .batchMatMul
        case 150: self = .gelu
        default: self = .other(code: code)
        }
    }

    /// The schema code.
    public var code: Int {
        switch self {
        case .add: return 0
        case .averagePool2D: return 1
        case .concatenation: return 2
        case .conv2D: return 3
        case .depthwiseConv2D: return 4
        case .depthToSpace: return 5
        case .dequantize: return 6
        case .floor: return 8
        case .fullyConnected: return 9
        case .l2Normalization: return 11
        case .logistic: return 14
        case .maxPool2D: return 17
        case .mul: return 18
        case .relu: return 19
        case .reluN1To1: return 20
        case .relu6: return 21
        case .reshape: return 22
        case .resizeBilinear: return 23
        case .softmax: return 25
        case .spaceToDepth: return 26
        case .tanh: return 28
        case .custom: return 32
        case .pad: return 34
        case .gather: return 36
        case .transpose: return 39
        case .mean: return 40
        case .sub: return 41
        case .div: return 42
        case .squeeze: return 43
        case .stridedSlice: return 45
        case .exp: return 47
        case .split: return 49
        case .logSoftmax: return 50
        case .cast: return 53
        case .prelu: return 54
        case .maximum: return 55
        case .minimum: return 57
        case .padV2: return 60
        case .slice: return 65
        case .transposeConv: return 67
        case .expandDims: return 70
        case .sum: return 74
        case .sqrt: return 75
        case .rsqrt: return 76
        case .shape: return 77
        case .reduceMax: return 82
        case .pack: return 83
        case .unpack: return 88
        case .reduceMin: return 89
        case .square: return 92
        case .resizeNearestNeighbor: return 97
        case .leakyRelu: return 98
        case .mirrorPad: return 100
        case .quantize: return 114
        case .hardSwish: return 117
        case .batchMatMul: return 126
        case .gelu: return 150
        case .other(let code): return code
        }
    }

    /// The schema's upper-case name, e.g. `DEPTHWISE_CONV_2D`; `BUILTIN_<n>` for codes the
    /// schema known to this reader does not define.
    public var name: String {
        let code = self.code
        return code >= 0 && code < Self.schemaNames.count ? Self.schemaNames[code] : "BUILTIN_\(code)"
    }

    public var description: String { name }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `BuiltinOperator` names indexed by code (schema.fbs, codes 0 through 207).
    static let schemaNames: [String] = [
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
        "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
        "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
        "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
        "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
        "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
        "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
        "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
        "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
        "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX",
        "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT",
        "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL",
        "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT",
        "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT",
        "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
        "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
        "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND",
        "COS", "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE",
        "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4",
        "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
        "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO",
        "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND",
        "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE",
        "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL",
        "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE",
        "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM",
        "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
        "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE", "STABLEHLO_MULTIPLY",
        "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
        "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE",
        "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND",
        "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR", "STABLEHLO_LOG",
        "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
        "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT",
        "STABLEHLO_TANH", "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT",
        "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD",
        "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
        "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE",
        "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "COMPLEX"
    ]
}

/// A fused activation applied to an operator's output (`ActivationFunctionType`).
public enum TFLiteActivation: Sendable, Hashable, CustomStringConvertible {
    case none, relu, reluN1To1, relu6, tanh, signBit
    /// A value the schema known to this reader does not define.
    case other(Int)

    /// The activation with schema value `code`.
    public init(code: Int) {
        switch code {
        case 0: self = .none
        case 1: self = .relu
        case 2: self = .reluN1To1
        case 3: self = .relu6
        case 4: self = .tanh
        case 5: self = .signBit
        default: self = .other(code)
        }
    }

    /// The schema's name, e.g. `RELU6`.
    public var description: String {
        switch self {
        case .none: return "NONE"
        case .relu: return "RELU"
        case .reluN1To1: return "RELU_N1_TO_1"
        case .relu6: return "RELU6"
        case .tanh: return "TANH"
        case .signBit: return "SIGN_BIT"
        case .other(let code): return "ACTIVATION_\(code)"
        }
    }
}

/// Spatial padding of convolutions and pools (`Padding`): SAME = 0, VALID = 1.
public enum TFLitePadding: Int, Sendable, Hashable, CustomStringConvertible {
    case same = 0
    case valid = 1

    /// `SAME` or `VALID`.
    public var description: String { self == .same ? "SAME" : "VALID" }
}
