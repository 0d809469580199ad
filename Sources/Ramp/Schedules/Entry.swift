import Foundation

/// A value fixed when a phase starts, so a phase can go on from where the
/// run is rather than from a number written in advance: after
/// `cosine(T=50) until plateau(...)` ends early, `linear(from=current, ...)`
/// starts where the cosine stopped.
public enum EntryInput: Sendable, Hashable {
    /// `current`, `current("momentum")`: the output's value at the last step before the phase.
    case current(String)
    /// `elapsed`: the step, counted from the start of the run, at which the phase starts.
    case elapsed

    func value(in v: EntryValues) -> Double {
        switch self {
        case .elapsed: return Double(v.elapsed)
        case .current(let name): return v.current[name] ?? .nan
        }
    }

    /// What the template of a phase is built with while checking, before any
    /// entry: the base for a value, step 1 for `elapsed`. The checker then
    /// builds the phase again over the range its inputs can take.
    func placeholder(base: Double) -> Double {
        switch self {
        case .elapsed: return 1
        case .current: return base
        }
    }
}

/// The values fixed at a phase's entry, as a saved state keeps them.
public struct EntryValues: Sendable, Codable, Hashable {
    /// The step at which the phase (or the warmup rising to it) started.
    public var elapsed: Int
    /// Each output's value at the step before, by name: always the phase's own
    /// output, and any other the phase reads.
    public var current: [String: Double]

    public init(elapsed: Int, current: [String: Double]) {
        self.elapsed = elapsed
        self.current = current
    }
}

/// How a phase that reads entry values is built when it starts.
public struct EntryPlan: Sendable {
    public enum Role: String, Sendable {
        /// The phase reads entry values, fixed when it starts.
        case own
        /// A warmup rising to the next phase, which reads entry values: they
        /// are fixed when the warmup starts, and its target is where that phase begins.
        case warmup
        /// A phase after such a warmup: it takes the values fixed when the warmup started.
        case afterWarmup = "after_warmup"
    }
    /// The output the phase belongs to, whose value `current` is.
    public var output: String
    /// A length written with entry values (`for 0.2 * elapsed`).
    public var length: BaseExpr?
    public var role: Role
    /// What a builtin is rebuilt with (the program's settings and base).
    public var settings: Settings
    /// Builds the phase's primitives again from their entry values: given when the
    /// phase is checked, so the runtime needs no registry of names.
    public var builder: PrimitiveBuilder

    public init(output: String, length: BaseExpr?, role: Role, settings: Settings, builder: PrimitiveBuilder) {
        self.output = output
        self.length = length
        self.role = role
        self.settings = settings
        self.builder = builder
    }

    /// A length or step count fixed at entry: the nearest whole step, at
    /// least 1 (a phase fixed at entry always runs), at most 10^15; NaN gives 1.
    public static func steps(_ x: Double) -> Int {
        guard x >= 1 else { return 1 }
        return Int(Swift.min((x + 0.5).rounded(.down), 1e15))
    }
}

/// Builds a primitive by name from resolved parameters, at a program's settings;
/// nil when a parameter is refused by its shape. The checker makes it, so a
/// phase built at entry goes through the same rules as one written out.
public struct PrimitiveBuilder: Sendable {
    public typealias Build = @Sendable (_ name: String, _ parameters: [(String, ParameterValue)], Settings) -> Node?
    let build: Build
    public init(_ build: @escaping Build) { self.build = build }
}

/// A phase's entry as a sequence's state keeps it: the values, its length,
/// and the phase built from them (not saved: rebuilt from the values). An
/// immutable reference, so that the sequence's state, which every step
/// reads, costs one reference count to copy.
public final class EntryState: Sendable, Codable, Hashable {
    public let values: EntryValues
    /// The phase's length as fixed at entry (nil: it has none).
    public let length: Int?
    /// True when the values made a parameter invalid (not finite, or refused
    /// by its shape): the phase then holds the value it started from.
    public let held: Bool
    /// The phase as built from the values; nil until built (after loading a state).
    let built: BuiltPhase?

    init(values: EntryValues, length: Int?, held: Bool, built: BuiltPhase?) {
        self.values = values
        self.length = length
        self.held = held
        self.built = built
    }

    /// What a phase holds when its values cannot build it: the output's value it started from.
    func heldBody(_ plan: EntryPlan) -> BuiltPhase { BuiltPhase(.constant(values.current[plan.output] ?? .nan)) }

    /// The same entry with its phase built.
    func with(built: BuiltPhase) -> EntryState { EntryState(values: values, length: length, held: held, built: built) }

