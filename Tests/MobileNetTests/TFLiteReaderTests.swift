import Foundation
import Testing

@testable import MobileNet
@testable import MobileNetRuntime

/// A minimal FlatBuffer writer for hand-made test models: a tree of tables, vectors and
/// scalars serialized parent-first, so every offset points forward as the format requires.
fileprivate indirect enum FB {
    case table([Int: FB])  // vtable slot -> value
    case u8(UInt8), i8(Int8), bool(Bool), i32(Int32), u32(UInt32), u64(UInt64), f32(Float)
    case string(String)
    case ints([Int32]), longs([Int64]), floats([Float]), bytes([UInt8])
    case tables([FB])
    /// A vector of `count` offsets that all point to one shared table.
    case repeated(FB, count: Int)

    var inlineSize: Int {
        switch self {
        case .u8, .i8, .bool: return 1
        case .u64: return 8
        default: return 4
        }
    }

    /// A complete file: root offset, `TFL3`, then this table.
    func file(identifier: String = "TFL3") -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 4) + Array(identifier.utf8)
        let root = write(into: &out)
        Self.patch(&out, at: 0, to: root)
        return out
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func patch(_ out: inout [UInt8], at position: Int, to target: Int) {
        let offset = UInt32(target - position)
        for i in 0..<4 { out[position + i] = UInt8(truncatingIfNeeded: offset >> (8 * i)) }
    }

    /// Writes this object at the end of `out` and returns its position.
    @discardableResult
    func write(into out: inout [UInt8]) -> Int {
        switch self {
        case .table(let fields):
            let slots = fields.keys.sorted()
            let slotCount = (slots.last ?? -1) + 1
            var layout = [Int: Int]()
            var size = 4
            for slot in slots {
                layout[slot] = size
                size += fields[slot]!.inlineSize
            }
            let vtable = out.count
            Self.append(UInt16(4 + 2 * slotCount), to: &out)
            Self.append(UInt16(size), to: &out)
            for slot in 0..<slotCount { Self.append(UInt16(layout[slot] ?? 0), to: &out) }
            let table = out.count
            Self.append(Int32(table - vtable), to: &out)
            var pending = [(Int, FB)]()
            for slot in slots {
                let value = fields[slot]!
                switch value {
                case .u8(let v): out.append(v)
                case .i8(let v): out.append(UInt8(bitPattern: v))
                case .bool(let v): out.append(v ? 1 : 0)
                case .i32(let v): Self.append(v, to: &out)
                case .u32(let v): Self.append(v, to: &out)
                case .u64(let v): Self.append(v, to: &out)
                case .f32(let v): Self.append(v.bitPattern, to: &out)
                default:
                    pending.append((out.count, value))
                    Self.append(UInt32(0), to: &out)
                }
            }
            for (position, child) in pending {
                let target = child.write(into: &out)
                Self.patch(&out, at: position, to: target)
            }
            return table
        case .string(let s):
            let start = out.count
            Self.append(UInt32(s.utf8.count), to: &out)
            out += Array(s.utf8) + [0]
            return start
        case .ints(let v):
            let start = out.count
            Self.append(UInt32(v.count), to: &out)
            for x in v { Self.append(x, to: &out) }
            return start
        case .longs(let v):
            let start = out.count
            Self.append(UInt32(v.count), to: &out)
            for x in v { Self.append(x, to: &out) }
            return start
        case .floats(let v):
            let start = out.count
            Self.append(UInt32(v.count), to: &out)
            for x in v { Self.append(x.bitPattern, to: &out) }
            return start
        case .bytes(let v):
            let start = out.count
            Self.append(UInt32(v.count), to: &out)
            out += v
            return start
        case .tables(let children):
            let start = out.count
            Self.append(UInt32(children.count), to: &out)
            for _ in children { Self.append(UInt32(0), to: &out) }
            for (i, child) in children.enumerated() {
                let target = child.write(into: &out)
                Self.patch(&out, at: start + 4 + 4 * i, to: target)
            }
            return start
        case .repeated(let child, let count):
            let start = out.count
            Self.append(UInt32(count), to: &out)
            for _ in 0..<count { Self.append(UInt32(0), to: &out) }
            let target = child.write(into: &out)
            for i in 0..<count { Self.patch(&out, at: start + 4 + 4 * i, to: target) }
            return start
        default:
            preconditionFailure("scalars are written inline")
        }
    }
}


