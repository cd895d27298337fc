/// A TFLite model read from its flatbuffer (schema version 3, file identifier `TFL3`), or built
/// in code and written with `serialized()`.
///
/// Parsing validates every read against the file's bounds and every cross-reference (operator
/// codes, tensor indices, buffer indices, constant data sizes), so a truncated or corrupted
/// file throws `RuntimeError.malformed(format: "tflite", ...)` rather than crashing.
/// Unknown operators are kept (with their schema names); rejecting them is the engine's job.
public struct TFLiteModel: Sendable, Equatable {
    /// The schema version (`Model.version`, 3 for current files).
    public var version: Int
    /// The model description (`Model.description`), e.g. "MLIR Converted.".
    public var description: String
    /// The operator codes that operators index into.
    public var operatorCodes: [TFLiteOperatorCode]
    /// The subgraphs; the first is the main model. A parsed model always has one; a model built
    /// in code must.
    public var subgraphs: [TFLiteSubgraph]
    /// The raw data buffers (buffer 0 is the empty sentinel), resolved also when stored after
    /// the flatbuffer (`offset`/`size` fields of files over 2 GB). Informational: tensors carry
    /// their own `data`, and `serialized()` lays out buffers afresh.
    public var buffers: [[UInt8]]
    /// The `Model.metadata` entries: name → the bytes of the buffer it names (e.g.
    /// `min_runtime_version`). TFLite interpreters ignore names they do not know.
    public var metadata: [String: [UInt8]]

    /// Parses a model from the bytes of a `.tflite` file.
    public init(bytes: [UInt8]) throws(RuntimeError) {
        let parsed = bytes.withUnsafeBytes { raw in Result { () throws(RuntimeError) in try Self(parsing: raw) } }
        self = try parsed.get()
    }

    /// Parses a model from the bytes of a `.tflite` file (copying what it keeps). `release`,
    /// if given, is told each byte range once copied out (a mapped file's pages can then be
    /// dropped: the weights are resident once, in the model, rather than twice).
    public init(parsing bytes: UnsafeRawBufferPointer, release: ((Range<Int>) -> Void)? = nil) throws(RuntimeError) {
        self = try TFLiteParser(FlatBufferReader(bytes: bytes, format: "tflite", release: release)).parse()
    }

    /// A model built in code. `subgraphs` must not be empty (`mainSubgraph` is the first;
    /// `serialized()` throws without one). `operatorCodes` may be left empty: `serialized()` adds
    /// a code for every operator whose (op, custom code, version) is not listed. `buffers` is
    /// not needed: tensors carry their data.
    public init(
        version: Int = 3, description: String = "", operatorCodes: [TFLiteOperatorCode] = [],
        subgraphs: [TFLiteSubgraph], buffers: [[UInt8]] = [], metadata: [String: [UInt8]] = [:]
    ) {
        self.version = version
        self.description = description
        self.operatorCodes = operatorCodes
        self.subgraphs = subgraphs
        self.buffers = buffers
        self.metadata = metadata
    }

    /// The main subgraph (`subgraphs[0]`).
    public var mainSubgraph: TFLiteSubgraph { subgraphs[0] }
}

/// An entry of `Model.operator_codes`: which operator, for builtin and custom ones.
public struct TFLiteOperatorCode: Sendable, Equatable {
    /// The builtin operator: the larger of `deprecated_builtin_code` and `builtin_code`.
    public var op: TFLiteBuiltinOperator
    /// The custom operator's name, for `CUSTOM` operators.
    public var customCode: String?
    /// The operator version (default 1).
    public var version: Int

    /// An operator code; `customCode` names the operator of `CUSTOM` codes.
    public init(op: TFLiteBuiltinOperator, customCode: String? = nil, version: Int = 1) {
        self.op = op
        self.customCode = customCode
        self.version = version
    }
}

/// A subgraph: tensors, operators in execution order, and the graph's inputs and outputs.
public struct TFLiteSubgraph: Sendable, Equatable {
    /// The subgraph's name (may be empty).
    public var name: String
    /// All tensors; operators refer to them by index.
    public var tensors: [TFLiteTensor]
    /// Indices of the input tensors.
    public var inputs: [Int]
    /// Indices of the output tensors.
    public var outputs: [Int]
    /// The operators in execution order.
    public var operators: [TFLiteOperator]

