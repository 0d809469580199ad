import ArgumentParser
import Ramp

@main
struct RampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "A language for learning-rate schedules.",
        discussion: "Example: ramp table -e 'warmup 5 then cosine(T=50)' --steps 60",
        version: RampRelease.version,
        subcommands: [Check.self, Fmt.self, Lsp.self, Table.self, Explain.self, Plot.self, Diff.self, Run.self, Repl.self, Compile.self, Import.self, Serve.self, Bench.self, List.self]
    )
}
