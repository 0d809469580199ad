import Foundation

/// The settings a program resolved, after command-line overrides.
public struct Settings: Sendable, Hashable {
    /// The base learning rate; 1 when neither the program nor `--base` sets it.
    public var base: Double = 1
    public var baseIsDefault = true
    public var stepsPerEpoch: Int?
    /// Samples and tokens one step trains on, so durations can be written in them.
    public var samplesPerStep: Int?
    public var tokensPerStep: Int?
    /// Tokens in one sample, so durations in tokens count through a scheduled `batch_size`.
    public var sequenceLength: Int?
    /// The length of the run in steps (`total 90 epochs`).
    public var total: Int?
    /// The signals the program declares (`signals ["cooldown"]`), or nil when it declares none.
    public var signals: [String]?
}

/// How the momentum output is produced.
public enum MomentumSource: Sendable {
    /// `momentum: ...` in the program.
    case explicit(PhaseSequence)
    /// Taken from shapes that move momentum against the rate (one-cycle,
    /// cyclic); between them it holds its last value, starting at `initial`.
    case companion(initial: Double)
}

/// A checked program, ready to run.
public struct CompiledProgram: Sendable {
    public let settings: Settings
    /// The learning-rate schedule: always a sequence (one phase at least).
    public let lr: PhaseSequence
    public let momentum: MomentumSource?
    /// The other outputs (`weight_decay: ...`, `ema: ...`, any name), in the order written.
    public let outputs: [NamedOutput]
    /// Their names, kept once for the conditions that read them.
    let outputNames: [String]
    /// The signals a run may raise: those the program declares, or else those its conditions wait for.
    public let signals: [String]
    /// The state every slot starts in.
    public let initialSlots: [SlotState]
    /// The program's source, for explain and diagnostics.
    public let source: SourceFile
    /// Decisions taken on numbers that follow the base: at another base each
    /// must come out the same (`rebased(to:)`).
    public let baseGuards: [BaseGuard]
    /// The outputs as nodes, built once: wrapping a sequence in a `Node`
    /// allocates, and the per-step path must not.
    let lrNode: Node
    let momentumNode: Node?
    /// The rate's phases as kernels, when the rate is a static sequence.
    let lrPlan: KernelPlan?
    /// True when an output has `chained` or `running_product`, whose values a
    /// run continues step by step (`RunningValues`) rather than through the kernels.
    let hasRunningValue: Bool

    /// Problems found that do not stop the program (a likely typo in an output's name).
    public let warnings: [Diagnostic]

    /// Outputs written by a library's constructor (`deepspeed.OneCycle(...)`):
    /// the library's values pass as they are, so a value outside the output's
    /// range (negative, above 1, growing without bound) is a warning, not an error.
    public let libraryOutputs: Set<String>

    /// Hashes the program for its saved states; handed in by the layer that
    /// writes the program as a tree, since the runtime sits below it.
    let fingerprinter: Fingerprinter

    public init(
        settings: Settings, lr: PhaseSequence, momentum: MomentumSource?, outputs: [NamedOutput] = [],
        initialSlots: [SlotState], source: SourceFile, baseGuards: [BaseGuard] = [], warnings: [Diagnostic] = [],
        libraryOutputs: Set<String> = [], fingerprinter: Fingerprinter
    ) {
        self.libraryOutputs = libraryOutputs
        self.fingerprinter = fingerprinter
        self.settings = settings
        self.baseGuards = baseGuards
        self.lr = lr
        self.momentum = momentum
        self.outputs = outputs
        self.outputNames = outputs.map(\.name)
        self.warnings = warnings
        self.initialSlots = initialSlots
        self.source = source
        lrNode = .sequence(lr)
        if case .explicit(let m) = momentum { momentumNode = .sequence(m) } else { momentumNode = nil }
        lrPlan = KernelPlan(lr)
        let trees = [lrNode] + [momentumNode].compactMap { $0 } + outputs.map(\.node)
        hasRunningValue = trees.contains { $0.hasRunningValue }
        var waited: [String] = []
        for tree in [lrNode] + [momentumNode].compactMap({ $0 }) + outputs.map(\.node) {
            for name in tree.signalsRead where !waited.contains(name) { waited.append(name) }
        }
        signals = settings.signals ?? waited
    }

    /// Identifies the schedule, so a saved state knows the program that saved
    /// it: a comment or a layout change keeps it, any change to what the
    /// schedule computes gives another.
    public var fingerprint: String { fingerprinter.hash(self) }

    /// True when no part of the program depends on a metric or on the
    /// scheduler's history, so `value(at:)` gives the rate directly.
    public var isClosedForm: Bool { initialSlots.isEmpty }

    /// True when momentum is scheduled explicitly, so conditions may read it.
    var readsMomentum: Bool { if case .explicit = momentum { return true } else { return false } }

