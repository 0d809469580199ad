import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Where two schedules differ: the first differing step, the largest differences, and an overlay chart.",
            discussion: """
                Both are run over the same steps, fed the same metrics and signals.

                Exit status, as diff's: 0 the schedules are the same, 1 they differ, 2 trouble (a program that \
                cannot be read or checked, a bad metrics file or signal, a chart that cannot be written, a misused \
                option).
                """)

        @Argument(help: "The first program (a .ramp file, an IR document or a config ramp import reads).")
        var a: String

        @Argument(help: "The second program.")
        var b: String

        @Option(help: "How many steps to compare (default: the longer of the two schedules' own lengths).")
        var steps: Int?

        @Option(help: "A file with one metric per line, fed to both.")
        var metrics: String?

        @Option(name: .customLong("signal"), help: "Raise a signal during a step in both: NAME@STEP (repeatable).")
        var signals: [String] = []

        @Option(
            help: "Write the overlay chart as SVG here (- for standard output) instead of drawing it in the terminal.")
        var out: String?

        @Flag(help: "Print the report only, without a chart.")
        var noChart = false

        @Option(help: "Override both programs' base learning rate.")
        var base: Double?

        @Option(help: "A law (from ramp law fit): also compare the two schedules' predicted final losses.")
        var law: String?

        func validate() throws {
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        }

        func run() throws {
            let identical: Bool
            do { identical = try compare() } catch let code as ExitCode where code != .success {
                throw ExitCode(2)
            } catch let code as ExitCode {
                throw code
            } catch {
                Stderr.print("\(error)")
                throw ExitCode(2)
            }
            if !identical { throw ExitCode(1) }
        }

        /// Prints the report (and chart); true when the two schedules are the same.
        private func compare() throws -> Bool {
            let pa = try ProgramFile.compile(try ProgramFile.load(a), base: base)
            let pb = try ProgramFile.compile(try ProgramFile.load(b), base: base)
            let raised = try SignalOption.parse(signals, for: [pa, pb])
            let metricValues = try metrics.map(Metrics.read) ?? []
            if let steps {
                do { try StepLimit.check(steps: steps, of: [pa, pb]) } catch {
                    Stderr.print("error: \(error.description)")
                    throw ExitCode(2)
                }
            }
            let n = StepLimit.capped(
                PlotLimits.defaultSteps(steps, horizons: [pa.suggestedHorizon, pb.suggestedHorizon]) {
                    Stderr.print($0)
                } ?? 1, of: [pa, pb]
            ) { Stderr.print($0) }
            let diff = Commands.diff(pa, pb, steps: n, metrics: metricValues, signals: raised)
            if out != "-" { print(diff.text(a, b)) }
            if let law {
                let text: String
                do {
                    text = try LawFile.load(path: law).compareFinalLosses((a, pa), (b, pb), steps: n)
                } catch {
                    Stderr.print(error.printed)
                    throw ExitCode(2)
                }
                if out != "-" { print(text) }
            }
            if !noChart, !diff.identical {
                var plot = Commands.plot([(a, pa), (b, pb)], steps: n, metrics: metricValues, signals: raised)
                for i in plot.panels.indices { plot.panels[i].shaded = diff.span }
                if let out {
                    let svg = plot.svg()
                    if out == "-" {
                        print(svg, terminator: "")
                    } else {
                        do { try AtomicFile.write(svg, to: out) } catch {
                            Stderr.print("\(error)")
                            throw ExitCode(1)
                        }
                    }
                } else {
                    let color = isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
                    print("")
                    print(plot.terminal(width: 72, height: 12, color: color), terminator: "")
                }
            }
            return diff.identical
        }
    }
}
