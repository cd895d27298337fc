#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TFLiteModel {
    /// The float TFLite form of `graph`, as TensorFlow's converter writes a Keras MobileNet:
    /// FLOAT32 tensors in NHWC with batch 1 (resizable: the shape signature's batch is -1),
    /// CONV_2D weights OHWI, DEPTHWISE_CONV_2D weights [1, kh, kw, channels], FULLY_CONNECTED
    /// weights [outputs, inputs], clamps as fused activations, padding as SAME or VALID (an
    /// explicit PAD when it is neither). `metadata` entries are stored in the file.
    public init(exporting graph: InferenceGraph, metadata: [String: [UInt8]] = [:]) throws {
        var exporter = try TFLiteGraphExporter(graph, int8Ranges: nil)
        try exporter.exportOperations()
        self = exporter.model(metadata: metadata)
    }

    /// The fully quantized int8 TFLite form of `graph` in TFLite's scheme: a FLOAT32 input
    /// quantized by QUANTIZE, int8 activations with the asymmetric parameters of `ranges`
    /// (index 0: the graph input, i + 1: operation i's output), weights symmetric int8 per
    /// output channel (per tensor for FULLY_CONNECTED), int32 biases at input scale × weight
    /// scale, the softmax output at 1/256 and -128 as TFLite requires, and a DEQUANTIZE to a
    /// FLOAT32 output. Operator versions are those the TFLite converter records for int8.
    public init(exporting graph: InferenceGraph, int8Ranges ranges: [ActivationRange],
                metadata: [String: [UInt8]] = [:]) throws {
        guard ranges.count == graph.operations.count + 1 else {
            throw MobileNetError.invalidArgument(
                "\(ranges.count) activation ranges for a graph with \(graph.operations.count) operations (need one more: the input)")
        }
        var exporter = try TFLiteGraphExporter(graph, int8Ranges: ranges)
        try exporter.exportOperations()
        self = exporter.model(metadata: metadata)
    }

    /// Writes the model as a `.tflite` file, atomically (temporary file renamed over `url`).
    public func write(to url: URL) throws {
        try writeFileAtomically(try serialized(), to: url, what: "TFLite model")
    }
}

/// Builds the tensors and operators of an exported subgraph, one graph operation at a time,
/// tracking the current activation tensor (its index, per-image shape and, for int8, its
/// quantization).
struct TFLiteGraphExporter {
    let graph: InferenceGraph
    let shapes: [[Int]]
    /// Calibrated ranges (input, then each operation's output); nil exports float.
    let ranges: [ActivationRange]?
    private(set) var tensors: [TFLiteTensor] = []
    private(set) var operators: [TFLiteOperator] = []
    private(set) var codes: [TFLiteOperatorCode] = []
    private(set) var inputIndex = 0
    private var current = 0
    private var shape: [Int]
    private(set) var currentQuantization: QuantizationParameters?

    var quantized: Bool { ranges != nil }

    init(_ graph: InferenceGraph, int8Ranges ranges: [ActivationRange]?) throws {
        self.graph = graph
        shapes = try graph.shapes()
        self.ranges = ranges
        shape = graph.inputShape
        inputIndex = addActivation("input", shape: shape, quantization: nil)
        current = inputIndex
        if let ranges {
            let input = QuantizationParameters(int8Range: ranges[0])
            let quantizedInput = addActivation("input_int8", shape: shape, quantization: input)
            addOperator(.quantize, version: 2, inputs: [inputIndex], outputs: [quantizedInput], options: .none)
            current = quantizedInput
            currentQuantization = input
        }
    }

    /// Appends every operation of the graph (and, for int8, the final DEQUANTIZE).
    mutating func exportOperations() throws {
        for (index, operation) in graph.operations.enumerated() {
            try export(operation, index: index)
        }
        if quantized {
            let output = addActivation("output", shape: shape, quantization: nil)
            addOperator(.dequantize, version: 2, inputs: [current], outputs: [output], options: .none)
            current = output
        }
    }

    /// The model: one subgraph from the input to the current tensor.
    func model(metadata: [String: [UInt8]]) -> TFLiteModel {
        let subgraph = TFLiteSubgraph(name: "main", tensors: tensors, inputs: [inputIndex], outputs: [current],
                                      operators: operators)
        return TFLiteModel(version: 3, description: "MobileNet for Swift export.", operatorCodes: codes,
                           subgraphs: [subgraph], buffers: [], metadata: metadata)
    }

    // MARK: - Operations