    /// The total length when fixed.
    public var duration: Int? { lr.staticDuration }

    /// How many steps show the whole schedule: its length, the run's `total`,
    /// or a stretch past the start of an open-ended last phase.
    public var suggestedHorizon: Int {
        if let d = duration { return d }
        if let total = settings.total { return total }
        if let starts = lr.starts, let last = starts.last, last > 0 { return last + max(last / 10, 100) }
        return 100
    }

    /// True when the schedule has state: a metric or a signal can change it.
    public var usesMetric: Bool { !initialSlots.isEmpty }

    /// True when a metric's value can change the schedule (not only a signal).
    public var readsMetric: Bool {
        ([lrNode] + [momentumNode].compactMap { $0 } + outputs.map(\.node)).contains { $0.readsMetric }
    }

    /// True when the rate is a condition-driven sequence the scheduler reads
    /// through the kernel of its phase in force (`InForceKernel`).
    var locatesPhaseKernels: Bool { lrPlan == nil && !lr.isStatic && !hasRunningValue }

    /// The learning rate at step `t` of a closed-form program.
    @inline(__always) public func value(at t: Int) -> Double {
        lrPlan?.value(at: t, initialSlots) ?? lrNode.value(at: Double(t), initialSlots)
    }

    /// The learning rate at step `t` of a closed-form program, continuing the
    /// running values in `running`: a table asks for its steps in order.
    func value(at t: Int, running: RunningValues?) -> Double {
        guard let running else { return value(at: t) }
        return lrNode.value(at: Double(t), initialSlots, running: running, key: RunningValues.lrKey)
    }
}

/// How a program's fingerprint is computed.
public struct Fingerprinter: Sendable {
    let hash: @Sendable (CompiledProgram) -> String
    public init(_ hash: @escaping @Sendable (CompiledProgram) -> String) { self.hash = hash }
}

/// An output beyond the rate and momentum: its name and its schedule.
public struct NamedOutput: Sendable {
    public var name: String
    public var sequence: PhaseSequence
    /// The schedule as a node, built once (wrapping allocates).
    let node: Node

    public init(name: String, sequence: PhaseSequence) {
        self.name = name
        self.sequence = sequence
        node = .sequence(sequence)
    }
}

/// Everything a running schedule remembers. Saving it at step k and
/// restoring it gives a bit-identical trace from k onward.
public struct SchedulerState: Sendable, Codable, Hashable {
    public var step: Int = 0
    public var slots: [SlotState]
    /// The last companion momentum, held between shapes that define one.
    public var heldMomentum: Double?
    /// Signals raised during the current step, seen when it ends.
    public var signals: [String]?
    /// Every metric and signal fed so far, so the state can be rebuilt under
    /// an edited program; nil in a state saved before Ramp kept one.
    public var log: EventLog?
    /// The program that saved the state (`CompiledProgram.fingerprint`), and
    /// its rate at `step`: written when the state is saved (`Scheduler.saved`).
    public var fingerprint: String?
    public var lr: Double?

    public func encoded() throws -> Data { try StateJSON.encode(self) }

    public static func decoded(from data: Data) throws -> SchedulerState { try StateJSON.decode(data) }
}

/// JSON for saved state, with infinities and NaN spelled out (a plateau's
/// initial best is ±inf) and keys sorted, so equal states give equal bytes.
public enum StateJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: NonFinite.infinity, negativeInfinity: NonFinite.negativeInfinity, nan: NonFinite.nan)
        return try e.encode(value)
    }

    public static func decode<T: Decodable>(_ data: Data, as type: T.Type = T.self) throws -> T {
        try decoder.decode(type, from: data)
    }

    /// JSON as Python's json module writes it, with bare `NaN`, `Infinity`
    /// and `-Infinity`, turned into the spelled-out strings this decoder
    /// reads. Text inside strings is left alone.
    public static func acceptingPythonNonFinite(_ text: String) -> String {
        guard text.contains("NaN") || text.contains("Infinity") else { return text }
        let bytes = Array(text.utf8)
        let words: [(word: [UInt8], spelled: [UInt8])] = [
            (Array("-Infinity".utf8), Array(NonFinite.json(-.infinity).utf8)),
            (Array("Infinity".utf8), Array(NonFinite.json(.infinity).utf8)),
            (Array("NaN".utf8), Array(NonFinite.json(.nan).utf8)),
        ]
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var inString = false
        var escaped = false
        var i = 0
        scan: while i < bytes.count {
            let c = bytes[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "-") || c == UInt8(ascii: "I") || c == UInt8(ascii: "N") {
                for (word, spelled) in words where bytes[i...].starts(with: word) {
                    out += spelled
                    i += word.count
                    continue scan
                }
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: NonFinite.infinity, negativeInfinity: NonFinite.negativeInfinity, nan: NonFinite.nan)
        return d
    }()
}

