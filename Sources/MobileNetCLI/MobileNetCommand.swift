import ArgumentParser

/// The `mobilenet` command: one subcommand per file in this folder.
@main
struct MobileNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mobilenet",
        abstract: "Build, analyse and run MobileNet v1 networks on the CPU.",
        subcommands: [ClassifyCommand.self, SummaryCommand.self, RunCommand.self, BenchCommand.self, ProfileCommand.self, PlanCommand.self,
                      TrainCommand.self, EvalCommand.self, TrainBenchCommand.self, QuantizeCommand.self, ExportCommand.self, WatchCommand.self]
    )
}
