/// R04: values of the wrong kind, or out of place. `type` is a value's
/// `typeName`; `shown` a value as a setting's message shows it.
extension DiagnosticMessage {
    static let layerDecayIsAStatement = DiagnosticMessage(
        .expectedSchedule,
        "layer_decay(...) gives parameter groups their factors and is a statement of its own, not a schedule")

    static func setsOutputsSoIsAStatement(_ outputs: [String]) -> Self {
        let names = outputs.joined(separator: " and ")
        return .init(
            .expectedSchedule,
            "this schedule sets \(names) too, so it is a statement of its own (its rate and \(names)), not part of "
                + "another schedule")
    }

    static func expectedSchedule(got type: String, hint: String = "") -> Self {
        .init(.expectedSchedule, "expected a schedule, got \(type)\(hint)")
    }

    static func expectedCondition(got type: String) -> Self {
        .init(
            .expectedCondition,
            "expected a condition (plateau(...), a comparison such as `metric < 0.1`, or a duration), got \(type)")
    }

    static func expectedDuration(got type: String) -> Self {
        .init(.expectedDuration, "expected a duration (such as `5`, `5 epochs` or `10%`), got \(type)")
    }

    static let notANumber = DiagnosticMessage(.notANumber, "NaN is never a valid rate or parameter")

    static func signalOutsideCondition(_ name: String) -> Self {
        .init(.signalOutsideCondition, "'\(name)' can only be used in a condition, such as `until \(name) < 0.01`")
    }

    static let comparisonOfMetricDriven = DiagnosticMessage(
        .metricDriven, "a comparison cannot use a metric-driven schedule")

    static let batchSizeFollowsMetric = DiagnosticMessage(
        .metricDriven,
        "durations in samples or tokens count through batch_size, which must not follow a metric or an event")

    static let chainedMemberDependsOnMetrics = DiagnosticMessage(
        .metricDriven, "the schedules of 'chained' cannot depend on metrics")

    /// `what` is the argument ("body", "schedules") of `callee` that must be pure.
    static func dependsOnMetrics(_ what: String, of callee: String) -> Self {
        .init(.metricDriven, "the \(what) of '\(callee)' cannot depend on metrics")
    }

    static let durationTooLong = DiagnosticMessage(.badDuration, "duration is too long to count in steps")

    static func durationNotWhole(_ steps: Double) -> Self {
        .init(.badDuration, "a duration must be a whole number of steps, got \(fmt(steps))")
    }

    static let durationNegative = DiagnosticMessage(.badDuration, "a duration cannot be negative")

    static func unitsBeforeEventUnknown(_ unit: DurationUnit) -> Self {
        .init(
            .badDuration,
            "this phase starts after one that ends on an event, so the \(unit.rawValue) before it are not known; "
                + "write this duration in steps")
    }

    static func batchCountsPast(_ limit: Int) -> Self {
        .init(
            .badDuration,
            "this duration counts the batch sizes past step \(limit), beyond which Ramp does not count them")
    }

    static let batchSizeOwnDurations = DiagnosticMessage(
        .badDuration,
        "batch_size's own durations are in steps, epochs or %: the samples it schedules are what durations in samples "
            + "and tokens count")

    static func composerTimeTooLong(_ time: String) -> Self {
        .init(.badDuration, "'\(time)' is too long to count in steps")
    }

    /// samples_per_step or tokens_per_step beside a scheduled batch_size.
    static func settingBesideScheduledBatch(_ name: String) -> Self {
        .init(
            .badSetting,
            "\(name) cannot be set when batch_size is scheduled, which gives each step's samples"
                + (name == "tokens_per_step" ? "; set `sequence_length` for durations in tokens" : ""))
    }

    static func settingNotWholeNumber(_ name: String, got shown: String) -> Self {
        .init(.badSetting, "\(name) must be a whole number of at least 1, got \(shown)")
    }

    static let totalPercentOfItself = DiagnosticMessage(.badSetting, "total cannot be a percentage of itself")

    static let totalBelowOneStep = DiagnosticMessage(.badSetting, "total must be at least 1 step")

    static func baseNotPositive(got shown: String) -> Self {
        .init(.badSetting, "base must be a number above 0, got \(shown)")
    }

