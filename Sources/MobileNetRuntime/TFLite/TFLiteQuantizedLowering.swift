extension QuantizedGraph {
    /// Lowers a fully quantized TFLite model (int8 activations, int8 per-channel weights, int32
    /// biases; int8 input or a float input quantized by a leading QUANTIZE, int8 output or a
    /// trailing DEQUANTIZE) to an int8 graph. Every requantization parameter is derived here the
    /// way TFLite's kernels prepare them, so the session computes what TFLite's reference
    /// kernels compute. Any other operator or tensor type is rejected with an error naming it.
    public init(_ model: TFLiteModel) throws(RuntimeError) {
        guard let graph = model.subgraphs.first else {
            throw RuntimeError.malformed(format: "tflite", reason: "the model has no subgraph")
        }
        var lowering = try TFLiteQuantizedLowering(graph)
        for (index, op) in graph.operators.enumerated() {
            try lowering.lower(op, index: index)
        }
        let output = try lowering.finish()
        try self.init(inputShape: lowering.base.inputShape, inputQuantization: lowering.inputQuantization,
                      outputQuantization: output, takesFloatInput: lowering.takesFloatInput,
                      returnsFloatOutput: lowering.returnsFloatOutput, operations: lowering.operations)
    }
}

extension TFLiteModel {
    /// True when the main subgraph computes in int8: its input is INT8, or a FLOAT32 input feeds
    /// a QUANTIZE to INT8 as the first operator.
    public var isQuantized: Bool {
        guard let graph = subgraphs.first, graph.inputs.count == 1 else { return false }
        let input = graph.tensors[graph.inputs[0]]
        if input.type == .int8 { return true }
        guard input.type == .float32, let first = graph.operators.first, first.op == .quantize,
              first.inputs.first == graph.inputs[0], let out = first.outputs.first else { return false }
        return graph.tensors[out].type == .int8
    }
}

/// The state of lowering a quantized subgraph: the float lowering's chain and shape tracking,
/// plus the int8 operations and the quantization at the graph's edges.
struct TFLiteQuantizedLowering {
    var base: TFLiteChain
    var operations: [QuantizedOperation] = []
    var inputQuantization: QuantizationParameters
    let takesFloatInput: Bool
    var returnsFloatOutput = false
    /// Set once the leading QUANTIZE of a float-input model has been lowered.
    var quantizedInput: Bool

    init(_ graph: TFLiteSubgraph) throws(RuntimeError) {
        base = try TFLiteChain(graph)
        let input = graph.tensors[graph.inputs[0]]
        switch input.type {
        case .int8:
            inputQuantization = try Self.activation(input)
            takesFloatInput = false
            quantizedInput = true
        case .float32:
            inputQuantization = QuantizationParameters(scale: 1, zeroPoint: 0)  // set by QUANTIZE
            takesFloatInput = true
            quantizedInput = false
        default:
            throw RuntimeError.unsupported("input tensor '\(input.name)' is \(input.type); the int8 engine runs INT8 models (or FLOAT32 input through QUANTIZE)")
        }
    }

    // MARK: - Tensors and parameters

    /// The per-tensor quantization of an int8 activation tensor.
    static func activation(_ t: TFLiteTensor) throws(RuntimeError) -> QuantizationParameters {
        guard t.type == .int8 else {
            throw RuntimeError.unsupported("tensor '\(t.name)' is \(t.type); int8 activations are expected")
        }
        guard let q = t.quantization, q.scale.count == 1, q.zeroPoint.count <= 1 else {
            throw RuntimeError.unsupported("tensor '\(t.name)' has no per-tensor quantization (one scale and zero point)")
        }
        let zeroPoint = q.zeroPoint.first ?? 0
        guard q.scale[0].isFinite, q.scale[0] > 0, (-128...127).contains(zeroPoint) else {
            throw RuntimeError.unsupported("tensor '\(t.name)' has scale \(q.scale[0]) and zero point \(zeroPoint)")
        }
        return QuantizationParameters(scale: q.scale[0], zeroPoint: Int32(zeroPoint))
    }

