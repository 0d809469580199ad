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

    /// Where the sequence stands at step `t`: the one locator that evaluation,
    /// observation and the kernels share. A static sequence is located by its
    /// starts, a condition-driven one by its state (initial when `slots` has
    /// none yet, as while checking). `local` counts steps since the phase
    /// began; `evaluated` is where its body is read, held past its end; `body`
    /// is the phase as built at entry when it reads entry values.
    @inline(__always) func locate(at t: Double, _ slots: [SlotState])
        -> (phase: Int, local: Double, evaluated: Double, body: Node)
    {
        if let starts {
            let i = Self.phase(at: t, starts: starts)
            let local = t - Double(starts[i])
            return (i, local, phases[i].evaluated(local), phases[i].body)
        }
        guard slot < slots.count, case .sequence(let st) = slots[slot] else {
            return (0, t, phases[0].evaluated(t), phases[0].body)
        }
        return locate(at: t, st)
    }

    /// Where a condition-driven sequence in state `st` stands at step `t`:
    /// `locate(at:_:)` once its state is read, for `observe`, which holds it already.
    @inline(__always) func locate(at t: Double, _ st: SequenceState)
        -> (phase: Int, local: Double, evaluated: Double, body: Node)
    {
        let local = t - Double(st.start)
        return (st.phase, local, st.held ?? local, body(st.phase, st))
    }

    /// The body in force at step `t` and the step at which it is evaluated.
    @inline(__always) func inForce(at t: Double, _ slots: [SlotState]) -> (body: Node, local: Double) {
        let at = locate(at: t, slots)
        return (at.body, at.evaluated)
    }

    /// The phase in force at step `t`, given the phases' starts: the last
    /// whose start is at or before `t` (a phase of no length is never in
    /// force; the next starts where it does). The kernels locate phases here too.
    @inline(__always) static func phase(at t: Double, starts: [Int]) -> Int {
        var lo = 0
        var hi = starts.count - 1
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

extension PhaseSequence {
    /// Whether the sequence has ended by local step `t` (a step count).
    public func isFinished(at t: Int, _ slots: [SlotState]) -> Bool {
        if let d = staticDuration { return t >= d }
        guard !isStatic, case .sequence(let st) = slots[slot] else { return false }
        return st.held != nil
    }
}

extension Phase {
    /// True while a phase of length `bound` still runs at local step `local`:
    /// past its end it observes nothing (a finished static phase holds).
    @inline(__always) static func runs(at local: Int, bound: Int?) -> Bool { local < (bound ?? Int.max) }
}

extension PhaseSequence {
    /// Feeds the end of step `t` to the phase in force, and for a
    /// condition-driven sequence decides whether the phase ended at this step
    /// (its length, its condition, or an inner sequence that finished), entering the next.
    func observe(at t: Int, _ ctx: StepContext, _ slots: inout [SlotState], initial: [SlotState]) {
        guard !isStatic else {
            let at = locate(at: Double(t), slots)
            let local = Int(at.local)
            if Phase.runs(at: local, bound: phases[at.phase].bound) {
                at.body.observe(at: local, ctx, &slots, initial: initial)
            }
            return
        }
        // The state is read once: the locator and the phase-end decision share it.
        guard case .sequence(var st) = slots[slot], st.held == nil else { return }
        let at = locate(at: Double(t), st)
        let local = Int(at.local)
        at.body.observe(at: local, ctx, &slots, initial: initial)
        guard let reason = end(of: st.phase, local: local, body: at.body, st, ctx, &slots) else {
            slots[slot] = .sequence(st)
            return
        }
        st.transitions.append(Transition(step: t + 1, phase: st.phase, reason: reason))
        if st.phase + 1 < phases.count {
            st.phase += 1
            st.start = t + 1
            for k in phases[st.phase].slots { slots[k] = initial[k] }
            st.entry = enter(st.phase, at: t, ctx, previous: st.entry)
        } else {
            st.held = Double(local)
        }
        slots[slot] = .sequence(st)
    }

    /// Why phase `i` ends at the end of its local step `local`, or nil when it
    /// goes on. The condition is always fed the step (a plateau sees every metric).
    private func end(
        of i: Int, local: Int, body: Node, _ st: SequenceState, _ ctx: StepContext,
        _ slots: inout [SlotState]
    ) -> EndReason? {
        let byLength = !Phase.runs(at: local + 1, bound: bound(i, st))
        let byCondition = phases[i].condition?.holds(local: local, ctx, &slots) ?? false
        var byBody = false
        if case .sequence(let inner) = body { byBody = inner.isFinished(at: local + 1, slots) }
        guard byLength || byCondition || byBody else { return nil }
        return byCondition ? .condition : .length
    }
}