    static let badSignals = DiagnosticMessage(
        .badSetting,
        "signals must be a list of different names, each an identifier, such as `signals [\"cooldown\"]`")

    static func notAManualDict(_ text: String, _ why: String) -> Self {
        .init(.badValue, "'\(text)' is not a dict of rates as fairseq's --epoch2lr and --update2lr take: \(why)")
    }

    static let manualNeedsLr = DiagnosticMessage(.badValue, "lr needs a rate: fairseq starts from lr[0]")

    static func notAComposerTime(_ time: String) -> Self {
        .init(.badValue, "'\(time)' is not a Composer time such as '10ba', '2ep' or '0.1dur'")
    }

    static func composerTimeInSamples(_ time: String) -> Self {
        .init(.badValue, "a Composer time in samples or tokens ('\(time)') is not supported: give it in ba, ep or dur")
    }

    static func composerTimeUnit(_ time: String) -> Self {
        .init(.badValue, "'\(time)' is not a Composer time: its unit is ba, ep or dur")
    }

    static let intervalScalingEntries = DiagnosticMessage(
        .badValue, "interval_scaling entries are \"rescaled\" or \"fixed\"")

    static func mapKeyNotNumber(found type: String) -> Self {
        .init(.badValue, "map keys must be numbers, found \(type)")
    }

    static let dictKeysNotNames = DiagnosticMessage(.badValue, "dict keys must be names")

    static func unknownSignal(_ name: String, declared: [String], hint: String) -> Self {
        .init(
            .unknownSignal,
            "unknown signal \(quoted(name)); the program declares "
                + declared.map { "'\($0)'" }.joined(separator: ", ") + hint)
    }
}

/// R0411: `current` or `elapsed` where a value fixed when a phase starts cannot be used.
extension DiagnosticMessage {
    static let entryInNestedSequence = DiagnosticMessage(
        .entryValueMisplaced,
        "a sequence inside a phase cannot read `current` or `elapsed`: write its phases in the output's own `then` "
            + "chain")

    /// `what` names the number decided at check time ("argument 'T' of 'cosine'").
    static func entryDecidedAtCheck(_ what: String) -> Self {
        .init(
            .entryValueMisplaced,
            "\(what) is decided when the program is checked, but `current` and `elapsed` are known only when the "
                + "phase starts")
    }

    static func entrySetsArgument(_ name: String, of callee: String) -> Self {
        .init(
            .entryValueMisplaced,
            "`current` and `elapsed` can set a shape's parameters (linear, cosine, constant...) and a phase's "
                + "length, not argument '\(name)' of '\(callee)'")
    }

    static func entryInList(_ name: String, of callee: String) -> Self {
        .init(
            .entryValueMisplaced,
            "`current` and `elapsed` cannot be items of a list (argument '\(name)' of '\(callee)')")
    }

    static func entryInLet(_ name: String) -> Self {
        .init(
            .entryValueMisplaced,
            "'\(name)' is fixed when a phase starts, and a `let` is computed where it is written: make it a `def`, "
                + "such as `def decay() = linear(T=20, from=current, to=0)`, and call it in a phase")
    }

    static func entryInFirstPhase(_ name: String) -> Self {
        .init(
            .entryValueMisplaced,
            "'\(name)' is fixed when a phase starts, so it can be used only in a phase after the first of an "
                + "output's schedule, such as `... then linear(T=0.2 * elapsed, from=current, to=0)`")
    }

    static let entryInCondition = DiagnosticMessage(
        .entryValueMisplaced,
        "a condition is decided at every step, but `current` and `elapsed` are known only when the phase starts; "
            + "compare with a number")

    static let entryAfterFirstWarmup = DiagnosticMessage(
        .entryValueMisplaced,
        "this phase reads values fixed when the warmup before it starts, but the warmup is the first phase, so no step "
            + "comes before it")

    static let entryInFirstOfSequence = DiagnosticMessage(
        .entryValueMisplaced,
        "this is the first phase, so no step comes before it: `current` and `elapsed` are fixed when a later phase "
            + "starts")

    static let chainedFloorReadsEntry = DiagnosticMessage(
        .entryValueMisplaced,
        "a chained member's floor is fixed when the program is checked, so it cannot read `current` or `elapsed`")
}
