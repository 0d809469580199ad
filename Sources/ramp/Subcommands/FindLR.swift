import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct FindLR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find-lr",
            abstract: "Run the LR range test on an objective and suggest a peak learning rate.",
            discussion: """
                The rate rises geometrically from --start-lr towards --end-lr over --iterations steps (a Ramp \
                program that ends on the signal `diverged`); the loss is smoothed (beta 0.98, debiased) and the \
                test stops when it passes 4 times its best. The suggestions are fastai's: valley (the default), \
                steep, and a tenth of the minimum, on the points left after dropping the first iterations / 10 \
                and the last 5.

                Exit status: 0; 1 the test cannot run or the log cannot be written; 64 a misused option.
                """
        )

        @OptionGroup var training: TrainingOptions

        @Option(help: "The first rate.")
        var startLr: Double = 1e-7

        @Option(help: "The rate the rise heads for (step i trains at start * (end / start) ^ (i / iterations)).")
        var endLr: Double = 10

        @Option(help: "Steps of the rise (6 to 100000).")
        var iterations: Int = 100

        @Option(help: "Also print the schedule to train with for this many steps, at the suggested peak.")
        var trainSteps: Int?

        @Option(help: "Write one CSV row per step: step, lr, loss, smoothed_loss.")
        var log: String?

        @Option(
            help: ArgumentHelp(
                "Write the chart as SVG here instead of drawing it in the terminal, the valley marked; "
                    + "- writes it to standard output (and the suggestions to standard error)."))
        var out: String?

        @Option(help: "Chart height in rows.")
        var height: Int = 12

        func validate() throws {
            if let problem = RangeTest(startLR: startLr, endLR: endLr, iterations: iterations).problem {
                throw ValidationError(problem)
            }
            if let trainSteps, let problem = RangeTest.trainStepsProblem(trainSteps) {
                throw ValidationError(problem)
            }
            guard PlotLimits.terminalHeight.contains(height) else {
                let h = PlotLimits.terminalHeight
                throw ValidationError("--height must be from \(h.lowerBound) to \(h.upperBound)")
            }
        }

        func run() throws {
            let test = RangeTest(startLR: startLr, endLR: endLr, iterations: iterations)
            let run: RangeTestRun
            do {
                run = try RangeTestRun(
                    test, objective: training.objective, optimizer: training.optimizerConfig,
                    dimension: training.dim, seed: training.seed, batchSize: training.batchSize)
            } catch let error as RunError {
                Stderr.print("error: \(error.description)")
                throw ExitCode(1)
            }
            if let log {
                do { try AtomicFile.write(to: log) { $0.write(run.csv) } } catch {
                    Stderr.print("error: cannot write the log \(log): \(error)")
                    throw ExitCode(1)
                }
            }
            let summary = run.summary(trainSteps: trainSteps)
            if out == "-" {
                print(run.svg, terminator: "")
                for line in summary { Stderr.print(line) }
                return
            }
            if let out {
                do { try AtomicFile.write(run.svg, to: out) } catch {
                    Stderr.print("\(error)")
                    throw ExitCode(1)
                }
            } else {
                let chart = TerminalChart(width: 72, height: height, color: false).render(run.panel)
                print(TerminalText.escaped(chart), terminator: chart.hasSuffix("\n") ? "" : "\n")
            }
            for line in summary { print(line) }
        }
    }
}
