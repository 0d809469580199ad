import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Table: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the rate at each step.",
            discussion: "Stops early, with a note on stderr, when the schedule finishes before --steps.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

        @OptionGroup var input: ProgramInput

        @Option(help: "How many steps to print.")
        var steps: Int

        @Option(help: "A file with one metric per line; line i is observed at the end of step i.")
        var metrics: String?

        @Option(help: "csv or json.")
        var format: Format = .csv

        func validate() throws {
            if steps < 0 { throw ValidationError("--steps cannot be negative") }
        }

        func run() throws {
            let program = try input.compile()
            var metricValues: [Double?] = []
            if let path = metrics {
                metricValues = try Metrics.read(path)
            } else if program.usesMetric {
                Stderr.print("note: this schedule reacts to a metric; without --metrics no metric is fed")
            }
            let hasMomentum = program.momentum != nil
            var out = Output()
            var first = true
            switch format {
            case .csv: out.write(TableRow.csvHeader(momentum: hasMomentum) + "\n")
            case .json: out.write("[")
            }
            let end = Ramp.Table.generate(program, steps: steps, metrics: metricValues) { row in
                switch format {
                case .csv:
                    row.writeCSV(to: &out)
                    out.write("\n")
                case .json:
                    out.write(first ? "\n" : ",\n")
                    first = false
                    let m = row.momentum.map { ",\"momentum\":\(json($0))" } ?? ""
                    out.write("{\"step\":\(row.step),\"lr\":\(json(row.lr))\(m)}")
                }
            }
            if format == .json { out.write(first ? "]\n" : "\n]\n") }
            out.flush()
            if let at = end.finishedAt {
                let cause = end.transitions.last.map { $0.reason == .condition ? " (its last phase ended on its condition)" : "" } ?? ""
                Stderr.print("note: the schedule finished at step \(at)\(cause); \(steps - at) of the requested \(steps) steps were not printed")
            }
        }

        private func json(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
    }
}
