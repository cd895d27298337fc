import CDriverSupport
import MobileNetRuntime

/// The runtime's bit-exactness tests as one Embedded Swift program, built for a board's CPU and
/// run under qemu-user (scripts/make/arm.mk): the VWW int8 model against TFLite's reference
/// outputs (../shared/golden: all 12 outputs, every intermediate of image 0) and the
/// converter-made int8 fixtures (Tests/MobileNetTests/Fixtures/int8: outputs and every
/// intermediate of image 0), on 1 and 2 threads. Every byte must be equal. Also weights of -128,
/// which no converter-made model has, against a naive reference (WeightRangeCheck.swift), and on
/// aarch64 the vector requantization's two forms against the scalar one (RequantizationCheck.swift).
///
///   bit-exact --shared DIR --fixtures DIR     the tests; exit status 1 when any differs
///   bit-exact --invoke MODEL N                 N inferences on one image (instruction counts)
///
/// Without ../shared the VWW test is skipped with a message, or fails when CI=true.
@_cdecl("bit_exact_main")
func bitExactMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var arguments: [String] = []
    for i in 1..<Int(argc) { arguments.append(String(cString: argv[i]!)) }
    do {
        if arguments.count == 3, arguments[0] == "--invoke", let count = Int(arguments[2]), count >= 0 {
            try invokeRepeatedly(model: arguments[1], count: count)
            return 0
        }
        guard arguments.count == 4, arguments[0] == "--shared", arguments[2] == "--fixtures" else {
            printError("usage: bit-exact --shared DIR --fixtures DIR | --invoke MODEL N")
            return 2
        }
        var report = Report()
        try runGoldenTest(shared: arguments[1], report: &report)
        try runFixtureTests(directory: arguments[3], report: &report)
        try runWeightRangeTest(report: &report)
        #if arch(arm64)
        runRequantizationTest(report: &report)
        #endif
        print("bit-exact: \(report.passed) passed, \(report.failed) failed, \(report.skipped) skipped")
        return report.failed == 0 ? 0 : 1
    } catch {
        printError("bit-exact: error: \(error.message)")
        return 1
    }
}

/// A failure to read the test data (not a mismatch: those are counted in `Report`).
struct DriverError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Counts of passed, failed and skipped checks; prints one line per check.
struct Report {
    var passed = 0, failed = 0, skipped = 0

    mutating func check(_ ok: Bool, _ what: String) {
        if ok { passed += 1 } else { failed += 1 }
        print("\(ok ? "ok  " : "FAIL") \(what)")
    }

    mutating func skip(_ what: String) {
        skipped += 1
        print("skip \(what)")
    }
}

func printError(_ line: String) {
    let text = line + "\n"
    var utf8 = Array(text.utf8)
    utf8.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
            ds_write_error($0, buffer.count)
        }
    }
}

/// The bytes of the file at `path` in a buffer the caller frees with `ds_free`.
func readFileBuffer(_ path: String) throws(DriverError) -> UnsafeMutableBufferPointer<UInt8> {
    var size = 0
    var error: UnsafePointer<CChar>? = nil
    guard let bytes = ds_read_file(path, &size, &error) else {
        throw DriverError("cannot read \(path): \(error.map { String(cString: $0) } ?? "unknown error")")
    }
    return UnsafeMutableBufferPointer(start: bytes, count: size)
}

func readFile(_ path: String) throws(DriverError) -> [UInt8] {
    let buffer = try readFileBuffer(path)
    defer { ds_free(buffer.baseAddress) }
    return Array(buffer)
}

func loadModel(_ path: String) throws(DriverError) -> Int8Model {
    let buffer = try readFileBuffer(path)
    defer { ds_free(buffer.baseAddress) }
    do {
        return try Int8Model(tflite: UnsafeRawBufferPointer(buffer))
    } catch {
        throw DriverError("\(path): \(error.description)")
    }
}

func makeInterpreter(_ model: Int8Model, threads: Int, _ path: String) throws(DriverError) -> Interpreter {
    do {
        return try Interpreter(model: model, threads: threads)
    } catch {
        throw DriverError("\(path): \(error.description)")
    }
}

/// `op00_`, `op01_`, ...: the prefix of step `index`'s reference tensor.
func referencePrefix(_ index: Int) -> String {
    (index < 10 ? "op0" : "op") + "\(index)_"
}

/// "" when equal, else how they differ.
func difference(_ ours: UnsafeBufferPointer<Int8>, _ reference: ArraySlice<Int8>) -> String {
    guard ours.count == reference.count else { return "\(ours.count) values, the reference has \(reference.count)" }
    var count = 0, largest = 0
    for (a, b) in zip(ours, reference) where a != b {
        count += 1
        largest = max(largest, abs(Int(a) - Int(b)))
    }
    return count == 0 ? "" : "\(count) of \(reference.count) differ, by up to \(largest)"
}

/// Runs one image step by step: copies `image` into the input, and after every step compares
/// its output with the reference tensor of that step when `intermediates` is given. Returns the
/// differing steps' descriptions.
func runImage(_ interpreter: Interpreter, _ image: ArraySlice<Int8>, intermediates: GoldenFile?,
              names: [String]) throws(DriverError) -> [String] {
    let input = interpreter.input
    guard image.count == input.count else {
        throw DriverError("the input image has \(image.count) values, the model takes \(input.count)")
    }
    for (i, value) in image.enumerated() { input[i] = value }
    var differing: [String] = []
    for step in 0..<interpreter.stepCount {
        interpreter.invokeStep(step)
        guard let golden = intermediates else { continue }
        guard let entry = golden.entries.first(where: { $0.name.hasPrefix(referencePrefix(step)) }) else {
            differing.append("no reference for step \(step) (\(names[step]))")
            continue
        }
        if !entry.name.hasSuffix("_" + names[step]) {
            differing.append("step \(step) is \(names[step]), the reference is \(entry.name)")
            continue
        }
        let reference = try golden.int8(entry.name).values
        let d = difference(interpreter.stepOutput(step), reference[...])
        if !d.isEmpty { differing.append("\(entry.name): \(d)") }
    }
    return differing
}

