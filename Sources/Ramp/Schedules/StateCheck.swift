/// Checks a saved state against its program and against itself before any of
/// it is taken up: a state is a document anyone can edit, and the scheduler
/// indexes phases, slots and steps with what it holds. A refusal names the
/// field as the document spells it (`slots.0.sequence._0.phase`).
extension SchedulerState {
    /// The largest step a state may hold: as far as phase lengths go (`EntryPlan.steps`).
    public static let maxStep = 1_000_000_000_000_000

    /// Throws the first field that does not fit `program` (whose slots the state
    /// is known to match in number and kind) or the state's other fields.
    func validate(against program: CompiledProgram) throws(ReplayError) {
        try Self.validate(step: step)
        try validate(log: log, signals: program.signals)
        for (k, name) in (signals ?? []).enumerated() where !program.signals.contains(name) {
            throw ReplayError(
                .stateUnknownSignal(
                    "signals.\(k)", name: name, why: UnknownSignal(name: name, known: program.signals).description))
        }
        for (sequence, top) in program.stateSequences {
            guard case .sequence(let st) = slots[sequence.slot] else { continue }
            try sequence.validate(st, "slots.\(sequence.slot).sequence._0.", step: step, top: top)
        }
        for (slot, plateau, reduce) in program.plateauSpecs {
            switch slots[slot] {
            case .plateau(let tracker): try tracker.validate(plateau, "slots.\(slot).plateau._0.")
            case .reduce(let r):
                let field = "slots.\(slot).reduce._0."
                try r.tracker.validate(plateau, field + "tracker.")
                if let reduce {
                    let lo = Swift.min(reduce.min, reduce.from)
                    let hi = Swift.max(reduce.min, reduce.from)
                    guard r.value >= lo, r.value <= hi else {
                        throw ReplayError(.stateRange(field + "value", fmt(r.value), from: fmt(lo), to: fmt(hi)))
                    }
                }
                guard r.reductions >= 0 else {
                    throw ReplayError(.stateAtLeast(field + "reductions", String(r.reductions), min: "0"))
                }
            case .sequence: break
            }
        }
    }

    static func validate(step: Int) throws(ReplayError) {
        guard step >= 0, step <= maxStep else { throw ReplayError(.stateStep(String(step), max: String(maxStep))) }
    }

    /// The log holds only steps before the state's, in order, and signals the
    /// program knows (`known`; nil leaves the names to the replay, which says where it meets them).
    func validate(log: EventLog?, signals known: [String]?) throws(ReplayError) {
        guard let log else { return }
        guard let steps = log.metricSteps() else { throw ReplayError(.stateLogDamaged) }
        if let last = steps.last, last >= step {
            // The run that holds it: its first step, or the last one's place in it.
            var seen = 0
            for (k, run) in log.at.enumerated() {
                seen += run[2]
                if seen == steps.count {
                    throw ReplayError(.stateLogPastStep("log.at.\(k)", at: String(last), step: String(step)))
                }
            }
        }
        var previous = 0
        for (k, e) in log.signals.enumerated() {
            guard e.step >= previous else {
                throw ReplayError(
                    .stateSignalOrder("log.signals.\(k).step", String(e.step), previous: String(previous)))
            }
            guard e.step < step else {
                throw ReplayError(.stateLogPastStep("log.signals.\(k).step", at: String(e.step), step: String(step)))
            }
            if let known, !known.contains(e.name) {
                throw ReplayError(
                    .stateUnknownSignal(
                        "log.signals.\(k).name", name: e.name,
                        why: UnknownSignal(name: e.name, known: known).description
                    ))
            }
            previous = e.step
        }
    }
}

extension PhaseSequence {
    /// Where the sequence stands: its phase, its changes, its start and the
    /// values its phase was built from. A sequence at the top of an output
    /// counts the run's steps; an inner one counts its phase's, which are fewer.
    func validate(_ st: SequenceState, _ field: String, step: Int, top: Bool) throws(ReplayError) {
        let count = phases.count
        guard st.phase >= 0, st.phase < count else {
            throw ReplayError(
                .statePhase(field + "phase", String(st.phase), count: String(count), last: String(count - 1)))
        }
        let ended = st.phase + (st.held == nil ? 0 : 1)
        if st.held != nil, st.phase != count - 1 {
            throw ReplayError(.stateHeldTooEarly(field + "held", phase: String(st.phase), count: String(count)))
        }
        guard st.transitions.count == ended else {
            throw ReplayError(
                .stateTransitionCount(field + "transitions", String(st.transitions.count), ended: String(ended)))
        }
        // Phase k began where phase k - 1 ended; each lasts at least a step, and no longer than its length.
        var begun = 0
        for (k, tr) in st.transitions.enumerated() {
            let at = field + "transitions.\(k)."
            guard tr.phase == k else {
                throw ReplayError(.stateSkippedPhase(at + "phase", String(tr.phase), expected: String(k)))
            }
            guard tr.step > begun else {
                throw ReplayError(.statePhaseOrder(at + "step", String(tr.step), begun: String(begun)))
            }
            guard tr.step <= step else {
                throw ReplayError(.statePastStep(at + "step", String(tr.step), step: String(step)))
            }
            if phases[k].entry == nil, let length = phases[k].bound, tr.step - begun > length {
                throw ReplayError(
                    .statePastPhaseEnd(
                        at + "step", String(tr.step), phase: String(k), start: String(begun), length: String(length)))
            }
            if k < st.phase { begun = tr.step }
        }
        guard st.start == begun else {
            throw ReplayError(
                st.start > step
                    ? .statePastStep(field + "start", String(st.start), step: String(step))
                    : .stateStart(field + "start", String(st.start), expected: String(begun)))
        }
        try validateEntry(st, field + "entry")
        if let held = st.held, let last = st.transitions.last {
            let expected = Double(last.step - 1 - st.start)
            guard held == expected else {
                throw ReplayError(.stateHeld(field + "held", fmt(held), expected: fmt(expected)))
            }
        }
        // The phase in force at the top has run `step - start` steps; at its length it would have ended.
        if top, st.held == nil, let length = bound(st.phase, st), step - st.start >= length {
            throw ReplayError(
                .statePastPhaseEnd(
                    "step", String(step), phase: String(st.phase), start: String(st.start), length: String(length)))
        }
    }