/// Runs a compiled program one step at a time.
///
/// Step i uses `lr` as it is before the i-th call to `step(metric:)`; the
/// metric passed to that call is observed at the end of step i and can
/// change the rate from step i+1 on.
public struct Scheduler: Sendable {
    public let program: CompiledProgram
    public internal(set) var state: SchedulerState
    /// The rate for the current step.
    public private(set) var lr: Double
    /// The momentum for the current step, when the program schedules it.
    public private(set) var momentum: Double?
    /// The other outputs' values for the current step, in `program.outputs`' order.
    public private(set) var values: [Double]
    /// Whether the program has other outputs or an explicit momentum a
    /// condition may read: known once, so a step without them builds no values.
    private let hasOutputs: Bool
    /// The rate's phases as kernels (nil: walk the tree), and the one in
    /// force, kept inline. Derived from the step, so not part of the saved state.
    private let plan: KernelPlan?
    private var current: PhaseKernel
    /// The running values of `chained` and `running_product` where the run
    /// stands: derived from the program and the step, so not saved.
    private var running: RunningValues?
    /// A condition-driven rate's phase in force as a kernel, rebuilt when the
    /// phase changes (nil: not such a program, or not yet built). Derived, not saved.
    private var inForce: InForceKernel?
    private let locatesPhases: Bool

    /// `walkTree` turns the kernels off, so tests can compare the two paths.
    public init(_ program: CompiledProgram, walkTree: Bool = false) {
        self.program = program
        self.hasOutputs = !program.outputs.isEmpty || program.readsMomentum
        self.values = Array(repeating: 0, count: program.outputs.count)
        self.state = SchedulerState(slots: program.initialSlots, log: EventLog())
        self.lr = 0
        self.plan = walkTree || program.hasRunningValue ? nil : program.lrPlan
        self.running = program.hasRunningValue ? RunningValues() : nil
        self.locatesPhases = !walkTree && program.locatesPhaseKernels
        self.current =
            plan?.phase(at: 0) ?? PhaseKernel(start: 0, end: Int.max, last: 0, bound: 0, kernel: .constant(0))
        if case .companion(let m) = program.momentum { state.heldMomentum = m }
        refresh()
    }

    /// Restores a saved state, once every field of it is checked against the
    /// program (`SchedulerState.validate`): a state of another shape throws
    /// `StateMismatch`, a field that does not fit throws `ReplayError` naming it.
    public init(_ program: CompiledProgram, state: SchedulerState) throws {
        guard state.fits(program) else { throw StateMismatch() }
        try state.validate(against: program)
        try program.validateRunning(step: state.step, limit: Scheduler.replayStepLimit)
        self.init(program, validated: state)
    }

    /// Restores a state already checked against the program.
    init(_ program: CompiledProgram, validated state: SchedulerState) {
        self.program = program
        self.hasOutputs = !program.outputs.isEmpty || program.readsMomentum
        self.values = Array(repeating: 0, count: program.outputs.count)
        self.state = state
        program.rebuildingEntries(&self.state.slots)
        self.lr = 0
        self.plan = program.hasRunningValue ? nil : program.lrPlan
        self.running = program.hasRunningValue ? RunningValues() : nil
        self.locatesPhases = program.locatesPhaseKernels
        self.current =
            plan?.phase(at: state.step) ?? PhaseKernel(start: 0, end: Int.max, last: 0, bound: 0, kernel: .constant(0))
        refresh()
    }

    public struct StateMismatch: Error, CustomStringConvertible {
        public var description: String { DiagnosticMessage.stateOfAnotherProgram.text }
    }

    /// The index of the current step.
    public var step: Int { state.step }

    /// True once the last phase of the learning-rate schedule has ended.
    public var finished: Bool { program.lr.isFinished(at: state.step, state.slots) }

    /// Raises a signal during the current step: a phase that waits for it
    /// (`until signal("cooldown")`) ends when the step does. Raising it
    /// twice in a step is raising it once; a name the program does not know
    /// is refused, naming the ones it does.
    public mutating func signal(_ name: String) throws(UnknownSignal) {
        guard program.signals.contains(name) else { throw UnknownSignal(name: name, known: program.signals) }
        var pending = state.signals ?? []
        if !pending.contains(name) { pending.append(name) }
        state.signals = pending
    }

    /// The state as a checkpoint keeps it: with the program's fingerprint
    /// and the rate at its step, so that loading it into an edited program
    /// can replay its log and say how the rate moved.
    public var saved: SchedulerState {
        var s = state
        s.fingerprint = program.fingerprint
        s.lr = lr
        return s
    }

