/// One element of a shape computed inside a TFLite graph: the (run-time) batch size or a number.
enum SymbolicDimension: Equatable {
    case batch
    case value(Int)
}

extension InferenceGraph {
    /// Lowers a float TFLite model (a chain of the operators MobileNet v1 files use) to an
    /// inference graph. Shape arithmetic (SHAPE, STRIDED_SLICE, PACK feeding RESHAPE, as Keras 3
    /// exports emit) is evaluated here with the batch size kept symbolic. Any other operator is
    /// rejected with an error naming it.
    ///
    /// Each constant's bytes are freed once its last reader is lowered, unless the caller keeps
    /// its own copy of `model`: a model handed over (`consume`) is never resident twice.
    public init(_ model: consuming TFLiteModel) throws {
        guard !model.subgraphs.isEmpty else {
            throw MobileNetError.malformed(format: "tflite", reason: "the model has no subgraph")
        }
        var lowering = try TFLiteLowering(model.subgraphs[0])
        _ = consume model  // the lowering's subgraph now holds the only references to the data
        let input = lowering.graph.tensors[lowering.graph.inputs[0]]
        guard input.type == .float32 else {
            throw MobileNetError.unsupported("input tensor '\(input.name)' is \(input.type); the float engine runs FLOAT32 models (int8 models run in a QuantizedSession, see ModelLoader.load)")
        }
        let operators = lowering.graph.operators
        var lastReader: [Int: Int] = [:]
        for (index, op) in operators.enumerated() {
            for tensor in op.inputs where tensor >= 0 { lastReader[tensor] = index }
        }
        for (index, op) in operators.enumerated() {
            try lowering.lower(op, index: index)
            for tensor in op.inputs where tensor >= 0 && lastReader[tensor] == index {
                lowering.graph.tensors[tensor].data = nil
            }
        }
        try lowering.finish()
        try self.init(inputShape: lowering.inputShape, operations: lowering.operations)
    }
}

/// The state of lowering one subgraph: the tensor the chain has reached and its per-image shape.
/// Shared with the int8 lowering, which tracks `current` and `shape` the same way and uses the
/// shape arithmetic (SHAPE, STRIDED_SLICE, PACK, RESHAPE targets) and SAME padding from here.
struct TFLiteLowering {
    /// The subgraph; the float lowering drops constants' data from it once they are converted.
    var graph: TFLiteSubgraph
    let inputShape: [Int]
    /// The batch size the file declares for its input (usually 1).
    let declaredBatch: Int
    var operations: [Operation] = []
    var current: Int
    var shape: [Int]
    var symbolic: [Int: [SymbolicDimension]] = [:]

    init(_ graph: TFLiteSubgraph) throws {
        self.graph = graph
        guard graph.inputs.count == 1, graph.outputs.count == 1 else {
            throw MobileNetError.unsupported("models with \(graph.inputs.count) inputs and \(graph.outputs.count) outputs (one of each is supported)")
        }
        let input = graph.tensors[graph.inputs[0]]
        guard input.shape.count == 4, input.shape[3] >= 1 else {
            throw MobileNetError.unsupported("input tensor '\(input.name)' has shape \(input.shape.shapeDescription); an NHWC image batch is expected")
        }
        inputShape = Array(input.shape.dropFirst())
        declaredBatch = input.shape[0]
        current = graph.inputs[0]
        shape = inputShape
    }

    func tensor(_ index: Int) -> TFLiteTensor { graph.tensors[index] }

    func input(_ op: TFLiteOperator, _ position: Int, _ what: String) throws -> TFLiteTensor {
        guard position < op.inputs.count, op.inputs[position] >= 0 else {
            throw MobileNetError.malformed(format: "tflite", reason: "\(op.op.name) has no \(what) input")
        }
        return tensor(op.inputs[position])
    }

