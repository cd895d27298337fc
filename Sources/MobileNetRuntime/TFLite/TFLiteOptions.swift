/// The builtin options of a TFLite operator (the `BuiltinOptions` union), decoded for the option
/// tables the engine uses. Absent fields take the schema's defaults, and an operator stored
/// without options (e.g. a RESHAPE whose shape is an input) gets its options table's defaults.
public enum TFLiteOptions: Sendable, Equatable {
    /// No options: union type NONE on an operator whose options this reader does not decode,
    /// or an options table without fields (PadOptions, QuantizeOptions, DequantizeOptions).
    case none
    /// `Conv2DOptions` (union type 1).
    case conv2D(
        padding: TFLitePadding, strideW: Int, strideH: Int, activation: TFLiteActivation,
        dilationW: Int, dilationH: Int)
    /// `DepthwiseConv2DOptions` (union type 2).
    case depthwiseConv2D(
        padding: TFLitePadding, strideW: Int, strideH: Int, depthMultiplier: Int,
        activation: TFLiteActivation, dilationW: Int, dilationH: Int)
    /// `Pool2DOptions` (union type 5), used by AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D.
    case pool2D(
        padding: TFLitePadding, strideW: Int, strideH: Int, filterWidth: Int, filterHeight: Int,
        activation: TFLiteActivation)
    /// `FullyConnectedOptions` (union type 8); `weightsFormat` 0 is DEFAULT, 1 SHUFFLED4x16INT8.
    case fullyConnected(activation: TFLiteActivation, keepNumDims: Bool, weightsFormat: Int)
    /// `SoftmaxOptions` (union type 9); the schema's default beta is 0.
    case softmax(beta: Float)
    /// `ConcatenationOptions` (union type 10).
    case concatenation(axis: Int, activation: TFLiteActivation)
    /// `AddOptions`, `MulOptions`, `SubOptions`, `DivOptions` (union types 11, 21, 28, 29).
    case arithmetic(activation: TFLiteActivation)
    /// `ReshapeOptions` (union type 17); nil when the operator takes the shape as an input.
    case reshape(newShape: [Int]?)
    /// `ReducerOptions` (union type 27), used by MEAN, SUM, REDUCE_MAX, ...
    case reducer(keepDims: Bool)
    /// `SqueezeOptions` (union type 30).
    case squeeze(dims: [Int])
    /// `StridedSliceOptions` (union type 32).
    case stridedSlice(
        beginMask: Int, endMask: Int, ellipsisMask: Int, newAxisMask: Int, shrinkAxisMask: Int,
        offset: Bool)
    /// `PackOptions` (union type 59).
    case pack(valuesCount: Int, axis: Int)
    /// `LeakyReluOptions` (union type 75).
    case leakyRelu(alpha: Float)
    /// Any other options table, by its `BuiltinOptions` union type.
    case other(type: Int)
}

extension TFLiteOptions {
    /// The `BuiltinOptions` union type an operator's options table has, for operators whose
    /// options this reader decodes; used when a file omits the options (all fields default).
    package static func defaultType(for op: TFLiteBuiltinOperator) -> Int {
        switch op {
        case .conv2D: return 1
        case .depthwiseConv2D: return 2
        case .averagePool2D, .maxPool2D, .other(code: 12): return 5  // 12: L2_POOL_2D
        case .fullyConnected: return 8
        case .softmax: return 9
        case .concatenation: return 10
        case .add: return 11
        case .mul: return 21
        case .sub: return 28
        case .div: return 29
        case .reshape: return 17
        case .mean, .sum, .reduceMax, .reduceMin, .other(code: 81), .other(code: 91): return 27
        case .squeeze: return 30
        case .stridedSlice: return 32
        case .pack: return 59
        case .leakyRelu: return 75
        default: return 0
        }
    }

    /// Decodes the options table `table` (nil: every field at its default) of union `type`.
    /// `what` names the operator in error messages.
    static func parse(
        type: Int, table: FlatBufferReader.Table?, reader r: FlatBufferReader, _ what: String
    ) throws(RuntimeError) -> TFLiteOptions {
        func int(_ slot: Int, _ value: Int32 = 0) throws(RuntimeError) -> Int {
            guard let t = table else { return Int(value) }
            return Int(try r.int32(t, slot, default: value, "\(what) option \(slot)"))
        }
        func byte(_ slot: Int, _ value: Int8 = 0) throws(RuntimeError) -> Int {
            guard let t = table else { return Int(value) }
            return Int(try r.int8(t, slot, default: value, "\(what) option \(slot)"))
        }
        func bool(_ slot: Int) throws(RuntimeError) -> Bool {
            guard let t = table else { return false }
            return try r.bool(t, slot, default: false, "\(what) option \(slot)")
        }
        func float(_ slot: Int) throws(RuntimeError) -> Float {
            guard let t = table else { return 0 }
            return try r.float32(t, slot, default: 0, "\(what) option \(slot)")
        }
        func ints(_ slot: Int) throws(RuntimeError) -> [Int]? {
            guard let t = table else { return nil }
            return try r.int32Vector(t, slot, "\(what) option \(slot)")
        }
        func padding(_ slot: Int) throws(RuntimeError) -> TFLitePadding {
            let code = try byte(slot)
            guard let padding = TFLitePadding(rawValue: code) else {
                throw r.fail("\(what) has unknown padding \(code)")
            }
            return padding
        }
        func activation(_ slot: Int) throws(RuntimeError) -> TFLiteActivation {
            TFLiteActivation(code: try byte(slot))
        }

        switch type {
        case 0:
            return .none
        case 1:  // padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h
            return .conv2D(
                padding: try padding(0), strideW: try int(1), strideH: try int(2),
                activation: try activation(3), dilationW: try int(4, 1), dilationH: try int(5, 1))
        case 2:  // padding, stride_w, stride_h, depth_multiplier, activation, dilation_w, dilation_h
            return .depthwiseConv2D(
                padding: try padding(0), strideW: try int(1), strideH: try int(2),
                depthMultiplier: try int(3), activation: try activation(4),
                dilationW: try int(5, 1), dilationH: try int(6, 1))
        case 5:  // padding, stride_w, stride_h, filter_width, filter_height, activation
            return .pool2D(
                padding: try padding(0), strideW: try int(1), strideH: try int(2),
                filterWidth: try int(3), filterHeight: try int(4), activation: try activation(5))
        case 8:  // fused_activation_function, weights_format, keep_num_dims, ...
            return .fullyConnected(
                activation: try activation(0), keepNumDims: try bool(2), weightsFormat: try byte(1))
        case 9:
            return .softmax(beta: try float(0))
        case 10:  // axis, fused_activation_function
            return .concatenation(axis: try int(0), activation: try activation(1))
        case 11, 21, 28, 29:
            return .arithmetic(activation: try activation(0))
        case 17:
            return .reshape(newShape: try ints(0))
        case 27:
            return .reducer(keepDims: try bool(0))
        case 30:
            return .squeeze(dims: try ints(0) ?? [])
        case 32:
            return .stridedSlice(
                beginMask: try int(0), endMask: try int(1), ellipsisMask: try int(2),
                newAxisMask: try int(3), shrinkAxisMask: try int(4), offset: try bool(5))
        case 59:
            return .pack(valuesCount: try int(0), axis: try int(1))
        case 75:
            return .leakyRelu(alpha: try float(0))
        case 22, 38, 89:  // PadOptions, DequantizeOptions, QuantizeOptions: empty tables
            return .none
        default:
            return .other(type: type)
        }
    }
}