    /// The scales of a symmetric int8 weight tensor: one per channel along `axis`, or one for all.
    static func weightScales(_ t: TFLiteTensor, channels: Int, axis: Int) throws(RuntimeError) -> [Float] {
        guard let q = t.quantization, !q.scale.isEmpty else {
            throw RuntimeError.unsupported("weights '\(t.name)' are not quantized")
        }
        guard q.zeroPoint.allSatisfy({ $0 == 0 }) else {
            throw RuntimeError.unsupported("weights '\(t.name)' have non-zero zero points (symmetric int8 weights are expected)")
        }
        if q.scale.count == 1 { return [Float](repeating: q.scale[0], count: channels) }
        guard q.scale.count == channels, q.quantizedDimension == axis else {
            throw RuntimeError.unsupported("weights '\(t.name)' have \(q.scale.count) scales along dimension \(q.quantizedDimension); \(channels) along dimension \(axis) are expected")
        }
        return q.scale
    }

    func tensor(_ index: Int) -> TFLiteTensor { base.tensor(index) }

    /// A constant tensor's shape and values.
    struct Constant<Scalar> {
        var shape: [Int]
        var scalars: [Scalar]
        var rank: Int { shape.count }
    }

    /// The int8 constant weights at input `position`.
    func weights(_ op: TFLiteOperator, _ position: Int) throws(RuntimeError) -> Constant<Int8> {
        let t = try base.input(op, position, "weights")
        guard t.data != nil else {
            throw RuntimeError.unsupported("\(op.op.name) with non-constant weights ('\(t.name)')")
        }
        return Constant(shape: t.shape, scalars: try t.int8Values())
    }

    /// The optional int32 bias (zeros when absent).
    func bias(_ op: TFLiteOperator, count: Int) throws(RuntimeError) -> [Int32] {
        guard op.inputs.count > 2, op.inputs[2] >= 0 else { return [Int32](repeating: 0, count: count) }
        let t = tensor(op.inputs[2])
        guard t.data != nil else {
            throw RuntimeError.unsupported("\(op.op.name) with a non-constant bias ('\(t.name)')")
        }
        let b = try t.int32Values()
        guard b.count == count else {
            throw RuntimeError.shapeMismatch("\(op.op.name) bias '\(t.name)' has \(b.count) values for \(count) outputs")
        }
        return b
    }

    /// The quantization of the op's (int8) output tensor.
    func outputQuantization(_ op: TFLiteOperator, index: Int) throws(RuntimeError) -> QuantizationParameters {
        guard let out = op.outputs.first, out >= 0 else {
            throw RuntimeError.malformed(format: "tflite", reason: "operator \(index) (\(op.op.name)) has no output")
        }
        return try Self.activation(tensor(out))
    }

    /// The clamp of a fused activation on the output's quantized range
    /// (`CalculateActivationRangeQuantized`: real bounds quantized in float, round half away).
    static func range(_ activation: TFLiteActivation, _ q: QuantizationParameters, _ op: TFLiteOperator) throws(RuntimeError) -> (Int32, Int32) {
        func quantize(_ value: Float) -> Int32 {
            let steps = (value / q.scale).rounded(.toNearestOrAwayFromZero)
            return q.zeroPoint + Int32(max(-1e9, min(1e9, steps)))
        }
        switch activation {
        case .none: return (-128, 127)
        case .relu: return (max(-128, quantize(0)), 127)
        case .relu6: return (max(-128, quantize(0)), min(127, quantize(6)))
        case .reluN1To1: return (max(-128, quantize(-1)), min(127, quantize(1)))
        default: throw RuntimeError.unsupported("fused activation \(activation) on int8 \(op.op.name)")
        }
    }

    /// Per-channel requantization: `input scale · weight scale[c] / output scale` as TFLite forms
    /// it (each factor widened to double), plus the output zero point and activation clamp.
    static func requantization(input: QuantizationParameters, weightScales: [Float], output: QuantizationParameters,
                               activation: TFLiteActivation, _ op: TFLiteOperator) throws(RuntimeError) -> Requantization {
        let multipliers = try weightScales.map { (scale) throws(RuntimeError) in
            try FixedPointMultiplier(Double(input.scale) * Double(scale) / Double(output.scale))
        }
        let (lower, upper) = try range(activation, output, op)
        return Requantization(multipliers: multipliers, outputZeroPoint: output.zeroPoint, lower: lower, upper: upper)
    }

