/// The commands as library functions: `ramp table` and `ramp compile` on the
/// command line, `:table`-style and `:compile` in the REPL, and anything else
/// that wants their output, all write through these, so each output format
/// is produced in one place. Callers only adapt arguments and report errors.
public enum Commands {
    public enum TableFormat: String, Sendable, CaseIterable { case csv, json }

    public enum CompileTarget: String, Sendable, CaseIterable {
        case json, python, jax, keras, csv
        case tableJSON = "table-json"

        /// Tables are computed ahead of training.
        public var isTable: Bool { self == .csv || self == .tableJSON }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// `ramp table`: the rate (and momentum) at each step, fed `metrics`,
    /// streamed into `out`. Returns how the run ended.
    @discardableResult
    public static func table(
        _ program: CompiledProgram, steps: Int, metrics: [Double?], signals: [EventLog.SignalEvent] = [],
        format: TableFormat, into out: inout Output
    ) -> TableEnd {
        var first = true
        switch format {
        case .csv: out.write(TableRow.csvHeader(program) + "\n")
        case .json: out.write("[")
        }
        let end = Table.generate(program, steps: steps, metrics: metrics, signals: signals) { row in
            switch format {
            case .csv:
                row.writeCSV(to: &out)
                out.write("\n")
            case .json:
                out.write(first ? "\n" : ",\n")
                first = false
                let m = row.momentum.map { ",\"momentum\":\(NonFinite.json($0))" } ?? ""
                let others = zip(program.outputs, row.values).map {
                    ",\(JSONValue.quote($0.name)):\(NonFinite.json($1))"
                }.joined()
                out.write("{\"step\":\(row.step),\"lr\":\(NonFinite.json(row.lr))\(m)\(others)}")
            }
        }
        if format == .json { out.write(first ? "]\n" : "\n]\n") }
        return end
    }

    /// The note a table that ended early prints, or nil.
    public static func finishedNote(_ end: TableEnd, requested steps: Int) -> String? {
        guard let at = end.finishedAt else { return nil }
        let cause =
            end.transitions.last.map { $0.reason == .condition ? " (its last phase ended on its condition)" : "" } ?? ""
        return
            "note: the schedule finished at step \(at)\(cause); \(steps - at) of the requested \(steps) steps were "
            + "not printed"
    }

    /// `ramp compile`: the program as `target` (a table of `steps` steps); a
    /// Python module with its runtime copied in or imported from `ramp` (`layout`).
    public static func compile(
        _ program: CompiledProgram, to target: CompileTarget, steps: Int, layout: Python.Layout = .standalone,
        into out: inout Output
    ) throws(Failure) {
        if target.isTable, program.usesMetric {
            throw Failure(
                description:
                    "this schedule reacts to a metric, so its table cannot be computed ahead of training; compile it "
                    + "`--to python` to step it inside the training loop, or run `ramp serve` beside it "
                    + "(docs/compile.md, docs/serve.md)"
            )
        }
        switch target {
        case .json: out.write(IR.document(program).render() + "\n")
        case .python:
            do { out.write(try Python.module(program, layout: layout)) } catch {
                throw Failure(description: "\(error)")
            }
        case .jax:
            do { out.write(try JAX.module(program)) } catch { throw Failure(description: "\(error)") }
        case .keras:
            do { out.write(try Keras.module(program)) } catch { throw Failure(description: "\(error)") }
        case .csv:
            out.write(TableRow.csvHeader(program) + "\n")
            Table.generate(program, steps: steps) { row in
                row.writeCSV(to: &out)
                out.write("\n")
            }
        case .tableJSON:
            // Streamed in the layout JSONValue renders, so 10 million steps
            // never sit in memory as one document.
            let count = program.duration.map { min($0, steps) } ?? steps
            out.write("{\n  \"steps\": \(count),\n  \"lr\": ")
            column(program, steps, &out) { $0.lr }
            out.write(",\n  \"momentum\": ")
            if program.momentum == nil {
                out.write("null")
            } else {
                column(program, steps, &out) { $0.momentum ?? .nan }
            }
            for (i, o) in program.outputs.enumerated() {
                out.write(",\n  \(JSONValue.quote(o.name)): ")
                column(program, steps, &out) { $0.values[i] }
            }
            out.write("\n}\n")
        }
    }

    /// One column of a table as a JSON array of numbers.
    private static func column(
        _ program: CompiledProgram, _ steps: Int, _ out: inout Output, _ value: (TableRow) -> Double
    ) {
        out.write("[")
        var first = true
        Table.generate(program, steps: steps) { row in
            out.write(first ? "" : ", ")
            first = false
            out.write(JSONValue.number(value(row)).render())
        }
        out.write("]")
    }
}