    /// A subgraph from its tensors, operators (in execution order) and graph inputs/outputs.
    public init(
        name: String = "", tensors: [TFLiteTensor], inputs: [Int], outputs: [Int],
        operators: [TFLiteOperator]
    ) {
        self.name = name
        self.tensors = tensors
        self.inputs = inputs
        self.outputs = outputs
        self.operators = operators
    }
}

/// Affine quantization parameters: `real = scale * (quantized - zeroPoint)`, per tensor (one
/// scale) or per channel along `quantizedDimension`.
public struct TFLiteQuantization: Sendable, Equatable {
    /// The scales (one, or one per channel).
    public var scale: [Float]
    /// The zero points (as many as scales, or none).
    public var zeroPoint: [Int64]
    /// The axis of the per-channel parameters (0 by default).
    public var quantizedDimension: Int
    /// Recorded minimums (for converting back to TensorFlow; often empty).
    public var min: [Float]
    /// Recorded maximums (often empty).
    public var max: [Float]

    /// Affine quantization parameters: per tensor (one scale) or per channel along
    /// `quantizedDimension`.
    public init(
        scale: [Float], zeroPoint: [Int64], quantizedDimension: Int = 0, min: [Float] = [],
        max: [Float] = []
    ) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.quantizedDimension = quantizedDimension
        self.min = min
        self.max = max
    }
}

/// A tensor of a subgraph: shape, type, quantization and, for constants, its data.
public struct TFLiteTensor: Sendable, Equatable {
    /// The tensor's name.
    public var name: String
    /// The shape (NHWC for activations). Every dimension is non-negative.
    public var shape: [Int]
    /// The shape with unknown dimensions as -1, when the file records one.
    public var shapeSignature: [Int]?
    /// The element type.
    public var type: TFLiteTensorType
    /// The index into `TFLiteModel.buffers` (0: no data) of a parsed model; `serialized()`
    /// ignores it and stores `data` in a buffer of its own.
    public var buffer: Int
    /// The quantization parameters; nil when absent or empty (float tensors).
    public var quantization: TFLiteQuantization?
    /// True for variable tensors (state mutated by operators).
    public var isVariable: Bool
    /// True when the tensor has sparsity parameters (its data is not dense).
    public var isSparse: Bool
    /// The constant data (the buffer's bytes, little-endian, row-major); nil when the buffer is
    /// empty, i.e. for activations. Its size matches `shape` and `type` for dense fixed-size types.
    public var data: [UInt8]?

    /// Every field, as parsed (`buffer` indexes `TFLiteModel.buffers`).
    package init(name: String, shape: [Int], shapeSignature: [Int]?, type: TFLiteTensorType, buffer: Int,
                 quantization: TFLiteQuantization?, isVariable: Bool, isSparse: Bool, data: [UInt8]?) {
        self.name = name
        self.shape = shape
        self.shapeSignature = shapeSignature
        self.type = type
        self.buffer = buffer
        self.quantization = quantization
        self.isVariable = isVariable
        self.isSparse = isSparse
        self.data = data
    }

    /// The number of elements (product of `shape`).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The constant data as floats (row-major); throws unless the tensor is a dense FLOAT32 constant.
    public func floatValues() throws(RuntimeError) -> [Float] {
        LittleEndianBytes.scalars(try constantBytes(.float32), as: Float.self)
    }

    /// The constant data as int8 values; throws unless the tensor is a dense INT8 constant.
    public func int8Values() throws(RuntimeError) -> [Int8] {
        LittleEndianBytes.scalars(try constantBytes(.int8), as: Int8.self)
    }

    /// The constant data as int32 values; throws unless the tensor is a dense INT32 constant.
    public func int32Values() throws(RuntimeError) -> [Int32] {
        LittleEndianBytes.scalars(try constantBytes(.int32), as: Int32.self)
    }

    private func constantBytes(_ expected: TFLiteTensorType) throws(RuntimeError) -> [UInt8] {
        guard type == expected else {
            throw RuntimeError.unsupported("tensor '\(name)' has type \(type), expected \(expected)")
        }
        guard !isSparse else {
            throw RuntimeError.unsupported("tensor '\(name)' is sparse")
        }
        guard let data else {
            throw RuntimeError.malformed(format: "tflite", reason: "tensor '\(name)' has no constant data")
        }
        return data
    }
}

