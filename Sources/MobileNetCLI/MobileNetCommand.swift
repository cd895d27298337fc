import ArgumentParser

/// The `mobilenet` command: one subcommand per file in this folder.
@main
struct MobileNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mobilenet",
        abstract: "Build, analyse and run MobileNet v1 networks on the CPU.",
        subcommands: [RunCommand.self, BenchCommand.self, SummaryCommand.self]
    )
}
