extension Scheduler {
    /// The most steps a replay runs one at a time. Stretches where nothing
    /// can change without a metric or a signal are skipped whole, so only
    /// the steps of a phase that ends by counting them are run, one by one.
    public static let replayStepLimit = 1_000_000

    /// Takes up a saved state: as it is when this program saved it, and
    /// otherwise (with `replay`) by replaying its log of metrics and signals
    /// through this program up to the saved step, which rebuilds this
    /// program's own state. Every field is checked before anything is taken
    /// up; a state without a log, or one whose log this program cannot take
    /// (a signal it does not know), is refused, saying which.
    public static func resuming(
        _ program: CompiledProgram, from saved: SchedulerState, replay: Bool = true, limit: Int = replayStepLimit
    ) throws(ReplayError) -> (Scheduler, ResumeReport) {
        let fingerprint = program.fingerprint
        let same = saved.fingerprint == fingerprint
        if saved.fingerprint == nil || same {
            if saved.fits(program) {
                do throws(ReplayError) {
                    try saved.validate(against: program)
                    try program.validateRunning(step: saved.step, limit: limit)
                    var s = Scheduler(program, validated: saved)
                    s.state.fingerprint = nil
                    s.state.lr = nil
                    return (s, ResumeReport(step: s.step, before: saved.lr, now: s.lr, replayed: false))
                } catch {
                    // A state that names no program may be another's with slots of the same kinds.
                    if same || !replay || saved.log == nil { throw error }
                }
            } else if same || !replay {
                throw ReplayError(.stateOfAnotherProgram)
            }
        }
        guard replay else {
            throw ReplayError(.stateFingerprint(saved.fingerprint ?? "", this: fingerprint, how: "replay"))
        }
        guard let log = saved.log else { throw ReplayError(.stateWithoutLog) }
        try SchedulerState.validate(step: saved.step)
        try saved.validate(log: log, signals: nil)
        for e in log.signals where !program.signals.contains(e.name) {
            throw ReplayError(
                .stateLogSignal(
                    e.name, step: String(e.step), why: UnknownSignal(name: e.name, known: program.signals).description))
        }
        var s = Scheduler(program)
        try s.replay(log.events(before: saved.step), to: saved.step, limit: limit)
        return (s, ResumeReport(step: s.step, before: saved.lr, now: s.lr, replayed: true))
    }

    /// Steps from here to `end`, feeding each step its logged events. A
    /// stretch without events where nothing can change is skipped whole
    /// (`idle(until:)`); at most `limit` other steps are run one at a time.
    mutating func replay(_ events: [Int: (metric: Double?, signals: [String])], to end: Int, limit: Int)
        throws(ReplayError)
    {
        let eventSteps = events.keys.sorted()
        let shape = ReplayShape(program)
        var next = 0
        var stepped = 0
        while state.step < end {
            let t = state.step
            if next < eventSteps.count, eventSteps[next] == t {
                let e = events[t]!
                for name in e.signals { try? signal(name) }
                step(metric: e.metric)
                next += 1
                continue
            }
            let quiet = next < eventSteps.count ? eventSteps[next] : end
            if let to = idle(until: quiet, shape), to > t {
                state.step = to
                refresh()
                continue
            }
            guard stepped < limit else { throw ReplayError(.replayLimit(step: String(end), limit: String(limit))) }
            step()
            stepped += 1
        }
    }

    /// The step up to which ending steps without a metric or a signal would
    /// change nothing but the step, or nil when the next such step might:
    /// every condition-driven sequence has finished or waits, in a phase
    /// without a length, for a condition only a metric or a signal can make
    /// true; an output's own sequence may also be in a phase with a length,
    /// which is then run up to its last step. Plateaus without a metric keep
    /// their state. Running values and a held companion momentum follow
    /// every step, so such programs step one at a time until they finish.
    func idle(until end: Int, _ shape: ReplayShape) -> Int? {
        guard !program.hasRunningValue else { return nil }
        if finished, shape.onlyTheRateKeepsState { return end }
        if case .companion = program.momentum { return nil }
        var until = end
        for (sequence, top) in shape.sequences {
            guard case .sequence(let st) = state.slots[sequence.slot], st.held == nil else { continue }
            if let condition = sequence.phases[st.phase].condition, !condition.waitsForAnEvent { return nil }
            if let length = sequence.bound(st.phase, st) {
                guard top else { return nil }
                // The phase ends with its step `length - 1`, which is run.
                until = Swift.min(until, st.start + length - 1)
            }
        }
        return until
    }
}

/// What a replay needs to know of a program to skip quiet stretches, worked out once.
struct ReplayShape {
    var sequences: [(sequence: PhaseSequence, top: Bool)]
    /// True when neither momentum nor another output keeps state, so a finished rate changes nothing more.
    var onlyTheRateKeepsState: Bool

    init(_ program: CompiledProgram) {
        sequences = program.stateSequences
        onlyTheRateKeepsState =
            program.momentumNode?.isStateful != true && !program.outputs.contains { $0.node.isStateful }
    }
}

extension Condition {
    /// True when only a metric or a signal can make the condition hold: a
    /// step without either leaves it false.
    var waitsForAnEvent: Bool {
        switch self {
        case .plateau, .signal: return true
        case .elapsed, .not: return false
        case .compare(let a, _, let b): return a.isMetric || b.isMetric
        case .all(let a, let b): return a.waitsForAnEvent || b.waitsForAnEvent
        case .any(let a, let b): return a.waitsForAnEvent && b.waitsForAnEvent
        }
    }
}

extension CompiledProgram {
    /// A state far into a program with running values would replay them from
    /// step 0 when it is loaded (`RunningValues`): as far as a replay runs, no further.
    func validateRunning(step: Int, limit: Int) throws(ReplayError) {
        guard hasRunningValue, step > limit else { return }
        throw ReplayError(.replayLimit(step: String(step), limit: String(limit)))
    }
}
