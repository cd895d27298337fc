import CAllocationCounter
import Foundation
import Testing
import MobileNet
@testable import MobileNetRuntime

/// After `Interpreter.init`, a frame allocates nothing: the C allocator's calls (malloc, calloc,
/// realloc, posix_memalign, aligned_alloc, ...) made by this test's thread and the interpreter's
/// worker threads are counted over 1,000 invocations, on 1 and 2 threads (CAllocationCounter
/// stands in for the C library's allocator in the test executable; Linux with glibc).
// Serialized: the count is one for the process, so two counting tests must not overlap.
@Suite(.serialized, .enabled(if: cac_available() == 1)) struct RuntimeAllocationTests {
    /// Allocation calls made by `body` (and threads the current thread starts meanwhile).
    static func allocations(_ body: () -> Void) -> Int {
        cac_track_this_thread(1)
        defer { cac_track_this_thread(0) }
        cac_start()
        body()
        return cac_stop()
    }

    /// The counter can fail: an array built while counting is counted.
    @Test func theCounterSeesAnArrayAllocation() {
        var sink = 0
        let count = Self.allocations {
            let values = Array(repeating: sink &+ 7, count: 1000)
            sink = values.reduce(0, &+)
        }
        #expect(count >= 1)
        #expect(sink == 7000)
    }

    /// A small random graph with every kind of step, whose pointwise step (8×8 pixels × 32 × 128)
    /// is enough work to be shared by two threads, yet quick in a debug build: a 3x3
    /// convolution (im2col scratch), a depthwise convolution, a pointwise convolution, the mean,
    /// a fully connected layer, a reshape and a softmax.
    static func graph() throws -> QuantizedGraph {
        var rng = SeededGenerator(seed: 131)
        typealias K = Int8KernelTests
        let conv = QuantizedConvolution(
            kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
            padding: .same(height: 8, width: 8, kernel: 3, stride: 1), inputChannels: 8, outputChannels: 32,
            weights: K.randomInt8s(32 * 9 * 8, &rng, range: -127...127), bias: K.randomBias(32, &rng),
            inputZeroPoint: -3, requantization: try K.randomRequantization(32, &rng, relu6: true))
        let depthwise = QuantizedDepthwiseConvolution(
            kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
            padding: .same(height: 8, width: 8, kernel: 3, stride: 1), inputChannels: 32, multiplier: 1,
            weights: K.randomInt8s(9 * 32, &rng, range: -127...127), bias: K.randomBias(32, &rng),
            inputZeroPoint: 4, requantization: try K.randomRequantization(32, &rng, relu6: true))
        let pointwise = QuantizedConvolution(
            kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, padding: .zero,
            inputChannels: 32, outputChannels: 128, weights: K.randomInt8s(128 * 32, &rng, range: -127...127),
            bias: K.randomBias(128, &rng), inputZeroPoint: -1, requantization: try K.randomRequantization(128, &rng, relu6: true))
        let classifier = QuantizedFullyConnected(
            inputs: 128, outputs: 10, weights: K.randomInt8s(1280, &rng, range: -127...127), bias: K.randomBias(10, &rng),
            inputZeroPoint: 2, requantization: try K.randomRequantization(10, &rng, relu6: false))
        let (multiplier, shift) = FixedPointMultiplier.quantize(0.05 * Double(1 << 26))
        return try QuantizedGraph(
            inputShape: [8, 8, 8], inputQuantization: QuantizationParameters(scale: 0.02, zeroPoint: -3),
            outputQuantization: QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128),
            operations: [.convolution(conv), .depthwiseConvolution(depthwise), .convolution(pointwise),
                         .mean(QuantizedMean(keepDimensions: true, inputZeroPoint: -1, scale: try FixedPointMultiplier(0.8),
                                             outputZeroPoint: 2)),
                         .reshape([128]), .fullyConnected(classifier),
                         .softmax(QuantizedSoftmax(inputMultiplier: multiplier, inputLeftShift: shift,
                                                   differenceMinimum: -Int32(31 * Double(1 << 26) / Double(1 << shift))))])
    }

    @Test(arguments: [1, 2]) func thousandInvocationsAllocateNothing(threads: Int) throws {
        let model = Int8Model(graph: try Self.graph())
        var rng = SeededGenerator(seed: 7)
        // The interpreter (and its worker threads) is made while tracked: its threads are
        // tracked too, and everything they allocate while counting is counted.
        cac_track_this_thread(1)
        defer { cac_track_this_thread(0) }
        let interpreter = try Interpreter(model: model, threads: threads)
        let image = Int8KernelTests.randomInt8s(interpreter.input.count, &rng)
        func load() {
            image.withUnsafeBytes { UnsafeMutableRawBufferPointer(interpreter.input).copyMemory(from: $0) }
        }
        load()
        interpreter.invoke()
        let first = Array(interpreter.output)
        cac_start()
        for _ in 0..<1000 {
            load()
            interpreter.invoke()
        }
        let count = cac_stop()
        #expect(count == 0, "\(count) allocation calls in 1,000 frames on \(threads) threads")
        #expect(Array(interpreter.output) == first)
        #expect(first.count == 10)
    }
}
