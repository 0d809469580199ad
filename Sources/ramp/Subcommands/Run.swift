import ArgumentParser
import Foundation
import Ramp

extension ObjectiveKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

extension RampCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train an objective under a schedule, feeding it the metric, until the schedule ends.",
            discussion: "Objectives: "
                + ObjectiveKind.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ")
                + ". Optimizers: " + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")
                + ".\n\nExit status: 0 the schedule ended or the steps ran out; 1 the program, data or a checkpoint "
                + "cannot be read, or a log cannot be written; 64 a misused option."
        )

        @Argument(help: "A .ramp program file.")
        var file: String

        @OptionGroup var training: TrainingOptions

        @Option(help: "Stop after this many steps even if the schedule goes on.")
        var steps: Int = 10_000

        @Option(help: "Compute the metric every K steps.")
        var evalEvery: Int = 1

        @Option(help: "Override the program's base learning rate.")
        var base: Double?

        @Option(help: "Write one CSV row per step: step, lr, momentum, loss, metric.")
        var log: String?

        @Option(help: "Write a checkpoint here every --checkpoint-every steps.")
        var checkpoint: String?

        @Option(help: "Steps between checkpoints.")
        var checkpointEvery: Int = 100

        @Option(
            help: ArgumentHelp(
                "Continue from this checkpoint, with the same options; under an edited program, its log of metrics "
                    + "and signals is replayed.")
        )
        var resume: String?

        @Option(
            name: .customLong("signal"),
            help: "Raise a signal during a step: NAME@STEP, such as cooldown@1200 (repeatable).")
        var signals: [String] = []

        func validate() throws {
            if steps < 1 { throw ValidationError("--steps must be at least 1") }
            if evalEvery < 1 { throw ValidationError("--eval-every must be at least 1") }
            if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
            if let base, !(base > 0 && base.isFinite) { throw ValidationError("--base must be a number above 0") }
        }

        func run() throws {
            let source = try ProgramFile.load(file)
            let program = try ProgramFile.compile(source, base: base)
            let config = TrainConfig(
                objective: training.objective, dimension: training.dim, optimizer: training.optimizerConfig,
                steps: steps, seed: training.seed, evalEvery: evalEvery, batchSize: training.batchSize)
            var trainer: Trainer
            var logFile: TrainingLog?
            do {
                if let resume {
                    guard let data = FileManager.default.contents(atPath: resume) else {
                        throw RunError("cannot read the checkpoint \(resume)")
                    }
                    let c: Checkpoint
                    do { c = try Checkpoint.decoded(data) } catch {
                        throw RunError("the checkpoint \(resume) is corrupt or truncated; it was not changed")
                    }
                    guard c.config == config else {
                        throw RunError(
                            "the checkpoint \(resume) was written with other options (objective, optimizer, steps, "
                                + "seed, batch or evaluation); resume with the same ones"
                        )
                    }
                    trainer = try Trainer(program: program, resuming: c)
                    if let log { logFile = try TrainingLog(path: log, keepRows: c.step) }
                } else {
                    trainer = try Trainer(program: program, config: config)
                    if let log { logFile = try TrainingLog(path: log, keepRows: nil) }
                }
            } catch let error as RunError {
                Stderr.print("\(error.label): \(error.description)")
                throw ExitCode(1)
            }
            trainer.signals = try SignalOption.parse(signals, for: [program])
            if let report = trainer.resumed { Stderr.print(report.line) }
            let start = Date()
            let firstStep = trainer.step
            var progress = Progress(total: min(steps, program.duration ?? steps), terminal: isatty(2) != 0)
            var last: StepRecord?
            while let record = trainer.runStep() {
                last = record
                logFile?.append(record.csv)
                progress.update(record)
                if let checkpoint, (record.step + 1) % checkpointEvery == 0 {
                    do {
                        try logFile?.flush(sync: true)
                        try trainer.checkpoint.write(to: checkpoint)
                    } catch {
                        Stderr.print("error: \(error)")
                        throw ExitCode(1)
                    }
                }
            }
            try? logFile?.flush(sync: true)
            logFile?.close()
            progress.finish()
            let elapsed = Date().timeIntervalSince(start)
            let reason = trainer.stop ?? .stepLimit(steps)
            var summary = [
                "stopped: \(reason.description)",
                "steps: \(trainer.step)" + (firstStep > 0 ? " (resumed at \(firstStep))" : ""),
            ]
            if let last {
                summary.append("final loss: \(fmt(last.loss))")
                summary.append("final metric: \(fmt(trainer.objective.metric(trainer.params)))")
            }
            if let best = trainer.best { summary.append("best metric: \(fmt(best))") }
            summary.append(String(format: "time: %.3f s", elapsed))
            print(summary.joined(separator: "\n"))
            if case .nonFiniteLoss = reason { throw ExitCode(1) }
        }

        private func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
    }

    /// A progress bar on a terminal; plain lines, ten per run, otherwise.
    struct Progress {
        let total: Int
        let terminal: Bool
        var lastDrawn = -1

        mutating func update(_ r: StepRecord) {
            let done = r.step + 1
            let metric = r.metric.map { String(format: " metric %.4g", $0) } ?? ""
            if terminal {
                let width = 30
                let filled = total > 0 ? min(width, done * width / total) : 0
                guard filled != lastDrawn || done % 50 == 0 else { return }
                lastDrawn = filled
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                let line =
                    String(format: "\r%@ %d/%d lr %.4g loss %.4g", bar, done, total, r.lr, r.loss) + metric + "\u{1B}[K"
                FileHandle.standardError.write(Data(line.utf8))
            } else if done % max(1, total / 10) == 0 {
                FileHandle.standardError.write(
                    Data(
                        String(format: "step %d: lr %.4g loss %.4g", done, r.lr, r.loss).utf8
                            + Data((metric + "\n").utf8)))
            }
        }

        func finish() {
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
