import Foundation

/// Pointwise functions available in schedule arithmetic.
public enum MathFunction: String, Sendable, CaseIterable {
    case cos, sin, tan, exp, log, sqrt, floor, ceil, abs, tanh

    /// In single precision: the double result rounded once, which is the
    /// correctly rounded float result, and what every emitted language gets.
    @inline(__always) func apply<F: BinaryFloatingPoint>(_ x: F) -> F { F(apply(Double(x))) }

    @inline(__always) public func apply(_ x: Double) -> Double {
        switch self {
        case .cos: return Foundation.cos(x)
        case .sin: return Foundation.sin(x)
        case .tan: return Foundation.tan(x)
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case .abs: return Swift.abs(x)
        case .tanh: return Foundation.tanh(x)
        }
    }
}

/// Binary pointwise combinations of schedules.
public enum Combine: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^", min, max, mod

    /// In the precision of `F`: + - * / min max natively (rounded as that type
    /// rounds), ^ and mod as the double result rounded once.
    @inline(__always) func apply<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .power, .mod: return F(apply(Double(a), Double(b)))
        }
    }

    @inline(__always) public func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return pow(a, b)
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .mod:
            // Python's float modulo: the result takes the sign of the divisor.
            let r = fmod(a, b)
            return r != 0 && (r < 0) != (b < 0) ? r + b : r
        }
    }
}

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

/// One phase of a sequence: a body and what ends it.
public struct Phase: Sendable {
    public var body: Node
    /// The step count after which the phase ends: `for`, or the body's natural length.
    public var bound: Int?
    public var explicitBound: Bool
    public var condition: Condition?
    /// The slots of this phase's subtree, reset to their initial state on entry.
    public var slots: Range<Int>
    /// Where the phase was written.
    public var range: SourceRange
    /// How the phase is built when it starts, when it reads values fixed
    /// then (`current`, `elapsed`); `body` and `bound` are then its template.
    public var entry: EntryPlan? = nil

    /// The last local step at which the body is evaluated: past the end of a
    /// fixed-length phase its value holds (a phase of length 0 holds its start).
    var lastLocal: Double { bound.map { Double(Swift.max(0, $0 - 1)) } ?? .infinity }

    /// The step within the phase at which its body is evaluated, `local`
    /// steps after the phase began: past the end it holds its last step.
    @inline(__always) func evaluated(_ local: Double) -> Double { Self.clamp(local, last: lastLocal) }

    /// A finished phase holds its last step: the one clamp, for the tree walk and the kernels.
    @inline(__always) static func clamp(_ local: Double, last: Double) -> Double { Swift.min(local, last) }
}

/// Phases run one after another (`then`).
public struct PhaseSequence: Sendable {
    public var phases: [Phase]
    /// Start steps when every phase but the last has a fixed length and no
    /// condition: then the sequence is a pure function of the step.
    public var starts: [Int]?
    /// The state slot of a condition-driven sequence; -1 when static.
    public var slot: Int

    public var isStatic: Bool { starts != nil }

    /// Total length when every phase has a fixed length.
    public var staticDuration: Int? {
        guard let starts, let last = phases.last?.bound else { return nil }
        return starts[starts.count - 1] + last
    }

    /// The phase in force at step `t` and the step within it at which its
    /// body is evaluated: the one place a sequence is located. A static
    /// sequence is located by its starts, a condition-driven one by its state
    /// (initial when `slots` has none yet, as while checking).
    @inline(__always) func position(at t: Double, _ slots: [SlotState]) -> (phase: Int, local: Double) {
        if let starts {
            let i = staticPhase(at: t)
            return (i, phases[i].evaluated(t - Double(starts[i])))
        }
        guard slot < slots.count, case .sequence(let st) = slots[slot] else { return (0, phases[0].evaluated(t)) }
        return (st.phase, st.held ?? (t - Double(st.start)))
    }

    /// The phase in force at step `t` of a static sequence.
    @inline(__always) func staticPhase(at t: Double) -> Int { Self.phase(at: t, starts: starts!) }

