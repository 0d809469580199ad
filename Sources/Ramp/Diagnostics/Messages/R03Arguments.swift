/// R03: arguments. `type` is a value's `typeName` ("a schedule", "a string");
/// `expected` a parameter type's description; a `hint` a did-you-mean suffix.
extension DiagnosticMessage {
    /// "argument 'T' of 'cosine'", how a message names the argument it is about.
    private static func argument(_ name: String, of callee: String) -> String { "argument '\(name)' of '\(callee)'" }

    static func unknownParameter(_ callee: String, _ name: String, hint: String) -> Self {
        .init(.unknownParameter, "'\(callee)' has no parameter \(quoted(name))\(hint)")
    }

    static func duplicateArgument(_ name: String) -> Self {
        .init(.duplicateArgument, "argument '\(name)' is given twice")
    }

    static let positionalAfterNamed = DiagnosticMessage(
        .positionalAfterNamed, "a positional argument cannot follow a named one")

    static func tooManyArguments(_ callee: String, takes limit: Int, got count: Int) -> Self {
        .init(.tooManyArguments, "'\(callee)' takes at most \(limit) argument\(limit == 1 ? "" : "s"), got \(count)")
    }

    static func missingArgument(_ name: String, for callee: String) -> Self {
        .init(.missingArgument, "missing argument '\(name)' for '\(callee)'")
    }

    /// A pointwise function (min, max...) called with too few schedules.
    static func needsArguments(_ callee: String, atLeastTwo: Bool) -> Self {
        .init(.missingArgument, "'\(callee)' needs \(atLeastTwo ? "at least two arguments" : "an argument")")
    }

    static let milestoneValuesNeedsCount = DiagnosticMessage(
        .missingArgument, "milestone_values needs its count or its milestones (fvcore's num_updates or milestones)")

    static func argumentType(_ name: String, of callee: String, expects expected: String, got type: String) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) expects \(expected), got \(type)")
    }

    static func argumentChangesWithT(_ name: String, of callee: String) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) expects a number, got a schedule that changes with t")
    }

    static func notWholeNumber(_ name: String, of callee: String, _ x: Double) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) must be a whole number, got \(fmt(x))")
    }

    static func notWholeSteps(_ name: String, of callee: String, _ x: Double) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) must be a whole number of steps, got \(fmt(x))")
    }

    /// A string outside a parameter's choices; a long one is clipped.
    static func notAChoice(
        _ name: String, of callee: String, expects expected: String, got s: String,
        hint: String
    ) -> Self {
        let shown = JSONValue.quote(s.count > 60 ? String(s.prefix(60)) + "…" : s)
        return .init(.argumentType, "\(argument(name, of: callee)) must be \(expected); got \(shown)\(hint)")
    }

    static func expectsListOfNumbers(_ name: String, of callee: String, found type: String) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) expects a list of numbers, found \(type)")
    }

    static func expectsListOfSchedules(_ name: String, found type: String) -> Self {
        .init(.argumentType, "argument '\(name)' expects a list of schedules, found \(type)")
    }

    static func expectedMap(got type: String) -> Self { .init(.argumentType, "expected a map, got \(type)") }

    static let dictTakesNamedEntries = DiagnosticMessage(
        .argumentType, "dict(...) takes only named entries, such as dict(a=1)")

    static func groupFactorType(got type: String) -> Self {
        .init(.argumentType, "a group's factor is a number of at least 0, got \(type)")
    }

    static func currentTakesName(got type: String) -> Self {
        .init(.argumentType, "current takes an output's name, such as current(\"momentum\"), got \(type)")
    }

    static func composerTimeType(got type: String) -> Self {
        .init(.argumentType, "a Composer time is a string such as '10ba', '2ep' or '0.1dur', got \(type)")
    }

    static let lenExpectsListOrMap = DiagnosticMessage(.argumentType, "len expects a list or a map")

    static func withOutputName(_ name: String) -> Self {
        .init(.argumentRange, "with_output names another output than the rate, once: got \(quoted(name))")
    }

    static func itemExpectsList(got type: String) -> Self {
        .init(.argumentType, "item expects a list, got \(type)")
    }

    static func itemIndexOutOfRange(_ index: Int, count: Int) -> Self {
        .init(.argumentRange, "index \(index) is out of range for a list of \(count) item\(count == 1 ? "" : "s")")
    }

    static func expectsDictList(_ name: String, of callee: String) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) expects a non-empty list of dict(...)")
    }

    static func expectsDictItems(_ name: String, of callee: String, found type: String) -> Self {
        .init(.argumentType, "\(argument(name, of: callee)) expects dict(...) items, found \(type)")
    }

    /// `why` is the constraint's own words ("must be at least 0").
    static func argumentRange(_ name: String, of callee: String, _ why: String) -> Self {
        .init(.argumentRange, "\(argument(name, of: callee)) \(why)")
    }

    static func argumentNotFinite(_ name: String, of callee: String) -> Self {
        .init(.argumentRange, "\(argument(name, of: callee)) must be finite")
    }

    static func argumentNegative(_ name: String, of callee: String) -> Self {
        .init(.argumentRange, "\(argument(name, of: callee)) cannot be negative")
    }

    static func badSignalName(_ name: String) -> Self {
        .init(.argumentRange, "a signal's name must be an identifier (letters, digits and _), got \(quoted(name))")
    }

    /// `why` is the library's reason, when Ramp knows it.
    static func unsupportedArgument(_ name: String, of callee: String, why: String?) -> Self {
        .init(
            .unsupportedArgument,
            "\(argument(name, of: callee)) is not supported by Ramp; leave it as None\(why.map { " (\($0))" } ?? "")")
    }

    static func notCallable(_ name: String, is type: String) -> Self {
        .init(.notCallable, "'\(name)' is \(type), which cannot be called")
    }
}

