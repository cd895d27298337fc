import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet summary`: layers, parameters and mult-adds of a MobileNet v1 configuration, counted
/// as the paper counts them (see docs/COST_MODEL.md).
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer parameters and mult-adds, totals and Table 2 shares.",
        discussion: """
            Params are conv and FC weights only, mult-adds those of the convs and the FC, as in \
            Howard et al. 2017; 'params with BN & bias' is Keras' count_params.
            """
    )

    @Option(parsing: .unconditional, help: "Width multiplier α (> 0).")
    var alpha: Double = 1

    @Option(help: "Square input size (ρ = R / 224). Exclusive with --height/--width.")
    var resolution: Int?

    @Option(help: "Input height (with --width).")
    var height: Int?

    @Option(help: "Input width (with --height).")
    var width: Int?

    @Option(help: "Number of classes of the classifier.")
    var classes: Int = 1000

    @Option(help: "mobilenet | conv | shallow (Tables 1, 4, 5).")
    var variant: String = "mobilenet"

    @Option(help: "Channel rounding: keras (int(c·α)) | slim (max(int(c·α), 8)).")
    var rounding: String = "keras"

    @Flag(inversion: .prefixedNo, help: "Include the classifier (dropout, FC, softmax).")
    var includeTop = true

    @Flag(help: "Compare every separable block with the standard 3x3 conv it replaces.")
    var compare = false

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Option(help: "Summarise this model file (.tflite, float or int8, or .safetensors) instead: its size in bytes, stored and as float32 and int8.")
    var model: String?

    func run() throws {
        // Library errors become one "error: ..." line and exit code 1, like `run` and `bench`.
        try reportingErrors {
            if let model {
                let summary = try ModelSizeSummary(path: model)
                print(json ? try summary.json() : summary.text())
                return
            }
            let report = try CostReport(makeConfig())
            if json {
                let data = try report.jsonData(includeBlocks: compare)
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print(SummaryText.layers(report))
            print(SummaryText.totals(report))
            print(SummaryText.shares(report))
            if compare { print(SummaryText.comparison(report)) }
        }
    }

    /// The configuration the options describe; every problem is one `MobileNetError` line.
    func makeConfig() throws -> MobileNetConfig {
        func invalid(_ message: String) -> MobileNetError { .invalidArgument(message) }
        guard let variant = MobileNetVariant(rawValue: variant.lowercased()) else {
            throw invalid("variant must be one of mobilenet, conv, shallow; got '\(self.variant)'")
        }
        guard let rounding = ChannelRounding(rawValue: rounding.lowercased()) else {
            throw invalid("rounding must be keras or slim; got '\(self.rounding)'")
        }
        let size: (Int, Int)
        switch (resolution, height, width) {
        case (nil, nil, nil): size = (224, 224)
        case (let r?, nil, nil): size = (r, r)
        case (nil, let h?, let w?): size = (h, w)
        case (_?, _, _): throw invalid("use either --resolution or --height with --width, not both")
        default: throw invalid("--height and --width must be given together")
        }
        return MobileNetConfig(alpha: alpha, height: size.0, width: size.1, classes: classes,
                               includeTop: includeTop, variant: variant, rounding: rounding)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Plain-text rendering of a `CostReport` (Keras `model.summary()` style).
enum SummaryText {
    /// 1234567 → "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    static func millions(_ value: Int) -> String { fixed(Double(value) / 1e6, 2) + " M" }

    static func shape(_ dims: [Int]) -> String { dims.map(String.init).joined(separator: "x") }

    /// Left-aligns the first `left` columns, right-aligns the rest.
    static func table(_ rows: [[String]], left: Int = 1) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { col, cell in
                let pad = String(repeating: " ", count: widths[col] - cell.count)
                return col < left ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    static func title(_ report: CostReport) -> String {
        let c = report.config
        let top = c.includeTop ? "\(c.classes) classes" : "no top"
        return "MobileNet v1 (\(c.variant.rawValue)) α=\(c.alpha) \(c.height)x\(c.width), "
            + "\(top), \(c.rounding.rawValue) rounding"
    }

    static func layers(_ report: CostReport) -> String {
        var rows = [["Layer", "Kind", "Kernel/stride", "Output", "Params", "Params+BN", "Mult-adds"]]
        for layer in report.layers {
            let window = layer.kernel > 0 ? "\(layer.kernel)x\(layer.kernel)/\(layer.stride)" : "-"
            rows.append([layer.name, layer.kind.rawValue, window, shape(layer.output),
                         grouped(layer.params), grouped(layer.paramsWithBN), grouped(layer.multAdds)])
        }
        return title(report) + "\n\n" + table(rows, left: 4) + "\n"
    }

    static func totals(_ report: CostReport) -> String {
        let t = report.totals
        let int8Bytes = ModelSizeSummary.int8Bytes(weights: t.params, biases: t.foldedParams - t.params)
        let rows = [
            ["Params (conv + FC weights, as the paper)", grouped(t.params), millions(t.params)],
            ["Params with BN & bias (Keras count_params)", grouped(t.paramsWithBN), millions(t.paramsWithBN)],
            ["Mult-adds", grouped(t.multAdds), millions(t.multAdds)],
            ["Folded inference params (weights + biases)", grouped(t.foldedParams), millions(t.foldedParams)],
            ["Folded model size, float32 bytes", grouped(t.fp32Bytes), fixed(Double(t.fp32Bytes) / 1e6, 2) + " MB"],
            ["Folded model size, int8 bytes (int8 weights, int32 biases)", grouped(int8Bytes), fixed(Double(int8Bytes) / 1e6, 2) + " MB"],
        ]
        return "Totals\n" + table(rows) + "\n"
    }

    static func shares(_ report: CostReport) -> String {
        var rows = [["Type", "Mult-adds", "Mult-adds %", "Params", "Params %"]]
        for s in report.shares {
            rows.append([s.label, grouped(s.multAdds), fixed(s.multAddsPercent, 2) + "%",
                         grouped(s.params), fixed(s.paramsPercent, 2) + "%"])
        }
        let t = report.totals
        rows.append(["Total", grouped(t.multAdds), "100.00%", grouped(t.params), "100.00%"])
        return "Resource per layer type (Table 2)\n" + table(rows) + "\n"
    }

    static func comparison(_ report: CostReport) -> String {
        guard !report.blocks.isEmpty else { return "No separable blocks.\n" }
        var rows = [["Block", "M→N", "Stride", "Map", "Standard 3x3", "Separable", "Ratio", "1/N + 1/Dk²"]]
        for b in report.blocks {
            rows.append(["\(b.block)", "\(b.inputChannels)→\(b.outputChannels)", "\(b.stride)",
                         shape(b.outputMap), grouped(b.standardMultAdds), grouped(b.separableMultAdds),
                         fixed(b.ratio, 6), fixed(b.formula, 6)])
        }
        let c = report.comparison
        rows.append(["All", "", "", "", grouped(c.standardMultAdds), grouped(c.separableMultAdds),
                     fixed(Double(c.separableMultAdds) / Double(c.standardMultAdds), 6), ""])
        let header = report.config.variant == .conv
            ? "Blocks of Conv MobileNet vs the separable blocks that would replace them (Section 3.1)"
            : "Depthwise separable blocks vs the standard 3x3 convs they replace (Section 3.1)"
        return header + "\n" + table(rows, left: 2) + "\n"
            + "Blocks: \(fixed(c.reduction, 2))x fewer mult-adds separable than standard.\n"
            + "Whole network: \(grouped(c.standardNetworkMultAdds)) with standard convs, "
            + "\(grouped(c.separableNetworkMultAdds)) separable "
            + "(\(fixed(c.networkReduction, 2))x).\n"
    }
}

/// `summary --model`: the size of a model file's parameters in bytes, as stored and as they
/// would be in float32 and in int8 (int8 weights, int32 biases, as TFLite's full integer
/// quantization stores them; per-channel scales and zero points not counted).
struct ModelSizeSummary: Encodable {
    let model: String
    /// "float32" or "int8": how the file computes.
    let precision: String
    let fileBytes: Int
    let operations: Int
    let multiplyAdds: Int
    /// Weight and bias elements of the convolutions and fully connected layers.
    let weights: Int
    let biases: Int
    let float32Bytes: Int
    let int8Bytes: Int
    /// int8 models: the int8 runtime's arena on one thread (activations and scratch).
    let arenaBytes: Int?

    enum CodingKeys: String, CodingKey {
        case model, precision, operations, weights, biases
        case fileBytes = "file_bytes", multiplyAdds = "multiply_adds"
        case float32Bytes = "float32_bytes", int8Bytes = "int8_bytes", arenaBytes = "arena_bytes"
    }

    static func int8Bytes(weights: Int, biases: Int) -> Int { weights + 4 * biases }

    init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size]
        // The attribute's integer type differs between Foundation implementations (UInt on Linux).
        fileBytes = (size as? Int) ?? (size as? UInt).map { Int($0) } ?? (size as? UInt64).map { Int($0) } ?? 0
        model = url.lastPathComponent
        // (weights, biases) of each operation.
        let counts: [(Int, Int)]
        switch try ModelLoader.load(contentsOf: url) {
        case .float(let graph):
            precision = "float32"
            arenaBytes = nil
            multiplyAdds = graph.multiplyAdds().reduce(0, +)
            counts = graph.operations.map { op in
                switch op {
                case .convolution(let c): return (c.weights.count, c.bias.count)
                case .depthwiseConvolution(let d): return (d.weights.count, d.bias.count)
                case .fullyConnected(let f): return (f.weights.count, f.bias.count)
                default: return (0, 0)
                }
            }
        case .int8(let graph):
            precision = "int8"
            arenaBytes = try Interpreter.plan(for: Int8Model(graph: graph)).arenaBytes
            multiplyAdds = graph.multiplyAdds().reduce(0, +)
            counts = graph.operations.map { op in
                switch op {
                case .convolution(let c): return (c.weights.count, c.bias.count)
                case .depthwiseConvolution(let d): return (d.weights.count, d.bias.count)
                case .fullyConnected(let f): return (f.weights.count, f.bias.count)
                default: return (0, 0)
                }
            }
        }
        operations = counts.count
        weights = counts.map(\.0).reduce(0, +)
        biases = counts.map(\.1).reduce(0, +)
        float32Bytes = 4 * (weights + biases)
        int8Bytes = Self.int8Bytes(weights: weights, biases: biases)
    }

    func text() -> String {
        let rows = [
            ["File size, bytes", SummaryText.grouped(fileBytes)],
            ["Operations", SummaryText.grouped(operations)],
            ["Mult-adds per image", SummaryText.grouped(multiplyAdds)],
            ["Parameters (weights + biases)", SummaryText.grouped(weights + biases)],
            ["Model size as float32, bytes", SummaryText.grouped(float32Bytes)],
            ["Model size as int8 (int8 weights, int32 biases), bytes", SummaryText.grouped(int8Bytes)],
        ] + (arenaBytes.map { [["Arena of the int8 runtime (activations and scratch, 1 thread), bytes", SummaryText.grouped($0)]] } ?? [])
        return "\(model) (\(precision))\n" + SummaryText.table(rows)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