    enum CodingKeys: String, CodingKey { case values, length, held }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        values = try c.decode(EntryValues.self, forKey: .values)
        length = try c.decodeIfPresent(Int.self, forKey: .length)
        held = try c.decode(Bool.self, forKey: .held)
        built = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(values, forKey: .values)
        try c.encodeIfPresent(length, forKey: .length)
        try c.encode(held, forKey: .held)
    }

    public static func == (a: EntryState, b: EntryState) -> Bool {
        a.values == b.values && a.length == b.length && a.held == b.held
    }

    public func hash(into h: inout Hasher) {
        h.combine(values)
        h.combine(length)
        h.combine(held)
    }
}

/// A phase body built at entry: a reference, so that a sequence's state stays small to copy.
final class BuiltPhase: Sendable {
    let body: Node
    init(_ body: Node) { self.body = body }
}

extension PhaseSequence {
    /// The body of phase `i` as it runs, given the sequence's state.
    @inline(__always) func body(_ i: Int, _ st: SequenceState) -> Node {
        guard let plan = phases[i].entry, st.phase == i, let e = st.entry else { return phases[i].body }
        return (e.built ?? build(i, e) ?? e.heldBody(plan)).body
    }

    /// The entry values phase `i` reads; a warmup rising to the next phase fixes that phase's too.
    func entryInputs(of i: Int) -> [EntryInput] {
        phases[i].entryInputs(including: phases[i].entry?.role == .warmup && i + 1 < phases.count ? phases[i + 1] : nil)
    }

    /// Fixes phase `i`'s entry values, at the end of local step `t` (the
    /// phase starts at `t + 1`); `previous` is what the phase before fixed.
    func enter(_ i: Int, at t: Int, _ ctx: StepContext, previous: EntryState?) -> EntryState? {
        guard let plan = phases[i].entry else { return nil }
        var values: EntryValues
        if plan.role == .afterWarmup, let previous {
            values = previous.values
        } else {
            var current: [String: Double] = [plan.output: ctx.value(ofOutput: plan.output) ?? .nan]
            for input in entryInputs(of: i) {
                if case .current(let name) = input, current[name] == nil {
                    current[name] = ctx.value(ofOutput: name) ?? .nan
                }
            }
            values = EntryValues(elapsed: t + 1, current: current)
        }
        let written =
            plan.length.map { EntryPlan.steps($0.value(base: plan.settings.base, entry: values)) }
            ?? (phases[i].explicitBound ? phases[i].bound : nil)
        let unbuilt = EntryState(values: values, length: nil, held: false, built: nil)
        guard let built = build(i, unbuilt) else {
            return EntryState(values: values, length: written, held: true, built: unbuilt.heldBody(plan))
        }
        let length = plan.length != nil || phases[i].explicitBound ? written : built.body.duration
        return EntryState(values: values, length: length, held: false, built: built)
    }

    /// Phase `i`'s body built from `entry`'s values, or nil when they make a
    /// parameter invalid. A held phase is its starting value.
    func build(_ i: Int, _ entry: EntryState) -> BuiltPhase? {
        guard let plan = phases[i].entry else { return nil }
        if entry.held { return entry.heldBody(plan) }
        guard let body = phases[i].body.instantiated(entry.values, plan) else { return nil }
        if plan.role == .warmup, i + 1 < phases.count {
            // The warmup rises to where the next phase will begin, built from the same values.
            guard let next = phases[i + 1].body.instantiated(entry.values, plan), next.initialValue.isFinite,
                let rising = body.risingWarmup(to: next)
            else { return nil }
            return BuiltPhase(rising)
        }
        return BuiltPhase(body)
    }

    /// The length phase `i` runs for: fixed at entry when it reads entry values.
    @inline(__always) func bound(_ i: Int, _ st: SequenceState) -> Int? {
        guard phases[i].entry != nil, st.phase == i, let e = st.entry else { return phases[i].bound }
        return e.length
    }
}

extension Phase {
    /// The entry values the phase's body and length read (and, for a
    /// warmup, the next phase's): outputs by name, then `elapsed`.
    func entryInputs(including next: Phase? = nil) -> [EntryInput] {
        var out: [EntryInput] = []
        for e in body.entryForms + (entry?.length.map { [$0] } ?? []) + (next?.body.entryForms ?? []) {
            for i in e.entryInputs where !out.contains(i) { out.append(i) }
        }
        return out.sorted { a, b in
            switch (a, b) {
            case (.current(let x), .current(let y)): return x < y
            case (.current, .elapsed): return true
            default: return false
            }
        }
    }
}

extension StepContext {
    /// An output's value at this step, the rate included.
    func value(ofOutput name: String) -> Double? { name == "lr" ? lr : value(of: name) }
}

extension Node {
    /// The numbers in the tree that are fixed at entry.
    var entryForms: [BaseExpr] {
        var out: [BaseExpr] = []
        forEachPrimitive { _, symbols in out += symbols.sorted { $0.key < $1.key }.map(\.value).filter(\.readsEntry) }
        return out
    }

    /// True when some number in the tree is fixed at entry.
    var readsEntry: Bool { !entryForms.isEmpty }

