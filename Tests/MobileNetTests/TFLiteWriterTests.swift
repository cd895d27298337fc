import Foundation
import Testing

@testable import MobileNet
@testable import MobileNetRuntime

/// The TFLite writer: the FlatBuffers builder against hand-computed bytes, every options table
/// and metadata through a write/read round trip, errors for unwritable models, and the MLPerf
/// Tiny models re-serialized (equal when read back, and computing what TFLite computed).
///
/// With `MOBILENET_WRITE_TFLITE_DIR` set, the re-serialized models are also written there (for
/// scripts/dev/check_tflite_roundtrip.py, which runs them in TFLite's own interpreter).
@Suite struct TFLiteWriterTests {
    // MARK: - Builder

    /// A table with an int32 (slot 0), a defaulted byte (slot 1, omitted) and a byte (slot 2),
    /// worked out by hand from the FlatBuffers layout rules.
    @Test func tinyTableBytes() throws {
        var b = FlatBufferBuilder()
        b.startTable()
        b.add(0, Int32(7), default: 0)
        b.add(1, UInt8(0), default: 0)
        b.add(2, UInt8(3), default: 0)
        let table = b.endTable()
        let bytes = try b.finish(root: table, identifier: "TEST")
        let expected: [UInt8] = [
            20, 0, 0, 0,  // root offset: the table is at byte 20
            84, 69, 83, 84,  // "TEST"
            0, 0,  // padding: the file size is a multiple of 4
            10, 0, 12, 0, 8, 0, 0, 0, 7, 0,  // vtable: 10 bytes, table 12 bytes, slots at 8, absent, 7
            10, 0, 0, 0,  // the table: soffset 10 back to its vtable at byte 10
            0, 0, 0,  // padding: the int32 is 4-aligned
            3,  // slot 2
            7, 0, 0, 0,  // slot 0
        ]
        #expect(bytes == expected)
    }

    /// A string and an int64 vector: length prefixes 4-aligned, elements 8-aligned, the
    /// string zero-terminated.
    @Test func stringAndLongVectorBytes() throws {
        var b = FlatBufferBuilder()
        let longs = b.vector([Int64(-2)])
        let text = b.string("ab")
        b.startTable()
        b.add(0, text)
        b.add(1, longs)
        let table = b.endTable()
        let bytes = try b.finish(root: table, identifier: "TEST")
        let expected: [UInt8] = [
            16, 0, 0, 0, 84, 69, 83, 84,  // root at 16, "TEST"
            8, 0, 12, 0, 8, 0, 4, 0,  // vtable: 8 bytes, table 12 bytes, slot 0 at 8, slot 1 at 4
            8, 0, 0, 0,  // the table: soffset 8 back to its vtable
            16, 0, 0, 0,  // slot 1 (added last, so first): the vector at 20 + 16 = 36
            4, 0, 0, 0,  // slot 0: the string at 24 + 4 = 28
            2, 0, 0, 0, 97, 98, 0, 0,  // "ab", terminator, padding
            1, 0, 0, 0,  // the vector's length; its element is 8-aligned at 40
            254, 255, 255, 255, 255, 255, 255, 255,  // -2
        ]
        #expect(bytes == expected)
    }

    /// Identical vtables are shared; byte vectors honour a 16-byte alignment; everything reads
    /// back through the project's bounds-checked reader.
    @Test func vtableSharingAndAlignment() throws {
        var b = FlatBufferBuilder(capacity: 8)  // forces the storage to grow
        var tables = [FlatBufferBuilder.Offset]()
        for i in 0..<3 {
            let data = b.byteVector([UInt8](repeating: UInt8(i + 1), count: 5 + i), alignment: 16)
            b.startTable()
            b.add(0, data)
            b.add(1, Float(i) + 0.5, default: 0)
            tables.append(b.endTable())
        }
        let list = b.vector(tables)
        b.startTable()
        b.add(0, list)
        let bytes = try b.finish(root: b.endTable(), identifier: "TFL3")

        try bytes.withUnsafeBytes { raw in
            let reader = FlatBufferReader(bytes: raw, format: "test")
            let elements = try #require(try reader.tableVector(try reader.root(), 0, "list"))
            #expect(elements.count == 3)
            #expect(Set(elements.map(\.vtable)).count == 1)
            for (i, table) in elements.enumerated() {
                let vector = try #require(try reader.vector(table, 0, elementSize: 1, "data"))
                #expect(vector.start % 16 == 0)
                #expect(try reader.byteVector(table, 0, "data") == [UInt8](repeating: UInt8(i + 1), count: 5 + i))
                #expect(try reader.float32(table, 1, default: 0, "f") == Float(i) + 0.5)
            }
        }
        #expect(bytes.count % 16 == 0)
    }

    // MARK: - Models built in code