    /// The phase in force at step `t`, given the phases' starts: the last
    /// whose start is at or before `t` (a phase of no length is never in
    /// force; the next starts where it does). The kernels locate phases here too.
    @inline(__always) static func phase(at t: Double, starts: [Int]) -> Int {
        var lo = 0, hi = starts.count - 1
        if hi < 8 {
            while lo < hi, Double(starts[lo + 1]) <= t { lo += 1 }
            return lo
        }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Double(starts[mid]) <= t { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Warm restarts (SGDR): the body runs for `period` steps, then again over a
/// cycle `mult` times longer (time stretched to fit), its excursion above
/// `floor` scaled by `decay` per cycle, for at most `limit` cycles.
public struct Restarts: Sendable {
    /// What `decay` scales in later cycles.
    public enum DecayMode: String, Sendable, CaseIterable {
        /// The whole excursion above `floor` (keras CosineDecayRestarts).
        case excursion
        /// The peak only: the body's starting value becomes `peak * decay^k`,
        /// `floor` stays, values between move proportionally (timm).
        case peak
    }
    public var body: Node
    /// Everything but the body: plain numbers, so a kernel keeps them inline.
    public var cycles: Cycles

    public init(body: Node, period: Int, mult: Double, decay: Double, floor: Double, limit: Int?,
                decayMode: DecayMode = .excursion, peak: Double = 0) {
        self.body = body
        self.cycles = Cycles(period: period, mult: mult, decay: decay, floor: floor, limit: limit, decayMode: decayMode, peak: peak)
    }

    public var period: Int { get { cycles.period } set { cycles.period = newValue } }
    public var mult: Double { get { cycles.mult } set { cycles.mult = newValue } }
    public var decay: Double { get { cycles.decay } set { cycles.decay = newValue } }
    public var floor: Double { get { cycles.floor } set { cycles.floor = newValue } }
    public var limit: Int? { get { cycles.limit } set { cycles.limit = newValue } }
    public var decayMode: DecayMode { get { cycles.decayMode } set { cycles.decayMode = newValue } }
    /// The body's value at the start of a cycle.
    public var peak: Double { get { cycles.peak } set { cycles.peak = newValue } }

    @inline(__always) func scaled(_ v: Double, cycle k: Int) -> Double { cycles.scaled(v, cycle: k) }
    public var duration: Int? { cycles.duration }

    /// The cycles' lengths and scaling.
    public struct Cycles: Sendable {
        public var period: Int
        public var mult: Double
        public var decay: Double
        public var floor: Double
        public var limit: Int?
        public var decayMode: DecayMode
        public var peak: Double

        /// The value of cycle `k` given the body's value `v`.
        @inline(__always) func scaled(_ v: Double, cycle k: Int) -> Double {
            if k == 0 || decay == 1 { return v }
            let g = pow(decay, Double(k))
            switch decayMode {
            case .excursion: return floor + g * (v - floor)
            case .peak:
                guard peak != floor else { return floor + g * (v - floor) }
                return floor + (v - floor) * ((g * peak - floor) / (peak - floor))
            }
        }

        /// Cycle index, time within the cycle, and the cycle's length.
        @inline(__always) func locate(_ t: Double) -> (k: Int, tau: Double, length: Double) {
            if mult == 1 {
                var k = Int((t / Double(period)).rounded(.down))
                if let limit, k >= limit { k = limit - 1; return (k, Double(period), Double(period)) }
                return (k, t - Double(k * period), Double(period))
            }
            var start = 0.0, length = Double(period), k = 0
            while t >= start + length {
                if let limit, k + 1 >= limit { return (k, length, length) }
                start += length
                length *= mult
                k += 1
            }
            return (k, t - start, length)
        }

        /// The stretched time at which the body is evaluated, and the cycle: the
        /// one place a restart is located, for the tree walk and the kernels.
        @inline(__always) func position(_ t: Double) -> (local: Double, cycle: Int) {
            let (k, tau, length) = locate(t)
            return (tau * Double(period) / length, k)
        }

        public var duration: Int? {
            guard let limit else { return nil }
            var total = 0.0, length = Double(period)
            for _ in 0..<limit { total += length; length *= mult }
            return total < Double(Int.max / 2) ? Int(total.rounded()) : nil
        }
    }
}

/// torch's `ChainedScheduler`: at every step each member in turn updates one
/// running rate, which starts at `start` (the optimizer's rate). torch's
/// chainable schedulers step recursively, so a member with a floor moves the
/// rate by its own change around that floor,
/// `x = floor + (x - floor) * ((s(t) - floor) / (s(t-1) - floor))`, taking
/// `s(-1) = start`; where its last value is its floor (torch's cosine at the
/// bottom of a period) it adds its change instead. A member without a floor
/// sets the rate to its own value, as torch's closed-form schedulers
/// (LambdaLR, OneCycleLR, CyclicLR, warm restarts) do. A product of factors
/// is the same only when every member multiplies (floor 0).
public struct Chained: Sendable {
    public struct Member: Sendable {
        public var body: Node
        /// nil: the member sets the rate.
        public var floor: Double?
        /// The body's height above its floor, where its shape gives it without
        /// the cancellation of `s(t) - floor` (a cosine over its own minimum):
        /// the ratio torch's cosine step takes is then exact to a rounding.
        public var height: Node?
        /// For a running product (times a number), `f` of `running_product(f)`:
        /// from step 1 its ratio is `f(t)`, torch's MultiplicativeLR step,
        /// which costs one evaluation rather than a replay of the product.
        public var factor: Node?

        public init(body: Node, floor: Double?) {
            self.body = body
            self.floor = floor
            if floor == 0 {
                switch body {
                case .runningProduct(let f): factor = f
                case .combine(.multiply, let a, .runningProduct(let f)) where a.isNumber: factor = f
                default: break
                }
            }
            if let floor, case .primitive(let c as Cosine, let symbols) = body, c.min == floor {
                var above = c
                above.from = c.from - c.min
                above.min = 0
                var heightSymbols: BaseSymbols = [:]
                if symbols["from"] != nil || symbols["min"] != nil {
                    heightSymbols["from"] = .combine(.subtract, symbols["from"] ?? .constant(c.from), symbols["min"] ?? .constant(c.min))
                }
                height = .primitive(above, heightSymbols)
            }
        }
    }
    public var members: [Member]
    public var start: Double

    /// The running rate after local step `t`: the members replayed from step 0,
    /// as torch replays them (a running product costs the same).
    func value(at t: Double, _ slots: [SlotState]) -> Double {
        var last = start
        replay(through: t, slots) { _, x in last = x }
        return last
    }

    /// The running rate at each of `points` (ascending), from one replay.
    func values(at points: [Int], _ slots: [SlotState]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(points.count)
        var j = 0
        replay(through: Double(points.last ?? -1), slots) { k, x in
            while j < points.count, points[j] == k { out.append(x); j += 1 }
        }
        return out
    }

    /// Steps the members from step 0 through `t`, handing over the rate after each step.
    private func replay(through t: Double, _ slots: [SlotState], _ record: (Int, Double) -> Void) {
        var x = start
        var previous = [Double](repeating: start, count: members.count)
        var excess: [Double] = []
        for m in members { excess.append(start - (m.floor ?? 0)) }
        var k = 0.0
        while k <= t {
            for i in members.indices {
                if k > 0, let f = members[i].factor {
                    x *= f.value(at: k, slots)
                    continue
                }
                let v = members[i].body.value(at: k, slots)
                if let floor = members[i].floor {
                    let e: Double = members[i].height?.value(at: k, slots) ?? (v - floor)
                    if excess[i] == 0 {
                        x += v - previous[i]
                    } else {
                        x = floor + (x - floor) * (e / excess[i])
                    }
                    excess[i] = e
                } else {
                    x = v
                }
                previous[i] = v
            }
            record(Int(k), x)
            k += 1
        }
    }
}

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

    /// The value computed in single precision (`float32(...)`): every
    /// constant, operation and function result rounded to Float.
    func singleValue(at t: Float, _ slots: [SlotState]) -> Float { evaluate(at: t, slots) }

    /// One evaluation for both precisions: arithmetic is done in `F`; parts
    /// without arithmetic of their own are computed in double and rounded
    /// once (for double, no rounding at all).
    func evaluate<F: BinaryFloatingPoint>(at t: F, _ slots: [SlotState]) -> F {
        switch self {
        case .constant(let c): return F(c)
        case .time: return t
        case .negate(let a): return -a.evaluate(at: t, slots)
        case .apply(let f, let a): return f.apply(a.evaluate(at: t, slots))
        case .combine(let op, let a, let b): return op.apply(a.evaluate(at: t, slots), b.evaluate(at: t, slots))
        default: return F(shapeValue(at: Double(t), slots))
        }
    }

    /// The value of a part that is not arithmetic.
    private func shapeValue(at t: Double, _ slots: [SlotState]) -> Double {
        switch self {
        case .constant, .time, .negate, .apply, .combine: return value(at: t, slots)
        case .primitive(let p, _): return p.value(at: t)
        case .restarts(let r, _):
            let (local, k) = r.cycles.position(t)
            return r.scaled(r.body.value(at: local, slots), cycle: k)
        case .warp(let body, let time):
            return body.value(at: time.value(at: t, slots), slots)
        case .single(let body):
            return Double(body.singleValue(at: Float(t), slots))
        case .runningProduct(let f):
            var p = 1.0
            var k = 1.0
            while k <= t {
                p *= f.value(at: k, slots)
                k += 1
            }
            return p
        case .chained(let c, _): return c.value(at: t, slots)
        case .reduceOnPlateau(let r, _): return r.value(slots)
        case .sequence(let s):
            let (body, local) = s.inForce(at: t, slots)
            return body.value(at: local, slots)
        }
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
            return r.body.momentum(at: r.cycles.position(t).local, slots)
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
        case .sequence(let s):
            if s.isStatic {
                let i = s.staticPhase(at: Double(t))
                let local = t - s.starts![i]
                if let b = s.phases[i].bound, local >= b { return }
                s.phases[i].body.observe(at: local, ctx, &slots, initial: initial)
                return
            }
            guard case .sequence(var st) = slots[s.slot], st.held == nil else { return }
            let phase = s.phases[st.phase]
            let local = t - st.start
            let body = s.body(st.phase, st)
            body.observe(at: local, ctx, &slots, initial: initial)
            let byLength = s.bound(st.phase, st).map { local + 1 >= $0 } ?? false
            let byCondition = phase.condition?.holds(local: local, ctx, &slots) ?? false
            let byBody: Bool
            if case .sequence(let inner) = body { byBody = inner.isFinished(at: local + 1, slots) } else { byBody = false }
            if byLength || byCondition || byBody {
                st.transitions.append(Transition(step: t + 1, phase: st.phase, reason: byCondition ? .condition : .length))
                if st.phase + 1 < s.phases.count {
                    st.phase += 1
                    st.start = t + 1
                    for k in s.phases[st.phase].slots { slots[k] = initial[k] }
                    st.entry = s.enter(st.phase, at: t, ctx, previous: st.entry)
                } else {
                    st.held = Double(local)
                }
            }
            slots[s.slot] = .sequence(st)
        }
    }
}

extension PhaseSequence {
    /// Whether the sequence has ended by local step `t` (a step count).
    public func isFinished(at t: Int, _ slots: [SlotState]) -> Bool {
        if let d = staticDuration { return t >= d }
        guard !isStatic, case .sequence(let st) = slots[slot] else { return false }
        return st.held != nil
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
            let x = a.holds(local: local, ctx, &slots), y = b.holds(local: local, ctx, &slots)
            return x && y
        case .any(let a, let b):
            let x = a.holds(local: local, ctx, &slots), y = b.holds(local: local, ctx, &slots)
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