    func constantFloats(_ op: TFLiteOperator, _ position: Int, _ what: String) throws -> Tensor<Float> {
        let t = try input(op, position, what)
        guard t.data != nil else {
            throw MobileNetError.unsupported("\(op.op.name) with a non-constant \(what) ('\(t.name)')")
        }
        return try t.floats()
    }

    /// The optional bias input, or zeros.
    func bias(_ op: TFLiteOperator, count: Int) throws -> [Float] {
        guard op.inputs.count > 2, op.inputs[2] >= 0 else { return [Float](repeating: 0, count: count) }
        let b = try constantFloats(op, 2, "bias")
        guard b.count == count else {
            throw MobileNetError.shapeMismatch("\(op.op.name) bias has \(b.count) values for \(count) outputs")
        }
        return b.scalars
    }

    func constantInts(_ t: TFLiteTensor) throws -> [Int] {
        switch t.type {
        case .int32: return try t.int32s().scalars.map(Int.init)
        case .int64:
            guard let data = t.data, data.count == t.elementCount * 8 else {
                throw MobileNetError.unsupported("non-constant int64 tensor '\(t.name)'")
            }
            return (0..<t.elementCount).map { i in
                (0..<8).reduce(0) { $0 | Int(data[i * 8 + $1]) << (8 * $1) }
            }
        default:
            throw MobileNetError.unsupported("tensor '\(t.name)' of type \(t.type) where int32 was expected")
        }
    }

    func clamp(_ activation: TFLiteActivation, _ op: TFLiteOperator) throws -> Clamp {
        switch activation {
        case .none: return .none
        case .relu: return Clamp(.relu)
        case .relu6: return Clamp(.relu6)
        case .reluN1To1: return Clamp(lower: -1, upper: 1)
        default: throw MobileNetError.unsupported("fused activation \(activation) on \(op.op.name)")
        }
    }

    func padding(_ mode: TFLitePadding, kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int) -> Padding {
        guard mode == .same else { return .zero }
        let vertical = Padding.same(height: shape[0], width: shape[0], kernel: kernelHeight, stride: strideH)
        let horizontal = Padding.same(height: shape[1], width: shape[1], kernel: kernelWidth, stride: strideW)
        return Padding(top: vertical.top, left: horizontal.left, bottom: vertical.bottom, right: horizontal.right)
    }

    /// Checks that `op` continues the chain: its first input is the current activation.
    func requireChain(_ op: TFLiteOperator, index: Int) throws {
        guard op.inputs.first == current else {
            throw MobileNetError.unsupported(
                "operator \(index) (\(op.op.name)) does not read the previous operator's output; only chains of operators are supported")
        }
    }

    mutating func append(_ operation: Operation, _ op: TFLiteOperator, index: Int) throws {
        let next = try operation.outputShape(for: shape)
        guard let out = op.outputs.first, out >= 0 else {
            throw MobileNetError.malformed(format: "tflite", reason: "operator \(index) (\(op.op.name)) has no output")
        }
        let declared = Array(tensor(out).shape.dropFirst())
        if !declared.isEmpty, declared != next {
            throw MobileNetError.shapeMismatch(
                "operator \(index) (\(op.op.name)) computes \(next.shapeDescription) per image but the file declares \(tensor(out).shape.shapeDescription)")
        }
        operations.append(operation)
        current = out
        shape = next
    }