    // MARK: - Operators

    mutating func append(_ operation: QuantizedOperation, _ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.advance(op, index: index, to: try operation.outputShape(for: base.shape))
        operations.append(operation)
    }

    mutating func lower(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        if !quantizedInput, op.op != .quantize {
            throw RuntimeError.unsupported("a FLOAT32 model input that does not go through QUANTIZE first (operator \(index) is \(op.op.name))")
        }
        if returnsFloatOutput {
            throw RuntimeError.unsupported("operator \(index) (\(op.op.name)) after the DEQUANTIZE of the output")
        }
        switch op.op {
        case .shape, .stridedSlice, .pack:
            try base.lowerShapeArithmetic(op, index: index)  // no data
        case .quantize:
            try lowerQuantize(op, index: index)
        case .dequantize:
            try base.requireChain(op, index: index)
            guard let out = op.outputs.first, out >= 0, tensor(out).type == .float32 else {
                throw RuntimeError.unsupported("DEQUANTIZE (operator \(index)) to other than FLOAT32")
            }
            returnsFloatOutput = true
            base.current = out
        case .conv2D:
            try lowerConvolution(op, index: index)
        case .depthwiseConv2D:
            try lowerDepthwise(op, index: index)
        case .fullyConnected:
            try lowerFullyConnected(op, index: index)
        case .averagePool2D:
            try base.requireChain(op, index: index)
            guard case .pool2D(let pad, let sw, let sh, let fw, let fh, let act) = op.options, base.shape.count == 3 else {
                throw RuntimeError.malformed(format: "tflite", reason: "AVERAGE_POOL_2D operator \(index) has no Pool2DOptions")
            }
            let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
            guard input == output else {
                throw RuntimeError.unsupported("int8 AVERAGE_POOL_2D (operator \(index)) that changes the quantization")
            }
            let (lower, upper) = try Self.range(act, output, op)
            try append(.averagePool(QuantizedAveragePool(
                windowHeight: fh, windowWidth: fw, strideHeight: sh, strideWidth: sw,
                padding: base.padding(pad, kernelHeight: fh, kernelWidth: fw, strideH: sh, strideW: sw),
                lower: lower, upper: upper)), op, index: index)
        case .mean:
            try base.requireChain(op, index: index)
            let axes = Set(try base.constantInts(try base.input(op, 1, "axis")).map { $0 < 0 ? $0 + 4 : $0 })
            guard axes == [1, 2], base.shape.count == 3, case .reducer(let keep) = op.options else {
                throw RuntimeError.unsupported("MEAN over axes \(axes.sorted()) (operator \(index)); only the spatial mean is supported")
            }
            let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
            try append(.mean(QuantizedMean(
                keepDimensions: keep, inputZeroPoint: input.zeroPoint,
                scale: try FixedPointMultiplier(Double(input.scale) / Double(output.scale)),
                outputZeroPoint: output.zeroPoint)), op, index: index)
        case .pad, .padV2:
            try lowerPad(op, index: index)
        case .reshape:
            try base.requireChain(op, index: index)
            try append(.reshape(try base.reshapeTarget(op, index: index)), op, index: index)
        case .softmax:
            try lowerSoftmax(op, index: index)
        default:
            let name = op.op == .custom ? "CUSTOM (\(op.customCode ?? "?"))" : op.op.name
            throw RuntimeError.unsupported("int8 TFLite operator \(name) (operator \(index)); supported: QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MEAN, PAD, PADV2, RESHAPE, FULLY_CONNECTED, SOFTMAX, DEQUANTIZE, SHAPE, STRIDED_SLICE, PACK")
        }
    }

    mutating func lowerQuantize(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        guard !quantizedInput, op.inputs.first == base.graph.inputs[0] else {
            throw RuntimeError.unsupported("QUANTIZE (operator \(index)) other than of the FLOAT32 model input (requantization inside the graph)")
        }
        guard let out = op.outputs.first, out >= 0 else {
            throw RuntimeError.malformed(format: "tflite", reason: "QUANTIZE operator \(index) has no output")
        }
        let declared = Array(tensor(out).shape.dropFirst())
        guard declared.isEmpty || declared == base.shape else {
            throw RuntimeError.shapeMismatch("QUANTIZE (operator \(index)) changes the shape to \(tensor(out).shape.shapeDescription)")
        }
        inputQuantization = try Self.activation(tensor(out))
        quantizedInput = true
        base.current = out
    }

