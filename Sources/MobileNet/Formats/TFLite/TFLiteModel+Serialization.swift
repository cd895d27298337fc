extension TFLiteModel {
    /// The model as the bytes of a `.tflite` file (schema version 3, identifier `TFL3`) that
    /// TFLite's own interpreter loads.
    ///
    /// Buffers are laid out afresh, ignoring `buffers` and every tensor's `buffer`: buffer 0 is
    /// the empty sentinel, then one buffer (16-byte aligned) per tensor with non-empty `data`, in
    /// subgraph and tensor order, then one per `metadata` entry (sorted by name). Operator codes
    /// are `operatorCodes` followed by any (op, custom code, version) an operator uses that is
    /// not listed. Options are written as the union type their operator expects (ADD, MUL, SUB
    /// and DIV for `.arithmetic`); `.none` writes the empty table of PAD, QUANTIZE and
    /// DEQUANTIZE, and a RESHAPE without `newShape` gets no options (it reads its shape input).
    ///
    /// Throws `MobileNetError` for a model the format cannot hold or that is inconsistent: no
    /// subgraphs, indices out of range, data whose size does not match its shape and type,
    /// sparse tensors, options of another operator or of a type the reader did not decode
    /// (`.other`), values past the schema's integer widths.
    public func serialized() throws -> [UInt8] {
        var writer = TFLiteWriter(model: self)
        return try writer.write()
    }
}

/// Writes a `TFLiteModel` with a `FlatBufferBuilder`, children before parents (the builder
/// works back to front): buffers, subgraphs, operator codes, description, metadata, the model.
private struct TFLiteWriter {
    typealias Offset = FlatBufferBuilder.Offset

    let model: TFLiteModel
    var b: FlatBufferBuilder
    var codes: [TFLiteOperatorCode]

