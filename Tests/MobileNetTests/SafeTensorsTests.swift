import Foundation
import Testing

import MobileNet

@Suite struct SafeTensorsTests {
    // MARK: - Helpers

    /// A safetensors file from a header string and a data buffer.
    static func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return file(rawHeader: json, data: data)
    }

    static func file(rawHeader json: [UInt8], data: [UInt8] = []) -> [UInt8] {
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    static func expectMalformed(
        _ bytes: [UInt8], mentions: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        MobileNetTests.expectMalformed(format: "safetensors", mentions: mentions, sourceLocation: sourceLocation) {
            _ = try SafeTensors(bytes: bytes)
        }
    }

    static func sample() throws -> SafeTensors {
        var file = SafeTensors()
        file.set("weights", try Tensor<Float>(shape: [2, 3], scalars: [1, -2.5, 3.25, 0, .infinity, -0.0]))
        file.set("codes", try Tensor<Int8>(shape: [4], scalars: [-128, -1, 0, 127]))
        file.set("indices", try Tensor<Int32>(shape: [2, 1], scalars: [Int32.min, 123_456_789]))
        file.set("scalar", try Tensor<Float>(shape: [], scalars: [42]))
        file.set("empty", try Tensor<Float>(shape: [0, 5], scalars: []))
        file.metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é ✓"]
        return file
    }

    static func expectSameContent(_ a: SafeTensors, _ b: SafeTensors) throws {
        #expect(Set(a.names) == Set(b.names))
        #expect(a.metadata == b.metadata)
        #expect(try a.floatTensor("weights") == b.floatTensor("weights"))
        #expect(try a.int8Tensor("codes") == b.int8Tensor("codes"))
        #expect(try a.int32Tensor("indices") == b.int32Tensor("indices"))
        #expect(try b.floatTensor("scalar").shape == [])
        #expect(try b.floatTensor("scalar").scalars == [42])
        #expect(try b.floatTensor("empty").shape == [0, 5])
        #expect(b["codes"]?.type == .int8)
        #expect(b["indices"]?.type == .int32)
    }

    // MARK: - Round trips

    @Test func roundTripInMemory() throws {
        let original = try Self.sample()
        #expect(original.names == ["weights", "codes", "indices", "scalar", "empty"])  // insertion order
        let bytes = try original.serialized()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{"))
        let read = try SafeTensors(bytes: bytes)
        try Self.expectSameContent(original, read)
        // The writer sorts by name, so file (offset) order is alphabetical.
        #expect(read.names == ["codes", "empty", "indices", "scalar", "weights"])
        // Writing what was read reproduces the same bytes.
        #expect(try read.serialized() == bytes)
    }

    @Test func roundTripThroughFile() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sample.safetensors")
        let original = try Self.sample()
        try original.write(to: url)
        try Self.expectSameContent(original, try SafeTensors(contentsOf: url))
        // Overwriting replaces the file and leaves no temporary files behind.
        var changed = original
        changed.set("weights", try Tensor<Float>(shape: [1], scalars: [7]))
        try changed.write(to: url)
        #expect(try SafeTensors(contentsOf: url).floatTensor("weights").scalars == [7])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["sample.safetensors"])
    }

    @Test func writeToMissingFolderThrowsIO() throws {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/x.safetensors")
        #expect(throws: MobileNetError.self) { try SafeTensors().write(to: url) }
        do {
            try SafeTensors().write(to: url)
        } catch let error as MobileNetError {
            guard case .io = error else { Issue.record("expected .io, got \(error)"); return }
        }
    }

    @Test func readingMissingFileThrowsIO() {
        do {
            _ = try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/none.safetensors"))
            Issue.record("expected an error")
        } catch let error as MobileNetError {
            guard case .io(let message) = error else { Issue.record("expected .io, got \(error)"); return }
            #expect(message.contains("/nonexistent/none.safetensors"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func setReplacesKeepsPositionAndMissingTensorThrows() throws {
        var file = SafeTensors()
        file.set("a", try Tensor<Float>(shape: [1], scalars: [1]))
        file.set("b", try Tensor<Float>(shape: [1], scalars: [2]))
        file.set("a", try Tensor<Int8>(shape: [1], scalars: [3]))
        #expect(file.names == ["a", "b"])
        #expect(file["a"]?.type == .int8)
        #expect(throws: MobileNetError.missingTensor("zzz")) { try file.floatTensor("zzz") }
    }

    @Test func serializedRejectsInconsistentTensor() {
        var file = SafeTensors()
        file.set("bad", RawTensor(type: .float32, shape: [3], bytes: [0, 0, 0, 0]))
        #expect(throws: MobileNetError.self) { try file.serialized() }
    }

    @Test func headerPaddedWithSpacesIsAccepted() throws {
        let header = "{\"x\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}" + String(repeating: " ", count: 13)
        let file = try SafeTensors(bytes: Self.file(header, data: [0xFF, 0x05]))
        #expect(try file.int8Tensor("x").scalars == [-1, 5])
        #expect(file.metadata.isEmpty)
    }

    // MARK: - Conversions

    @Test func float16AndBFloat16Conversion() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0xFC00, 0x8000, 0x0000]
        let raw = RawTensor(type: .float16, shape: [halves.count], bytes: halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let values = try raw.floats().scalars
        #expect(values[0] == 1.0)
        #expect(values[1] == -2.0)
        #expect(values[2] == 0.333251953125)
        #expect(values[3] == 65504)
        #expect(values[4] == Float(sign: .plus, exponent: -24, significand: 1))  // smallest subnormal
        #expect(values[5] == Float(sign: .plus, exponent: -14, significand: 1))  // smallest normal
        #expect(values[6] == .infinity)
        #expect(values[7] == -.infinity)
        #expect(values[8] == 0 && values[8].sign == .minus)
        #expect(values[9] == 0 && values[9].sign == .plus)
        let nan = RawTensor(type: .float16, shape: [1], bytes: [0x00, 0x7E])
        #expect(try nan.floats().scalars[0].isNaN)

        let bf: [UInt16] = [0x3F80, 0xC040, 0x4049, 0x0000]
        let braw = RawTensor(type: .bfloat16, shape: [2, 2], bytes: bf.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let bvalues = try braw.floats()
        #expect(bvalues.shape == [2, 2])
        #expect(bvalues.scalars == [1.0, -3.0, 3.140625, 0])

        let doubles: [Double] = [2.5, -1e-3]
        let draw = RawTensor(type: .float64, shape: [2], bytes: doubles.withUnsafeBytes { Array($0) })
        #expect(try draw.floats().scalars == [2.5, Float(-1e-3)])
    }

    @Test func integerTensorsAreNotReadAsFloats() throws {
        let raw = RawTensor(try Tensor<Int32>(shape: [1], scalars: [5]))
        do {
            _ = try raw.floats()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("I32"))
        }
        var file = SafeTensors()
        file.set("q", try Tensor<Int8>(shape: [1], scalars: [5]))
        do {
            _ = try file.floatTensor("q")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("I8") && "\(error)".contains("'q'"))
        }
        #expect(throws: MobileNetError.self) { try file.int32Tensor("q") }
        #expect(throws: MobileNetError.self) { try raw.int8s() }
    }

    // MARK: - Shared golden files

    @Test(.enabled(if: SharedData.required)) func readsFloatGolden() throws {
        let url = try SharedData.url("golden/vww_96_float.golden.safetensors")
        let start = Date()
        let file = try SafeTensors(contentsOf: url)
        let input = try file.floatTensor("input")
        let elapsed = Date().timeIntervalSince(start)
        print("float golden: \(file.names.count) tensors read in \(elapsed) s; metadata keys \(file.metadata.keys.sorted())")
        #expect(input.shape == [12, 96, 96, 3])
        #expect(input.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(file["op03_depthwise_conv_2d"]?.shape == [1, 24, 24, 16])
        #expect(file["op03_depthwise_conv_2d"]?.type == .float32)
        #expect(try file.floatTensor("output").shape == [12, 2])
        #expect(file.names.count == 33)
        #expect(file.names.first == "input")
        #expect(file.names[1] == "op00_conv_2d")
        #expect(file.names.last == "output")
        let images = try #require(file.metadata["images"]).split(separator: ",")
        #expect(images.count == 12)
        #expect(images.contains("person.png"))
        // Softmax rows sum to one.
        let output = try file.floatTensor("output").scalars
        for row in 0..<12 { #expect(abs(output[2 * row] + output[2 * row + 1] - 1) < 1e-5) }
    }

    @Test(.enabled(if: SharedData.required)) func readsInt8Golden() throws {
        let file = try SafeTensors(contentsOf: try SharedData.url("golden/vww_96_int8.golden.safetensors"))
        #expect(file.names.count == 33)
        for name in file.names { #expect(file[name]?.type == .int8, "\(name)") }
        let input = try file.int8Tensor("input")
        #expect(input.shape == [12, 96, 96, 3])
        #expect(input.scalars.contains(-128) || input.scalars.contains(127))
        #expect(try file.int8Tensor("op30_softmax").shape == [1, 2])
        #expect(throws: MobileNetError.self) { try file.floatTensor("input") }
        #expect(file.metadata["model"] == "vww_96_int8.tflite")
    }

    // MARK: - Malformed files

    @Test func fileShorterThanEightBytes() {
        Self.expectMalformed([], mentions: ["0 bytes", "8-byte"])
        Self.expectMalformed([1, 2, 3], mentions: ["3 bytes", "8-byte"])
    }

    @Test func headerLengthBeyondFile() {
        var bytes = Self.file("{}")
        bytes[0] = 200
        Self.expectMalformed(bytes, mentions: ["header length 200", "10-byte file"])
        var huge = Self.file("{}")
        for i in 0..<8 { huge[i] = 0xFF }
        Self.expectMalformed(huge, mentions: ["header length 18446744073709551615"])
    }

    @Test func headerNotUTF8JSONObject() {
        Self.expectMalformed(Self.file("{\"a\": "), mentions: ["not valid UTF-8 JSON"])
        Self.expectMalformed(Self.file(rawHeader: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]), mentions: ["not valid UTF-8 JSON"])
        Self.expectMalformed(Self.file("[1, 2]"), mentions: ["not a JSON object"])
        Self.expectMalformed(Self.file("{\"t\": 5}"), mentions: ["'t'", "not a JSON object"])
        Self.expectMalformed(Self.file("{\"__metadata__\": {\"k\": 1}}"), mentions: ["__metadata__", "'k'"])
    }

    @Test func entryMissingDtypeShapeOrOffsets() {
        Self.expectMalformed(Self.file("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0]), mentions: ["'w'", "no dtype"])
        Self.expectMalformed(Self.file("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", data: [0, 0, 0, 0]), mentions: ["'w'", "no shape"])
        Self.expectMalformed(Self.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", data: [0, 0, 0, 0]), mentions: ["'w'", "no data_offsets"])
    }

    @Test func unknownDtype() {
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", data: [0]),
            mentions: ["'w'", "unknown dtype F8_E4M3"])
    }

    @Test func negativeOrNonIntegerDimensions() {
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [-1], \"data_offsets\": [0, 1]}}", data: [0]),
            mentions: ["'w'", "negative or non-integer dimension -1"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [2.5], \"data_offsets\": [0, 1]}}", data: [0]),
            mentions: ["'w'", "negative or non-integer dimension 2.5"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [\"3\"], \"data_offsets\": [0, 3]}}", data: [0, 0, 0]),
            mentions: ["'w'", "non-integer dimension"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [true], \"data_offsets\": [0, 1]}}", data: [0]),
            mentions: ["'w'", "non-integer dimension"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [1e300], \"data_offsets\": [0, 1]}}", data: [0]),
            mentions: ["'w'", "non-integer dimension"])
    }

    @Test func dataOffsetsOutsideBuffer() {
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [25], \"data_offsets\": [0, 100]}}", data: [0, 0, 0, 0, 0, 0, 0, 0]),
            mentions: ["'w'", "[0, 100]", "outside the 8-byte data buffer"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [-4, 0]}}", data: []),
            mentions: ["'w'", "outside"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", data: [0, 0, 0, 0]),
            mentions: ["'w'", "not two integers"])
    }

    @Test func dataOffsetsEndBeforeBegin() {
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [8, 4]}}", data: Array(repeating: 0, count: 8)),
            mentions: ["'w'", "end (4) before they begin (8)"])
    }

    @Test func byteLengthDoesNotMatchShape() {
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", data: Array(repeating: 0, count: 8)),
            mentions: ["'w'", "8 data bytes", "[3]", "needs 12"])
        Self.expectMalformed(
            Self.file("{\"w\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}}", data: Array(repeating: 0, count: 8)),
            mentions: ["'w'", "8 data bytes"])
    }

    @Test func overlappingTensors() {
        let header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """
        Self.expectMalformed(Self.file(header, data: Array(repeating: 0, count: 12)), mentions: ["'a'", "'b'", "overlap"])
    }

    @Test func fileOrderFollowsDataOffsets() throws {
        let header = """
            {"z": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
             "a": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]},
             "m": {"dtype": "U8", "shape": [], "data_offsets": [3, 4]}}
            """
        let file = try SafeTensors(bytes: Self.file(header, data: [9, 8, 7, 6]))
        #expect(file.names == ["z", "a", "m"])
        #expect(file["a"]?.bytes == [8, 7])
        #expect(file["m"]?.shape == [])
    }
}