/// R0309: arguments that are each valid but do not fit together.
extension DiagnosticMessage {
    /// What a builtin's checks said, when they gave no diagnostic of their own (an IR's call).
    static let invalidArguments = DiagnosticMessage(.invalidArguments, "invalid arguments")

    static func groupScalesUnscheduled(_ output: String) -> Self {
        .init(.invalidArguments, "this group scales \(output), which the program does not schedule")
    }

    static let currentTakesOneName = DiagnosticMessage(
        .invalidArguments, "current takes one output's name, such as current(\"momentum\")")

    static let exponentialWarmupFromZero = DiagnosticMessage(
        .invalidArguments, "an exponential warmup needs `from` above 0")

    static let lbNotBelowUb = DiagnosticMessage(.invalidArguments, "`lb` must be below `ub`")

    static func emptyCyclePhase(pctStart: Double, total: Int) -> Self {
        .init(
            .invalidArguments,
            "pct_start=\(fmt(pctStart)) leaves a phase of the cycle with no steps at total=\(total)")
    }

    static func piecewiseCounts(boundaries: Int, values: Int) -> Self {
        .init(
            .invalidArguments,
            "piecewise needs one more value than boundaries (\(boundaries) boundaries, \(values) values)")
    }

    static func interpolateCounts(boundaries: Int, values: Int) -> Self {
        .init(
            .invalidArguments,
            "interpolate needs one value per boundary (\(boundaries) boundaries, \(values) values)")
    }

    static let chainedNeedsSchedule = DiagnosticMessage(.invalidArguments, "chained needs at least one schedule")

    static func chainCounts(schedules: Int, steps: Int) -> Self {
        .init(
            .invalidArguments,
            "chain needs one switching step fewer than schedules (\(schedules) schedules, \(steps) steps)")
    }

    static let emptyMilestones = DiagnosticMessage(.invalidArguments, "milestones must not be empty")

    static func milestoneCounts(values: Int, milestones: Int) -> Self {
        .init(.invalidArguments, "\(values) values need \(values - 1) milestones, got \(milestones)")
    }

    static func endNotAfterBegin(end: Int, begin: Int) -> Self {
        .init(.invalidArguments, "end (\(end)) must be after begin (\(begin))")
    }

    static let cosinePeriodsCounts = DiagnosticMessage(
        .invalidArguments, "cosine_periods needs as many weights as periods, each period at least 1 step")

    static let compositeCounts = DiagnosticMessage(
        .invalidArguments, "composite needs as many lengths and interval_scaling entries as schedules")

    static func notIncreasing(_ before: Int, _ after: Int, strictly: Bool) -> Self {
        .init(
            .invalidArguments,
            "boundaries must be \(strictly ? "strictly " : "")increasing (\(before) then \(after))")
    }
}