    init(model: TFLiteModel) {
        self.model = model
        let data = model.subgraphs.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + ($1.data?.count ?? 0) } }
        let metadata = model.metadata.values.reduce(0) { $0 + $1.count }
        let tensors = model.subgraphs.reduce(0) { $0 + $1.tensors.count }
        b = FlatBufferBuilder(capacity: data + metadata + 512 * tensors + 65536)
        codes = model.operatorCodes
    }

    mutating func write() throws -> [UInt8] {
        guard !model.subgraphs.isEmpty else { throw Self.invalid("the model has no subgraphs") }
        let version = try Self.fit(model.version, as: UInt32.self, "Model.version")

        // Buffer 0 is empty; constants get 1, 2, ... in order, metadata the ones after.
        var bufferData: [[UInt8]] = [[]]
        var tensorBuffers: [[UInt32]] = []
        for subgraph in model.subgraphs {
            tensorBuffers.append(subgraph.tensors.map { tensor in
                guard let data = tensor.data, !data.isEmpty else { return 0 }
                bufferData.append(data)
                return UInt32(bufferData.count - 1)
            })
        }
        let metadataNames = model.metadata.keys.sorted()
        let metadataBuffers = metadataNames.map { name -> UInt32 in
            bufferData.append(model.metadata[name]!)
            return UInt32(bufferData.count - 1)
        }
        guard bufferData.count <= Int(UInt32.max) else { throw Self.invalid("too many buffers") }

        // Data first: it ends up at the end of the file, each buffer 16-byte aligned.
        var buffers = [Offset]()
        for data in bufferData.reversed() {
            let vector = data.isEmpty ? nil : b.byteVector(data, alignment: 16)
            b.startTable()
            b.add(0, vector)  // Buffer.data
            buffers.append(b.endTable())
        }
        buffers.reverse()

        var subgraphs = [Offset]()
        for (index, subgraph) in model.subgraphs.enumerated() {
            subgraphs.append(try write(subgraph, index: index, buffers: tensorBuffers[index]))
        }
        var operatorCodes = [Offset]()
        for code in codes { operatorCodes.append(try write(code)) }
        let description = b.string(model.description)
        var metadata = [Offset]()
        for (name, buffer) in zip(metadataNames, metadataBuffers) {
            let nameOffset = b.string(name)
            b.startTable()
            b.add(0, nameOffset)  // Metadata.name
            b.add(1, buffer, default: 0)  // Metadata.buffer
            metadata.append(b.endTable())
        }

        let codesVector = b.vector(operatorCodes)
        let subgraphsVector = b.vector(subgraphs)
        let buffersVector = b.vector(buffers)
        let metadataVector = metadata.isEmpty ? nil : b.vector(metadata)
        b.startTable()
        b.add(0, version, default: 0)
        b.add(1, codesVector)
        b.add(2, subgraphsVector)
        b.add(3, description)
        b.add(4, buffersVector)
        b.add(6, metadataVector)
        let root = b.endTable()
        return try b.finish(root: root, identifier: "TFL3")
    }

    // MARK: - Operator codes

    /// The index of the operator code of `op`, appending one when none matches.
    mutating func codeIndex(of op: TFLiteOperator) -> UInt32 {
        let code = TFLiteOperatorCode(op: op.op, customCode: op.customCode, version: op.version)
        if let index = codes.firstIndex(of: code) { return UInt32(index) }
        codes.append(code)
        return UInt32(codes.count - 1)
    }

    /// OperatorCode: deprecated_builtin_code (the code, or 127 above it), custom_code, version,
    /// builtin_code.
    mutating func write(_ code: TFLiteOperatorCode) throws -> Offset {
        let builtin = try Self.fit(code.op.code, as: Int32.self, "operator code of \(code.op.name)")
        guard builtin >= 0 else { throw Self.unsupported("operator code \(builtin) is negative") }
        let version = try Self.fit(code.version, as: Int32.self, "version of operator code \(code.op.name)")
        let custom = code.customCode.map { b.string($0) }
        b.startTable()
        b.add(0, Int8(Swift.min(builtin, 127)), default: 0)
        b.add(1, custom)
        b.add(2, version, default: 1)
        b.add(3, builtin, default: 0)
        return b.endTable()
    }

    // MARK: - Subgraphs

    /// SubGraph: tensors, inputs, outputs, operators, name.
    mutating func write(_ subgraph: TFLiteSubgraph, index: Int, buffers: [UInt32]) throws -> Offset {
        let what = "subgraph \(index)"
        let count = subgraph.tensors.count
        func indices(_ list: [Int], _ label: String, allowAbsent: Bool = false) throws -> [Int32] {
            for i in list where !(i >= 0 && i < count || allowAbsent && i == -1) {
                throw Self.invalid("\(label) refer to tensor \(i), but \(what) has \(count) tensors")
            }
            return list.map { Int32($0) }
        }
        var tensors = [Offset]()
        for (t, tensor) in subgraph.tensors.enumerated() {
            tensors.append(try write(tensor, buffer: buffers[t], what: "tensor \(t) '\(tensor.name)' of \(what)"))
        }
        var operators = [Offset]()
        for (o, op) in subgraph.operators.enumerated() {
            let label = "operator \(o) (\(op.op.name)) of \(what)"
            let inputs = b.vector(try indices(op.inputs, "the inputs of \(label)", allowAbsent: true))
            let outputs = b.vector(try indices(op.outputs, "the outputs of \(label)"))
            let (type, options) = try writeOptions(of: op, label)
            let opcode = codeIndex(of: op)
            b.startTable()
            b.add(0, opcode, default: 0)
            b.add(1, inputs)
            b.add(2, outputs)
            b.add(3, type, default: 0)
            b.add(4, options)
            operators.append(b.endTable())
        }
        let tensorsVector = b.vector(tensors)
        let inputs = b.vector(try indices(subgraph.inputs, "the inputs of \(what)"))
        let outputs = b.vector(try indices(subgraph.outputs, "the outputs of \(what)"))
        let operatorsVector = b.vector(operators)
        let name = b.string(subgraph.name)
        b.startTable()
        b.add(0, tensorsVector)
        b.add(1, inputs)
        b.add(2, outputs)
        b.add(3, operatorsVector)
        b.add(4, name)
        return b.endTable()
    }

    /// Tensor: shape, type, buffer, name, quantization, is_variable, (sparsity), shape_signature.
    mutating func write(_ tensor: TFLiteTensor, buffer: UInt32, what: String) throws -> Offset {
        guard !tensor.isSparse else { throw Self.unsupported("\(what) is sparse, which the writer does not store") }
        let type = tensor.type.code
        guard type >= 0, type <= Int(Int8.max) else { throw Self.unsupported("\(what) has tensor type \(type)") }
        var elements = 1
        for d in tensor.shape {
            guard d >= 0, d <= Int(Int32.max) else {
                throw Self.invalid("\(what) has shape \(tensor.shape.shapeDescription) with a dimension outside 0...\(Int32.max)")
            }
            elements = elements.multipliedReportingOverflow(by: d).overflow ? Int.max : elements * d
        }
        if let data = tensor.data, !data.isEmpty, let expected = tensor.type.byteCount(elements: elements),
           expected != data.count {
            throw Self.invalid("\(what) has \(data.count) data bytes, but shape \(tensor.shape.shapeDescription) of \(tensor.type) needs \(expected)")
        }
        let shape = b.vector(tensor.shape.map { Int32($0) })
        let name = b.string(tensor.name)
        let quantization = try tensor.quantization.map { try write($0, shape: tensor.shape, what) }
        let signature = try tensor.shapeSignature.map { dims in
            b.vector(try dims.map { try Self.fit($0, as: Int32.self, "\(what) shape signature") })
        }
        b.startTable()
        b.add(0, shape)
        b.add(1, Int8(type), default: 0)
        b.add(2, buffer, default: 0)
        b.add(3, name)
        b.add(4, quantization)
        b.add(5, tensor.isVariable, default: false)
        b.add(7, signature)
        return b.endTable()
    }

    /// QuantizationParameters: min, max, scale, zero_point, (details), quantized_dimension.
    /// Checks what the reader checks: matching counts and a valid per-channel axis.
    mutating func write(_ q: TFLiteQuantization, shape: [Int], _ what: String) throws -> Offset {
        guard q.scale.isEmpty || q.zeroPoint.isEmpty || q.scale.count == q.zeroPoint.count else {
            throw Self.invalid("\(what) has \(q.scale.count) quantization scales but \(q.zeroPoint.count) zero points")
        }
        let axis = q.quantizedDimension
        if q.scale.count > 1 {
            guard axis >= 0, axis < shape.count, shape[axis] == q.scale.count else {
                throw Self.invalid("\(what) has \(q.scale.count) scales, which do not match dimension \(axis) of shape \(shape.shapeDescription)")
            }
        }
        let dimension = try Self.fit(axis, as: Int32.self, "\(what) quantized_dimension")
        let min = q.min.isEmpty ? nil : b.vector(q.min)
        let max = q.max.isEmpty ? nil : b.vector(q.max)
        let scale = q.scale.isEmpty ? nil : b.vector(q.scale)
        let zeroPoint = q.zeroPoint.isEmpty ? nil : b.vector(q.zeroPoint)
        b.startTable()
        b.add(0, min)
        b.add(1, max)
        b.add(2, scale)
        b.add(3, zeroPoint)
        b.add(6, dimension, default: 0)
        return b.endTable()
    }

    // MARK: - Helpers

    /// `value` as `T`, or an error naming `what`.
    static func fit<T: FixedWidthInteger>(_ value: Int, as _: T.Type, _ what: @autoclosure () -> String) throws -> T {
        guard let result = T(exactly: value) else {
            throw unsupported("\(what()) \(value) does not fit the schema's \(T.bitWidth)-bit field")
        }
        return result
    }

    static func invalid(_ reason: String) -> MobileNetError {
        .invalidArgument("cannot write TFLite: \(reason)")
    }

    static func unsupported(_ reason: String) -> MobileNetError {
        .unsupported("cannot write TFLite: \(reason)")
    }
}