@Suite struct TFLiteReaderTests {
    // MARK: - Synthetic models

    /// A one-conv model: tensors input [1,4,4,1], weights [2,1,1,1] (constant), output.
    fileprivate static func tinyModel(
        opcode: [Int: FB] = [0: .i8(3)],
        operatorFields: [Int: FB]? = nil,
        weights: [Int: FB]? = nil,
        buffers: [FB]? = nil,
        subgraphInputs: [Int32] = [0]
    ) -> FB {
        let op = operatorFields ?? [
            0: .u32(0), 1: .ints([0, 1, -1]), 2: .ints([2]),
            3: .u8(1), 4: .table([0: .i8(1), 1: .i32(2), 2: .i32(2), 3: .i8(3)]),
        ]
        let weightTensor = weights ?? [
            0: .ints([2, 1, 1, 1]), 1: .i8(0), 2: .u32(1), 3: .string("w"),
            4: .table([2: .floats([0.5, 0.25]), 3: .longs([0, 0]), 6: .i32(0)]),
        ]
        return .table([
            0: .u32(3),
            1: .tables([.table(opcode)]),
            2: .tables([
                .table([
                    0: .tables([
                        .table([0: .ints([1, 4, 4, 1]), 1: .i8(0), 3: .string("in"), 7: .ints([-1, 4, 4, 1])]),
                        .table(weightTensor),
                        .table([0: .ints([1, 2, 2, 2]), 1: .i8(0), 2: .u32(0), 3: .string("out")]),
                    ]),
                    1: .ints(subgraphInputs), 2: .ints([2]), 3: .tables([.table(op)]), 4: .string("main"),
                ])
            ]),
            3: .string("tiny"),
            4: .tables(buffers ?? [.table([:]), .table([0: .bytes([0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])])]),
        ])
    }

    static func expectMalformed(
        _ bytes: [UInt8], mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        MobileNetTests.expectMalformed(format: "tflite", mentions: mentions, sourceLocation: sourceLocation) {
            _ = try TFLiteModel(bytes: bytes)
        }
    }

    /// The tiny model through the lowering and the engine: a 1x1 conv, stride 2, VALID, two
    /// output channels with weights 1 and 2, no bias, fused RELU6.
    @Test func tinyModelRunsThroughTheEngine() throws {
        let graph = try InferenceGraph(TFLiteModel(bytes: Self.tinyModel().file()))
        #expect(graph.inputShape == [4, 4, 1])
        let input = try Tensor<Float>(shape: [1, 4, 4, 1], scalars: (0..<16).map { Float($0) * 0.5 })
        let output = try InferenceSession(graph: graph).run(input)
        // Pixels (0,0), (0,2), (2,0), (2,2) hold 0, 1, 4, 5; channel 1 doubles and clamps at 6.
        #expect(output.shape == [1, 2, 2, 2])
        #expect(output.scalars == [0, 0, 1, 2, 4, 6, 5, 6])
    }

