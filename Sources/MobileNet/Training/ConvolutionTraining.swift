/// One conv layer of the network in training — the stem (full 3x3), a depthwise 3x3 or a
/// pointwise 1x1 — with the batch norm and activation after it.
///
/// Forward keeps the conv output `z` and the activation `y` (the next layer's input) for the
/// backward pass. Weights are repacked from the trainable Keras-layout tensor into the
/// kernels' layouts at every forward (a few hundred KB; negligible next to the convs).
final class ConvolutionTraining {
    let spec: LayerSpec
    let geometry: ConvGeometry
    let kernel: TrainableParameter
    let batchNorm: BatchNormTraining
    /// Output rows of the kernels: images × output height (conv, depthwise) or pixels (pointwise).
    let batch: Int
    let z: AlignedFloats
    let y: AlignedFloats
    private let packed: AlignedFloats
    private let packedTransposed: AlignedFloats
    private let zeroBias: AlignedFloats
    private let partialChunks: Int
    private let partial: AlignedFloats
    /// Stride-1 depthwise layers: the geometry of their input gradient as a forward conv of the
    /// output gradient (kernel turned 180°, padding `k − 1 − pad`), and that kernel.
    private let flippedGeometry: ConvGeometry?
    private let packedFlipped: AlignedFloats
    /// Pointwise layers wide enough for `F32WeightGradient.pointwisePacked`: one scratch per thread.
    private let packsWeightGradient: Bool
    private let threads: Int
    private let scratchCount: Int
    private let scratch: AlignedFloats

    init(spec: LayerSpec, batch: Int, threads: Int, kernel: TrainableParameter, batchNorm: BatchNormTraining) {
        self.spec = spec
        self.batch = batch
        self.kernel = kernel
        self.batchNorm = batchNorm
        let (h, w, cin) = (spec.inputShape[0], spec.inputShape[1], spec.inputShape[2])
        let (oh, ow, cout) = (spec.outputShape[0], spec.outputShape[1], spec.outputShape[2])
        geometry = ConvGeometry(inputHeight: h, inputWidth: w, inputChannels: cin,
                                outputHeight: oh, outputWidth: ow, outputChannels: cout,
                                kernelHeight: spec.kernel, kernelWidth: spec.kernel,
                                strideHeight: spec.stride, strideWidth: spec.stride,
                                padTop: spec.padding.top, padLeft: spec.padding.left)
        let outputs = batch * oh * ow * cout
        z = AlignedFloats(zeros: outputs + 16)
        y = AlignedFloats(zeros: outputs + 16)
        zeroBias = AlignedFloats(zeros: roundUp16(max(cin, cout)))
        self.threads = threads
        if spec.kind == .depthwise && spec.stride == 1 {
            let k = spec.kernel
            flippedGeometry = ConvGeometry(inputHeight: oh, inputWidth: ow, inputChannels: cout,
                                           outputHeight: h, outputWidth: w, outputChannels: cin,
                                           kernelHeight: k, kernelWidth: k, strideHeight: 1, strideWidth: 1,
                                           padTop: k - 1 - spec.padding.top, padLeft: k - 1 - spec.padding.left)
            packedFlipped = AlignedFloats(zeros: k * k * roundUp16(cin))
        } else {
            flippedGeometry = nil
            packedFlipped = AlignedFloats(zeros: 0)
        }
        packsWeightGradient = spec.kind == .pointwise && cin >= 128
        scratchCount = packsWeightGradient
            ? F32WeightGradient.packedScratchCount(cin: cin, panels: ((cout + 15) / 16 + threads - 1) / threads) : 0
        scratch = AlignedFloats(zeros: threads * scratchCount + 16)
        switch spec.kind {
        case .pointwise:
            packed = AlignedFloats(zeros: roundUp16(cout) * cin)
            packedTransposed = AlignedFloats(zeros: roundUp16(cin) * cout)
            partialChunks = 0
            partial = AlignedFloats(zeros: 0)
        case .depthwise:
            packed = AlignedFloats(zeros: spec.kernel * spec.kernel * roundUp16(cin))
            packedTransposed = AlignedFloats(zeros: 0)
            partialChunks = max(1, min(batch * oh, 16))
            partial = AlignedFloats(zeros: partialChunks * spec.kernel * spec.kernel * roundUp16(cin))
        default:
            packed = AlignedFloats(zeros: spec.kernel * spec.kernel * cin * roundUp16(cout))
            packedTransposed = AlignedFloats(zeros: 0)
            partialChunks = max(1, min(batch * oh, 16))
            partial = AlignedFloats(zeros: partialChunks * spec.kernel * spec.kernel * cin * roundUp16(cout))
        }
    }