    mutating func lower(_ op: TFLiteOperator, index: Int) throws {
        switch op.op {
        case .conv2D:
            try requireChain(op, index: index)
            guard case .conv2D(let pad, let sw, let sh, let act, let dw, let dh) = op.options else {
                throw MobileNetError.malformed(format: "tflite", reason: "CONV_2D operator \(index) has no Conv2DOptions")
            }
            guard dw == 1, dh == 1 else { throw MobileNetError.unsupported("dilated CONV_2D (operator \(index))") }
            let filter = try constantFloats(op, 1, "filter")  // [out, kh, kw, in]
            guard filter.rank == 4, filter.shape[3] == shape[2] else {
                throw MobileNetError.shapeMismatch("CONV_2D operator \(index) filter \(filter.shape.shapeDescription) for \(shape[2]) input channels")
            }
            let (cout, kh, kw, cin) = (filter.shape[0], filter.shape[1], filter.shape[2], filter.shape[3])
            var hwio = [Float](repeating: 0, count: filter.count)
            for o in 0..<cout { for y in 0..<kh { for x in 0..<kw { for i in 0..<cin {
                hwio[((y * kw + x) * cin + i) * cout + o] = filter.scalars[((o * kh + y) * kw + x) * cin + i]
            } } } }
            try append(.convolution(Convolution(
                kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                padding: padding(pad, kernelHeight: kh, kernelWidth: kw, strideH: sh, strideW: sw),
                inputChannels: cin, outputChannels: cout, weights: hwio,
                bias: try bias(op, count: cout), clamp: try clamp(act, op))), op, index: index)

        case .depthwiseConv2D:
            try requireChain(op, index: index)
            guard case .depthwiseConv2D(let pad, let sw, let sh, _, let act, let dw, let dh) = op.options else {
                throw MobileNetError.malformed(format: "tflite", reason: "DEPTHWISE_CONV_2D operator \(index) has no options")
            }
            guard dw == 1, dh == 1 else { throw MobileNetError.unsupported("dilated DEPTHWISE_CONV_2D (operator \(index))") }
            let filter = try constantFloats(op, 1, "filter")  // [1, kh, kw, in·multiplier]
            guard filter.rank == 4, filter.shape[0] == 1, filter.shape[3] % shape[2] == 0 else {
                throw MobileNetError.shapeMismatch("DEPTHWISE_CONV_2D operator \(index) filter \(filter.shape.shapeDescription) for \(shape[2]) input channels")
            }
            let (kh, kw, cout) = (filter.shape[1], filter.shape[2], filter.shape[3])
            try append(.depthwiseConvolution(DepthwiseConvolution(
                kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                padding: padding(pad, kernelHeight: kh, kernelWidth: kw, strideH: sh, strideW: sw),
                inputChannels: shape[2], multiplier: cout / shape[2], weights: filter.scalars,
                bias: try bias(op, count: cout), clamp: try clamp(act, op))), op, index: index)

        case .averagePool2D:
            try requireChain(op, index: index)
            guard case .pool2D(let pad, let sw, let sh, let fw, let fh, let act) = op.options, shape.count == 3 else {
                throw MobileNetError.malformed(format: "tflite", reason: "AVERAGE_POOL_2D operator \(index) has no Pool2DOptions")
            }
            try append(.averagePool(AveragePool(
                windowHeight: fh, windowWidth: fw, strideHeight: sh, strideWidth: sw,
                padding: padding(pad, kernelHeight: fh, kernelWidth: fw, strideH: sh, strideW: sw),
                clamp: try clamp(act, op))), op, index: index)

        case .mean:
            try requireChain(op, index: index)
            let axes = Set(try constantInts(try input(op, 1, "axis")).map { $0 < 0 ? $0 + 4 : $0 })
            guard axes == [1, 2], shape.count == 3 else {
                throw MobileNetError.unsupported("MEAN over axes \(axes.sorted()) (operator \(index)); only the spatial mean is supported")
            }
            guard case .reducer(let keep) = op.options else {
                throw MobileNetError.malformed(format: "tflite", reason: "MEAN operator \(index) has no ReducerOptions")
            }
            try append(.globalAveragePool(keepDimensions: keep), op, index: index)

        case .pad:
            try requireChain(op, index: index)
            let p = try constantInts(try input(op, 1, "paddings"))
            guard p.count == 8, shape.count == 3, p[0] == 0, p[1] == 0, p[6] == 0, p[7] == 0, p.allSatisfy({ $0 >= 0 }) else {
                throw MobileNetError.unsupported("PAD with paddings \(p) (operator \(index)); only spatial zero padding is supported")
            }
            if op.inputs.count > 2, op.inputs[2] >= 0 {
                throw MobileNetError.unsupported("PAD with a constant value (operator \(index))")
            }
            try append(.pad(Padding(top: p[2], left: p[4], bottom: p[3], right: p[5])), op, index: index)

        case .reshape:
            try requireChain(op, index: index)
            try append(.reshape(try reshapeTarget(op, index: index)), op, index: index)

        case .fullyConnected:
            try requireChain(op, index: index)
            guard case .fullyConnected(let act, let keep, let format) = op.options else {
                throw MobileNetError.malformed(format: "tflite", reason: "FULLY_CONNECTED operator \(index) has no options")
            }
            guard format == 0 else { throw MobileNetError.unsupported("shuffled FULLY_CONNECTED weights (operator \(index))") }
            let w = try constantFloats(op, 1, "weights")  // [out, in]
            guard w.rank == 2, w.shape[1] == shape.reduce(1, *) else {
                throw MobileNetError.shapeMismatch("FULLY_CONNECTED operator \(index) weights \(w.shape.shapeDescription) for \(shape.reduce(1, *)) inputs")
            }
            if keep && shape.count != 1 {
                throw MobileNetError.unsupported("FULLY_CONNECTED with keep_num_dims on a \(shape.count + 1)-D input (operator \(index))")
            }
            let (outputs, inputs) = (w.shape[0], w.shape[1])
            var io = [Float](repeating: 0, count: w.count)
            for o in 0..<outputs { for i in 0..<inputs { io[i * outputs + o] = w.scalars[o * inputs + i] } }
            try append(.fullyConnected(FullyConnected(inputs: inputs, outputs: outputs, weights: io,
                                                      bias: try bias(op, count: outputs), clamp: try clamp(act, op))),
                       op, index: index)

        case .softmax:
            try requireChain(op, index: index)
            guard case .softmax(let beta) = op.options else {
                throw MobileNetError.malformed(format: "tflite", reason: "SOFTMAX operator \(index) has no SoftmaxOptions")
            }
            try append(.softmax(beta: beta), op, index: index)

        case .shape:
            let source = try input(op, 0, "input")
            let dims: [SymbolicDimension]
            if op.inputs[0] == current {
                dims = [.batch] + shape.map { .value($0) }
            } else if op.inputs[0] == graph.inputs[0] {
                dims = [.batch] + inputShape.map { .value($0) }
            } else {
                dims = source.shape.map { .value($0) }
            }
            try record(op, dims)

        case .stridedSlice:
            try lowerStridedSlice(op, index: index)

        case .pack:
            guard case .pack(_, let axis) = op.options, axis == 0 else {
                throw MobileNetError.unsupported("PACK other than along axis 0 (operator \(index))")
            }
            var dims: [SymbolicDimension] = []
            for position in op.inputs.indices {
                let values = try symbolicValues(op.inputs[position], index: index)
                guard values.count == 1 else {
                    throw MobileNetError.unsupported("PACK of non-scalar shape values (operator \(index))")
                }
                dims += values
            }
            try record(op, dims)

        default:
            let name = op.op == .custom ? "CUSTOM (\(op.customCode ?? "?"))" : op.op.name
            throw MobileNetError.unsupported("TFLite operator \(name) (operator \(index)); supported: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MEAN, PAD, RESHAPE, FULLY_CONNECTED, SOFTMAX, SHAPE, STRIDED_SLICE, PACK")
        }
    }

