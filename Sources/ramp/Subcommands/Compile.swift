import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile a schedule for other tools: the JSON IR, a Python module, or a precomputed table.",
            discussion: "json: the checked program (grammar/ramp-ir.schema.json); `ramp table` reads it back. python: a self-contained module with `Schedule` and `torch_scheduler` (docs/compile.md). csv and table-json: the rate at each of --steps steps, for schedules that use no metric; metric-driven schedules run from the Python module or `ramp serve`.")

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case json, python, csv
            case tableJSON = "table-json"
        }

        @OptionGroup var input: ProgramInput

        @Option(help: "json, python, csv or table-json.")
        var to: Format

        @Option(name: .shortAndLong, help: "Write here instead of standard output.")
        var output: String?

        @Option(help: "Steps in a csv or table-json table.")
        var steps: Int?

        func validate() throws {
            if to == .csv || to == .tableJSON, steps == nil { throw ValidationError("--to \(to.rawValue) needs --steps N") }
            if let steps, steps < 0 { throw ValidationError("--steps cannot be negative") }
        }

        func run() throws {
            let program = try input.compile()
            var text = ""
            switch to {
            case .json:
                text = IR.document(program).render() + "\n"
            case .python:
                text = Python.module(program)
            case .csv, .tableJSON:
                guard !program.usesMetric else {
                    Stderr.print("error: this schedule reacts to a metric, so its table cannot be computed ahead of training; compile it `--to python` to step it inside the training loop, or run `ramp serve` beside it (docs/compile.md, docs/serve.md)")
                    throw ExitCode(1)
                }
                let rows = Ramp.Table.rows(program, steps: steps ?? 0)
                if to == .csv {
                    text = TableRow.csvHeader(momentum: program.momentum != nil) + "\n" + rows.map { $0.csv + "\n" }.joined()
                } else {
                    let lr = JSONValue.array(rows.map { .number($0.lr) })
                    let momentum: JSONValue = program.momentum == nil ? .null : .array(rows.map { .number($0.momentum ?? .nan) })
                    text = JSONValue.object([("steps", .number(Double(rows.count))), ("lr", lr), ("momentum", momentum)]).render() + "\n"
                }
            }
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                Stderr.print("\(output): error: cannot write (\(error.localizedDescription))")
                throw ExitCode(1)
            }
        }
    }
}