    /// One operator per options table the reader decodes, with non-default values.
    static let everyOption: [(TFLiteBuiltinOperator, TFLiteOptions)] = [
        (.conv2D, .conv2D(padding: .valid, strideW: 2, strideH: 3, activation: .relu6, dilationW: 2, dilationH: 1)),
        (.depthwiseConv2D, .depthwiseConv2D(padding: .same, strideW: 1, strideH: 2, depthMultiplier: 2,
                                             activation: .relu, dilationW: 1, dilationH: 3)),
        (.averagePool2D, .pool2D(padding: .valid, strideW: 2, strideH: 2, filterWidth: 3, filterHeight: 4,
                                 activation: .reluN1To1)),
        (.maxPool2D, .pool2D(padding: .same, strideW: 1, strideH: 1, filterWidth: 2, filterHeight: 2, activation: .none)),
        (.fullyConnected, .fullyConnected(activation: .tanh, keepNumDims: true, weightsFormat: 1)),
        (.softmax, .softmax(beta: 1)),
        (.concatenation, .concatenation(axis: -1, activation: .relu)),
        (.add, .arithmetic(activation: .relu)),
        (.mul, .arithmetic(activation: .none)),
        (.sub, .arithmetic(activation: .relu6)),
        (.div, .arithmetic(activation: .signBit)),
        (.reshape, .reshape(newShape: [-1, 8])),
        (.reshape, .reshape(newShape: nil)),
        (.mean, .reducer(keepDims: true)),
        (.squeeze, .squeeze(dims: [1, 2])),
        (.stridedSlice, .stridedSlice(beginMask: 1, endMask: 2, ellipsisMask: 0, newAxisMask: 4, shrinkAxisMask: 8,
                                      offset: true)),
        (.pack, .pack(valuesCount: 3, axis: 1)),
        (.leakyRelu, .leakyRelu(alpha: 0.2)),
        (.pad, .none),
        (.quantize, .none),
        (.dequantize, .none),
        (.relu6, .none),
    ]

