import ArgumentParser
import Ramp

extension RampCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check programs and report every problem with its line and column.")

        @Argument(help: "Program files to check.")
        var files: [String]

        @Option(help: "Override the base learning rate while checking.")
        var base: Double?

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one FILE") }
        }

        func run() throws {
            var failed = false
            for path in files {
                do {
                    let program = try ProgramText.load(path: path).compile(base: base)
                    if !program.warnings.isEmpty { Stderr.print(DiagnosticPrinter.render(program.warnings, in: program.source)) }
                } catch let error as ProgramError {
                    Stderr.print(error.description)
                    failed = true
                } catch {
                    Stderr.print("\(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
