import Foundation

/// Multiplies the rate by `factor` whenever the metric stops improving
/// (torch's ReduceLROnPlateau, as a schedule).
public struct ReduceOnPlateau: Sendable {
    public var plateau: PlateauSpec
    public var factor: Double
    public var min: Double
    public var eps: Double
    public var from: Double
    public var slot: Int
}

extension ReduceOnPlateau {
    /// The current rate (`from` before the scheduler's state exists, as while checking).
    @inline(__always) func value(_ slots: [SlotState]) -> Double {
        guard slot < slots.count, case .reduce(let s) = slots[slot] else { return from }
        return s.value
    }

    /// Feeds one step's metric: a firing plateau multiplies the rate by
    /// `factor`, down to `min`, unless the change is below `eps`.
    @inline(__always) func observe(_ ctx: StepContext, _ slots: inout [SlotState]) {
        guard let metric = ctx.metric, case .reduce(var s) = slots[slot] else { return }
        if s.tracker.observe(metric, plateau) {
            let reduced = Swift.max(s.value * factor, min)
            if s.value - reduced > eps {
                s.value = reduced
                s.reductions += 1
            }
        }
        slots[slot] = .reduce(s)
    }
}

// MARK: - conditions

/// How a metric is judged to have stopped improving.
///
/// The counting follows torch's ReduceLROnPlateau; `atol` and `accumulate`
/// add what optax's reduce_on_plateau does differently (a combined relative
/// and absolute tolerance, and averaging several values per evaluation).
public struct PlateauSpec: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable { case min, max }
    public enum ThresholdMode: String, Sendable, CaseIterable { case rel, abs }
    /// Evaluations without improvement that are tolerated; the next one fires.
    public var patience: Int
    public var threshold: Double
    public var thresholdMode: ThresholdMode
    public var mode: Mode
    /// Evaluations ignored after a firing (and, in a condition, at the start of a phase).
    public var cooldown: Int
    /// An absolute tolerance added to `threshold`.
    public var atol: Double = 0
    /// How many metrics are averaged into one evaluation.
    public var accumulate: Int = 1

    /// True when `a` improves on `best`. NaN never improves.
    @inline(__always) func isBetter(_ a: Double, than best: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return a < best * (1 - threshold) - atol
        case (.min, .abs): return a < best - threshold - atol
        case (.max, .rel): return a > best * (threshold + 1) + atol
        case (.max, .abs): return a > best + threshold + atol
        }
    }
}

/// The memory of a plateau detector.
public struct PlateauTracker: Sendable, Codable, Hashable {
    public var best: Double
    public var bad: Int = 0
    public var cooldownLeft: Int = 0
    /// Metrics averaged so far toward the next evaluation (`accumulate` > 1).
    public var pending: Int = 0
    public var average: Double = 0

    public init(_ spec: PlateauSpec, startInCooldown: Bool = false) {
        best = spec.mode == .min ? .infinity : -.infinity
        cooldownLeft = startInCooldown ? spec.cooldown : 0
    }

    /// Records one metric; true when the plateau fires.
    public mutating func observe(_ metric: Double, _ spec: PlateauSpec) -> Bool {
        var value = metric
        if spec.accumulate > 1 {
            // The running mean optax uses: (n * mean + x) / (n + 1).
            average = (Double(pending) * average + metric) / Double(pending + 1)
            pending += 1
            guard pending == spec.accumulate else { return false }
            value = average
            pending = 0
            average = 0
        }
        if spec.isBetter(value, than: best) {
            best = value
            bad = 0
        } else {
            bad += 1
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            bad = 0
        }
        guard bad > spec.patience else { return false }
        cooldownLeft = spec.cooldown
        bad = 0
        return true
    }
}

/// A quantity compared in a condition.
public enum Operand: Sendable {
    case metric, lr
    /// Another output's value at the step (`momentum`, `weight_decay`, any name).
    case output(String)
    case node(Node)
}

/// What ends a phase (`until`).
public indirect enum Condition: Sendable {
    /// At least this many steps of the phase have run.
    case elapsed(Int)
    case plateau(PlateauSpec, slot: Int)
    /// `signal("cooldown")`: the signal was raised during this step.
    case signal(String)
    case compare(Operand, CompareOperator, Operand)
    case all(Condition, Condition)
    case any(Condition, Condition)
    case not(Condition)

    /// Evaluated at the end of local step `local`. Both sides of `and`/`or`
    /// are always evaluated, so every plateau detector sees every metric.
    func holds(local: Int, _ ctx: StepContext, _ slots: inout [SlotState]) -> Bool {
        switch self {
        case .elapsed(let n): return local + 1 >= n
        case .plateau(let spec, let slot):
            guard let metric = ctx.metric, case .plateau(var tr) = slots[slot] else { return false }
            let fired = tr.observe(metric, spec)
            slots[slot] = .plateau(tr)
            return fired
        case .signal(let name): return ctx.signals.contains(name)
        case .compare(let a, let op, let b):
            guard let x = a.value(local, ctx, slots), let y = b.value(local, ctx, slots) else { return false }
            return op.holds(x, y)
        case .all(let a, let b):
            let x = a.holds(local: local, ctx, &slots)
            let y = b.holds(local: local, ctx, &slots)
            return x && y
        case .any(let a, let b):
            let x = a.holds(local: local, ctx, &slots)
            let y = b.holds(local: local, ctx, &slots)
            return x || y
        case .not(let a): return !a.holds(local: local, ctx, &slots)
        }
    }

    /// True when the condition can only be decided by feeding metrics.
    public var needsMetric: Bool {
        switch self {
        case .elapsed: return false
        case .plateau: return true
        case .signal: return false
        case .compare(let a, _, let b): return a.isMetric || b.isMetric
        case .all(let a, let b), .any(let a, let b): return a.needsMetric || b.needsMetric
        case .not(let a): return a.needsMetric
        }
    }
}

extension CompareOperator {
    /// `a op b`, as IEEE comparisons give it (NaN compares false, except `!=`).
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool {
        switch self {
        case .less: return a < b
        case .lessEqual: return a <= b
        case .greater: return a > b
        case .greaterEqual: return a >= b
        case .equal: return a == b
        case .notEqual: return a != b
        }
    }
}

extension Operand {
    var isMetric: Bool { if case .metric = self { return true } else { return false } }
    func value(_ local: Int, _ ctx: StepContext, _ slots: [SlotState]) -> Double? {
        switch self {
        case .metric: return ctx.metric
        case .lr: return ctx.lr
        case .output(let name): return ctx.value(of: name)
        case .node(let n): return n.value(at: Double(local), slots)
        }
    }
}
