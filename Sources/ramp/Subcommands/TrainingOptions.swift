import ArgumentParser
import Ramp

/// What the runtime trains and how: the options `ramp run` and `ramp find-lr` share, so both read them alike.
struct TrainingOptions: ParsableArguments {
    @Option(help: "The objective to train.")
    var objective: ObjectiveKind

    @Option(help: "The optimizer.")
    var optimizer: OptimizerKind = .sgd

    @Option(help: "Weight decay (L2 for SGD, Adam, RMSprop, Adagrad; decoupled for AdamW).")
    var weightDecay: Double?

    @Option(help: "Seed for mini-batch sampling.")
    var seed: UInt64 = 0

    @Option(help: "Dimension of the synthetic objectives.")
    var dim: Int = 10

    @Option(help: "Mini-batch size for the logistic objective (default: the whole training set).")
    var batchSize: Int?

    func validate() throws {
        if dim < 1 { throw ValidationError("--dim must be at least 1") }
        if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let w = weightDecay, !(w >= 0 && w.isFinite) {
            throw ValidationError("--weight-decay must be a number from 0 up")
        }
    }

    /// The optimizer with its weight decay.
    var optimizerConfig: OptimizerConfig {
        var config = OptimizerConfig(kind: optimizer)
        if let weightDecay { config.weightDecay = weightDecay }
        return config
    }
}
