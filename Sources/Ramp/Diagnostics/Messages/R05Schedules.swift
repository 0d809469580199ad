/// R05: schedules and phases. `why` is an output range's or a constraint's
/// own words ("is negative", "must be at least 1").
extension DiagnosticMessage {
    static func outputTwice(_ name: String) -> Self { .init(.outputTwice, "\(name) is already scheduled") }

    static let momentumTwiceBySchedule = DiagnosticMessage(
        .outputTwice, "this schedule sets momentum, which is already scheduled")

    static let rateTwice = DiagnosticMessage(.outputTwice, "the learning rate is already scheduled")

    static let momentumTwice = DiagnosticMessage(.outputTwice, "momentum is already scheduled")

    static let noSchedule = DiagnosticMessage(
        .noSchedule, "the program schedules no learning rate; add a schedule such as `cosine(T=100)`")

    static let unreachablePhase = DiagnosticMessage(
        .unreachablePhase, "this phase never ends, so the next is unreachable; bound it with `for` or `until`")

    /// An IR document's phase that never ends before another (the document names no `for` or `until` to add).
    static let unreachableIRPhase = DiagnosticMessage(
        .unreachablePhase, "this phase never ends, so the next is unreachable")

    static let emptyPhase = DiagnosticMessage(.emptyPhase, "a phase must last at least 1 step")

    static let emptySequence = DiagnosticMessage(.emptyPhase, "every phase of this sequence has length 0")

    static let lengthTwice = DiagnosticMessage(.lengthTwice, "this phase already has a length")

    static func tooLarge(_ limit: Int) -> Self {
        .init(.tooLarge, "this schedule is too large (more than \(limit) parts once expanded)")
    }

    static func manualDictTooLong(_ limit: Int) -> Self {
        .init(.tooLarge, "a dict of rates gives at most \(limit) keys")
    }

    static let rangeTooLong = DiagnosticMessage(.tooLarge, "range(...) gives at most 100000 numbers")

    static func tooDeep(_ limit: Int) -> Self {
        .init(.tooDeep, "this schedule nests deeper than the limit of \(limit) once expanded")
    }

    /// `what` is the output ("rate", "momentum", a name); `step` counts from the run's
    /// start, or from the phase's when its start is not known.
    static func outOfRange(_ what: String, _ why: String, step: Int, ofPhase: Bool) -> Self {
        .init(.badRate, "the \(what) is \(why) at step \(step)\(ofPhase ? " of this phase" : "")")
    }

    /// A value out of range in a phase built at entry; `when` says when ("when it starts at step 10...").
    static func outOfRangeAtEntry(_ what: String, _ why: String, step: Int, when: String) -> Self {
        .init(.badRate, "the \(what) is \(why) at step \(step) of this phase \(when)")
    }

    static func entryArgumentNotFinite(_ name: String, of callee: String, _ x: Double, when: String) -> Self {
        .init(.badRate, "argument '\(name)' of '\(callee)' is \(fmt(x)) \(when); it must be finite")
    }

    static func entryArgumentRange(_ name: String, of callee: String, _ why: String, when: String) -> Self {
        .init(.badRate, "argument '\(name)' of '\(callee)' \(why) \(when)")
    }

    /// The `when` of the messages above: the values a phase built at entry starts with.
    static func whenPhaseStarts(with values: String) -> String { "when the phase starts with " + values }

    static func entryPhaseRefused(when: String) -> Self {
        .init(.badRate, "the phase cannot be built \(when): a value fixed then is refused by its shape")
    }

    static func batchSizeNotWhole(step: Int, _ value: Double) -> Self {
        .init(.badRate, "batch_size at step \(step) is \(fmt(value)), not a whole number of samples of at least 1")
    }

    /// The warning for a value a library's constructor writes: the library takes it as it is.
    static func libraryAllows(_ message: DiagnosticMessage) -> Self {
        .init(message.kind, message.text + "; the library allows it, so it is passed on as it is")
    }

    static func reservedOutput(_ name: String) -> Self {
        .init(
            .reservedOutput,
            "an output cannot be named \(quoted(name)), which names "
                + (name == "step" ? "the step in tables" : "something else in a program"))
    }

    static func unknownOutput(_ name: String, hint: String) -> Self {
        .init(.unknownOutput, "\(quoted(name)) is not an output Ramp knows, so it is carried as it is\(hint)")
    }
}

/// R0509: another base asked of a program whose shape depends on the base.
/// `what` names the number ("argument 'T' of 'cosine'").
extension DiagnosticMessage {
    static func baseChangesValue(_ what: String, _ own: Double, _ other: Double, base: Double) -> Self {
        .init(
            .baseDependent,
            "\(what) is \(fmt(own)) at the program's base but \(fmt(other)) at base \(fmt(base)), so the schedule's "
                + "shape depends on the base")
    }

    static func baseBreaksConstraint(_ what: String, _ why: String, base: Double) -> Self {
        .init(.baseDependent, "at base \(fmt(base)), \(what) \(why)")
    }

    static func baseMakesInfinite(_ what: String, base: Double) -> Self {
        .init(.baseDependent, "at base \(fmt(base)), \(what) must be finite")
    }

    static func baseChangesComparison(_ what: String, _ expected: Bool, base: Double) -> Self {
        .init(
            .baseDependent,
            "\(what) is \(expected) at the program's base but \(!expected) at base \(fmt(base)), so the schedule's "
                + "shape depends on the base")
    }

    /// A program's own IR that does not load back (never expected): the loader's words.
    static func rebaseFailed(_ reason: String) -> Self { .init(.baseDependent, reason) }
}