    mutating func lowerConvolution(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.requireChain(op, index: index)
        guard case .conv2D(let pad, let sw, let sh, let act, let dw, let dh) = op.options else {
            throw RuntimeError.malformed(format: "tflite", reason: "CONV_2D operator \(index) has no Conv2DOptions")
        }
        guard dw == 1, dh == 1 else { throw RuntimeError.unsupported("dilated CONV_2D (operator \(index))") }
        guard base.shape.count == 3 else {
            throw RuntimeError.shapeMismatch("CONV_2D operator \(index) on a \(base.shape.shapeDescription) input")
        }
        let filter = try weights(op, 1)  // [out, kh, kw, in]
        guard filter.rank == 4, filter.shape[3] == base.shape[2] else {
            throw RuntimeError.shapeMismatch("CONV_2D operator \(index) filter \(filter.shape.shapeDescription) for \(base.shape[2]) input channels")
        }
        let (cout, kh, kw, cin) = (filter.shape[0], filter.shape[1], filter.shape[2], filter.shape[3])
        let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
        let scales = try Self.weightScales(tensor(op.inputs[1]), channels: cout, axis: 0)
        try append(.convolution(QuantizedConvolution(
            kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
            padding: base.padding(pad, kernelHeight: kh, kernelWidth: kw, strideH: sh, strideW: sw),
            inputChannels: cin, outputChannels: cout, weights: filter.scalars, bias: try bias(op, count: cout),
            inputZeroPoint: input.zeroPoint,
            requantization: try Self.requantization(input: input, weightScales: scales, output: output,
                                                    activation: act, op))), op, index: index)
    }

    mutating func lowerDepthwise(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.requireChain(op, index: index)
        guard case .depthwiseConv2D(let pad, let sw, let sh, _, let act, let dw, let dh) = op.options else {
            throw RuntimeError.malformed(format: "tflite", reason: "DEPTHWISE_CONV_2D operator \(index) has no options")
        }
        guard dw == 1, dh == 1 else { throw RuntimeError.unsupported("dilated DEPTHWISE_CONV_2D (operator \(index))") }
        guard base.shape.count == 3 else {
            throw RuntimeError.shapeMismatch("DEPTHWISE_CONV_2D operator \(index) on a \(base.shape.shapeDescription) input")
        }
        let filter = try weights(op, 1)  // [1, kh, kw, in·multiplier]
        guard filter.rank == 4, filter.shape[0] == 1, filter.shape[3] % base.shape[2] == 0 else {
            throw RuntimeError.shapeMismatch("DEPTHWISE_CONV_2D operator \(index) filter \(filter.shape.shapeDescription) for \(base.shape[2]) input channels")
        }
        let (kh, kw, cout) = (filter.shape[1], filter.shape[2], filter.shape[3])
        let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
        let scales = try Self.weightScales(tensor(op.inputs[1]), channels: cout, axis: 3)
        try append(.depthwiseConvolution(QuantizedDepthwiseConvolution(
            kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
            padding: base.padding(pad, kernelHeight: kh, kernelWidth: kw, strideH: sh, strideW: sw),
            inputChannels: base.shape[2], multiplier: cout / base.shape[2], weights: filter.scalars,
            bias: try bias(op, count: cout), inputZeroPoint: input.zeroPoint,
            requantization: try Self.requantization(input: input, weightScales: scales, output: output,
                                                    activation: act, op))), op, index: index)
    }

