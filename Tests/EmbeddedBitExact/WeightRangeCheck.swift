import MobileNetRuntime

/// The kernels' forms for weights of -128 against a naive reference. TFLite's converter keeps
/// int8 weights in -127...127, so no model or fixture reaches the forms that sum each product on
/// its own (the aarch64 depthwise and GEMM kernels pair two products in int16 otherwise); this
/// check builds a small graph that does, with the forms beside it: 3x3 depthwise convolutions with
/// and without a -128 weight (stride 1 and 2, a channel block of 16 and a partial one), and 1x1
/// convolutions with and without one (k = 20: pairs of quads and an odd one; 24 and 20 outputs: a
/// whole panel and a partial one), right-shift-only and general requantizations. Every step's
/// output, on 1 and 2 threads, must equal the reference's: the sum over the taps inside the input
/// of `(x − zx) · w`, plus the bias, through `Requantization.apply`.
func runWeightRangeTest(report: inout Report) throws(DriverError) {
    var random = SplitMix64(seed: 128)
    let channels = 20, height = 9, width = 11
    var operations: [QuantizedOperation] = []
    var zeroPoint: Int32 = -5
    for (stride, extreme, rightOnly) in [(1, false, true), (2, true, false)] {
        let next = Int32(truncatingIfNeeded: random.below(41)) - 20
        operations.append(.depthwiseConvolution(QuantizedDepthwiseConvolution(
            kernelHeight: 3, kernelWidth: 3, strideHeight: stride, strideWidth: stride,
            padding: .same(height: height, width: width, kernel: 3, stride: stride),
            inputChannels: channels, multiplier: 1, weights: weights(&random, 9 * channels, extreme: extreme),
            bias: biases(&random, channels), inputZeroPoint: zeroPoint,
            requantization: requantization(&random, channels, zeroPoint: next, rightOnly: rightOnly))))
        zeroPoint = next
    }
    for (inputs, outputs, extreme, rightOnly) in [(channels, 24, true, true), (24, channels, false, false)] {
        let next = Int32(truncatingIfNeeded: random.below(41)) - 20
        operations.append(.convolution(QuantizedConvolution(
            kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, padding: .zero,
            inputChannels: inputs, outputChannels: outputs, weights: weights(&random, inputs * outputs, extreme: extreme),
            bias: biases(&random, outputs), inputZeroPoint: zeroPoint,
            requantization: requantization(&random, outputs, zeroPoint: next, rightOnly: rightOnly))))
        zeroPoint = next
    }
    let graph: QuantizedGraph
    do {
        graph = try QuantizedGraph(inputShape: [height, width, channels],
                                   inputQuantization: QuantizationParameters(scale: 1, zeroPoint: -5),
                                   outputQuantization: QuantizationParameters(scale: 1, zeroPoint: zeroPoint),
                                   operations: operations)
    } catch {
        throw DriverError("weight range check: \(error.description)")
    }
    var input: [Int8] = []
    for _ in 0..<height * width * channels { input.append(Int8(truncatingIfNeeded: random.next())) }
    let expected = reference(graph, input)
    let model = Int8Model(graph: graph)
    for threads in [1, 2] {
        let interpreter = try makeInterpreter(model, threads: threads, "weight range check")
        for i in 0..<input.count { interpreter.input[i] = input[i] }
        var differing: [String] = []
        for step in 0..<expected.count {
            interpreter.invokeStep(step)  // a step's output lives until the planner reuses its bytes
            let d = difference(interpreter.stepOutput(step), expected[step][...])
            if !d.isEmpty { differing.append("step \(step) (\(graph.operations[step].name)): \(d)") }
        }
        var what = "weights of -128 and -127...127: depthwise 3x3 and 1x1 convolutions equal to a naive reference, "
            + "\(threads) thread"
        if threads > 1 { what += "s" }
        for line in differing { what += "\n       " + line }
        report.check(differing.isEmpty, what)
    }
}

/// `count` weights in -127...127, or in -128...127 with every eleventh one -128.
private func weights(_ random: inout SplitMix64, _ count: Int, extreme: Bool) -> [Int8] {
    var values: [Int8] = []
    for i in 0..<count {
        if extreme && i % 11 == 3 {
            values.append(-128)
        } else {
            values.append(Int8(truncatingIfNeeded: Int32(truncatingIfNeeded: random.below(255)) - 127))
        }
    }
    return values
}

private func biases(_ random: inout SplitMix64, _ count: Int) -> [Int32] {
    var values: [Int32] = []
    for _ in 0..<count { values.append(Int32(truncatingIfNeeded: random.below(20_001)) - 10_000) }
    return values
}

/// Multipliers that bring sums of a few dozen products near the int8 range (right shifts of 8 to
/// 10); unless `rightOnly`, channel 0 without a right shift (its outputs mostly clamp).
private func requantization(_ random: inout SplitMix64, _ count: Int, zeroPoint: Int32,
                            rightOnly: Bool) -> Requantization {
    var multipliers: [FixedPointMultiplier] = []
    for channel in 0..<count {
        let multiplier = Int32(1 << 30) + Int32(truncatingIfNeeded: random.below(1 << 30))
        let shift = !rightOnly && channel == 0 ? 0 : -8 - Int(random.below(3))
        multipliers.append(FixedPointMultiplier(multiplier: multiplier, shift: shift))
    }
    return Requantization(multipliers: multipliers, outputZeroPoint: zeroPoint, lower: -128 + 6, upper: 120)
}

/// Every step's output by the definition: depthwise 3x3 and 1x1 convolutions only.
private func reference(_ graph: QuantizedGraph, _ input: [Int8]) -> [[Int8]] {
    var x = input, shape = graph.inputShape, outputs: [[Int8]] = []
    for operation in graph.operations {
        let (h, w, c) = (shape[0], shape[1], shape[2])
        var y: [Int8] = []
        switch operation {
        case .depthwiseConvolution(let d):
            let p = d.padding
            let oh = Padding.outputSize(h, before: p.top, after: p.bottom, kernel: 3, stride: d.strideHeight)
            let ow = Padding.outputSize(w, before: p.left, after: p.right, kernel: 3, stride: d.strideWidth)
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c {
                        var sum = d.bias[ch]
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = oy * d.strideHeight - p.top + ky, ix = ox * d.strideWidth - p.left + kx
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum &+= (Int32(x[(iy * w + ix) * c + ch]) - d.inputZeroPoint)
                                    &* Int32(d.weights[(ky * 3 + kx) * c + ch])
                            }
                        }
                        y.append(d.requantization.apply(sum, channel: ch))
                    }
                }
            }
            shape = [oh, ow, c]
        case .convolution(let conv):
            for pixel in 0..<h * w {
                for o in 0..<conv.outputChannels {
                    var sum = conv.bias[o]
                    for k in 0..<c {
                        sum &+= (Int32(x[pixel * c + k]) - conv.inputZeroPoint) &* Int32(conv.weights[o * c + k])
                    }
                    y.append(conv.requantization.apply(sum, channel: o))
                }
            }
            shape = [h, w, conv.outputChannels]
        default:
            preconditionFailure("the check's graph has depthwise and 1x1 convolutions only")
        }
        outputs.append(y)
        x = y
    }
    return outputs
}