    /// Pixels of the output (the batch norm's rows).
    var outputRows: Int { batch * geometry.outputHeight * geometry.outputWidth }

    func forward(_ input: UnsafePointer<Float>, training: Bool, parallel: ParallelFor) {
        let g = geometry, out = z.pointer, bias = zeroBias.pointer, w = packed.pointer
        let source = UnsafePointer(kernel.values.pointer)
        switch spec.kind {
        case .pointwise:
            F32GEMM.pack(source, k: g.inputChannels, n: g.outputChannels, transposed: false, into: w)
            let rows = outputRows, cin = g.inputChannels, cout = g.outputChannels, tile = F32GEMM.tileRows
            parallel(0..<(rows + tile - 1) / tile) { tiles in
                F32GEMM.multiply(input: input, output: out, packedWeights: w, bias: bias, k: cin, n: cout, clamp: .none,
                                 rows: tiles.lowerBound * tile..<min(rows, tiles.upperBound * tile),
                                 panels: 0..<(cout + 15) / 16)
            }
        case .depthwise:
            packChannels(source, taps: g.kernelHeight * g.kernelWidth, channels: g.inputChannels, into: w)
            parallel(0..<batch * g.outputHeight) { rows in
                F32Depthwise.channelsInLanes(input: input, output: out, weights: w, bias: bias,
                                             geometry: g, clamp: .none, rows: rows)
            }
        default:
            packChannels(source, taps: g.kernelHeight * g.kernelWidth * g.inputChannels,
                         channels: g.outputChannels, into: w)
            parallel(0..<batch * g.outputHeight) { rows in
                F32Convolution.direct(input: input, output: out, weights: w, bias: bias,
                                      geometry: g, clamp: .none, rows: rows)
            }
        }
        batchNorm.forward(z.pointer, y.pointer, rows: outputRows, training: training, parallel: parallel)
    }