// MARK: - Builtin options

extension TFLiteWriter {
    /// The `BuiltinOptions` union type and table of `op` (type 0 and nil: no options).
    mutating func writeOptions(of op: TFLiteOperator, _ what: String) throws -> (UInt8, Offset?) {
        let expected = TFLiteOptions.defaultType(for: op.op)
        /// Checks the options belong to the operator (any, for operators the reader does not map).
        func type(_ type: Int) throws -> UInt8 {
            guard expected == 0 || expected == type else {
                throw Self.invalid("\(what) has the options of union type \(type), but its options are of type \(expected)")
            }
            return UInt8(type)
        }
        func int(_ value: Int, _ field: String) throws -> Int32 {
            try Self.fit(value, as: Int32.self, "\(what) \(field)")
        }
        func activation(_ a: TFLiteActivation) throws -> Int8 {
            try Self.fit(a.schemaCode, as: Int8.self, "\(what) fused activation")
        }

        switch op.options {
        case .none:
            switch op.op {
            case .pad: return (22, emptyTable())  // PadOptions
            case .dequantize: return (38, emptyTable())  // DequantizeOptions
            case .quantize: return (89, emptyTable())  // QuantizeOptions
            default:
                guard expected == 0 else {
                    throw Self.invalid("\(what) has no options, but needs options of union type \(expected)")
                }
                return (0, nil)
            }
        case .conv2D(let padding, let strideW, let strideH, let a, let dilationW, let dilationH):
            let t = try type(1)
            let fields = (try int(strideW, "stride_w"), try int(strideH, "stride_h"), try activation(a),
                          try int(dilationW, "dilation_w"), try int(dilationH, "dilation_h"))
            b.startTable()
            b.add(0, Int8(padding.rawValue), default: 0)
            b.add(1, fields.0, default: 0)
            b.add(2, fields.1, default: 0)
            b.add(3, fields.2, default: 0)
            b.add(4, fields.3, default: 1)
            b.add(5, fields.4, default: 1)
            return (t, b.endTable())
        case .depthwiseConv2D(let padding, let strideW, let strideH, let multiplier, let a, let dilationW, let dilationH):
            let t = try type(2)
            let fields = (try int(strideW, "stride_w"), try int(strideH, "stride_h"),
                          try int(multiplier, "depth_multiplier"), try activation(a),
                          try int(dilationW, "dilation_w"), try int(dilationH, "dilation_h"))
            b.startTable()
            b.add(0, Int8(padding.rawValue), default: 0)
            b.add(1, fields.0, default: 0)
            b.add(2, fields.1, default: 0)
            b.add(3, fields.2, default: 0)
            b.add(4, fields.3, default: 0)
            b.add(5, fields.4, default: 1)
            b.add(6, fields.5, default: 1)
            return (t, b.endTable())
        case .pool2D(let padding, let strideW, let strideH, let filterWidth, let filterHeight, let a):
            let t = try type(5)
            let fields = (try int(strideW, "stride_w"), try int(strideH, "stride_h"),
                          try int(filterWidth, "filter_width"), try int(filterHeight, "filter_height"),
                          try activation(a))
            b.startTable()
            b.add(0, Int8(padding.rawValue), default: 0)
            b.add(1, fields.0, default: 0)
            b.add(2, fields.1, default: 0)
            b.add(3, fields.2, default: 0)
            b.add(4, fields.3, default: 0)
            b.add(5, fields.4, default: 0)
            return (t, b.endTable())
        case .fullyConnected(let a, let keepNumDims, let weightsFormat):
            let t = try type(8)
            let fields = (try activation(a), try Self.fit(weightsFormat, as: Int8.self, "\(what) weights_format"))
            b.startTable()
            b.add(0, fields.0, default: 0)
            b.add(1, fields.1, default: 0)
            b.add(2, keepNumDims, default: false)
            return (t, b.endTable())
        case .softmax(let beta):
            let t = try type(9)
            b.startTable()
            b.add(0, beta, default: 0)
            return (t, b.endTable())
        case .concatenation(let axis, let a):
            let t = try type(10)
            let fields = (try int(axis, "axis"), try activation(a))
            b.startTable()
            b.add(0, fields.0, default: 0)
            b.add(1, fields.1, default: 0)
            return (t, b.endTable())
        case .arithmetic(let a):
            guard [11, 21, 28, 29].contains(expected) else {
                throw Self.invalid("\(what) has arithmetic options, which only ADD, MUL, SUB and DIV take")
            }
            let code = try activation(a)
            b.startTable()
            b.add(0, code, default: 0)
            return (UInt8(expected), b.endTable())
        case .reshape(let newShape):
            let t = try type(17)
            guard let newShape else { return (0, nil) }  // as the converter writes it: shape from input 1
            let vector = b.vector(try newShape.map { try int($0, "new_shape") })
            b.startTable()
            b.add(0, vector)
            return (t, b.endTable())
        case .reducer(let keepDims):
            let t = try type(27)
            b.startTable()
            b.add(0, keepDims, default: false)
            return (t, b.endTable())
        case .squeeze(let dims):
            let t = try type(30)
            let vector = dims.isEmpty ? nil : b.vector(try dims.map { try int($0, "squeeze_dims") })
            b.startTable()
            b.add(0, vector)
            return (t, b.endTable())
        case .stridedSlice(let begin, let end, let ellipsis, let newAxis, let shrinkAxis, let offset):
            let t = try type(32)
            let masks = try [begin, end, ellipsis, newAxis, shrinkAxis].map { try int($0, "mask") }
            b.startTable()
            for (slot, mask) in masks.enumerated() { b.add(slot, mask, default: 0) }
            b.add(5, offset, default: false)
            return (t, b.endTable())
        case .pack(let valuesCount, let axis):
            let t = try type(59)
            let fields = (try int(valuesCount, "values_count"), try int(axis, "axis"))
            b.startTable()
            b.add(0, fields.0, default: 0)
            b.add(1, fields.1, default: 0)
            return (t, b.endTable())
        case .leakyRelu(let alpha):
            let t = try type(75)
            b.startTable()
            b.add(0, alpha, default: 0)
            return (t, b.endTable())
        case .other(let type):
            throw Self.unsupported("\(what) has options of union type \(type), which the writer does not know")
        }
    }

    private mutating func emptyTable() -> Offset {
        b.startTable()
        return b.endTable()
    }
}

extension TFLiteActivation {
    /// The schema value (`ActivationFunctionType`).
    var schemaCode: Int {
        switch self {
        case .none: return 0
        case .relu: return 1
        case .reluN1To1: return 2
        case .relu6: return 3
        case .tanh: return 4
        case .signBit: return 5
        case .other(let code): return code
        }
    }
}
