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

/// The state of lowering one float subgraph: the chain walk (`TFLiteChain`, shared with the int8
/// lowering in MobileNetRuntime) and the float operations built so far.
struct TFLiteLowering {
    var chain: TFLiteChain
    var operations: [Operation] = []

    init(_ graph: TFLiteSubgraph) throws {
        chain = try TFLiteChain(graph)
    }

    /// The subgraph; constants' data is dropped from it once converted.
    var graph: TFLiteSubgraph {
        get { chain.graph }
        _modify { yield &chain.graph }
    }
    var inputShape: [Int] { chain.inputShape }
    var shape: [Int] { chain.shape }

    func tensor(_ index: Int) -> TFLiteTensor { chain.tensor(index) }
    func input(_ op: TFLiteOperator, _ position: Int, _ what: String) throws -> TFLiteTensor {
        try chain.input(op, position, what)
    }
    func constantInts(_ t: TFLiteTensor) throws -> [Int] { try chain.constantInts(t) }
    func padding(_ mode: TFLitePadding, kernelHeight: Int, kernelWidth: Int, strideH: Int, strideW: Int) -> Padding {
        chain.padding(mode, kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideH: strideH, strideW: strideW)
    }
    func requireChain(_ op: TFLiteOperator, index: Int) throws { try chain.requireChain(op, index: index) }
    func reshapeTarget(_ op: TFLiteOperator, index: Int) throws -> [Int] { try chain.reshapeTarget(op, index: index) }
    func finish() throws { try chain.finish() }

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

    func clamp(_ activation: TFLiteActivation, _ op: TFLiteOperator) throws -> Clamp {
        switch activation {
        case .none: return .none
        case .relu: return Clamp(.relu)
        case .relu6: return Clamp(.relu6)
        case .reluN1To1: return Clamp(lower: -1, upper: 1)
        default: throw MobileNetError.unsupported("fused activation \(activation) on \(op.op.name)")
        }
    }

    mutating func append(_ operation: Operation, _ op: TFLiteOperator, index: Int) throws {
        try chain.advance(op, index: index, to: try operation.outputShape(for: shape))
        operations.append(operation)
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

        case .shape, .stridedSlice, .pack:
            try chain.lowerShapeArithmetic(op, index: index)

        default:
            let name = op.op == .custom ? "CUSTOM (\(op.customCode ?? "?"))" : op.op.name
            throw MobileNetError.unsupported("TFLite operator \(name) (operator \(index)); supported: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MEAN, PAD, RESHAPE, FULLY_CONNECTED, SOFTMAX, SHAPE, STRIDED_SLICE, PACK")
        }
    }
}
