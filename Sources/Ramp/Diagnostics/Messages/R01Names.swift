/// R01: names and definitions. A `hint` is a did-you-mean suffix from
/// `suggestion(for:among:)`, empty when no name is close.
extension DiagnosticMessage {
    static func alreadyDefined(_ name: String) -> Self { .init(.alreadyDefined, "'\(name)' is already defined") }

    static func builtinRedefinition(_ name: String) -> Self {
        .init(.builtinRedefinition, "'\(name)' is a builtin name and cannot be redefined")
    }

    static func settingTwice(_ name: String) -> Self { .init(.settingTwice, "'\(name)' is already set") }

    static func unknownName(_ name: String, hint: String) -> Self {
        .init(.unknownName, "unknown name \(quoted(name))\(hint)")
    }

    /// `current("x")` of an output the program does not schedule.
    static func currentOfUnscheduled(_ name: String) -> Self {
        .init(
            .unknownName,
            "current(\(JSONValue.quote(name))) reads \(quoted(name)), which the program does not schedule")
    }

    static func conditionReadsUnscheduled(_ name: String) -> Self {
        .init(.unknownName, "a condition reads \(name), which the program does not schedule")
    }

    static let stepsPerEpochNotSet = DiagnosticMessage(
        .settingMissing, "'steps_per_epoch' is not set; add a line such as `steps_per_epoch 390`")

    static let totalNotSet = DiagnosticMessage(
        .settingMissing, "'total' is not set; add a line such as `total 90 epochs`")

    static let epochsNeedStepsPerEpoch = DiagnosticMessage(
        .settingMissing, "a duration in epochs needs 'steps_per_epoch'; add a line such as `steps_per_epoch 390`")

    static let percentNeedsTotal = DiagnosticMessage(
        .settingMissing, "a duration in % needs 'total'; add a line such as `total 90 epochs`")

    /// A duration in samples or tokens without the setting (`name`) that counts them per step.
    static func unitNeedsSetting(_ unit: DurationUnit, _ name: String) -> Self {
        .init(
            .settingMissing,
            "a duration in \(unit.rawValue) needs '\(name)'; add a line such as "
                + "`\(name) \(unit == .samples ? "256" : "524288")`")
    }

    static let tokensNeedSequenceLength = DiagnosticMessage(
        .settingMissing,
        "a duration in tokens needs 'sequence_length' when batch_size is scheduled; add a line such as "
            + "`sequence_length 2048`")

    static let manualEpochsNeedStepsPerEpoch = DiagnosticMessage(
        .settingMissing, "epoch2lr's epochs need 'steps_per_epoch', the updates in an epoch")

    static func composerEpochsNeedStepsPerEpoch(_ time: String) -> Self {
        .init(
            .settingMissing,
            "a Composer time in epochs ('\(time)') needs 'steps_per_epoch', the dataloader's length in batches")
    }

    static func composerDurNeedsTotal(_ time: String) -> Self {
        .init(
            .settingMissing,
            "a Composer time in 'dur' ('\(time)') needs 'total', the run's max_duration: add a line such as "
                + "`total 90 epochs`")
    }

    static let byEpochNeedsStepsPerEpoch = DiagnosticMessage(
        .settingMissing,
        "a scheduler stepped by epoch needs 'steps_per_epoch' (MMEngine's epoch length): add a line such as "
            + "`steps_per_epoch 390`, or pass by_epoch=False")

    static let samplesPerStepNeeded = DiagnosticMessage(
        .settingMissing,
        "this schedule counts its lengths in samples, so it needs 'samples_per_step' (the global batch size): add a "
            + "line such as `samples_per_step 256`")

    static let fractionOfRunNeedsTotal = DiagnosticMessage(
        .settingMissing,
        "this schedule is written over the fraction of the run, so it needs 'total' (fvcore's max_iter): add a line "
            + "such as `total 90000`")

    static func unknownType(_ name: String, hint: String) -> Self {
        .init(.unknownType, "unknown type \(quoted(name))\(hint)")
    }

    /// `path` is the chain of definitions from the first call back to itself.
    static func recursiveDefinition(_ path: [String]) -> Self {
        let name = path.last ?? ""
        let how =
            path.count == 2
            ? "'\(name)' calls itself"
            : "'\(name)' calls itself through " + path.dropFirst().dropLast().map { "'\($0)'" }.joined(separator: ", ")
        return .init(.recursiveDefinition, "recursive definition: \(how)")
    }

    static func expansionLimit(_ limit: Int) -> Self {
        .init(.expansionLimit, "definitions nest deeper than the limit of \(limit)")
    }

    static let optimizerArgument = DiagnosticMessage(
        .optimizerArgument,
        "drop the optimizer argument: Ramp schedules the rate itself, and the optimizer's rate is `base` (or --base)")
}

extension NoteMessage {
    static let firstDefinedHere = NoteMessage("first defined here")
    static let firstSetHere = NoteMessage("first set here")
    static let firstScheduledHere = NoteMessage("first scheduled here")
    static let batchSizeScheduledHere = NoteMessage("batch_size is scheduled here")

    static func countedHere(for unit: DurationUnit) -> Self {
        .init("counted here, for a duration in \(unit.rawValue)")
    }
}