/// An operator of a subgraph.
public struct TFLiteOperator: Sendable, Equatable {
    /// The operator (builtin code resolved through the model's operator codes).
    public var op: TFLiteBuiltinOperator
    /// The custom operator's name, for `CUSTOM` operators.
    public var customCode: String?
    /// The operator version from its operator code.
    public var version: Int
    /// Input tensor indices; -1 marks an absent optional input.
    public var inputs: [Int]
    /// Output tensor indices.
    public var outputs: [Int]
    /// The decoded builtin options.
    public var options: TFLiteOptions

    /// An operator; `version` and `customCode` select its operator code together with `op`.
    public init(
        op: TFLiteBuiltinOperator, customCode: String? = nil, version: Int = 1, inputs: [Int],
        outputs: [Int], options: TFLiteOptions = .none
    ) {
        self.op = op
        self.customCode = customCode
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.options = options
    }
}

extension TFLiteTensor {
    /// A dense tensor built in code: an activation (`data` nil) or a constant whose `data` holds
    /// its little-endian, row-major bytes. `serialized()` gives every constant its own buffer, so
    /// no buffer index is needed here (`buffer` is 0).
    public init(
        name: String, shape: [Int], type: TFLiteTensorType, data: [UInt8]? = nil,
        quantization: TFLiteQuantization? = nil, shapeSignature: [Int]? = nil,
        isVariable: Bool = false
    ) {
        self.init(
            name: name, shape: shape, shapeSignature: shapeSignature, type: type, buffer: 0,
            quantization: quantization, isVariable: isVariable, isSparse: false, data: data)
    }
}

// MARK: - Parsing

/// Reads the flatbuffer tables of a TFLite model into the public structs.
private struct TFLiteParser {
    let r: FlatBufferReader

    init(_ reader: FlatBufferReader) {
        r = reader
    }

    func parse() throws(RuntimeError) -> TFLiteModel {
        let bytes = r.bytes
        guard bytes.count >= 8 else {
            throw r.fail("file is \(bytes.count) bytes, too short for a TFLite flatbuffer")
        }
        guard bytes[4..<8].elementsEqual("TFL3".utf8) else {
            let found = bytes[4..<8].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            throw r.fail("missing the TFL3 file identifier at bytes 4-7 (found \(found))")
        }
        let model = try r.root()
        // Model: version, operator_codes, subgraphs, description, buffers, metadata_buffer, metadata, ...
        let version = Int(try r.uint32(model, 0, default: 0, "Model.version"))
        let codes = try (r.tableVector(model, 1, "operator_codes") ?? []).map(operatorCode)
        let description = try r.string(model, 3, "Model.description") ?? ""
        let buffers = try (r.tableVector(model, 4, "buffers") ?? []).enumerated().map(buffer)
        let subgraphTables = try r.tableVector(model, 2, "subgraphs") ?? []
        guard !subgraphTables.isEmpty else { throw r.fail("the model has no subgraphs") }
        let subgraphs = try subgraphTables.enumerated().map { (entry) throws(RuntimeError) in
            try subgraph(entry.element, index: entry.offset, codes: codes, buffers: buffers)
        }
        var metadata: [String: [UInt8]] = [:]
        for (index, entry) in try (r.tableVector(model, 6, "metadata") ?? []).enumerated() {
            // Metadata: name, buffer.
            let name = try r.string(entry, 0, "metadata[\(index)] name") ?? ""
            let buffer = Int(try r.uint32(entry, 1, default: 0, "metadata[\(index)] buffer"))
            guard buffer < buffers.count else {
                throw r.fail("metadata[\(index)] '\(name)' refers to buffer \(buffer), but there are \(buffers.count) buffers")
            }
            metadata[name] = buffers[buffer]
        }
        return TFLiteModel(
            version: version, description: description, operatorCodes: codes,
            subgraphs: subgraphs, buffers: buffers, metadata: metadata)
    }

