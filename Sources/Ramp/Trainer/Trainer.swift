import Foundation

/// What a training run is: the objective, the optimizer and the loop's settings.
public struct TrainConfig: Sendable, Codable, Hashable {
    public var objective: ObjectiveKind
    public var dimension: Int
    public var optimizer: OptimizerConfig
    public var steps: Int
    public var seed: UInt64
    /// Compute the metric every this many steps (and at epoch ends with mini-batches).
    public var evalEvery: Int
    /// Mini-batch size for the logistic objective; nil uses the whole training set.
    public var batchSize: Int?

    public init(
        objective: ObjectiveKind, dimension: Int = 10, optimizer: OptimizerConfig, steps: Int,
        seed: UInt64 = 0, evalEvery: Int = 1, batchSize: Int? = nil
    ) {
        self.objective = objective
        self.dimension = dimension
        self.optimizer = optimizer
        self.steps = steps
        self.seed = seed
        self.evalEvery = evalEvery
        self.batchSize = batchSize
    }
}

/// One row of the training log.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var lr: Double
    public var momentum: Double?
    public var loss: Double
    public var metric: Double?

    public static let header = "step,lr,momentum,loss,metric"

    /// A CSV line; numbers in their shortest exact form, so a resumed run's
    /// log is byte-identical to an uninterrupted one.
    public var csv: String {
        "\(step),\(lr),\(momentum.map { "\($0)" } ?? ""),\(loss),\(metric.map { "\($0)" } ?? "")"
    }
}

/// Why a run stopped.
public enum StopReason: Sendable, Equatable {
    /// `condition` is the end condition that closed the last phase, if one did.
    case scheduleFinished(step: Int, condition: String?)
    case stepLimit(Int)
    case nonFiniteLoss(step: Int, lr: Double)

    public var description: String {
        switch self {
        case .scheduleFinished(let s, let c?): return "the schedule finished at step \(s): its last phase ended on \(c)"
        case .scheduleFinished(let s, nil): return "the schedule finished at step \(s)"
        case .stepLimit(let n): return "reached the step limit (\(n) steps)"
        case .nonFiniteLoss(let s, let lr):
            return "the loss is not finite at step \(s) (lr = \(lr)); the rate is probably too high"
        }
    }
}

/// Everything needed to continue a run exactly where it was.
public struct Checkpoint: Sendable, Codable {
    public static let currentVersion = 1
    public var version = Checkpoint.currentVersion
    /// Identifies the program and configuration the state belongs to.
    public var fingerprint: String
    public var config: TrainConfig
    /// Steps completed.
    public var step: Int
    public var params: [Double]
    public var optimizer: Optimizer
    public var scheduler: SchedulerState
    public var rng: SeededRandom
    public var best: Double?

    public func encoded() throws -> Data { try StateJSON.encode(self) }

    public static func decoded(_ data: Data) throws -> Checkpoint { try StateJSON.decode(data) }

    /// Writes atomically (`AtomicFile`), so a crash leaves either the
    /// previous checkpoint or the new one.
    public func write(to path: String) throws {
        let data = try encoded()
        do { try AtomicFile.write(data, to: path) } catch {
            throw RunError(
                "cannot write the checkpoint \(path): \((error as? AtomicFile.Failure)?.reason ?? "\(error)")")
        }
    }
}

public struct RunError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The catalogue's kind, when the run refused something the catalogue words (a saved state, R08).
    public var kind: DiagnosticKind?
    public init(_ d: String, kind: DiagnosticKind? = nil) {
        description = d
        self.kind = kind
    }

    /// `error[R0802]`, or `error` for the command line's own words.
    public var label: String { kind.map { "error[\($0.code)]" } ?? "error" }
}

/// The training loop: take the rate, step the optimizer, compute the metric,
/// feed it to the scheduler, and stop when the schedule finishes.
public struct Trainer {
    public let objective: Objective
    public let config: TrainConfig
    public let fingerprint: String
    public private(set) var scheduler: Scheduler
    public private(set) var optimizer: Optimizer
    public private(set) var params: [Double]
    public private(set) var rng: SeededRandom
    public private(set) var best: Double?
    public private(set) var stop: StopReason?
    /// Signals to raise during given steps (`ramp run --signal cooldown@1200`).
    public var signals: [EventLog.SignalEvent] = []
    /// How the schedule's state was taken up from a checkpoint, when it was.
    public private(set) var resumed: ResumeReport?
    private var grads: [Double]
    private var batch: [Int]

    public init(program: CompiledProgram, config: TrainConfig) throws {
        guard config.steps >= 1 else { throw RunError("the number of steps must be at least 1") }
        guard config.dimension >= 1 else { throw RunError("the dimension must be at least 1") }
        guard config.evalEvery >= 1 else { throw RunError("the evaluation interval must be at least 1 step") }
        if let b = config.batchSize, b < 1 { throw RunError("the batch size must be at least 1") }
        objective = try Objective(config.objective, dimension: config.dimension)
        self.config = config
        fingerprint = Trainer.fingerprint(program, config)
        scheduler = Scheduler(program)
        optimizer = Optimizer(config.optimizer, dimension: objective.dimension)
        params = objective.start
        rng = SeededRandom(seed: config.seed)
        grads = Array(repeating: 0, count: objective.dimension)
        batch = Array(repeating: 0, count: config.batchSize ?? 0)
    }

