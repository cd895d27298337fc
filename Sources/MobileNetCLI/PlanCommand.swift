import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MobileNet

/// `mobilenet plan`: the static arena plan of an int8 model (every activation tensor and scratch
/// buffer with its offset, size and lifetime in steps), its size against the lower bound, TFLM's
/// greedy planner without in-place sharing and the naive sum.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "The int8 runtime's arena plan of a model: buffers, offsets, lifetimes and sizes.",
        discussion: """
            Steps are numbered in execution order; a buffer is live from its first to its last \
            step, both included. Without --model, a random-weight MobileNet of --alpha and \
            --resolution is quantized (min-max on one random image) and planned.
            """
    )

    @Option(help: "Fully quantized .tflite model. Without it, a random-weight int8 MobileNet of --alpha/--resolution.")
    var model: String?

    @Option(help: "Width multiplier of the random-weight model.")
    var alpha: Double = 1

    @Option(help: "Input resolution of the random-weight model.")
    var resolution: Int = 224

    @Option(help: "Worker threads the plan is for (each needs its own scratch rows).")
    var threads: Int = 1

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Option(help: "Also draw the plan (addresses against steps) into this SVG file.")
    var plot: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let plot, !plot.lowercased().hasSuffix(".svg") { throw ValidationError("--plot writes SVG: give a .svg file name") }
    }

    func run() throws {
        try reportingErrors {
            let (name, int8) = try loadModel()
            let plan = try Interpreter.plan(for: int8, threads: threads)
            if let plot {
                try ArenaPlanChart.write(plan, title: "Arena plan of \(name), \(threads) thread\(threads == 1 ? "" : "s")",
                                         toPath: plot)
            }
            if json {
                print(try ArenaPlanReport(model: name, threads: threads, plan: plan).json())
            } else {
                print(Self.text(plan, name: name, threads: threads))
            }
        }
    }

    /// The model's name and its lowered int8 graph.
    private func loadModel() throws -> (String, Int8Model) {
        if let model {
            let url = URL(fileURLWithPath: model)
            guard case .int8(let graph) = try ModelLoader.load(contentsOf: url) else {
                throw MobileNetError.unsupported("\(url.lastPathComponent) is a float model; the arena planner is the int8 runtime's")
            }
            return (url.lastPathComponent, Int8Model(graph: graph))
        }
        return ("mobilenet_v1_\(alpha)_\(resolution) int8 (random weights)",
                Int8Model(graph: try Self.randomInt8(alpha: alpha, resolution: resolution)))
    }

    /// A random-weight MobileNet quantized by the toolkit's post-training quantizer (min-max on
    /// one seeded random image): real shapes and operations, meaningless numbers.
    static func randomInt8(alpha: Double, resolution: Int) throws -> QuantizedGraph {
        let architecture = try MobileNetArchitecture(MobileNetConfig(alpha: alpha, height: resolution))
        let graph = try InferenceGraph(MobileNetModel.random(architecture, seed: 1))
        let quantizer = try PostTrainingQuantizer(graph: graph, method: .minMax, expectedImages: 1, batch: 1, threads: 1)
        var rng = SeededGenerator(seed: 1)
        let shape = [1] + graph.inputShape
        try quantizer.calibrate(Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(0, 1) }))
        return try QuantizedGraph(quantizer.model())
    }

    static func text(_ plan: ArenaPlan, name: String, threads: Int) -> String {
        var rows = [["Buffer", "Kind", "Offset", "Bytes", "First step", "Last step"]]
        for b in plan.buffers {
            rows.append([b.name, b.kind == .tensor ? "tensor" : "scratch", SummaryText.grouped(b.offset),
                         SummaryText.grouped(b.bytes), "\(b.firstStep)", "\(b.lastStep)"])
        }
        let overwritten = plan.overwrites.map { "\($0.step)" }.joined(separator: ", ")
        let totals = [
            ["Arena (planned, incl. \(ArenaPlan.readSlack) bytes of read slack)", SummaryText.grouped(plan.arenaBytes)],
            ["Lower bound (most bytes live at one step)", SummaryText.grouped(plan.lowerBoundBytes)],
            ["Steps writing over their input (1x1, chunk by chunk)", overwritten.isEmpty ? "none" : overwritten],
            ["Arena / lower bound", fixed(Double(plan.arenaBytes) / Double(max(1, plan.lowerBoundBytes)), 3)],
            ["TFLM greedy planner without in-place", SummaryText.grouped(plan.greedyWithoutInPlaceBytes)],
            ["Naive sum of every buffer", SummaryText.grouped(plan.naiveBytes)],
        ]
        return "\(name): \(plan.steps.count) steps, \(threads) thread\(threads == 1 ? "" : "s")\n\n"
            + SummaryText.table(rows, left: 2) + "\n\n" + SummaryText.table(totals)
    }
}
