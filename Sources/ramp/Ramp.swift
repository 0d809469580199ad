import ArgumentParser
import Foundation
import Ramp

@main
struct RampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "A language for learning-rate schedules.",
        discussion: "Example: ramp table -e 'warmup 5 then cosine(T=50)' --steps 60",
        version: RampRelease.version,
        subcommands: [
            Check.self, Fmt.self, Lsp.self, Table.self, Explain.self, Plot.self, Diff.self, Run.self, Repl.self,
            Compile.self, Import.self, Serve.self, Bench.self, List.self, FindLR.self, Law.self,
        ]
    )

    /// As the argument parser runs a command, except that `diff` and `fmt --check` report a misused
    /// option as trouble, exit status 2, as diff(1) does, so that it is never read as "they differ".
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let answersAQuestion =
                arguments.first == "diff" || (arguments.first == "fmt" && arguments.contains("--check"))
            if answersAQuestion, exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
