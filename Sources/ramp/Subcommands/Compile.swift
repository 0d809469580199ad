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
            if to == .csv || to == .tableJSON, program.usesMetric {
                Stderr.print("error: this schedule reacts to a metric, so its table cannot be computed ahead of training; compile it `--to python` to step it inside the training loop, or run `ramp serve` beside it (docs/compile.md, docs/serve.md)")
                throw ExitCode(1)
            }
            var python = ""
            if to == .python {
                do { python = try Python.module(program) } catch {
                    Stderr.print("error: \(error)")
                    throw ExitCode(1)
                }
            }
            try write { out in
                switch to {
                case .json: out.write(IR.document(program).render() + "\n")
                case .python: out.write(python)
                case .csv:
                    out.write(TableRow.csvHeader(momentum: program.momentum != nil) + "\n")
                    Ramp.Table.generate(program, steps: steps ?? 0) { row in
                        row.writeCSV(to: &out)
                        out.write("\n")
                    }
                case .tableJSON:
                    // Streamed in the layout JSONValue renders, so 10 million steps
                    // never sit in memory as one document.
                    let count = program.duration.map { min($0, steps ?? 0) } ?? (steps ?? 0)
                    out.write("{\n  \"steps\": \(count),\n  \"lr\": ")
                    array(program, &out) { $0.lr }
                    out.write(",\n  \"momentum\": ")
                    if program.momentum == nil { out.write("null") } else { array(program, &out) { $0.momentum ?? .nan } }
                    out.write("\n}\n")
                }
            }
        }

        /// One column of the table as a JSON array of numbers.
        private func array(_ program: CompiledProgram, _ out: inout Output, _ column: (TableRow) -> Double) {
            out.write("[")
            var first = true
            Ramp.Table.generate(program, steps: steps ?? 0) { row in
                out.write(first ? "" : ", ")
                first = false
                out.write(JSONValue.number(column(row)).render())
            }
            out.write("]")
        }

        /// Streams to standard output, or to a temporary file renamed over OUT
        /// once complete, so OUT is never left half written.
        private func write(_ body: (inout Output) -> Void) throws {
            guard let output else {
                var out = Output()
                body(&out)
                out.flush()
                if out.failed { throw ExitCode(1) }
                return
            }
            let temporary = output + ".tmp-\(getpid())"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                Stderr.print("\(output): error: cannot write (\(String(cString: strerror(errno))))")
                throw ExitCode(1)
            }
            var out = Output(fd: fd)
            body(&out)
            out.flush()
            let closed = close(fd) == 0
            guard !out.failed, closed, rename(temporary, output) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                Stderr.print("\(output): error: cannot write (\(reason))")
                throw ExitCode(1)
            }
        }
    }
}
