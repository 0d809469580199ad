/// R08: saved states. A state is refused before anything is loaded, naming the
/// field as the state's JSON document spells it (`slots.0.sequence._0.phase`).
/// Every part is a string, so that the compiled Python modules carry the same
/// words as format strings (`RuntimeMessages.stateTemplates`).
extension DiagnosticMessage {
    // MARK: R0801: a state of another program

    static let stateOfAnotherProgram = DiagnosticMessage(
        .stateMismatch, "the saved state does not belong to this program")

    /// `how` is the way to ask for a replay: `replay`, `replay=True`.
    static func stateFingerprint(_ other: String, this: String, how: String) -> Self {
        .init(
            .stateMismatch,
            "the saved state belongs to another program (fingerprint \(other); this one's is \(this)); load it with "
                + "\(how) to rebuild it under this program from its log")
    }

    static let stateWithoutLog = DiagnosticMessage(
        .stateMismatch,
        "the saved state has no log of the metrics and signals it was fed, so it cannot be replayed into "
            + "another program"
    )

    /// `why` is the unknown signal's own message, naming the program's signals.
    static func stateLogSignal(_ name: String, step: String, why: String) -> Self {
        .init(
            .stateMismatch,
            "the saved state's log raises the signal '\(name)' at step \(step), which this program does not wait for "
                + "(\(why))")
    }

    // MARK: R0802: a field that does not fit the program or the state's other fields

    static func stateStep(_ value: String, max: String) -> Self {
        .init(.badState, "the saved state's step is \(value); a step is a whole number from 0 to \(max)")
    }

    static func statePhase(_ field: String, _ value: String, count: String, last: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value), but the sequence has \(count) phases (0 to \(last))")
    }

    static func stateTransitionCount(_ field: String, _ count: String, ended: String) -> Self {
        .init(.badState, "the saved state's \(field) lists \(count) phase changes where \(ended) phases have ended")
    }

    static func stateSkippedPhase(_ field: String, _ value: String, expected: String) -> Self {
        .init(
            .badState, "the saved state's \(field) is \(value) where phase \(expected) ended next: a phase is skipped")
    }

    static func statePhaseOrder(_ field: String, _ value: String, begun: String) -> Self {
        .init(
            .badState,
            "the saved state's \(field) is \(value), but that phase began at step \(begun) and lasts at least 1 step")
    }

    static func statePastStep(_ field: String, _ value: String, step: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value), past the state's step \(step)")
    }

    static func stateStart(_ field: String, _ value: String, expected: String) -> Self {
        .init(
            .badState,
            "the saved state's \(field) is \(value), but its phase began at step \(expected), "
                + "where the one before ended"
        )
    }

    /// A phase that would have ended by its length before the state's step (or its recorded end).
    static func statePastPhaseEnd(_ field: String, _ value: String, phase: String, start: String, length: String)
        -> Self
    {
        .init(
            .badState,
            "the saved state's \(field) is \(value), but phase \(phase), begun at step \(start), "
                + "ends after \(length) steps"
        )
    }

    static func stateHeld(_ field: String, _ value: String, expected: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value), but the last phase ended at its step \(expected)")
    }

    static func stateHeldTooEarly(_ field: String, phase: String, count: String) -> Self {
        .init(.badState, "the saved state's \(field) is set, but phase \(phase) is not the last of \(count)")
    }

    static func stateEntryMissing(_ field: String, phase: String) -> Self {
        .init(
            .badState,
            "the saved state's \(field) is missing, but phase \(phase) is built from the values fixed when it starts")
    }

    static func stateEntryUnexpected(_ field: String, phase: String) -> Self {
        .init(.badState, "the saved state's \(field) is set, but phase \(phase) fixes no values when it starts")
    }

    static func stateEntry(_ field: String, _ value: String, expected: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value), but the values fixed then give \(expected)")
    }

    static func stateEntryValueMissing(_ field: String, name: String) -> Self {
        .init(.badState, "the saved state's \(field) has no value for '\(name)'")
    }

    static func stateNotFinite(_ field: String, _ value: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value); it must be a finite number")
    }

    static func stateRange(_ field: String, _ value: String, from: String, to: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value); it must be from \(from) to \(to)")
    }

    static func stateAtLeast(_ field: String, _ value: String, min: String) -> Self {
        .init(.badState, "the saved state's \(field) is \(value); it must be at least \(min)")
    }

    static let stateLogDamaged = DiagnosticMessage(
        .badState, "the saved state's log is damaged: its metric steps do not match its metrics")

    /// A metric or a signal logged at or after the state's own step.
    static func stateLogPastStep(_ field: String, at: String, step: String) -> Self {
        .init(
            .badState,
            "the saved state's \(field) is at step \(at), but the state is at step \(step): "
                + "its log holds only the steps before it")
    }

    static func stateSignalOrder(_ field: String, _ value: String, previous: String) -> Self {
        .init(
            .badState, "the saved state's \(field) is \(value), before the signal logged ahead of it (step \(previous))"
        )
    }

    static func stateUnknownSignal(_ field: String, name: String, why: String) -> Self {
        .init(.badState, "the saved state's \(field) is '\(name)', which this program does not wait for (\(why))")
    }

    // MARK: R0803: a replay over the limit

    static func replayLimit(step: String, limit: String) -> Self {
        .init(
            .replayLimit,
            "replaying the saved state's log up to its step \(step) would run more than \(limit) steps one at a time, "
                + "the most a replay runs")
    }
}