    /// A model with tensors of every kind (activation, float and int8 constants with per-tensor
    /// and per-channel quantization, a shape signature, a variable) and `operators`.
    static func model(operators: [TFLiteOperator], metadata: [String: [UInt8]] = [:]) -> TFLiteModel {
        let weights = (0..<12).map { UInt8(bitPattern: Int8($0 - 6)) }
        let tensors = [
            TFLiteTensor(name: "input", shape: [1, 2, 2, 2], type: .float32, shapeSignature: [-1, 2, 2, 2]),
            TFLiteTensor(name: "bias", shape: [2], type: .float32,
                         data: LittleEndianBytes.bytes(of: [Float(0.5), -1.25])),
            TFLiteTensor(name: "weights", shape: [3, 1, 2, 2], type: .int8, data: weights,
                         quantization: TFLiteQuantization(scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0])),
            TFLiteTensor(name: "activation", shape: [1, 2, 2, 3], type: .int8,
                         quantization: TFLiteQuantization(scale: [0.1], zeroPoint: [-128], min: [-1], max: [1])),
            TFLiteTensor(name: "state", shape: [1, 3], type: .float32, isVariable: true),
        ]
        let subgraph = TFLiteSubgraph(name: "main", tensors: tensors, inputs: [0], outputs: [3], operators: operators)
        return TFLiteModel(description: "writer test", subgraphs: [subgraph], metadata: metadata)
    }

    /// The same model without its parsed buffer indices (the writer lays buffers out afresh).
    static func withoutBufferIndices(_ subgraphs: [TFLiteSubgraph]) -> [TFLiteSubgraph] {
        subgraphs.map { subgraph in
            var copy = subgraph
            for i in copy.tensors.indices { copy.tensors[i].buffer = 0 }
            return copy
        }
    }

    @Test func everyOptionsTableRoundTrips() throws {
        let operators = Self.everyOption.map { op, options in
            TFLiteOperator(op: op, version: op == .conv2D ? 3 : 1, inputs: [0, 2, -1], outputs: [3], options: options)
        }
        let original = Self.model(operators: operators)
        let bytes = try original.serialized()
        let parsed = try TFLiteModel(bytes: bytes)
        #expect(parsed.version == 3)
        #expect(parsed.description == "writer test")
        #expect(Self.withoutBufferIndices(parsed.subgraphs) == original.subgraphs)
        #expect(parsed.mainSubgraph.tensors[2].buffer != 0 && parsed.mainSubgraph.tensors[0].buffer == 0)
        // One operator code per distinct (op, version): the two RESHAPEs share one.
        #expect(parsed.operatorCodes.count == Self.everyOption.count - 1)
        #expect(parsed.operatorCodes[0] == TFLiteOperatorCode(op: .conv2D, version: 3))

        // The union types as stored: ADD/MUL/SUB/DIV differ, empty tables for PAD/QUANTIZE/
        // DEQUANTIZE, none for RELU6 and the RESHAPE that reads its shape from an input.
        let types = try bytes.withUnsafeBytes { raw in
            let r = FlatBufferReader(bytes: raw, format: "tflite")
            let subgraph = try #require(try r.tableVector(try r.root(), 2, "subgraphs")?.first)
            let stored = try #require(try r.tableVector(subgraph, 3, "operators"))
            return try stored.map { Int(try r.uint8($0, 3, default: 0, "type")) }
        }
        #expect(types == [1, 2, 5, 5, 8, 9, 10, 11, 21, 28, 29, 17, 0, 27, 30, 32, 59, 75, 22, 89, 38, 0])
    }

    @Test func operatorCodesAboveTheDeprecatedByteKeepBothFields() throws {
        let gelu = TFLiteOperator(op: .gelu, inputs: [0], outputs: [3])
        let bytes = try Self.model(operators: [gelu]).serialized()
        try bytes.withUnsafeBytes { raw in
            let r = FlatBufferReader(bytes: raw, format: "tflite")
            let code = try #require(try r.tableVector(try r.root(), 1, "operator_codes")?.first)
            #expect(try r.int8(code, 0, default: 0, "deprecated_builtin_code") == 127)
            #expect(try r.int32(code, 3, default: 0, "builtin_code") == 150)
        }
        #expect(try TFLiteModel(bytes: bytes).mainSubgraph.operators[0].op == .gelu)
    }

    @Test func metadataRoundTrips() throws {
        let json = Array(#"{"classes":["no person","person"],"preprocessing":"unit"}"#.utf8)
        let metadata = ["mobilenet_swift": json, "min_runtime_version": Array("1.5.0".utf8) + [0, 0, 0], "empty": []]
        let original = Self.model(operators: [], metadata: metadata)
        let parsed = try TFLiteModel(bytes: try original.serialized())
        #expect(parsed.metadata == metadata)
        #expect(Self.withoutBufferIndices(parsed.subgraphs) == original.subgraphs)
        // Buffer 0, two constants, three metadata entries.
        #expect(parsed.buffers.count == 6)
    }

    /// A metadata entry naming a buffer that does not exist is one malformed-file error.
    @Test func badMetadataBufferIsMalformed() throws {
        var b = FlatBufferBuilder()
        b.startTable()
        let buffer = b.endTable()
        let buffers = b.vector([buffer])
        let name = b.string("mobilenet_swift")
        b.startTable()
        b.add(0, name)
        b.add(1, UInt32(7), default: 0)
        let entries = b.vector([b.endTable()])
        let tensors = b.vector([FlatBufferBuilder.Offset]())
        b.startTable()
        b.add(0, tensors)
        let subgraphs = b.vector([b.endTable()])
        b.startTable()
        b.add(0, UInt32(3), default: 0)
        b.add(2, subgraphs)
        b.add(4, buffers)
        b.add(6, entries)
        let bytes = try b.finish(root: b.endTable(), identifier: "TFL3")
        expectMalformed(format: "tflite", mentions: ["metadata[0]", "mobilenet_swift", "buffer 7"]) {
            _ = try TFLiteModel(bytes: bytes)
        }
    }

    // MARK: - Unwritable models

    /// Each problem throws a one-line MobileNetError naming it.
    @Test func unwritableModelsThrow() throws {
        func expectError(_ mention: String, _ model: TFLiteModel, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try model.serialized()
                Issue.record("expected an error mentioning '\(mention)'", sourceLocation: sourceLocation)
            } catch let error as MobileNetError {
                #expect(error.description.contains(mention), "\(error)", sourceLocation: sourceLocation)
                #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            } catch {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            }
        }
        func op(_ op: TFLiteBuiltinOperator, _ options: TFLiteOptions, inputs: [Int] = [0], outputs: [Int] = [3]) -> TFLiteModel {
            Self.model(operators: [TFLiteOperator(op: op, inputs: inputs, outputs: outputs, options: options)])
        }
        expectError("union type 42", op(.other(code: 200), .other(type: 42)))
        expectError("needs options of union type 1", op(.conv2D, .none))
        expectError("only ADD, MUL, SUB and DIV", op(.relu, .arithmetic(activation: .none)))
        expectError("options are of type 2", op(.depthwiseConv2D, .conv2D(padding: .same, strideW: 1, strideH: 1,
                                                                         activation: .none, dilationW: 1, dilationH: 1)))
        expectError("refer to tensor 9", op(.relu, .none, inputs: [9]))
        expectError("refer to tensor -1", op(.relu, .none, outputs: [-1]))
        expectError("operator code -3", op(.other(code: -3), .none))
        expectError("stride_w 4294967296", op(.conv2D, .conv2D(padding: .same, strideW: 1 << 32, strideH: 1,
                                                              activation: .none, dilationW: 1, dilationH: 1)))

        var model = Self.model(operators: [])
        model.subgraphs[0].tensors[1].data = [1, 2, 3]
        expectError("has 3 data bytes, but shape [2] of FLOAT32 needs 8", model)
        model = Self.model(operators: [])
        model.subgraphs[0].tensors[2].quantization?.quantizedDimension = 1
        expectError("3 scales, which do not match dimension 1", model)
        model = Self.model(operators: [])
        model.subgraphs[0].tensors[1].isSparse = true
        expectError("sparse", model)
        model = Self.model(operators: [])
        model.subgraphs[0].outputs = [5]
        expectError("refer to tensor 5", model)
        model.subgraphs = []
        expectError("no subgraphs", model)
    }

    // MARK: - The MLPerf Tiny models

    /// Reads `name`, writes it, reads it back: everything the reader keeps is equal.
    static func roundTrip(_ name: String) throws -> (original: TFLiteModel, parsed: TFLiteModel) {
        let original = try TFLiteModel(contentsOf: SharedData.url("models/\(name)"))
        let bytes = try original.serialized()
        if let folder = ProcessInfo.processInfo.environment["MOBILENET_WRITE_TFLITE_DIR"] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try Data(bytes).write(to: url)
            print("TFLiteWriterTests: wrote \(url.path) (\(bytes.count) bytes)")
        }
        let parsed = try TFLiteModel(bytes: bytes)
        #expect(parsed.version == original.version)
        #expect(parsed.description == original.description)
        #expect(parsed.operatorCodes == original.operatorCodes)
        #expect(parsed.metadata == original.metadata)
        #expect(parsed.metadata["min_runtime_version"] != nil)
        #expect(Self.withoutBufferIndices(parsed.subgraphs) == Self.withoutBufferIndices(original.subgraphs))
        #expect(parsed.mainSubgraph.tensors.contains { $0.data != nil && $0.quantization != nil } == original.isQuantized)
        return (original, parsed)
    }

    /// The float model re-serialized gives the same bits as the original in our engine, and
    /// both match TFLite's output for golden image 0.
    @Test(.enabled(if: SharedData.required)) func floatModelRoundTrips() throws {
        let (original, parsed) = try Self.roundTrip("vww_96_float.tflite")
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_float.golden.safetensors"))
        let images = try golden.floatTensor("input")
        let image = try Tensor(shape: [1, 96, 96, 3], scalars: Array(images.scalars.prefix(96 * 96 * 3)))
        let expected = Array(try golden.floatTensor("output").scalars.prefix(2))
        let before = try InferenceSession(graph: InferenceGraph(original)).run(image)
        let after = try InferenceSession(graph: InferenceGraph(parsed)).run(image)
        #expect(after.scalars.map(\.bitPattern) == before.scalars.map(\.bitPattern))
        for (ours, reference) in zip(after.scalars, expected) { #expect(abs(ours - reference) <= 1e-5) }
    }

    /// The int8 model re-serialized gives TFLite's output for golden image 0 bit for bit.
    @Test(.enabled(if: SharedData.required)) func int8ModelRoundTrips() throws {
        let (original, parsed) = try Self.roundTrip("vww_96_int8.tflite")
        let golden = try SafeTensors(contentsOf: SharedData.url("golden/vww_96_int8.golden.safetensors"))
        let images = try golden.int8Tensor("input")
        let image = try Tensor(shape: [1, 96, 96, 3], scalars: Array(images.scalars.prefix(96 * 96 * 3)))
        let expected = Array(try golden.int8Tensor("output").scalars.prefix(2))
        let before = try QuantizedSession(graph: QuantizedGraph(original)).run(image)
        let after = try QuantizedSession(graph: QuantizedGraph(parsed)).run(image)
        #expect(after.scalars == before.scalars)
        #expect(after.scalars == expected)
    }

    /// A 17 MB constant (the size of MobileNet v1 1.0 in float) is written and read back intact.
    @Test func largeModelSerializes() throws {
        var data = [UInt8](repeating: 0, count: 17 << 20)
        for i in stride(from: 0, to: data.count, by: 4099) { data[i] = UInt8(truncatingIfNeeded: i / 4099 + 1) }
        let tensor = TFLiteTensor(name: "big", shape: [data.count / 4], type: .float32, data: data)
        let model = TFLiteModel(subgraphs: [TFLiteSubgraph(tensors: [tensor], inputs: [], outputs: [0], operators: [])])
        let start = ContinuousClock.now
        let bytes = try model.serialized()
        let elapsed = ContinuousClock.now - start
        print("TFLiteWriterTests: serialized \(bytes.count) bytes in \(elapsed)")
        #expect(try TFLiteModel(bytes: bytes).mainSubgraph.tensors[0].data == data)
    }
}
