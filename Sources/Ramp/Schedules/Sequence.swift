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

extension PhaseSequence {
    /// Whether the sequence has ended by local step `t` (a step count).
    public func isFinished(at t: Int, _ slots: [SlotState]) -> Bool {
        if let d = staticDuration { return t >= d }
        guard !isStatic, case .sequence(let st) = slots[slot] else { return false }
        return st.held != nil
    }
}