    /// Continues from a checkpoint of the same configuration. Under the
    /// program that wrote it the schedule goes on exactly; under an edited
    /// one (a longer run, a phase added) the checkpoint's log of metrics and
    /// signals is replayed through it, which rebuilds its state, and
    /// `resumed` says how the rate moved.
    public init(program: CompiledProgram, resuming c: Checkpoint) throws {
        guard c.version == Checkpoint.currentVersion else {
            throw RunError("the checkpoint was written by another version of Ramp")
        }
        try self.init(program: program, config: c.config)
        guard c.fingerprint == fingerprint else {
            throw RunError("the checkpoint belongs to a different configuration or base rate")
        }
        guard c.params.count == params.count, c.optimizer.first.count == params.count else {
            throw RunError("the checkpoint's parameters do not fit this objective")
        }
        do throws(ReplayError) {
            (scheduler, resumed) = try Scheduler.resuming(program, from: c.scheduler, replay: true)
        } catch {
            throw RunError(
                "the checkpoint's schedule cannot be taken up by this program: \(error.description)", kind: error.kind)
        }
        guard scheduler.step == c.step else {
            throw RunError("the checkpoint's schedule is at step \(scheduler.step), its run at step \(c.step)")
        }
        optimizer = c.optimizer
        params = c.params
        rng = c.rng
        best = c.best
    }

    public var step: Int { scheduler.step }

    public var checkpoint: Checkpoint {
        Checkpoint(
            fingerprint: fingerprint, config: config, step: step, params: params, optimizer: optimizer,
            scheduler: scheduler.saved, rng: rng, best: best)
    }

    /// Runs one step; nil once the run has stopped. `raising` sees the step's
    /// rate and loss and names the signals to raise before the step ends (the
    /// range test's `diverged`).
    public mutating func runStep(raising: (_ lr: Double, _ loss: Double) -> [String] = { _, _ in [] }) -> StepRecord? {
        guard stop == nil else { return nil }
        let i = scheduler.step
        if scheduler.finished {
            let last = scheduler.transitions.last
            let condition = last.flatMap {
                $0.reason == .condition ? scheduler.program.lr.phases[$0.phase].condition : nil
            }
            stop = .scheduleFinished(step: i, condition: condition.map(Describe.condition))
            return nil
        }
        if i >= config.steps {
            stop = .stepLimit(config.steps)
            return nil
        }
        for e in signals where e.step == i { try? scheduler.signal(e.name) }
        let lr = scheduler.lr
        let momentum = scheduler.momentum
        var rows: [Int]?
        if let size = config.batchSize, let n = objective.trainingSize {
            for k in 0..<size { batch[k] = rng.index(below: n) }
            rows = batch
        }
        let loss = objective.lossAndGradient(params, into: &grads, batch: rows)
        guard loss.isFinite, grads.allSatisfy(\.isFinite) else {
            stop = .nonFiniteLoss(step: i, lr: lr)
            return nil
        }
        optimizer.update(&params, grads, lr: lr, momentum: momentum)
        var metric: Double?
        let epochEnd =
            config.batchSize.flatMap { b in objective.trainingSize.map { (i + 1) % max(1, $0 / b) == 0 } } ?? false
        if (i + 1) % config.evalEvery == 0 || epochEnd {
            let m = objective.metric(params)
            metric = m
            if m.isFinite { best = min(best ?? m, m) }
        }
        for name in raising(lr, loss) { try? scheduler.signal(name) }
        scheduler.step(metric: metric)
        return StepRecord(step: i, lr: lr, momentum: momentum, loss: loss, metric: metric)
    }

    /// FNV-1a over the base rate and the configuration: the program may
    /// change between a checkpoint and its resumption (its schedule is then replayed).
    static func fingerprint(_ program: CompiledProgram, _ config: TrainConfig) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let text = "\(program.settings.base)\u{0}\(config)"
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

/// A CSV training log that can be cut back to a checkpoint and appended to.
public struct TrainingLog {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Opens `path` fresh, or, when resuming, keeps its header and first
    /// `rows` rows and drops the rest (rows written after the checkpoint).
    public init(path: String, keepRows rows: Int?) throws {
        if let rows {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RunError("cannot resume the log \(path): it does not exist")
            }
            var lines = 0
            var cut = 0
            for (i, b) in data.enumerated() where b == UInt8(ascii: "\n") {
                lines += 1
                if lines == rows + 1 {
                    cut = i + 1
                    break
                }
            }
            guard lines == rows + 1 else {
                throw RunError("the log \(path) has fewer rows than the checkpoint (\(max(0, lines - 1)) < \(rows))")
            }
            guard truncate(path, off_t(cut)) == 0 else {
                throw RunError("cannot cut the log \(path) back to the checkpoint")
            }
            fd = open(path, O_WRONLY | O_APPEND)
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard fd >= 0 else { throw RunError("cannot open the log \(path): \(String(cString: strerror(errno)))") }
        if rows == nil { append(StepRecord.header) }
    }

    public mutating func append(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count > 1 << 16 { try? flush() }
    }

    /// Writes what is buffered and syncs it, so a checkpoint never runs ahead of its log.
    public mutating func flush(sync: Bool = false) throws {
        try buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RunError("cannot write the log: \(String(cString: strerror(errno)))")
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
        if sync { fsync(fd) }
    }

    public func close() { _ = Foundation.close(fd) }
}