    /// Observes the end of the current step and moves to the next; returns the new rate.
    @discardableResult
    public mutating func step(metric: Double? = nil) -> Double {
        let t = state.step
        if let metric { state.log?.record(metric: metric, at: t) }
        let raised = state.signals ?? []
        if !raised.isEmpty {
            for name in raised { state.log?.signals.append(EventLog.SignalEvent(step: t, name: name)) }
            state.signals = nil
        }
        // A program without state has nothing to observe.
        if !program.initialSlots.isEmpty {
            // Other outputs (and momentum) only for a program whose conditions may read them.
            let others = hasOutputs ? OutputValues(momentum: momentum, names: program.outputNames, values: values) : nil
            let ctx = StepContext(metric: metric, lr: lr, outputs: others, signals: raised)
            if let plan {
                // The phase in force, as PhaseSequence.observe finds it for a static sequence.
                let local = t - current.start
                if Phase.runs(at: local, bound: current.bound) {
                    current.kernel.observe(at: local, ctx, &state.slots, initial: program.initialSlots, plan)
                }
            } else {
                program.lrNode.observe(at: t, ctx, &state.slots, initial: program.initialSlots)
            }
            program.momentumNode?.observe(at: t, ctx, &state.slots, initial: program.initialSlots)
            if hasOutputs {
                for o in program.outputs { o.node.observe(at: t, ctx, &state.slots, initial: program.initialSlots) }
            }
        }
        state.step = t + 1
        refresh()
        return lr
    }

    mutating func refresh() {
        let step = state.step
        let t = Double(step)
        // A copy of this scheduler may hold the same running values: write to one of its own.
        if running != nil, !isKnownUniquelyReferenced(&running!) { running = running!.copy() }
        if let plan {
            if step >= current.end || step < current.start { current = plan.phase(at: step) }
            lr = current.kernel.value(at: current.local(step), state.slots, plan)
        } else if locatesPhases, case .sequence(let st) = state.slots[program.lr.slot] {
            // The one locator finds the phase; its body is a kernel until the phase changes.
            let at = program.lr.locate(at: t, st)
            if inForce?.phase != at.phase || inForce?.start != st.start {
                inForce = InForceKernel(phase: at.phase, start: st.start, body: at.body)
            }
            lr = inForce!.kernel.value(at: at.evaluated, state.slots, inForce!.plan)
        } else {
            lr = program.lrNode.value(at: t, state.slots, running: running, key: RunningValues.lrKey)
        }
        switch program.momentum {
        case nil: momentum = nil
        case .explicit:
            momentum = program.momentumNode!.value(at: t, state.slots, running: running, key: RunningValues.momentumKey)
        case .companion:
            if let m = program.lrNode.momentum(at: t, state.slots) { state.heldMomentum = m }
            momentum = state.heldMomentum
        }
        if hasOutputs {
            for (i, o) in program.outputs.enumerated() {
                values[i] = o.node.value(at: t, state.slots, running: running, key: RunningValues.outputKey(i))
            }
        }
    }

    /// The value of output `name` for the current step (`lr`, `momentum` or
    /// one of the program's other outputs), or nil when it is not scheduled.
    public func value(of name: String) -> Double? {
        switch name {
        case "lr": return lr
        case "momentum": return momentum
        default: return program.outputs.firstIndex { $0.name == name }.map { values[$0] }
        }
    }

    /// Phase changes of the learning-rate schedule so far (condition-driven
    /// sequences record them; static ones are known from their lengths).
    public var transitions: [Transition] {
        if program.lr.isStatic { return program.lr.staticTransitions(through: state.step) }
        guard case .sequence(let st) = state.slots[program.lr.slot] else { return [] }
        return st.transitions
    }
}

extension PhaseSequence {
    /// The phase changes of a static sequence up to step `step`, known from the lengths alone.
    func staticTransitions(through step: Int) -> [Transition] {
        guard let starts else { return [] }
        var out: [Transition] = []
        for i in 1..<starts.count where starts[i] <= step {
            out.append(Transition(step: starts[i], phase: i - 1, reason: .length))
        }
        if let d = staticDuration, d <= step {
            out.append(Transition(step: d, phase: starts.count - 1, reason: .length))
        }
        return out
    }
}

extension SchedulerState {
    /// True when the state has the program's slots, in number and kind.
    func fits(_ program: CompiledProgram) -> Bool {
        slots.count == program.initialSlots.count
            && zip(slots, program.initialSlots).allSatisfy { $0.sameKind(as: $1) }
    }
}

extension SlotState {
    func sameKind(as other: SlotState) -> Bool {
        switch (self, other) {
        case (.sequence, .sequence), (.plateau, .plateau), (.reduce, .reduce): return true
        default: return false
        }
    }
}
