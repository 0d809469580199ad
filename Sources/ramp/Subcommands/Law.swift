import ArgumentParser
import Foundation
import Ramp

extension LawKind: ExpressibleByArgument {}

extension RampCommand {
    /// `ramp law`: fit a loss-curve law to runs, predict a schedule's loss, find the schedule it rates best.
    struct Law: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit, predict and optimize with loss-curve laws (multi-power, annealing).",
            subcommands: [Fit.self, Predict.self, Optimize.self])

        struct Fit: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Fit a law to runs, each PROGRAM:LOG (a Ramp program, a CSV with step and loss columns).")

            @Argument(help: "Runs as PROGRAM:LOG.")
            var runs: [String]

            @Option(name: .shortAndLong, help: "Where to write the law (JSON).")
            var output: String

            @Option(help: "multipower (7 parameters) or annealing (4).")
            var law: LawKind = .multipower

            func run() throws {
                let specs = try lawing(status: .validationFailure) { () throws(LawError) in
                    try runs.map { spec throws(LawError) in try LawRun.split(spec) }
                }
                let parsed = try specs.map { path, logPath -> LawRun in
                    let program = try ProgramFile.compile(ProgramFile.load(path), base: nil)
                    return try lawing { () throws(LawError) in
                        try LawRun(program: path, compiled: program, log: LossLog.load(path: logPath))
                    }
                }
                let fit = try lawing { () throws(LawError) in try LawFitter.fit(law, runs: parsed) }
                let file = LawFile(fit)
                try file.render().write(toFile: output, atomically: true, encoding: .utf8)
                print(zip(law.parameterNames, fit.law.parameters).map { "\($0) = \($1)" }.joined(separator: ", "))
                print("run,R2,PredE,WorstE")
                for (run, m) in zip(fit.runs, fit.metrics) {
                    print("\(run.program),\(f(m.r2, 5)),\(f(m.predE, 5)),\(f(m.worstE, 5))")
                }
            }
        }

        struct Predict: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The predicted loss at every step of a schedule, as step,loss.",
                discussion: "Outside the range the law was fitted on (more steps, a higher peak), a note says so.")

            @OptionGroup var input: ProgramInput

            @Option(help: "The law (from ramp law fit).")
            var law: String

            @Option(help: "How many steps.")
            var steps: Int

            @Option(help: "csv or json.")
            var format: Commands.TableFormat = .csv

            func run() throws {
                try lawing(status: .validationFailure) { () throws(LawError) in try LawFile.checkSteps(steps) }
                let program = try input.compile()
                let file = try lawing { () throws(LawError) in try LawFile.load(path: law) }
                let prediction = try lawing { () throws(LawError) in try file.predict(program, steps: steps) }
                let (losses, note) = (prediction.losses, prediction.note)
                var out = Output()
                switch format {
                case .csv:
                    out.write("step,loss\n")
                    for (i, x) in losses.enumerated() { out.write("\(i),\(x)\n") }
                case .json:
                    out.write(file.predictionJSON(losses, note: note))
                }
                out.flush()
                if let note { Stderr.print("note: " + note) }
                if out.failed { throw ExitCode(1) }
            }
        }

        struct Optimize: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The schedule with the lowest predicted final loss, written as a Ramp program.",
                discussion: "Searches WSD (linear, cosine, exponential, 1-sqrt tails), cosine, "
                    + "and a free non-increasing schedule. A run longer than 32,768 steps is searched in blocks "
                    + "of steps at one rate; every printed loss is the written program's, scored at every step.")

            @Option(help: "The law (from ramp law fit).")
            var law: String

            @Option(help: "Steps in the run.")
            var steps: Int

            @Option(help: "The peak rate.")
            var peak: Double

            @Option(help: "Warmup steps, as numpy's linspace(0, peak, W).")
            var warmup: Int = 0

            @Option(help: "The lowest rate allowed.")
            var min: Double = 0

            @Option(name: .shortAndLong, help: "Where to write the best schedule.")
            var output: String

            func run() throws {
                let file = try lawing { () throws(LawError) in try LawFile.load(path: law) }
                let search = try lawing(status: .validationFailure) { () throws(LawError) in
                    try ScheduleSearch(steps: steps, peak: peak, warmup: warmup, minimum: min)
                }
                let result = try lawing { () throws(LawError) in try LawOptimizer.optimize(file.law, search) }
                for c in result.families + [result.free] {
                    print("\(f(c.loss, 5))  \(c.family)\(c.source == result.chosen.source ? "  (written)" : "")")
                }
                let text =
                    "# The lowest predicted final loss under \(law): \(f(result.chosen.loss, 5)) "
                    + "(\(result.chosen.family)); a law's prediction, not a guarantee.\n"
                    + "base \(peak)\n" + result.chosen.source + "\n"
                try text.write(toFile: output, atomically: true, encoding: .utf8)
                if let note = file.outsideRange(
                    try lawing { () throws(LawError) in
                        try RateTable(try LawOptimizer.compiled(result.chosen.source), steps: steps)
                    })
                {
                    Stderr.print("note: " + note)
                }
            }
        }
    }
}

/// Runs `body`, printing a law's error and exiting with `status` (1; 64 for a misused option).
private func lawing<T>(status: ExitCode = ExitCode(1), _ body: () throws(LawError) -> T) throws -> T {
    do { return try body() } catch {
        Stderr.print(error.printed)
        throw status
    }
}

private func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