    private mutating func export(_ operation: Operation, index: Int) throws {
        let name = "\(index)_\(operation.name)"
        let outputShape = shapes[index]
        switch operation {
        case .convolution(let c):
            let activation = try fusedActivation(c.clamp, name)
            try appendWindowed(.conv2D, name: name, index: index, padding: c.padding, kernel: (c.kernelHeight, c.kernelWidth),
                               stride: (c.strideHeight, c.strideWidth), constants: try convolutionConstants(c, name: name)) {
                .conv2D(padding: $0, strideW: c.strideWidth, strideH: c.strideHeight, activation: activation,
                        dilationW: 1, dilationH: 1)
            }
        case .depthwiseConvolution(let d):
            let activation = try fusedActivation(d.clamp, name)
            try appendWindowed(.depthwiseConv2D, name: name, index: index, padding: d.padding,
                               kernel: (d.kernelHeight, d.kernelWidth), stride: (d.strideHeight, d.strideWidth),
                               constants: try depthwiseConstants(d, name: name)) {
                .depthwiseConv2D(padding: $0, strideW: d.strideWidth, strideH: d.strideHeight, depthMultiplier: d.multiplier,
                                 activation: activation, dilationW: 1, dilationH: 1)
            }
        case .pad(let p):
            appendPad(p, name: name, outputShape: outputShape)
        case .averagePool(let p):
            guard let padding = tflitePadding(p.padding, kernel: (p.windowHeight, p.windowWidth),
                                              stride: (p.strideHeight, p.strideWidth)) else {
                throw MobileNetError.unsupported("\(name): average pool padding \(p.padding) is neither SAME nor VALID")
            }
            let output = addActivation(name, shape: outputShape, quantization: currentQuantization)
            addOperator(.averagePool2D, version: quantized ? 2 : 1, inputs: [current], outputs: [output],
                        options: .pool2D(padding: padding, strideW: p.strideWidth, strideH: p.strideHeight,
                                         filterWidth: p.windowWidth, filterHeight: p.windowHeight,
                                         activation: try fusedActivation(p.clamp, name)))
            advance(to: output, shape: outputShape, index: nil)
        case .globalAveragePool(let keep):
            let axes = addConstantTensor("\(name)/axes", shape: [2], type: .int32, data: LittleEndianBytes.bytes(of: [Int32(1), 2]))
            let output = try addOutput(name, index: index, shape: outputShape)
            addOperator(.mean, version: quantized ? 2 : 1, inputs: [current, axes], outputs: [output],
                        options: .reducer(keepDims: keep))
            advance(to: output, shape: outputShape, index: index)
        case .fullyConnected(let f):
            let (weights, bias) = try fullyConnectedConstants(f, name: name)
            let output = try addOutput(name, index: index, shape: outputShape)
            addOperator(.fullyConnected, version: quantized ? 4 : 1, inputs: [current, weights, bias], outputs: [output],
                        options: .fullyConnected(activation: try fusedActivation(f.clamp, name), keepNumDims: false,
                                                 weightsFormat: 0))
            advance(to: output, shape: outputShape, index: index)
        case .reshape(let newShape):
            let target = [-1] + newShape.map(Int32.init)
            let shapeTensor = addConstantTensor("\(name)/shape", shape: [target.count], type: .int32,
                                          data: LittleEndianBytes.bytes(of: target))
            let output = addActivation(name, shape: outputShape, quantization: currentQuantization)
            addOperator(.reshape, version: 1, inputs: [current, shapeTensor], outputs: [output],
                        options: .reshape(newShape: [-1] + newShape))
            advance(to: output, shape: outputShape, index: nil)
        case .softmax(let beta):
            // TFLite's int8 softmax requires output scale 1/256 and zero point -128.
            let q = quantized ? QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128) : nil
            let output = addActivation(name, shape: outputShape, quantization: q)
            addOperator(.softmax, version: quantized ? 2 : 1, inputs: [current], outputs: [output],
                        options: .softmax(beta: beta))
            current = output
            shape = outputShape
            currentQuantization = q
        }
    }

    /// A CONV_2D or DEPTHWISE_CONV_2D of operation `index` with its weight and bias tensors;
    /// `options` gets the padding written (VALID after a PAD when it is neither SAME nor VALID).
    private mutating func appendWindowed(_ op: TFLiteBuiltinOperator, name: String, index: Int, padding: Padding,
                                         kernel: (Int, Int), stride: (Int, Int), constants: (weights: Int, bias: Int),
                                         options: (TFLitePadding) -> TFLiteOptions) throws {
        let written = try windowPadding(padding, kernel: kernel, stride: stride, name: name)
        let outputShape = shapes[index]
        let output = try addOutput(name, index: index, shape: outputShape)
        addOperator(op, version: quantized ? 3 : 1, inputs: [current, constants.weights, constants.bias], outputs: [output],
                    options: options(written))
        advance(to: output, shape: outputShape, index: index)
    }

    /// A PAD before a window whose padding is neither SAME nor VALID; the padded input then
    /// goes through the window unpadded.
    private mutating func windowPadding(_ padding: Padding, kernel: (Int, Int), stride: (Int, Int),
                                        name: String) throws -> TFLitePadding {
        if let tflite = tflitePadding(padding, kernel: kernel, stride: stride) { return tflite }
        let padded = [shape[0] + padding.top + padding.bottom, shape[1] + padding.left + padding.right, shape[2]]
        appendPad(padding, name: "\(name)/pad", outputShape: padded)
        return .valid
    }

    /// SAME or VALID when `padding` is exactly what TensorFlow computes for one of them on the
    /// current input, else nil.
    private func tflitePadding(_ padding: Padding, kernel: (Int, Int), stride: (Int, Int)) -> TFLitePadding? {
        if padding == .zero { return .valid }
        func same(_ size: Int, _ k: Int, _ s: Int) -> (Int, Int) {
            let out = (size + s - 1) / s
            let total = max((out - 1) * s + k - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = same(shape[0], kernel.0, stride.0)
        let (left, right) = same(shape[1], kernel.1, stride.1)
        return padding == Padding(top: top, left: left, bottom: bottom, right: right) ? .same : nil
    }

    private mutating func appendPad(_ p: Padding, name: String, outputShape: [Int]) {
        let amounts: [Int32] = [0, 0, Int32(p.top), Int32(p.bottom), Int32(p.left), Int32(p.right), 0, 0]
        let paddings = addConstantTensor("\(name)/paddings", shape: [4, 2], type: .int32, data: LittleEndianBytes.bytes(of: amounts))
        let output = addActivation(name, shape: outputShape, quantization: currentQuantization)
        addOperator(.pad, version: quantized ? 2 : 1, inputs: [current, paddings], outputs: [output], options: .none)
        current = output
        shape = outputShape
    }

    private func fusedActivation(_ clamp: Clamp, _ name: String) throws -> TFLiteActivation {
        switch (clamp.lower, clamp.upper) {
        case (-.infinity, .infinity): return .none
        case (0, .infinity): return .relu
        case (0, 6): return .relu6
        case (-1, 1): return .reluN1To1
        default:
            throw MobileNetError.unsupported("\(name): clamp to [\(clamp.lower), \(clamp.upper)] has no TFLite fused activation")
        }
    }

    // MARK: - Tensors

    /// The output tensor of operation `index`: FLOAT32, or int8 with the calibrated range.
    private mutating func addOutput(_ name: String, index: Int, shape: [Int]) throws -> Int {
        addActivation(name, shape: shape, quantization: ranges.map { QuantizationParameters(int8Range: $0[index + 1]) })
    }

    private mutating func advance(to output: Int, shape outputShape: [Int], index: Int?) {
        current = output
        shape = outputShape
        if let index, let ranges { currentQuantization = QuantizationParameters(int8Range: ranges[index + 1]) }
    }

    /// An activation tensor [1] + `shape` (batch resizable), float or int8 with `quantization`.
    @discardableResult
    private mutating func addActivation(_ name: String, shape: [Int], quantization: QuantizationParameters?) -> Int {
        let q = quantization.map {
            TFLiteQuantization(scale: [$0.scale], zeroPoint: [Int64($0.zeroPoint)], quantizedDimension: 0, min: [], max: [])
        }
        tensors.append(TFLiteTensor(name: name, shape: [1] + shape, shapeSignature: [-1] + shape,
                                    type: quantization == nil ? .float32 : .int8, buffer: 0, quantization: q,
                                    isVariable: false, isSparse: false, data: nil))
        return tensors.count - 1
    }

    /// A constant tensor holding `data`.
    mutating func addConstantTensor(_ name: String, shape: [Int], type: TFLiteTensorType, data: [UInt8],
                                      quantization: TFLiteQuantization? = nil) -> Int {
        tensors.append(TFLiteTensor(name: name, shape: shape, shapeSignature: nil, type: type, buffer: 0,
                                    quantization: quantization, isVariable: false, isSparse: false, data: data))
        return tensors.count - 1
    }

    private mutating func addOperator(_ op: TFLiteBuiltinOperator, version: Int, inputs: [Int], outputs: [Int],
                                      options: TFLiteOptions) {
        let code = TFLiteOperatorCode(op: op, customCode: nil, version: version)
        if !codes.contains(code) { codes.append(code) }
        operators.append(TFLiteOperator(op: op, customCode: nil, version: version, inputs: inputs, outputs: outputs,
                                        options: options))
    }
}