    mutating func record(_ op: TFLiteOperator, _ dims: [SymbolicDimension]) throws {
        guard let out = op.outputs.first, out >= 0 else {
            throw MobileNetError.malformed(format: "tflite", reason: "\(op.op.name) has no output")
        }
        symbolic[out] = dims
    }

    /// The values of an int tensor: one computed by shape operators, or a constant.
    func symbolicValues(_ index: Int, index opIndex: Int) throws -> [SymbolicDimension] {
        if let values = symbolic[index] { return values }
        let t = tensor(index)
        guard t.data != nil else {
            throw MobileNetError.unsupported("shape value '\(t.name)' is computed at run time (operator \(opIndex))")
        }
        return try constantInts(t).map { .value($0) }
    }

    mutating func lowerStridedSlice(_ op: TFLiteOperator, index: Int) throws {
        guard case .stridedSlice(let beginMask, let endMask, let ellipsis, let newAxis, let shrink, let offset) = op.options else {
            throw MobileNetError.malformed(format: "tflite", reason: "STRIDED_SLICE operator \(index) has no options")
        }
        guard ellipsis == 0, newAxis == 0 else {
            throw MobileNetError.unsupported("STRIDED_SLICE with ellipsis or new-axis masks (operator \(index))")
        }
        let values = try symbolicValues(op.inputs[0], index: index)
        let begin = try constantInts(try input(op, 1, "begin"))
        let end = try constantInts(try input(op, 2, "end"))
        let strides = try constantInts(try input(op, 3, "strides"))
        guard begin.count == 1, end.count == 1, strides.count == 1, strides[0] != 0 else {
            throw MobileNetError.unsupported("STRIDED_SLICE on other than a 1-D shape vector (operator \(index))")
        }
        let n = values.count, step = strides[0]
        func normalise(_ i: Int) -> Int { i < 0 ? i + n : i }
        var low = beginMask & 1 != 0 ? (step > 0 ? 0 : n - 1) : normalise(begin[0])
        var high = endMask & 1 != 0 ? (step > 0 ? n : -1) : (offset ? low + end[0] : normalise(end[0]))
        if shrink & 1 != 0 { high = low + 1; low = max(0, low) }
        var result: [SymbolicDimension] = []
        var i = low
        while step > 0 ? i < min(high, n) : i > max(high, -1) {
            guard i >= 0, i < n else { break }
            result.append(values[i])
            i += step
        }
        try record(op, result)
    }