    /// The values a phase built at entry was fixed with, and what they give:
    /// its length and whether they hold it, as `enter` works them out.
    private func validateEntry(_ st: SequenceState, _ field: String) throws(ReplayError) {
        let i = st.phase
        guard let plan = phases[i].entry else {
            if st.entry != nil { throw ReplayError(.stateEntryUnexpected(field, phase: String(i))) }
            return
        }
        guard let e = st.entry else {
            if i == 0 { return }
            throw ReplayError(.stateEntryMissing(field, phase: String(i)))
        }
        // After a warmup, the phase takes the values fixed when the warmup began.
        let from = plan.role == .afterWarmup && i > 0 ? i - 1 : i
        let begun = from == 0 ? 0 : st.transitions[from - 1].step
        guard e.values.elapsed == begun else {
            throw ReplayError(.stateStart(field + ".values.elapsed", String(e.values.elapsed), expected: String(begun)))
        }
        var names = [plan.output]
        for case .current(let name) in entryInputs(of: from) where !names.contains(name) { names.append(name) }
        if from != i {
            for case .current(let name) in entryInputs(of: i) where !names.contains(name) { names.append(name) }
        }
        for name in names where e.values.current[name] == nil {
            throw ReplayError(.stateEntryValueMissing(field + ".values.current", name: name))
        }
        // An output's value is finite at every step a program runs.
        for (name, x) in e.values.current.sorted(by: { $0.key < $1.key }) where !x.isFinite {
            throw ReplayError(.stateNotFinite(field + ".values.current.\(name)", fmt(x)))
        }
        let expected = fixed(i, e.values)
        guard e.held == expected.held else {
            throw ReplayError(.stateEntry(field + ".held", String(e.held), expected: String(expected.held)))
        }
        guard e.length == expected.length else {
            throw ReplayError(
                .stateEntry(
                    field + ".length", e.length.map(String.init) ?? "null",
                    expected: expected.length.map(String.init) ?? "null"))
        }
    }

    /// The length and the hold `enter` fixes for phase `i` from `values`.
    func fixed(_ i: Int, _ values: EntryValues) -> (length: Int?, held: Bool) {
        guard let plan = phases[i].entry else { return (phases[i].bound, false) }
        let written =
            plan.length.map { EntryPlan.steps($0.value(base: plan.settings.base, entry: values)) }
            ?? (phases[i].explicitBound ? phases[i].bound : nil)
        guard let built = build(i, EntryState(values: values, length: nil, held: false, built: nil)) else {
            return (written, true)
        }
        return (plan.length != nil || phases[i].explicitBound ? written : built.body.duration, false)
    }
}

extension PlateauTracker {
    func validate(_ spec: PlateauSpec, _ field: String) throws(ReplayError) {
        guard bad >= 0, bad <= spec.patience else {
            throw ReplayError(.stateRange(field + "bad", String(bad), from: "0", to: String(spec.patience)))
        }
        guard cooldownLeft >= 0, cooldownLeft <= spec.cooldown else {
            throw ReplayError(
                .stateRange(field + "cooldownLeft", String(cooldownLeft), from: "0", to: String(spec.cooldown)))
        }
        guard pending >= 0, pending < Swift.max(1, spec.accumulate) else {
            throw ReplayError(
                .stateRange(
                    field + "pending", String(pending), from: "0", to: String(Swift.max(0, spec.accumulate - 1))))
        }
    }
}

extension CompiledProgram {
    /// Every condition-driven sequence, and whether it is an output's own
    /// (so its steps are the run's), in tree order.
    var stateSequences: [(sequence: PhaseSequence, top: Bool)] {
        var out: [(PhaseSequence, Bool)] = []
        var stack: [(Node, Bool)] = trees.reversed().map { ($0, true) }
        while let (n, top) = stack.popLast() {
            if case .sequence(let s) = n, !s.isStatic { out.append((s, top)) }
            stack += n.children.reversed().map { ($0, false) }
        }
        return out
    }

    /// The plateau each slot that keeps one judges by: a condition's, or a
    /// `reduce_on_plateau`'s with the range its rate stays in.
    var plateauSpecs: [(slot: Int, plateau: PlateauSpec, reduce: ReduceOnPlateau?)] {
        var out: [(Int, PlateauSpec, ReduceOnPlateau?)] = []
        var stack = trees
        while let n = stack.popLast() {
            switch n {
            case .reduceOnPlateau(let r, _): out.append((r.slot, r.plateau, r))
            case .sequence(let s):
                for p in s.phases {
                    var conditions = p.condition.map { [$0] } ?? []
                    while let c = conditions.popLast() {
                        switch c {
                        case .plateau(let spec, let slot): out.append((slot, spec, nil))
                        case .all(let a, let b), .any(let a, let b): conditions += [a, b]
                        case .not(let a): conditions.append(a)
                        case .elapsed, .signal, .compare: break
                        }
                    }
                }
            default: break
            }
            stack += n.children
        }
        return out
    }

    /// The outputs' trees: the rate, momentum when scheduled, the others.
    var trees: [Node] { [lrNode] + [momentumNode].compactMap { $0 } + outputs.map(\.node) }
}
