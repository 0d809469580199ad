import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile a schedule for other tools: the JSON IR, a Python module, or a precomputed table.",
            discussion: "json: the checked program (Sources/Ramp/IR/ramp-ir.schema.json); `ramp table` reads it back. "
                + "python: a module with `Schedule` and `torch_scheduler` (docs/compile.md), which imports its "
                + "runtime and the trainer adapters from the `ramp` package when this compiler is the one that "
                + "package installed, and carries them itself otherwise or with --standalone. "
                + "csv and table-json: the rate at each of --steps steps, for schedules that use no metric; "
                + "metric-driven schedules run from the Python module or `ramp serve`.\n\n"
                + "Exit status: 0 written; 1 the program cannot be read, checked or compiled to the target, "
                + "or the output cannot be written; 64 a misused option.")

        @OptionGroup var input: ProgramInput

        @Option(help: "json, python, csv or table-json.")
        var to: Commands.CompileTarget

        @Option(name: .shortAndLong, help: "Write here instead of standard output.")
        var output: String?

        @Option(
            help:
                "Steps in a csv or table-json table (at most 10,000,000 values: steps times the parts of the schedule)."
        )
        var steps: Int?

        @Flag(help: "python: copy the runtime and the trainer adapters into the module, which then needs only Python.")
        var standalone = false

        func validate() throws {
            if to.isTable, steps == nil { throw ValidationError("--to \(to.rawValue) needs --steps N") }
            if let steps, steps < 0 { throw ValidationError("--steps cannot be negative") }
        }

        func run() throws {
            let program = try input.compile()
            if to.isTable, let steps {
                do { try StepLimit.check(steps: steps, of: [program]) } catch {
                    Stderr.print("error: \(error.description)")
                    throw ExitCode.validationFailure
                }
            }
            do {
                try write { out in
                    try Commands.compile(
                        program, to: to, steps: steps ?? 0, layout: standalone ? .standalone : Python.installedLayout,
                        into: &out)
                }
            } catch let error as Commands.Failure {
                Stderr.print("error: \(error)")
                throw ExitCode(1)
            }
        }

        /// Streams to standard output, or atomically to OUT, so OUT is never
        /// left half written (nor touched when compiling fails).
        private func write(_ body: (inout Output) throws -> Void) throws {
            guard let output else {
                var out = Output()
                try body(&out)
                out.flush()
                if out.failed { throw ExitCode(1) }
                return
            }
            do { try AtomicFile.write(to: output, body) } catch let error as AtomicFile.Failure {
                Stderr.print("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

extension Commands.CompileTarget: ExpressibleByArgument {}