    /// The per-image target of a RESHAPE: from its shape input (constant or computed) or its
    /// options; the leading dimension must be the batch (symbolic, -1, or the batch the file
    /// declares for its input, which the engine then replaces by the run's batch).
    func reshapeTarget(_ op: TFLiteOperator, index: Int) throws -> [Int] {
        var dims: [SymbolicDimension]
        if op.inputs.count > 1, op.inputs[1] >= 0 {
            dims = try symbolicValues(op.inputs[1], index: index)
        } else if case .reshape(let newShape?) = op.options {
            dims = newShape.map { .value($0) }
        } else {
            throw MobileNetError.malformed(format: "tflite", reason: "RESHAPE operator \(index) has no target shape")
        }
        let count = shape.reduce(1, *)
        guard let first = dims.first else {
            throw MobileNetError.unsupported("RESHAPE to a scalar (operator \(index))")
        }
        switch first {
        case .batch, .value(-1): dims.removeFirst()
        case .value(let v) where v == declaredBatch || v == 1: dims.removeFirst()
        default:
            throw MobileNetError.unsupported("RESHAPE that changes the batch dimension (operator \(index))")
        }
        var target: [Int] = []
        for d in dims {
            guard case .value(let v) = d else {
                throw MobileNetError.unsupported("RESHAPE with the batch size in a non-leading dimension (operator \(index))")
            }
            target.append(v)
        }
        if let unknown = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw MobileNetError.shapeMismatch("RESHAPE of \(count) elements to \(target.shapeDescription) (operator \(index))")
            }
            target[unknown] = count / known
        }
        return target
    }

    func finish() throws {
        guard current == graph.outputs[0] else {
            throw MobileNetError.unsupported("the model's output '\(tensor(graph.outputs[0]).name)' is not the end of its operator chain")
        }
    }
}
