import Foundation

/// A checked schedule: the tree the scheduler evaluates.
///
/// Pure parts (`constant`, `time`, arithmetic, primitives, static sequences,
/// `restarts`) are functions of the local step. Metric-driven parts keep their
/// memory in a slot of the scheduler's state, so the tree itself never changes
/// while a schedule runs.
///
/// Constants and `t` are stored inline (no allocation); the other cases are boxed.
public enum Node: Sendable {
    case constant(Double)
    /// `t`, the step within the current phase.
    case time
    indirect case negate(Node)
    indirect case apply(MathFunction, Node)
    indirect case combine(Combine, Node, Node)
    /// A primitive, with the parameters that follow the base.
    indirect case primitive(any Primitive, BaseSymbols)
    indirect case sequence(PhaseSequence)
    indirect case restarts(Restarts, BaseSymbols)
    indirect case reduceOnPlateau(ReduceOnPlateau, BaseSymbols)
    /// `at(body, time)`: the body evaluated at another time, `time(t)`.
    indirect case warp(Node, Node)
    /// `running_product(f)`: the product of f(1), f(2), ..., f(t).
    indirect case runningProduct(Node)
    /// `chained([...])`: torch's ChainedScheduler, members stepping one running rate in turn.
    indirect case chained(Chained, BaseSymbols)
    /// `float32(body)`: the body's arithmetic done in single precision, so a
    /// library that computes in float32 (keras) is reproduced with its rounding.
    indirect case single(Node)
}

// MARK: - evaluation

/// What a step feeds back to the schedule.
public struct StepContext: Sendable {
    public var metric: Double?
    /// The learning rate used at this step.
    public var lr: Double
    /// The momentum and the other outputs at this step, which conditions may
    /// read; nil for a program with neither, so its steps carry no arrays.
    public var outputs: OutputValues? = nil
    /// The signals raised during this step (`until signal("cooldown")`).
    public var signals: [String] = []

    func value(of name: String) -> Double? {
        guard let outputs else { return nil }
        if name == "momentum" { return outputs.momentum }
        return outputs.names.firstIndex(of: name).map { outputs.values[$0] }
    }
}

/// A step's other outputs, by name, for the conditions that read them.
public final class OutputValues: Sendable {
    public let momentum: Double?
    public let names: [String]
    public let values: [Double]

    public init(momentum: Double?, names: [String], values: [Double]) {
        self.momentum = momentum
        self.names = names
        self.values = values
    }
}

extension Node {
    /// The value at local time `t` given the scheduler's slots.
    public func value(at t: Double, _ slots: [SlotState]) -> Double { evaluate(at: t, slots) }

    /// The value at `t`, continuing the running values in `running` (under
    /// the path `key`) rather than replaying them from step 0.
    func value(at t: Double, _ slots: [SlotState], running: RunningValues?, key: UInt64) -> Double {
        evaluate(at: t, slots, running, key)
    }

    /// One evaluation for both precisions: arithmetic is done in `F`; parts
    /// without arithmetic of their own are computed in double and rounded
    /// once (for double, no rounding at all). `float32(...)` evaluates its
    /// body in Float: every constant, operation and function result rounded.
    func evaluate<F: BinaryFloatingPoint>(
        at t: F, _ slots: [SlotState], _ running: RunningValues? = nil,
        _ key: UInt64 = 0
    ) -> F {
        switch self {
        case .constant(let c): return F(c)
        case .time: return t
        case .negate(let a): return -a.evaluate(at: t, slots, running, RunningValues.key(running, key, 0))
        case .apply(let f, let a): return f.apply(a.evaluate(at: t, slots, running, RunningValues.key(running, key, 0)))
        case .combine(let op, let a, let b):
            return op.apply(
                a.evaluate(at: t, slots, running, RunningValues.key(running, key, 0)),
                b.evaluate(at: t, slots, running, RunningValues.key(running, key, 1)))
        default: return F(shapeValue(at: Double(t), slots, running, key))
        }
    }

    /// The value of a part that is not arithmetic.
    private func shapeValue(at t: Double, _ slots: [SlotState], _ running: RunningValues?, _ key: UInt64) -> Double {
        let child = RunningValues.key(running, key, 0)
        switch self {
        case .constant, .time, .negate, .apply, .combine: return evaluate(at: t, slots, running, key)
        case .primitive(let p, _): return p.value(at: t)
        case .restarts(let r, _):
            let (local, k) = r.position(t)
            return r.scaled(r.body.evaluate(at: local, slots, running, child), cycle: k)
        case .warp(let body, let time):
            let at = time.evaluate(at: t, slots, running, RunningValues.key(running, key, 1))
            return body.evaluate(at: at, slots, running, child)
        case .single(let body):
            return Double(body.evaluate(at: Float(t), slots, running, child))
        case .runningProduct(let f):
            if let running { return running.product(f, at: t, key: key, slots) }
            var p = 1.0
            var k = 1.0
            while k <= t {
                p *= f.value(at: k, slots)
                k += 1
            }
            return p
        case .chained(let c, _):
            if let running { return running.chained(c, at: t, key: key, slots) }
            return c.value(at: t, slots)
        case .reduceOnPlateau(let r, _): return r.value(slots)
        case .sequence(let s):
            let at = s.locate(at: t, slots)
            return at.body.evaluate(at: at.evaluated, slots, running, RunningValues.key(running, key, UInt64(at.phase)))
        }
    }

    /// True when some part is `chained` or `running_product`, whose values a run continues step by step.
    var hasRunningValue: Bool {
        var stack = [self]
        while let n = stack.popLast() {
            switch n {
            case .chained, .runningProduct: return true
            default: stack += n.children
            }
        }
        return false
    }
}

extension Node {

    /// The companion momentum at local time `t`, where a shape defines one.
    public func momentum(at t: Double, _ slots: [SlotState]) -> Double? {
        switch self {
        case .constant, .time, .reduceOnPlateau, .runningProduct, .single: return nil
        case .chained(let c, _):
            for m in c.members { if let v = m.body.momentum(at: t, slots) { return v } }
            return nil
        case .warp(let body, let time): return body.momentum(at: time.value(at: t, slots), slots)
        case .negate(let a), .apply(_, let a): return a.momentum(at: t, slots)
        case .combine(_, let a, let b): return a.momentum(at: t, slots) ?? b.momentum(at: t, slots)
        case .primitive(let p, _): return p.momentum(at: t)
        case .restarts(let r, _):
            return r.body.momentum(at: r.position(t).local, slots)
        case .sequence(let s):
            let (body, local) = s.inForce(at: t, slots)
            return body.momentum(at: local, slots)
        }
    }

    /// Feeds the end of local step `t` to every stateful part in force.
    public func observe(at t: Int, _ ctx: StepContext, _ slots: inout [SlotState], initial: [SlotState]) {
        switch self {
        case .constant, .time, .primitive, .restarts, .warp, .runningProduct, .chained, .single: return
        case .negate(let a), .apply(_, let a): a.observe(at: t, ctx, &slots, initial: initial)
        case .combine(_, let a, let b):
            a.observe(at: t, ctx, &slots, initial: initial)
            b.observe(at: t, ctx, &slots, initial: initial)
        case .reduceOnPlateau(let r, _): r.observe(ctx, &slots)
        case .sequence(let s): s.observe(at: t, ctx, &slots, initial: initial)
        }
    }
}