    @Test func unsupportedOperatorsAreRejectedByName() throws {
        let model = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(0)]).file())  // ADD
        #expect {
            _ = try InferenceGraph(model)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("unsupported: TFLite operator ADD") && !text.contains("\n")
        }
    }

    @Test func tinyModelParses() throws {
        let model = try TFLiteModel(bytes: Self.tinyModel().file())
        #expect(model.version == 3)
        #expect(model.description == "tiny")
        let graph = model.mainSubgraph
        #expect(graph.name == "main")
        #expect(graph.tensors.map(\.name) == ["in", "w", "out"])
        #expect(graph.tensors[0].shapeSignature == [-1, 4, 4, 1])
        #expect(graph.tensors[0].data == nil)
        #expect(graph.tensors[0].quantization == nil)
        #expect(try graph.tensors[1].floats().scalars == [1, 2])
        #expect(graph.tensors[1].quantization?.scale == [0.5, 0.25])
        let op = try #require(graph.operators.first)
        #expect(op.op == .conv2D)
        #expect(op.op.name == "CONV_2D")
        #expect(op.version == 1)
        #expect(op.inputs == [0, 1, -1])
        #expect(op.options == .conv2D(padding: .valid, strideW: 2, strideH: 2, activation: .relu6, dilationW: 1, dilationH: 1))
    }

    @Test func builtinCodeIsTheLargerOfTheTwoFields() throws {
        // Extended code (150 = GELU) with the deprecated field at the placeholder value 127.
        let gelu = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(127), 2: .i32(2), 3: .i32(150)]).file())
        #expect(gelu.mainSubgraph.operators[0].op == .gelu)
        #expect(gelu.mainSubgraph.operators[0].version == 2)
        // Only the new field set.
        let dw = try TFLiteModel(bytes: Self.tinyModel(opcode: [3: .i32(4)]).file())
        #expect(dw.mainSubgraph.operators[0].op == .depthwiseConv2D)
        // Unknown code: kept, named BUILTIN_<n>; known codes without a case keep their schema name.
        let unknown = try TFLiteModel(bytes: Self.tinyModel(opcode: [3: .i32(999)]).file())
        #expect(unknown.mainSubgraph.operators[0].op == .other(code: 999))
        #expect(unknown.mainSubgraph.operators[0].op.name == "BUILTIN_999")
        #expect(TFLiteBuiltinOperator(code: 12).name == "L2_POOL_2D")
        #expect(TFLiteBuiltinOperator(code: 207).name == "COMPLEX")
        #expect(TFLiteBuiltinOperator(code: 3) == .conv2D)
        #expect(TFLiteBuiltinOperator.other(code: 3) == .conv2D)
        // Custom operator.
        let custom = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(32), 1: .string("MyOp")]).file())
        #expect(custom.mainSubgraph.operators[0].op == .custom)
        #expect(custom.mainSubgraph.operators[0].customCode == "MyOp")
    }

    @Test func absentOptionsTakeSchemaDefaults() throws {
        let fields: [Int: FB] = [0: .u32(0), 1: .ints([0, 1]), 2: .ints([2])]
        let conv = try TFLiteModel(bytes: Self.tinyModel(operatorFields: fields).file())
        #expect(conv.mainSubgraph.operators[0].options
            == .conv2D(padding: .same, strideW: 0, strideH: 0, activation: .none, dilationW: 1, dilationH: 1))
        let reshape = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(22)], operatorFields: fields).file())
        #expect(reshape.mainSubgraph.operators[0].options == .reshape(newShape: nil))
        let withShape = fields.merging([3: .u8(17), 4: .table([0: .ints([1, -1])])]) { $1 }
        let reshape2 = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(22)], operatorFields: withShape).file())
        #expect(reshape2.mainSubgraph.operators[0].options == .reshape(newShape: [1, -1]))
        let softmax = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(25)], operatorFields: fields).file())
        #expect(softmax.mainSubgraph.operators[0].options == .softmax(beta: 0))
        let strided = fields.merging([3: .u8(32), 4: .table([0: .i32(1), 4: .i32(2), 5: .bool(true)])]) { $1 }
        let slice = try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(45)], operatorFields: strided).file())
        #expect(slice.mainSubgraph.operators[0].options
            == .stridedSlice(beginMask: 1, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 2, offset: true))
        let pack = fields.merging([3: .u8(59), 4: .table([0: .i32(3), 1: .i32(-1)])]) { $1 }
        #expect(try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(83)], operatorFields: pack).file())
            .mainSubgraph.operators[0].options == .pack(valuesCount: 3, axis: -1))
        let mean = fields.merging([3: .u8(27), 4: .table([0: .bool(true)])]) { $1 }
        #expect(try TFLiteModel(bytes: Self.tinyModel(opcode: [0: .i8(40)], operatorFields: mean).file())
            .mainSubgraph.operators[0].options == .reducer(keepDims: true))
        let odd = fields.merging([3: .u8(120), 4: .table([:])]) { $1 }
        #expect(try TFLiteModel(bytes: Self.tinyModel(operatorFields: odd).file())
            .mainSubgraph.operators[0].options == .other(type: 120))
    }

    @Test func externalBufferOffsetAndSize() throws {
        var bytes = Self.tinyModel(buffers: [.table([:]), .table([1: .u64(0), 2: .u64(8)])]).file()
        let offset = bytes.count
        bytes += [0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40]  // 3.0, 4.0
        // Patch the placeholder offset 0 by rebuilding with the now-known position.
        bytes = Self.tinyModel(buffers: [.table([:]), .table([1: .u64(UInt64(offset)), 2: .u64(8)])]).file()
        #expect(bytes.count == offset)
        bytes += [0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40]
        let model = try TFLiteModel(bytes: bytes)
        #expect(try model.mainSubgraph.tensors[1].floats().scalars == [3, 4])
        // The same claim past the end of the file.
        Self.expectMalformed(Array(bytes.dropLast(1)), mentions: ["buffers[1]", "past the end"])
        let huge = Self.tinyModel(buffers: [.table([:]), .table([1: .u64(UInt64.max - 3), 2: .u64(8)])]).file()
        Self.expectMalformed(huge, mentions: ["buffers[1]"])
    }

    @Test func crossReferencesAreValidated() {
        // opcode_index out of range
        Self.expectMalformed(
            Self.tinyModel(operatorFields: [0: .u32(5), 1: .ints([0]), 2: .ints([2])]).file(),
            mentions: ["operator 0", "opcode_index 5", "1 operator codes"])
        // input tensor out of range (and -2 is not the optional marker)
        Self.expectMalformed(
            Self.tinyModel(operatorFields: [0: .u32(0), 1: .ints([0, 7]), 2: .ints([2])]).file(),
            mentions: ["CONV_2D", "input tensor 7", "3 tensors"])
        Self.expectMalformed(
            Self.tinyModel(operatorFields: [0: .u32(0), 1: .ints([-2]), 2: .ints([2])]).file(),
            mentions: ["input tensor -2"])
        // output -1 is not allowed
        Self.expectMalformed(
            Self.tinyModel(operatorFields: [0: .u32(0), 1: .ints([0]), 2: .ints([-1])]).file(),
            mentions: ["output tensor -1"])
        // subgraph inputs out of range
        Self.expectMalformed(Self.tinyModel(subgraphInputs: [3]).file(), mentions: ["subgraph 0 inputs", "tensor 3"])
        // buffer index out of range
        Self.expectMalformed(
            Self.tinyModel(weights: [0: .ints([2, 1, 1, 1]), 2: .u32(9), 3: .string("w")]).file(),
            mentions: ["'w'", "buffer 9", "2 buffers"])
        // data size inconsistent with shape x type
        Self.expectMalformed(
            Self.tinyModel(weights: [0: .ints([3, 1, 1, 1]), 2: .u32(1), 3: .string("w")]).file(),
            mentions: ["'w'", "8 data bytes", "[3, 1, 1, 1]", "FLOAT32 needs 12"])
        Self.expectMalformed(
            Self.tinyModel(weights: [0: .ints([2, 1, 1, 1]), 1: .i8(9), 2: .u32(1), 3: .string("w")]).file(),
            mentions: ["'w'", "INT8 needs 2"])
        // negative dimension
        Self.expectMalformed(
            Self.tinyModel(weights: [0: .ints([-2, 1, 1, 1]), 2: .u32(1), 3: .string("w")]).file(),
            mentions: ["'w'", "negative dimension"])
        // per-channel scales that do not match the quantized dimension
        Self.expectMalformed(
            Self.tinyModel(weights: [
                0: .ints([2, 1, 1, 1]), 2: .u32(1), 3: .string("w"),
                4: .table([2: .floats([1, 2, 3]), 3: .longs([0, 0, 0])]),
            ]).file(),
            mentions: ["'w'", "3 scales"])
        Self.expectMalformed(
            Self.tinyModel(weights: [
                0: .ints([2, 1, 1, 1]), 2: .u32(1), 3: .string("w"), 4: .table([2: .floats([1, 2]), 3: .longs([0])]),
            ]).file(),
            mentions: ["'w'", "2 quantization scales but 1 zero points"])
        // unknown padding value
        Self.expectMalformed(
            Self.tinyModel(operatorFields: [
                0: .u32(0), 1: .ints([0]), 2: .ints([2]), 3: .u8(1), 4: .table([0: .i8(7)]),
            ]).file(),
            mentions: ["CONV_2D", "unknown padding 7"])
        // no subgraphs
        Self.expectMalformed(FB.table([0: .u32(3), 2: .tables([])]).file(), mentions: ["no subgraphs"])
    }

    @Test func headerProblems() {
        Self.expectMalformed([], mentions: ["0 bytes"])
        var random = SeededGenerator(seed: 7)
        let eight = (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }
        Self.expectMalformed(eight)
        Self.expectMalformed(Self.tinyModel().file(identifier: "TFL2"), mentions: ["TFL3"])
        // Root offset pointing past the end, and a vtable outside the file.
        Self.expectMalformed([0xFF, 0xFF, 0, 0] + Array("TFL3".utf8), mentions: ["root table"])
        Self.expectMalformed([8, 0, 0, 0] + Array("TFL3".utf8) + [0xF0, 0xFF, 0xFF, 0x7F], mentions: ["vtable"])
    }

    @Test func vectorLengthsAreCheckedAgainstTheFile() {
        var bytes = Self.tinyModel().file()
        // Find the "tiny" description string and claim a huge length for it.
        let needle = Array("tiny".utf8)
        let at = (0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == needle }!
        bytes[at - 4] = 0xFF
        bytes[at - 3] = 0xFF
        bytes[at - 2] = 0xFF
        bytes[at - 1] = 0x7F
        Self.expectMalformed(bytes, mentions: ["Model.description", "more than the file holds"])
    }

    @Test func sharedDataCannotMultiplyTheWork() {
        // 3000 subgraph entries share one subgraph whose 3000 tensor entries share one tensor:
        // 9 million tensor parses for a 25 KB file unless the work budget stops it.
        let tensor = FB.table([0: .ints([1, 2, 3, 4]), 3: .string("t")])
        let subgraph = FB.table([0: .repeated(tensor, count: 3000)])
        let bytes = FB.table([0: .u32(3), 1: .tables([]), 2: .repeated(subgraph, count: 3000), 4: .tables([.table([:])])]).file()
        let start = Date()
        Self.expectMalformed(bytes, mentions: ["work limit"])
        #expect(Date().timeIntervalSince(start) < 10)
    }

    // MARK: - Real models

    static let expectedOps: [TFLiteBuiltinOperator] =
        [.conv2D] + Array(repeating: [TFLiteBuiltinOperator.depthwiseConv2D, .conv2D], count: 13).flatMap { $0 }
        + [.averagePool2D, .reshape, .fullyConnected, .softmax]

    /// The mapped parse (which releases each buffer's pages once copied) reads the same model
    /// as parsing the file's bytes, float and int8; the graph lowered from it, which frees each
    /// constant after its last reader, runs the same as one lowered from a model kept intact.
    @Test(.enabled(if: SharedData.required)) func mappedParseMatchesBytes() throws {
        for name in ["vww_96_float", "vww_96_int8"] {
            let url = try SharedData.url("models/\(name).tflite")
            let mapped = try TFLiteModel(contentsOf: url)
            let bytes = try TFLiteModel(bytes: [UInt8](try Data(contentsOf: url)))
            #expect(mapped == bytes, "\(name)")
        }
        let url = try SharedData.url("models/vww_96_float.tflite")
        let kept = try TFLiteModel(contentsOf: url)
        let keptGraph = try InferenceGraph(kept)
        #expect(kept == (try TFLiteModel(contentsOf: url)), "lowering must not change a model the caller keeps")
        let input = try Tensor(shape: [1, 96, 96, 3], scalars: (0..<96 * 96 * 3).map { Float($0 % 251) / 250 })
        let expected = try InferenceSession(graph: keptGraph).run(input)
        let loaded = try InferenceSession(graph: try ModelLoader.graph(contentsOf: url)).run(input)
        #expect(loaded.scalars == expected.scalars)
    }

    @Test(.enabled(if: SharedData.required)) func floatModelStructure() throws {
        let model = try TFLiteModel(contentsOf: try SharedData.url("models/vww_96_float.tflite"))
        #expect(model.version == 3)
        #expect(model.subgraphs.count == 1)
        let graph = model.mainSubgraph
        print("float model: \(graph.tensors.count) tensors, \(model.buffers.count) buffers, description '\(model.description)'")
        for (i, op) in graph.operators.enumerated() { print("  op\(i) \(op.op.name) in \(op.inputs) out \(op.outputs) \(op.options)") }
        #expect(graph.operators.count == 31)
        #expect(graph.operators.map(\.op) == Self.expectedOps)
        // The golden file names each operator's output opNN_<lower-case operator name>.
        let golden = try SafeTensors(contentsOf: try SharedData.url("golden/vww_96_float.golden.safetensors"))
        let goldenOps = golden.names.filter { $0.hasPrefix("op") }
        let ours = graph.operators.enumerated().map { String(format: "op%02d_", $0.offset) + $0.element.op.name.lowercased() }
        #expect(goldenOps == ours)
        // Operator outputs have the golden shapes.
        for (i, op) in graph.operators.enumerated() {
            #expect(graph.tensors[op.outputs[0]].shape == golden[goldenOps[i]]?.shape, "op \(i)")
        }

        let input = graph.tensors[graph.inputs[0]]
        #expect(graph.inputs.count == 1)
        #expect(input.shape == [1, 96, 96, 3])
        #expect(input.shapeSignature == [-1, 96, 96, 3])
        #expect(input.type == .float32)
        #expect(input.data == nil)
        #expect(graph.tensors[graph.outputs[0]].shape == [1, 2])
        #expect(graph.tensors.allSatisfy { $0.type == .float32 || $0.type == .int32 })
        #expect(graph.tensors.allSatisfy { $0.quantization == nil })

        let first = graph.operators[0]
        #expect(first.options == .conv2D(padding: .same, strideW: 2, strideH: 2, activation: .relu, dilationW: 1, dilationH: 1))
        let weights = try graph.tensors[first.inputs[1]].floats()
        #expect(weights.shape == [8, 3, 3, 3])  // OHWI
        #expect(weights.scalars.allSatisfy { $0.isFinite })
        #expect(try graph.tensors[first.inputs[2]].floats().shape == [8])

        #expect(graph.operators[1].options
            == .depthwiseConv2D(padding: .same, strideW: 1, strideH: 1, depthMultiplier: 1, activation: .relu, dilationW: 1, dilationH: 1))
        #expect(graph.tensors[graph.operators[1].inputs[1]].shape == [1, 3, 3, 8])  // 1HWC
        let strides = graph.operators.compactMap { op -> Int? in
            if case .depthwiseConv2D(_, let s, _, _, _, _, _) = op.options { return s }
            return nil
        }
        #expect(strides == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1])
        #expect(graph.operators[27].options
            == .pool2D(padding: .valid, strideW: 3, strideH: 3, filterWidth: 3, filterHeight: 3, activation: .none))
        // RESHAPE stores no options: the new shape is its second (constant INT32) input.
        #expect(graph.operators[28].options == .reshape(newShape: nil))
        #expect(try graph.tensors[graph.operators[28].inputs[1]].int32s().scalars == [-1, 256])
        #expect(graph.operators[29].options == .fullyConnected(activation: .none, keepNumDims: false, weightsFormat: 0))
        #expect(graph.tensors[graph.operators[29].inputs[1]].shape == [2, 256])
        #expect(graph.operators[30].options == .softmax(beta: 1))
    }

    @Test(.enabled(if: SharedData.required)) func int8ModelQuantization() throws {
        let model = try TFLiteModel(contentsOf: try SharedData.url("models/vww_96_int8.tflite"))
        let graph = model.mainSubgraph
        #expect(graph.operators.map(\.op) == Self.expectedOps)
        print("int8 operator codes: \(model.operatorCodes.map { "\($0.op.name) v\($0.version)" })")

        let input = graph.tensors[graph.inputs[0]]
        #expect(input.type == .int8)
        #expect(input.shape == [1, 96, 96, 3])
        let inputQ = try #require(input.quantization)
        #expect(abs(inputQ.scale[0] - 1 / 255) < 1e-7)
        #expect(inputQ.zeroPoint == [-128])
        let output = graph.tensors[graph.outputs[0]]
        #expect(output.type == .int8)
        #expect(output.quantization?.scale == [Float(1) / 256])
        #expect(output.quantization?.zeroPoint == [-128])

        var checked = 0
        for (i, op) in graph.operators.enumerated() where op.op == .conv2D || op.op == .depthwiseConv2D {
            let w = graph.tensors[op.inputs[1]]
            let b = graph.tensors[op.inputs[2]]
            let q = try #require(w.quantization, "op \(i) weights")
            #expect(w.type == .int8)
            #expect(b.type == .int32)
            #expect(try w.int8s().count == w.elementCount)
            #expect(try b.int32s().shape.count == 1)
            let axis = op.op == .conv2D ? 0 : 3
            #expect(q.quantizedDimension == axis, "op \(i)")
            #expect(q.scale.count == w.shape[axis], "op \(i)")
            #expect(q.zeroPoint.allSatisfy { $0 == 0 }, "op \(i): symmetric weights")
            #expect(b.quantization?.scale.count == w.shape[axis], "op \(i) bias scales")
            // Activations are asymmetric per-tensor int8.
            let out = try #require(graph.tensors[op.outputs[0]].quantization)
            #expect(out.scale.count == 1 && out.zeroPoint.count == 1)
            checked += 1
        }
        #expect(checked == 27)
        let firstWeights = graph.tensors[graph.operators[0].inputs[1]]
        print("first conv weight scales: \(firstWeights.quantization!.scale)")
        #expect(firstWeights.quantization?.scale.count == 8)
        #expect(graph.tensors[graph.operators[29].inputs[1]].quantization?.scale.count == 1)  // FC: per-tensor
        // The golden int8 file holds what these tensors would hold.
        let golden = try SafeTensors(contentsOf: try SharedData.url("golden/vww_96_int8.golden.safetensors"))
        #expect(golden["op00_conv_2d"]?.shape == graph.tensors[graph.operators[0].outputs[0]].shape)
    }

    // MARK: - Robustness

    @Test(.enabled(if: SharedData.required)) func everyTruncationThrows() throws {
        let bytes = [UInt8](try Data(contentsOf: try SharedData.url("models/vww_96_float.tflite")))
        var lengths = Array(0..<200)
        lengths += stride(from: 200, to: bytes.count, by: 997)
        lengths += [bytes.count - 1, bytes.count - 4, bytes.count - 16]
        var parsed = [Int]()
        for length in lengths {
            do {
                _ = try TFLiteModel(bytes: Array(bytes[0..<length]))
                parsed.append(length)
            } catch let error as MobileNetError {
                guard case .malformed = error else { Issue.record("length \(length): \(error)"); continue }
            }
        }
        #expect(parsed.isEmpty, "truncations that parsed: \(parsed)")
        print("truncation: \(lengths.count) lengths, all rejected")
    }

    /// Positions of the flatbuffer's structure: every byte outside the buffers' data.
    static func structuralPositions(_ bytes: [UInt8]) throws -> [Int] {
        try bytes.withUnsafeBytes { raw in
            let r = FlatBufferReader(bytes: raw, format: "tflite")
            var inData = [Bool](repeating: false, count: bytes.count)
            for buffer in try r.tableVector(try r.root(), 4, "buffers") ?? [] {
                if let v = try r.vector(buffer, 0, elementSize: 1, "data") {
                    for i in v.start..<(v.start + v.count) { inData[i] = true }
                }
            }
            return inData.indices.filter { !inData[$0] }
        }
    }

    @Test(.enabled(if: SharedData.required)) func randomCorruptionsParseOrThrow() throws {
        let original = [UInt8](try Data(contentsOf: try SharedData.url("models/vww_96_float.tflite")))
        let structural = try Self.structuralPositions(original)
        print("float model: \(structural.count) of \(original.count) bytes are structure, the rest tensor data")
        var random = SeededGenerator(seed: 0x5EED)
        var outcomes = (parsed: 0, threw: 0)
        var slowest = 0.0
        for trial in 0..<2000 {
            var bytes = original
            // Three in four corruptions hit the structure; the rest anywhere.
            let position = trial % 4 == 3
                ? Int.random(in: 0..<bytes.count, using: &random)
                : structural[Int.random(in: 0..<structural.count, using: &random)]
            if trial % 2 == 0 {
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            } else {
                let value = UInt32.random(in: 0...UInt32.max, using: &random)
                for k in 0..<4 where position + k < bytes.count {
                    bytes[position + k] = UInt8(truncatingIfNeeded: value >> (8 * k))
                }
            }
            let start = Date()
            do {
                _ = try TFLiteModel(bytes: bytes)
                outcomes.parsed += 1
            } catch let error as MobileNetError {
                if case .malformed = error { outcomes.threw += 1 } else { Issue.record("trial \(trial): \(error)") }
            }
            slowest = max(slowest, Date().timeIntervalSince(start))
        }
        print("corruption: \(outcomes.parsed) parsed, \(outcomes.threw) rejected, slowest parse \(slowest) s")
        #expect(outcomes.parsed + outcomes.threw == 2000)
        #expect(outcomes.threw > 100)  // corrupting the structure is mostly detected
        #expect(slowest < 5)
    }
}