    /// Visits every primitive with its base-following numbers, through every
    /// part of the tree (phases of inner sequences included).
    func forEachPrimitive(_ visit: (any Primitive, BaseSymbols) -> Void) {
        var stack = [self]
        while let n = stack.popLast() {
            switch n {
            case .constant, .time: break
            case .primitive(let p, let s): visit(p, s)
            case .negate(let a), .apply(_, let a), .runningProduct(let a), .single(let a): stack.append(a)
            case .combine(_, let a, let b), .warp(let a, let b):
                stack.append(b)
                stack.append(a)
            case .restarts(let r, _): stack.append(r.body)
            case .chained(let c, _): stack += c.members.map(\.body)
            case .reduceOnPlateau: break
            case .sequence(let s): stack += s.phases.map(\.body)
            }
        }
    }

    /// The tree with every primitive that reads entry values rebuilt from
    /// `values`, through the plan's builder; nil when a value makes a
    /// parameter invalid (not finite, or refused by its shape).
    func instantiated(_ values: EntryValues, _ plan: EntryPlan) -> Node? {
        switch self {
        case .constant, .time, .reduceOnPlateau: return self
        case .primitive(let p, let symbols):
            guard symbols.values.contains(where: \.readsEntry) else { return self }
            return Node.rebuild(p, symbols, values, plan)
        case .negate(let a): return a.instantiated(values, plan).map { .negate($0) }
        case .apply(let f, let a): return a.instantiated(values, plan).map { .apply(f, $0) }
        case .combine(let op, let a, let b):
            guard let x = a.instantiated(values, plan), let y = b.instantiated(values, plan) else { return nil }
            return .combine(op, x, y)
        case .warp(let a, let b):
            guard let x = a.instantiated(values, plan), let y = b.instantiated(values, plan) else { return nil }
            return .warp(x, y)
        case .runningProduct(let a): return a.instantiated(values, plan).map { .runningProduct($0) }
        case .single(let a): return a.instantiated(values, plan).map { .single($0) }
        case .restarts(var r, let s):
            guard let body = r.body.instantiated(values, plan) else { return nil }
            r.body = body
            return .restarts(r, s)
        case .chained(var c, let s):
            for i in c.members.indices {
                guard let body = c.members[i].body.instantiated(values, plan) else { return nil }
                c.members[i] = Chained.Member(body: body, floor: c.members[i].floor)
            }
            return .chained(c, s)
        case .sequence:
            // A sequence inside a phase never reads them: checking and loading refuse it.
            return self
        }
    }

    /// A primitive built again by the plan's builder, its entry numbers
    /// evaluated at `values` (a step count rounded as `EntryPlan.steps` does).
    private static func rebuild(
        _ p: any Primitive, _ symbols: BaseSymbols, _ values: EntryValues,
        _ plan: EntryPlan
    ) -> Node? {
        let base = plan.settings.base
        var parameters: [(String, ParameterValue)] = []
        var kept: BaseSymbols = [:]
        for (name, value) in p.parameters {
            let form = symbols[name]
            let fixed = form.map { $0.value(base: base, entry: values) }
            if let form, !form.readsEntry { kept[name] = form }
            switch value {
            case .number(let x):
                let y = fixed ?? x
                guard y.isFinite else { return nil }
                parameters.append((name, .number(y)))
            case .integer(let n):
                if let fixed {
                    guard !fixed.isNaN else { return nil }
                    parameters.append((name, .integer(EntryPlan.steps(fixed))))
                } else {
                    parameters.append((name, .integer(n)))
                }
            default: parameters.append((name, value))
            }
        }
        guard let node = plan.builder.build(p.name, parameters, plan.settings) else { return nil }
        if case .primitive(let q, _) = node {
            if var w = q as? Warmup, let old = p as? Warmup {
                w.implicitTarget = old.implicitTarget
                return .primitive(w, kept)
            }
            return .primitive(q, kept)
        }
        return node
    }
}

extension CompiledProgram {
    /// Builds again the phases a loaded state's sequences had entered: a
    /// saved state keeps their values, not their bodies.
    func rebuildingEntries(_ slots: inout [SlotState]) {
        var stack: [Node] = [lrNode] + [momentumNode].compactMap { $0 } + outputs.map(\.node)
        while let n = stack.popLast() {
            if case .sequence(let s) = n {
                if s.slot >= 0, s.slot < slots.count, case .sequence(var st) = slots[s.slot], let e = st.entry,
                    e.built == nil, st.phase < s.phases.count, let plan = s.phases[st.phase].entry
                {
                    st.entry = e.with(built: s.build(st.phase, e) ?? e.heldBody(plan))
                    slots[s.slot] = .sequence(st)
                }
                stack += s.phases.map(\.body)
            } else {
                stack += n.children
            }
        }
    }
}