    /// OperatorCode: deprecated_builtin_code (byte), custom_code, version (= 1), builtin_code.
    func operatorCode(_ t: FlatBufferReader.Table) throws(RuntimeError) -> TFLiteOperatorCode {
        let deprecated = Int(try r.int8(t, 0, default: 0, "OperatorCode.deprecated_builtin_code"))
        let custom = try r.string(t, 1, "OperatorCode.custom_code")
        let version = Int(try r.int32(t, 2, default: 1, "OperatorCode.version"))
        let code = Int(try r.int32(t, 3, default: 0, "OperatorCode.builtin_code"))
        return TFLiteOperatorCode(
            op: TFLiteBuiltinOperator(code: Swift.max(deprecated, code)), customCode: custom,
            version: version)
    }

    /// Buffer: data, offset, size (offset > 1: data stored after the flatbuffer).
    func buffer(_ entry: (offset: Int, element: FlatBufferReader.Table)) throws(RuntimeError) -> [UInt8] {
        let (index, t) = entry
        let data = try r.byteVector(t, 0, "buffers[\(index)].data")
        let offset = try r.uint64(t, 1, default: 0, "buffers[\(index)].offset")
        guard data.isEmpty, offset > 1 else { return data }
        let size = try r.uint64(t, 2, default: 0, "buffers[\(index)].size")
        let fileSize = UInt64(r.bytes.count)
        guard offset <= fileSize, size <= fileSize - offset else {
            throw r.fail("buffers[\(index)] stores \(size) bytes at offset \(offset), past the end of the \(fileSize)-byte file")
        }
        return try r.bytes(at: Int(offset), count: Int(size), "buffers[\(index)] external data")
    }

    /// SubGraph: tensors, inputs, outputs, operators, name.
    func subgraph(
        _ t: FlatBufferReader.Table, index: Int, codes: [TFLiteOperatorCode], buffers: [[UInt8]]
    ) throws(RuntimeError) -> TFLiteSubgraph {
        let what = "subgraph \(index)"
        let name = try r.string(t, 4, "\(what) name") ?? ""
        let tensors = try (r.tableVector(t, 0, "\(what) tensors") ?? []).enumerated().map { (entry) throws(RuntimeError) in
            try tensor(entry.element, index: entry.offset, subgraph: what, buffers: buffers)
        }
        func indices(_ slot: Int, _ label: String) throws(RuntimeError) -> [Int] {
            let list = try r.int32Vector(t, slot, "\(what) \(label)") ?? []
            for i in list where i < 0 || i >= tensors.count {
                throw r.fail("\(what) \(label) refer to tensor \(i), but there are \(tensors.count) tensors")
            }
            return list
        }
        let inputs = try indices(1, "inputs")
        let outputs = try indices(2, "outputs")
        let operators = try (r.tableVector(t, 3, "\(what) operators") ?? []).enumerated().map { (entry) throws(RuntimeError) in
            try op(entry.element, index: entry.offset, subgraph: what, codes: codes, tensorCount: tensors.count)
        }
        return TFLiteSubgraph(name: name, tensors: tensors, inputs: inputs, outputs: outputs, operators: operators)
    }