    mutating func lowerFullyConnected(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.requireChain(op, index: index)
        guard case .fullyConnected(let act, let keep, let format) = op.options else {
            throw RuntimeError.malformed(format: "tflite", reason: "FULLY_CONNECTED operator \(index) has no options")
        }
        guard format == 0 else { throw RuntimeError.unsupported("shuffled FULLY_CONNECTED weights (operator \(index))") }
        let w = try weights(op, 1)  // [out, in]
        let count = base.shape.reduce(1, *)
        guard w.rank == 2, w.shape[1] == count else {
            throw RuntimeError.shapeMismatch("FULLY_CONNECTED operator \(index) weights \(w.shape.shapeDescription) for \(count) inputs")
        }
        if keep && base.shape.count != 1 {
            throw RuntimeError.unsupported("FULLY_CONNECTED with keep_num_dims on a \(base.shape.count + 1)-D input (operator \(index))")
        }
        let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
        let scales = try Self.weightScales(tensor(op.inputs[1]), channels: w.shape[0], axis: 0)
        try append(.fullyConnected(QuantizedFullyConnected(
            inputs: w.shape[1], outputs: w.shape[0], weights: w.scalars, bias: try bias(op, count: w.shape[0]),
            inputZeroPoint: input.zeroPoint,
            requantization: try Self.requantization(input: input, weightScales: scales, output: output,
                                                    activation: act, op))), op, index: index)
    }

    mutating func lowerPad(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.requireChain(op, index: index)
        let p = try base.constantInts(try base.input(op, 1, "paddings"))
        guard p.count == 8, base.shape.count == 3, p[0] == 0, p[1] == 0, p[6] == 0, p[7] == 0, p.allSatisfy({ $0 >= 0 }) else {
            throw RuntimeError.unsupported("PAD with paddings \(p) (operator \(index)); only spatial padding is supported")
        }
        let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
        guard input == output else {
            throw RuntimeError.unsupported("int8 PAD (operator \(index)) that changes the quantization")
        }
        // TFLite pads with the output zero point unless a constant value is given.
        var value = Int8(output.zeroPoint)
        if op.inputs.count > 2, op.inputs[2] >= 0 {
            let constant = try tensor(op.inputs[2]).int8Values()
            guard constant.count == 1 else {
                throw RuntimeError.unsupported("PAD with a non-scalar constant value (operator \(index))")
            }
            value = constant[0]
        }
        try append(.pad(Padding(top: p[2], left: p[4], bottom: p[3], right: p[5]), value: value), op, index: index)
    }

    mutating func lowerSoftmax(_ op: TFLiteOperator, index: Int) throws(RuntimeError) {
        try base.requireChain(op, index: index)
        guard case .softmax(let beta) = op.options else {
            throw RuntimeError.malformed(format: "tflite", reason: "SOFTMAX operator \(index) has no SoftmaxOptions")
        }
        let input = try Self.activation(tensor(base.current)), output = try outputQuantization(op, index: index)
        guard output.zeroPoint == -128, abs(output.scale - 1 / 256) <= 0.001 / 256 else {
            throw RuntimeError.unsupported("int8 SOFTMAX (operator \(index)) with output scale \(output.scale) and zero point \(output.zeroPoint); TFLite requires 1/256 and -128")
        }
        // PreprocessSoftmaxScaling(beta, input scale, 5 integer bits): a multiplier greater than one.
        let real = min(Double(beta) * Double(input.scale) * Double(1 << 26), Double((1 << 31) - 1))
        guard real.isFinite, real > 1 else {
            throw RuntimeError.unsupported("int8 SOFTMAX (operator \(index)) with beta · input scale = \(Double(beta) * Double(input.scale)) (too small for TFLite's fixed-point softmax)")
        }
        let (multiplier, shift) = FixedPointMultiplier.quantize(real)
        // CalculateInputRadius(5, shift, 31) = floor(31 · 2^26 / 2^shift).
        let radius = (Double(31) * Double(1 << 26) / Double(Int64(1) << shift)).rounded(.down)
        try append(.softmax(QuantizedSoftmax(inputMultiplier: multiplier, inputLeftShift: shift,
                                             differenceMinimum: -Int32(radius))), op, index: index)
    }

    /// Checks the chain ends at the model's output; returns the int8 output's quantization.
    func finish() throws(RuntimeError) -> QuantizationParameters {
        try base.finish()
        guard quantizedInput else {
            throw RuntimeError.unsupported("a FLOAT32 model without QUANTIZE (run it with the float engine)")
        }
        var last = base.current
        if returnsFloatOutput, let dequantize = base.graph.operators.last(where: { $0.op == .dequantize }),
           let source = dequantize.inputs.first {
            last = source
        }
        return try Self.activation(tensor(last))
    }
}