    /// From `outputGradient` (the gradient of `y`, overwritten as scratch), sets the kernel's,
    /// γ's and β's gradients and, unless `inputGradient` is nil (the first layer), writes the
    /// gradient of the layer's input there.
    func backward(_ input: UnsafePointer<Float>, outputGradient dy: UnsafeMutablePointer<Float>,
                  inputGradient dx: UnsafeMutablePointer<Float>?, parallel: ParallelFor) {
        batchNorm.backward(x: z.pointer, dy: dy, dx: dy, rows: outputRows, parallel: parallel)
        let g = geometry, dz = UnsafePointer(dy), dw = kernel.gradients.pointer
        switch spec.kind {
        case .pointwise:
            let rows = outputRows, cin = g.inputChannels, cout = g.outputChannels
            let panelCount = (cout + 15) / 16
            if packsWeightGradient {
                let threads = self.threads, scratch = self.scratch.pointer, size = scratchCount
                parallel(0..<threads) { workers in
                    for t in workers {
                        F32WeightGradient.pointwisePacked(
                            input: input, outputGradient: dz, gradient: dw, m: rows, cin: cin, cout: cout,
                            panels: panelCount * t / threads..<panelCount * (t + 1) / threads, scratch: scratch + t * size)
                    }
                }
            } else {
                parallel(0..<panelCount) { panels in
                    F32WeightGradient.pointwise(input: input, outputGradient: dz, gradient: dw,
                                                m: rows, cin: cin, cout: cout, panels: panels)
                }
            }
            guard let dx else { return }
            let wt = packedTransposed.pointer, tile = F32GEMM.tileRows, bias = zeroBias.pointer
            F32GEMM.pack(UnsafePointer(kernel.values.pointer), k: cin, n: cout, transposed: true, into: wt)
            parallel(0..<(rows + tile - 1) / tile) { tiles in
                F32GEMM.multiply(input: dz, output: dx, packedWeights: wt, bias: bias, k: cout, n: cin, clamp: .none,
                                 rows: tiles.lowerBound * tile..<min(rows, tiles.upperBound * tile),
                                 panels: 0..<(cin + 15) / 16)
            }
        case .depthwise:
            let taps = g.kernelHeight * g.kernelWidth, c = g.inputChannels
            reduceWeightGradient(taps: taps, channels: c, parallel: parallel) { rows, partial in
                F32WeightGradient.depthwise(input: input, outputGradient: dz, partial: partial, geometry: g, rows: rows)
            }
            guard let dx else { return }
            if let flipped = flippedGeometry {
                // Stride 1: the input gradient is the forward conv of dz with the kernel turned
                // 180°, which runs on the forward's tiled kernel.
                let w = packedFlipped.pointer, bias = zeroBias.pointer
                flipTaps(UnsafePointer(packed.pointer), height: g.kernelHeight, width: g.kernelWidth,
                         channels: roundUp16(c), into: w)
                parallel(0..<batch * flipped.outputHeight) { rows in
                    F32Depthwise.channelsInLanes(input: dz, output: dx, weights: w, bias: bias,
                                                 geometry: flipped, clamp: .none, rows: rows)
                }
            } else {
                let w = UnsafePointer(packed.pointer)
                parallel(0..<batch * g.inputHeight) { rows in
                    F32DepthwiseBackward.inputGradient(outputGradient: dz, weights: w, inputGradient: dx,
                                                       geometry: g, inputRows: rows)
                }
            }
        default:
            precondition(dx == nil, "full convolutions train only as the first layer (the stem)")
            reduceWeightGradient(taps: g.kernelHeight * g.kernelWidth * g.inputChannels,
                                 channels: g.outputChannels, parallel: parallel) { rows, partial in
                F32WeightGradient.convolution(input: input, outputGradient: dz, partial: partial, geometry: g, rows: rows)
            }
        }
    }

    /// Runs `body` on fixed chunks of output rows into zeroed per-chunk `[taps][roundUp16(channels)]`
    /// partials, adds them in chunk order and stores the sum, unpadded, as the kernel gradient.
    private func reduceWeightGradient(taps: Int, channels: Int, parallel: ParallelFor,
                                      _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let size = taps * roundUp16(channels), p = partial.pointer, chunks = partialChunks
        let rows = batch * geometry.outputHeight
        p.update(repeating: 0, count: chunks * size)
        parallel(0..<chunks) { range in
            for index in range { body(rows * index / chunks..<rows * (index + 1) / chunks, p + index * size) }
        }
        let dw = kernel.gradients.pointer, packedChannels = roundUp16(channels)
        for t in 0..<taps {
            for c in 0..<channels {
                var sum: Float = 0
                for index in 0..<chunks { sum += p[index * size + t * packedChannels + c] }
                dw[t * channels + c] = sum
            }
        }
    }
}

/// Copies `[height][width][channels]` taps into `target` turned 180° (`target[ky][kx]` =
/// `source[height − 1 − ky][width − 1 − kx]`).
func flipTaps(_ source: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
              into target: UnsafeMutablePointer<Float>) {
    for ky in 0..<height {
        for kx in 0..<width {
            (target + (ky * width + kx) * channels)
                .update(from: source + ((height - 1 - ky) * width + width - 1 - kx) * channels, count: channels)
        }
    }
}

/// Copies `[taps][channels]` into `[taps][roundUp16(channels)]` (zero-padded lanes).
func packChannels(_ source: UnsafePointer<Float>, taps: Int, channels: Int, into target: UnsafeMutablePointer<Float>) {
    let packed = roundUp16(channels)
    for t in 0..<taps {
        (target + t * packed).update(from: source + t * channels, count: channels)
        (target + t * packed + channels).update(repeating: 0, count: packed - channels)
    }
}