/// The VWW int8 model against TFLite's reference kernels: all 12 outputs, every intermediate of
/// image 0, on 1 and 2 threads.
func runGoldenTest(shared: String, report: inout Report) throws(DriverError) {
    let modelPath = shared + "/models/vww_96_int8.tflite"
    let goldenPath = shared + "/golden/vww_96_int8.golden.safetensors"
    guard ds_exists(modelPath) != 0, ds_exists(goldenPath) != 0 else {
        let message = "vww_96_int8: \(modelPath) or \(goldenPath) missing"
        if let ci = ds_getenv("CI"), String(cString: ci) == "true" {
            report.check(false, message + " (CI=true: the shared data must be there)")
        } else {
            report.skip(message)
        }
        return
    }
    let model = try loadModel(modelPath)
    let golden = try GoldenFile(bytes: try readFile(goldenPath))
    try checkModel("vww_96_int8", model, golden, report: &report)
}

/// The converter-made fixtures: every `NAME.tflite` in `directory` with its `NAME.safetensors`.
func runFixtureTests(directory: String, report: inout Report) throws(DriverError) {
    guard let listing = ds_list_directory(directory) else { throw DriverError("cannot list \(directory)") }
    let names = String(cString: listing).split(separator: "\n").map { String($0) }
    ds_free(listing)
    var found = 0
    for file in names where file.hasSuffix(".tflite") {
        let name = String(file.dropLast(".tflite".count))
        let data = directory + "/" + name + ".safetensors"
        guard ds_exists(data) != 0 else { throw DriverError("\(directory)/\(file) has no \(name).safetensors") }
        found += 1
        try checkModel(name, try loadModel(directory + "/" + file), try GoldenFile(bytes: try readFile(data)),
                       report: &report)
    }
    if found == 0 { throw DriverError("no .tflite fixtures in \(directory)") }
}

/// Outputs of every image and intermediates of image 0 of `model` against `golden` (`input`,
/// `output`, `opNN_<operator>`), on 1 and 2 threads. Float-interface models get their float
/// input quantized and their int8 output dequantized as TFLite's QUANTIZE/DEQUANTIZE do.
func checkModel(_ name: String, _ model: Int8Model, _ golden: GoldenFile, report: inout Report) throws(DriverError) {
    let names = model.graph.operations.map { $0.name }
    let graph = model.graph
    let (inputShape, inputs) = try quantizedInput(golden, graph)
    let images = inputShape.first ?? 0
    let perImage = graph.inputShape.reduce(1, *)
    guard images >= 1, inputs.count == images * perImage else {
        throw DriverError("\(name): the reference input \(inputShape) does not fit the model's \(graph.inputShape)")
    }
    let expectedFloats = graph.returnsFloatOutput ? try golden.float32("output").values : []
    let expectedInt8 = graph.returnsFloatOutput ? [] : try golden.int8("output").values
    for threads in [1, 2] {
        let interpreter = try makeInterpreter(model, threads: threads, name)
        var differing: [String] = []
        for image in 0..<images {
            let pixels = inputs[image * perImage..<(image + 1) * perImage]
            differing += try runImage(interpreter, pixels, intermediates: image == 0 ? golden : nil, names: names)
            let output = interpreter.output
            let n = output.count
            if graph.returnsFloatOutput {
                let q = graph.outputQuantization
                for i in 0..<n where I8Head.dequantize(output[i], q).bitPattern != expectedFloats[image * n + i].bitPattern {
                    differing.append("image \(image): float output \(i) differs")
                }
            } else {
                let d = difference(output, expectedInt8[image * n..<(image + 1) * n])
                if !d.isEmpty { differing.append("image \(image) output: \(d)") }
            }
        }
        var what = "\(name): \(images) images' outputs and \(names.count) intermediates of image 0 bit-exact, \(threads) thread"
        if threads > 1 { what += "s" }
        for line in differing.prefix(8) { what += "\n       " + line }
        report.check(differing.isEmpty, what)
    }
}

/// The reference input as int8 images: as stored, or quantized from float32 as TFLite's
/// QUANTIZE does for float-interface models.
func quantizedInput(_ golden: GoldenFile, _ graph: QuantizedGraph) throws(DriverError) -> ([Int], [Int8]) {
    if graph.takesFloatInput {
        let (shape, values) = try golden.float32("input")
        return (shape, values.map { I8Head.quantize($0, graph.inputQuantization) })
    }
    let (shape, values) = try golden.int8("input")
    return (shape, values)
}

/// `count` inferences of `model` on one image (a fixed pattern), for counting instructions per
/// inference as the difference between two counts (start-up cancels out).
func invokeRepeatedly(model path: String, count: Int) throws(DriverError) {
    let interpreter = try makeInterpreter(try loadModel(path), threads: 1, path)
    var checksum = 0
    for _ in 0..<count {
        let input = interpreter.input
        for i in 0..<input.count { input[i] = Int8(truncatingIfNeeded: i &* 7 &+ 3) }
        interpreter.invoke()
        for value in interpreter.output { checksum = checksum &* 31 &+ Int(value) }
    }
    print("invoked \(path) \(count) times, output checksum \(checksum)")
}
