import Foundation

/// A range test run on one of the runtime's objectives (`ramp find-lr`):
/// the trainer steps under the test's program and the test raises
/// `diverged` from the losses it sees.
public struct RangeTestRun: Sendable {
    public var test: RangeTest
    public var record: RangeTest.Record
    public var suggestions: RangeTest.Suggestions?
    /// Why the test stopped, in words.
    public var stop: String
    /// One CSV row per step: step, lr, loss (as trained), smoothed loss.
    public var csv: String

    public init(
        _ test: RangeTest, objective: ObjectiveKind, optimizer: OptimizerConfig, dimension: Int = 10,
        seed: UInt64 = 0, batchSize: Int? = nil
    ) throws {
        if let problem = test.problem { throw RunError(problem) }
        let program = try Compiler.compile(SourceFile(name: "range test", text: test.program))
        // The metric is never read: evaluate once past the end.
        let config = TrainConfig(
            objective: objective, dimension: dimension, optimizer: optimizer, steps: test.iterations, seed: seed,
            evalEvery: test.iterations + 1, batchSize: batchSize)
        var trainer = try Trainer(program: program, config: config)
        var record = RangeTest.Record()
        var rows = ["step,lr,loss,smoothed_loss"]
        while let step = trainer.runStep(raising: { lr, loss in
            record.add(lr: lr, loss: loss, test) ? [RangeTest.signal] : []
        }) {
            rows.append("\(step.step),\(step.lr),\(step.loss),\(record.losses[step.step])")
        }
        self.test = test
        self.record = record
        self.suggestions = test.suggestions(record)
        self.csv = rows.joined(separator: "\n") + "\n"
        switch trainer.stop {
        case .nonFiniteLoss(let step, let lr)?:
            stop = "the loss was not finite at step \(step) (lr \(lr))"
        case _ where record.divergedAt != nil:
            let at = record.divergedAt!
            let times = Self.short(test.divergence)
            stop = "the smoothed loss passed \(times) × its best at step \(at) (lr \(record.lrs[at]))"
        default:
            stop = "the rise reached its last step (\(test.iterations) steps)"
        }
    }

    /// The terminal's chart: the smoothed loss, the valley marked.
    public var panel: Panel { test.panel(record, suggestions) }

    /// The chart as SVG: the smoothed loss and the rate, the valley marked on both.
    public var svg: String { test.svg(record, suggestions) }

    /// The suggestions and the schedule to train with, one per line.
    public func summary(trainSteps: Int?) -> [String] {
        var lines = ["stopped: \(stop)"]
        guard let s = suggestions else {
            lines.append(
                "no suggestion: \(record.losses.count) points recorded, and fastai's trimming (the first "
                    + "\(test.iterations / 10) and the last 5) leaves none; raise --iterations or lower --start-lr")
            return lines
        }
        lines.append("suggested peak (valley): \(Self.short(s.valley))")
        lines.append("steep: \(s.steep.map(Self.short) ?? "none"), minimum / 10: \(Self.short(s.minimum))")
        if let trainSteps {
            lines.append("train with:")
            lines += RangeTest.schedule(peak: s.valley, steps: trainSteps).split(separator: "\n").map { "  " + $0 }
        }
        return lines
    }

    static func short(_ x: Double) -> String { String(format: "%.3g", x) }
}
