import Foundation
import Testing
import MobileNet
import MobileNetRuntime

/// The runtime's arena plans over every int8 fixture model and the MLPerf Tiny VWW model: no two
/// buffers live at a common step overlap, every activation tensor has the bytes the .tflite file
/// declares for it, the lower bound is what the file's tensors and the plan's scratch need at
/// the busiest step (computed here from the file, not from the planner), the arena stays within
/// 1.10 × that bound, and the VWW model fits in 56 KB. Steps that write over their input are
/// checked against the file too: 1x1 products on one thread only.
struct RuntimePlanTests {
    static func fixtureModels() throws -> [URL] {
        let folder = try SharedData.fixture("int8")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "tflite" }.sorted { $0.path < $1.path }
    }

    static func load(_ url: URL) throws -> (TFLiteModel, Int8Model) {
        let bytes = try Data(contentsOf: url)
        let model = try TFLiteModel(bytes: [UInt8](bytes))
        let int8 = try bytes.withUnsafeBytes { try Int8Model(tflite: $0) }
        return (model, int8)
    }

    /// Per step, the bytes of the tensor it reads and of the one it writes, from the file: the
    /// tensors named by the operators the engine runs (shape arithmetic and QUANTIZE/DEQUANTIZE
    /// at the edges are not steps).
    static func declaredStepBytes(_ model: TFLiteModel) -> [(input: Int, output: Int)] {
        let graph = model.mainSubgraph
        let computing: Set<TFLiteBuiltinOperator> = [.conv2D, .depthwiseConv2D, .averagePool2D, .mean, .pad, .padV2,
                                                     .reshape, .fullyConnected, .softmax]
        return graph.operators.filter { computing.contains($0.op) }.map { op in
            (graph.tensors[op.inputs[0]].shape.dropFirst().reduce(1, *), graph.tensors[op.outputs[0]].shape.dropFirst().reduce(1, *))
        }
    }

    /// Per step, whether the file's operator is a matrix product over pixels (a 1x1 CONV_2D with
    /// as many output pixels as input pixels, or FULLY_CONNECTED): the steps that may overwrite
    /// their input.
    static func declaredMatrixProducts(_ model: TFLiteModel) -> [Bool] {
        let graph = model.mainSubgraph
        let computing: Set<TFLiteBuiltinOperator> = [.conv2D, .depthwiseConv2D, .averagePool2D, .mean, .pad, .padV2,
                                                     .reshape, .fullyConnected, .softmax]
        return graph.operators.filter { computing.contains($0.op) }.map { op in
            if op.op == .fullyConnected { return true }
            guard op.op == .conv2D else { return false }
            let filter = graph.tensors[op.inputs[1]].shape, input = graph.tensors[op.inputs[0]].shape
            let output = graph.tensors[op.outputs[0]].shape
            return filter[1] == 1 && filter[2] == 1 && input[1] == output[1] && input[2] == output[2]
        }
    }

    static func check(_ url: URL, threads: Int) throws -> ArenaPlan {
        let (model, int8) = try load(url)
        let plan = try Interpreter.plan(for: int8, threads: threads)
        let name = url.lastPathComponent
        if let (a, b) = plan.firstConflict() {
            Issue.record("\(name): \(a.name) [\(a.offset), +\(a.bytes)) steps \(a.firstStep)-\(a.lastStep) overlaps \(b.name) [\(b.offset), +\(b.bytes)) steps \(b.firstStep)-\(b.lastStep)")
        }
        let declared = declaredStepBytes(model)
        #expect(declared.count == plan.steps.count, "\(name): \(declared.count) computing operators, \(plan.steps.count) steps")
        // Independent lower bound: at each step its input, its output (one buffer when the step
        // works in place: RESHAPE, SOFTMAX), its scratch, and the model output kept from step 0.
        let scratch = Dictionary(grouping: plan.buffers.filter { $0.kind == .scratch }, by: \.firstStep)
            .mapValues { $0.reduce(0) { $0 + $1.bytes } }
        let modelOutput = declared.last?.output ?? 0
        // Overwriting steps: matrix products per the file, on one thread, laid out as
        // `firstConflict` requires (checked above).
        let products = declaredMatrixProducts(model)
        let overwriting = Set(plan.overwrites.map(\.step))
        #expect(threads == 1 || overwriting.isEmpty, "\(name): steps \(overwriting) overwrite their input on \(threads) threads")
        for step in overwriting { #expect(products[step], "\(name): step \(step) overwrites its input but is no 1x1 product") }
        var bound = 0
        for (step, bytes) in declared.enumerated() {
            let inPlace = ["reshape", "softmax"].contains(plan.steps[step]) && step < declared.count - 1
            var live = (overwriting.contains(step) ? max(bytes.input, bytes.output)
                        : bytes.input + (inPlace ? 0 : bytes.output)) + scratch[step, default: 0]
            if step < declared.count - 1 { live += modelOutput }
            bound = max(bound, live)
        }
        #expect(plan.lowerBoundBytes == bound, "\(name): lower bound \(plan.lowerBoundBytes), from the file \(bound)")
        // Every activation buffer has the size of a tensor the file declares.
        let sizes = Set(declared.flatMap { [$0.input, $0.output] })
        for buffer in plan.buffers where buffer.kind == .tensor {
            #expect(sizes.contains(buffer.bytes), "\(name): \(buffer.name) has \(buffer.bytes) bytes, no such tensor in the file")
        }
        #expect(Double(plan.arenaBytes) <= 1.10 * Double(plan.lowerBoundBytes),
                "\(name), \(threads) threads: arena \(plan.arenaBytes) > 1.10 × lower bound \(plan.lowerBoundBytes)")
        #expect(plan.arenaBytes <= plan.greedyWithoutInPlaceBytes && plan.greedyWithoutInPlaceBytes <= plan.naiveBytes)
        return plan
    }

    @Test(arguments: [1, 2]) func fixturePlansAreValidAndWithinTenPercentOfTheLowerBound(threads: Int) throws {
        let models = try Self.fixtureModels()
        #expect(models.count >= 3)
        for url in models { _ = try Self.check(url, threads: threads) }
    }

    @Test(.enabled(if: SharedData.required), arguments: [1, 2])
    func visualWakeWordsFitsIn56KB(threads: Int) throws {
        let plan = try Self.check(try SharedData.url("models/vww_96_int8.tflite"), threads: threads)
        #expect(plan.arenaBytes <= 56 * 1024, "arena \(plan.arenaBytes) bytes")
        if threads == 1 {
            // Every pointwise layer overwrites its input; the stem (96×96×3 into 48×48×8) and the
            // first depthwise layer (48×48×8 into 48×48×8) keep both live.
            #expect(plan.overwrites.count == 13)
            #expect(plan.lowerBoundBytes >= 96 * 96 * 3 + 48 * 48 * 8)
            #expect(plan.arenaBytes <= 48 * 1024, "arena \(plan.arenaBytes) bytes")
        } else {
            // The largest input + output pair of the model (48×48×8 into 48×48×16) is live at once.
            #expect(plan.lowerBoundBytes >= 48 * 48 * 8 + 48 * 48 * 16)
        }
    }

    /// The validity check knows which way an overwriting step runs: the same plan with one
    /// step's chunk order reversed is reported as a conflict.
    @Test(.enabled(if: SharedData.required))
    func anOverwriteRunningTheWrongWayIsAConflict() throws {
        let (_, int8) = try Self.load(try SharedData.url("models/vww_96_int8.tflite"))
        var plan = try Interpreter.plan(for: int8, threads: 1)
        #expect(plan.firstConflict() == nil)
        let wider = try #require(plan.overwrites.firstIndex { plan.buffers[$0.output].bytes > plan.buffers[$0.input].bytes })
        plan.overwrites[wider].backward.toggle()
        let conflict = try #require(plan.firstConflict())
        #expect(Set([conflict.0.name, conflict.1.name])
                == Set([plan.buffers[plan.overwrites[wider].input].name, plan.buffers[plan.overwrites[wider].output].name]))
    }

    /// A model whose every step's output is the next step's input, run through a caller's arena
    /// of exactly the planned size on 1 and 2 threads: the VWW golden outputs, bit for bit.
    @Test(.enabled(if: SharedData.required), arguments: [1, 2])
    func interpreterInTheCallersArenaIsBitExact(threads: Int) throws {
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_int8.golden.safetensors"))
        let input = try golden.int8Tensor("input"), expected = try golden.int8Tensor("output")
        let (_, int8) = try Self.load(try SharedData.url("models/vww_96_int8.tflite"))
        let plan = try Interpreter.plan(for: int8, threads: threads)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: plan.arenaBytes, alignment: 16)
        defer { arena.deallocate() }
        let interpreter = try Interpreter(model: int8, threads: threads, arena: arena)
        #expect(interpreter.plan == plan)
        let perImage = interpreter.input.count, classes = expected.count / 12
        var outputs: [Int8] = []
        for image in 0..<12 {
            for i in 0..<perImage { interpreter.input[i] = input.scalars[image * perImage + i] }
            interpreter.invoke()
            outputs += interpreter.output
        }
        #expect(outputs.count == 12 * classes)
        #expect(outputs == expected.scalars)
        let small = UnsafeMutableRawBufferPointer.allocate(byteCount: plan.arenaBytes - 16, alignment: 16)
        defer { small.deallocate() }
        #expect(throws: RuntimeError.arenaTooSmall(needed: plan.arenaBytes, given: plan.arenaBytes - 16)) {
            _ = try Interpreter(model: int8, threads: threads, arena: small)
        }
    }
}
