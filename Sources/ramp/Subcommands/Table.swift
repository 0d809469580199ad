import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Table: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the rate at each step.",
            discussion:
                "Stops early, with a note on stderr, when the schedule finishes before --steps.\n\nExit status: 0; 1 "
                + "the program or metrics file cannot be read or checked, or the output cannot be written; 64 a "
                + "misused option."
        )

        @OptionGroup var input: ProgramInput

        @Option(help: "How many steps to print (at most 10,000,000 values: steps times the parts of the schedule).")
        var steps: Int

        @Option(help: "A file with one metric per line; line i is observed at the end of step i.")
        var metrics: String?

        @Option(
            name: .customLong("signal"),
            help: "Raise a signal during a step: NAME@STEP, such as cooldown@40 (repeatable).")
        var signals: [String] = []

        @Option(help: "csv or json.")
        var format: Commands.TableFormat = .csv

        func validate() throws {
            if steps < 0 { throw ValidationError("--steps cannot be negative") }
        }

        func run() throws {
            let program = try input.compile()
            do { try StepLimit.check(steps: steps, of: [program]) } catch {
                Stderr.print("error: \(error.description)")
                throw ExitCode.validationFailure
            }
            var metricValues: [Double?] = []
            if let path = metrics {
                metricValues = try Metrics.read(path)
            } else if program.readsMetric {
                Stderr.print("note: this schedule reacts to a metric; without --metrics no metric is fed")
            }
            let raised = try SignalOption.parse(signals, for: [program])
            var out = Output()
            let end = Commands.table(
                program, steps: steps, metrics: metricValues, signals: raised, format: format, into: &out)
            out.flush()
            if out.failed { throw ExitCode(1) }
            if let note = Commands.finishedNote(end, requested: steps) { Stderr.print(note) }
        }
    }
}

extension Commands.TableFormat: ExpressibleByArgument {}