    /// Tensor: shape, type, buffer, name, quantization, is_variable, sparsity, shape_signature.
    func tensor(
        _ t: FlatBufferReader.Table, index: Int, subgraph: String, buffers: [[UInt8]]
    ) throws(RuntimeError) -> TFLiteTensor {
        let name = try r.string(t, 3, "\(subgraph) tensor \(index) name") ?? ""
        let what = "tensor \(index) '\(name)' of \(subgraph)"
        let shape = try r.int32Vector(t, 0, "\(what) shape") ?? []
        let type = TFLiteTensorType(code: Int(try r.int8(t, 1, default: 0, "\(what) type")))
        let bufferIndex = Int(try r.uint32(t, 2, default: 0, "\(what) buffer"))
        let quantization = try r.table(t, 4, "\(what) quantization").flatMap { (table) throws(RuntimeError) in try self.quantization(table, what) }
        let isVariable = try r.bool(t, 5, default: false, "\(what) is_variable")
        let isSparse = try r.table(t, 6, "\(what) sparsity") != nil
        let signature = try r.int32Vector(t, 7, "\(what) shape_signature")

        var count = 1
        for d in shape {
            guard d >= 0 else { throw r.fail("\(what) has negative dimension in shape \(shape.shapeDescription)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int(Int32.max) * 16 else {
                throw r.fail("\(what) has an impossibly large shape \(shape.shapeDescription)")
            }
            count = product
        }
        if let q = quantization, q.scale.count > 1 {
            let axis = q.quantizedDimension
            guard axis >= 0, axis < shape.count, shape[axis] == q.scale.count else {
                throw r.fail("\(what) has \(q.scale.count) scales, which do not match dimension \(axis) of shape \(shape.shapeDescription)")
            }
        }
        var data: [UInt8]?
        if !(bufferIndex == 0 && buffers.isEmpty) {
            guard bufferIndex < buffers.count else {
                throw r.fail("\(what) refers to buffer \(bufferIndex), but there are \(buffers.count) buffers")
            }
            let bytes = buffers[bufferIndex]
            if !bytes.isEmpty {
                if !isSparse, let expected = type.byteCount(elements: count), expected != bytes.count {
                    throw r.fail("\(what) has \(bytes.count) data bytes, but shape \(shape.shapeDescription) of \(type) needs \(expected)")
                }
                data = bytes
            }
        }
        return TFLiteTensor(
            name: name, shape: shape, shapeSignature: signature, type: type, buffer: bufferIndex,
            quantization: quantization, isVariable: isVariable, isSparse: isSparse, data: data)
    }

    /// QuantizationParameters: min, max, scale, zero_point, details (2 slots), quantized_dimension.
    /// Returns nil when the table holds no parameters.
    func quantization(_ t: FlatBufferReader.Table, _ what: String) throws(RuntimeError) -> TFLiteQuantization? {
        let min = try r.float32Vector(t, 0, "\(what) quantization min") ?? []
        let max = try r.float32Vector(t, 1, "\(what) quantization max") ?? []
        let scale = try r.float32Vector(t, 2, "\(what) quantization scale") ?? []
        let zeroPoint = try r.int64Vector(t, 3, "\(what) quantization zero_point") ?? []
        let axis = Int(try r.int32(t, 6, default: 0, "\(what) quantized_dimension"))
        if min.isEmpty, max.isEmpty, scale.isEmpty, zeroPoint.isEmpty { return nil }
        guard scale.isEmpty || zeroPoint.isEmpty || scale.count == zeroPoint.count else {
            throw r.fail("\(what) has \(scale.count) quantization scales but \(zeroPoint.count) zero points")
        }
        return TFLiteQuantization(scale: scale, zeroPoint: zeroPoint, quantizedDimension: axis, min: min, max: max)
    }

    /// Operator: opcode_index, inputs, outputs, builtin_options_type, builtin_options, ...
    func op(
        _ t: FlatBufferReader.Table, index: Int, subgraph: String, codes: [TFLiteOperatorCode],
        tensorCount: Int
    ) throws(RuntimeError) -> TFLiteOperator {
        var what = "operator \(index) of \(subgraph)"
        let opcodeIndex = Int(try r.uint32(t, 0, default: 0, "\(what) opcode_index"))
        guard opcodeIndex < codes.count else {
            throw r.fail("\(what) has opcode_index \(opcodeIndex), but there are \(codes.count) operator codes")
        }
        let code = codes[opcodeIndex]
        what = "operator \(index) (\(code.op.name)) of \(subgraph)"
        let inputs = try r.int32Vector(t, 1, "\(what) inputs") ?? []
        for i in inputs where i < -1 || i >= tensorCount {
            throw r.fail("\(what) has input tensor \(i), but there are \(tensorCount) tensors")
        }
        let outputs = try r.int32Vector(t, 2, "\(what) outputs") ?? []
        for i in outputs where i < 0 || i >= tensorCount {
            throw r.fail("\(what) has output tensor \(i), but there are \(tensorCount) tensors")
        }
        var optionsType = Int(try r.uint8(t, 3, default: 0, "\(what) builtin_options_type"))
        let optionsTable = optionsType == 0 ? nil : try r.table(t, 4, "\(what) builtin_options")
        if optionsType == 0 {
            // No options stored: the schema defaults of the operator's options table apply
            // (e.g. a RESHAPE that takes its new shape from its second input).
            optionsType = TFLiteOptions.defaultType(for: code.op)
        }
        let options = try TFLiteOptions.parse(type: optionsType, table: optionsTable, reader: r, what)
        return TFLiteOperator(
            op: code.op, customCode: code.customCode, version: code.version, inputs: inputs,
            outputs: outputs, options: options)
    }
}
