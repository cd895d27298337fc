extension TFLiteGraphExporter {
    /// CONV_2D weights [O, kh, kw, I] and bias [O] (from our HWIO), float or quantized per
    /// output channel.
    mutating func convolutionConstants(_ c: Convolution, name: String) throws -> (weights: Int, bias: Int) {
        let (kh, kw, input, output) = (c.kernelHeight, c.kernelWidth, c.inputChannels, c.outputChannels)
        var ohwi = [Float](repeating: 0, count: c.weights.count)
        for ky in 0..<kh {
            for kx in 0..<kw {
                for i in 0..<input {
                    let source = ((ky * kw + kx) * input + i) * output
                    for o in 0..<output {
                        ohwi[((o * kh + ky) * kw + kx) * input + i] = c.weights[source + o]
                    }
                }
            }
        }
        return try weightsAndBias(name, weights: ohwi, shape: [output, kh, kw, input], channelAxis: 0,
                                  channelOf: { $0 / (kh * kw * input) }, channels: output, bias: c.bias)
    }

    /// DEPTHWISE_CONV_2D weights [1, kh, kw, C·multiplier] (our layout with a leading 1) and bias.
    mutating func depthwiseConstants(_ d: DepthwiseConvolution, name: String) throws -> (weights: Int, bias: Int) {
        let channels = d.outputChannels
        return try weightsAndBias(name, weights: d.weights, shape: [1, d.kernelHeight, d.kernelWidth, channels],
                                  channelAxis: 3, channelOf: { $0 % channels }, channels: channels, bias: d.bias)
    }

    /// FULLY_CONNECTED weights [outputs, inputs] (ours transposed) and bias; int8 weights are
    /// quantized per tensor, which every TFLite version runs.
    mutating func fullyConnectedConstants(_ f: FullyConnected, name: String) throws -> (weights: Int, bias: Int) {
        var transposed = [Float](repeating: 0, count: f.weights.count)
        for i in 0..<f.inputs {
            for o in 0..<f.outputs { transposed[o * f.inputs + i] = f.weights[i * f.outputs + o] }
        }
        return try weightsAndBias(name, weights: transposed, shape: [f.outputs, f.inputs], channelAxis: nil,
                                  channelOf: { _ in 0 }, channels: 1, bias: f.bias)
    }

    /// Adds a weight tensor and its bias: FLOAT32 as they are, or int8 weights with one
    /// symmetric scale per channel along `channelAxis` (nil: one for the tensor) and INT32
    /// biases at input scale × weight scale.
    private mutating func weightsAndBias(_ name: String, weights: [Float], shape: [Int], channelAxis: Int?,
                                         channelOf: (Int) -> Int, channels: Int, bias: [Float]) throws -> (weights: Int, bias: Int) {
        guard let input = currentQuantization else {
            let w = addConstantTensor("\(name)/weights", shape: shape, type: .float32, data: LittleEndianBytes.bytes(of: weights))
            let b = addConstantTensor("\(name)/bias", shape: [bias.count], type: .float32, data: LittleEndianBytes.bytes(of: bias))
            return (w, b)
        }
        guard weights.allSatisfy(\.isFinite), bias.allSatisfy(\.isFinite) else {
            throw MobileNetError.invalidArgument("\(name) has weights or biases that are not finite numbers")
        }
        var largest = [Float](repeating: 0, count: channels)
        for (i, w) in weights.enumerated() { largest[channelOf(i)] = max(largest[channelOf(i)], abs(w)) }
        // A channel of zeros keeps scale 1: its weights quantize to 0 whatever the scale.
        let scales = largest.map { $0 > 0 ? $0 / 127 : 1 }
        var q = [Int8](repeating: 0, count: weights.count)
        for (i, w) in weights.enumerated() {
            q[i] = Int8(max(-127, min(127, (w / scales[channelOf(i)]).rounded())))
        }
        let biasScales = (0..<bias.count).map { input.scale * scales[channels == 1 ? 0 : $0] }
        let qb = (0..<bias.count).map { c -> Int32 in
            let value = (Double(bias[c]) / Double(biasScales[c])).rounded()
            return Int32(max(Double(Int32.min), min(Double(Int32.max), value)))
        }
        let axis = channelAxis ?? 0
        let w = addConstantTensor("\(name)/weights", shape: shape, type: .int8, data: LittleEndianBytes.bytes(of: q),
                                  quantization: TFLiteQuantization(scale: scales, zeroPoint: Array(repeating: 0, count: scales.count),
                                                                   quantizedDimension: axis, min: [], max: []))
        let biasAxisScales = channels == 1 ? [biasScales[0]] : biasScales
        let b = addConstantTensor("\(name)/bias", shape: [bias.count], type: .int32, data: LittleEndianBytes.bytes(of: qb),
                                  quantization: TFLiteQuantization(scale: biasAxisScales,
                                                                   zeroPoint: Array(repeating: 0, count: biasAxisScales.count),
                                                                   quantizedDimension: 0, min: [], max: []))
        return (w, b)
    }
}
