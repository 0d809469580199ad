/// R07: tools.
extension DiagnosticMessage {
    static let formatChangedMeaning = DiagnosticMessage(
        .formatChangedMeaning,
        "formatting this program would change what it means, so it is left as it is; please report it")

    static func checkBudget(_ limit: Int) -> Self {
        .init(
            .checkBudget,
            "checking stopped here: the schedule needs more than \(grouped(limit)) values sampled, "
                + "the language server's budget for one check; `ramp check` samples up to "
                + "\(grouped(CheckBudget.oneCheck))")
    }

    static func checkLimit(_ limit: Int) -> Self {
        .init(
            .checkLimit,
            "checking stopped here: the schedule needs more than \(grouped(limit)) values sampled, the most one "
                + "check samples (a replayed `chained` or running product counts each of its parts at every step)")
    }
}

/// R07: law files and loss logs, refused at their place.
extension DiagnosticMessage {
    static func lawNotJSON(_ why: String) -> Self { .init(.badLawFile, "not JSON: \(why)") }
    static func lawKind(_ kinds: [String]) -> Self {
        .init(.badLawFile, "`law` must be one of " + kinds.joined(separator: ", "))
    }
    static func lawParameter(_ name: String) -> Self {
        .init(.badLawFile, "the parameter `\(name)` is missing or not a finite number")
    }
    static let lawRun = DiagnosticMessage(
        .badLawFile, "each run needs its `last_step` (a whole number from 0) and `peak`")
    static let logHeader = DiagnosticMessage(.badLossLog, "the header must name a `step` and a `loss` column")
    static func logColumns(_ count: Int, header: Int) -> Self {
        .init(.badLossLog, "\(count) columns, the header has \(header)")
    }
    static func logStep(_ cell: String) -> Self { .init(.badLossLog, "the step '\(cell)' is not a whole number >= 0") }
    static func logLoss(_ cell: String) -> Self { .init(.badLossLog, "the loss '\(cell)' is not a number above 0") }
    static func logOrder(_ step: Int, after last: Int) -> Self {
        .init(.badLossLog, "step \(step) does not follow step \(last)")
    }
    static let logNoRows = DiagnosticMessage(.badLossLog, "no rows")
    static func metricsLine(_ line: String) -> Self {
        .init(.badMetricsFile, "expected a number, a blank line or `-` (no metric), found \(quoted(line))")
    }
}

/// R07: the options of `ramp law` and `ramp find-lr`, checked before any work.
extension DiagnosticMessage {
    static let optionPeak = DiagnosticMessage(.badToolOption, "--peak must be a number above 0")
    static let optionMinimum = DiagnosticMessage(.badToolOption, "--min must be at least 0 and below --peak")
    static let optionWarmup = DiagnosticMessage(.badToolOption, "--warmup must be 0 or at least 2 steps")
    static func optionDecaySteps(_ least: Int) -> Self {
        .init(.badToolOption, "--steps must leave at least \(least) steps after the warmup")
    }
    static func optionStepLimit(_ limit: Int) -> Self {
        .init(.badToolOption, "--steps is limited to \(grouped(limit))")
    }
    static func optionSteps(_ limit: Int) -> Self { .init(.badToolOption, "--steps must be 1 to \(grouped(limit))") }
    static func runSpec(_ spec: String) -> Self { .init(.badToolOption, "a run is PROGRAM:LOG, got \(quoted(spec))") }
    static func trainSteps(_ least: Int) -> Self { .init(.badToolOption, "--train-steps must be at least \(least)") }
    static func rangeStart(_ x: Double) -> Self { .init(.badToolOption, "the start rate must be positive, got \(x)") }
    static func rangeEnd(_ x: Double, start: Double) -> Self {
        .init(.badToolOption, "the end rate must be above the start rate (\(start)), got \(x)")
    }
    static func rangeIterations(_ n: Int, max: Int) -> Self {
        .init(.badToolOption, "the iterations must be from 6 to \(max), got \(n)")
    }
    static func rangeBeta(_ x: Double) -> Self {
        .init(.badToolOption, "the smoothing beta must be in [0, 1), got \(x)")
    }
    static func rangeDivergence(_ x: Double) -> Self {
        .init(.badToolOption, "the divergence factor must be above 1, got \(x)")
    }
}

/// R07: fitting a law, and the schedules a law reads.
extension DiagnosticMessage {
    static let lawNoRuns = DiagnosticMessage(.lawNotFitted, "no runs to fit")
    static let lawNotConverged = DiagnosticMessage(.lawNotFitted, "the fit did not converge on these runs")
    static func runOutsideLog(_ log: String, steps: Int) -> Self {
        .init(.runLogMismatch, "\(log): no row after step 0 falls within the program's \(steps) steps")
    }
    static let ratesMetric = DiagnosticMessage(
        .ratesUnknown, "this schedule reacts to a metric, so its rates are not known ahead of training")
    static func ratesFinished(at step: Int, steps: Int) -> Self {
        .init(.ratesUnknown, "the schedule finishes at step \(step), before the \(steps) steps asked for")
    }
    static func ratesBad(at step: Int, _ rate: Double) -> Self {
        .init(.ratesUnknown, "the rate at step \(step) is \(rate); a law needs finite rates of at least 0")
    }
    static let optimizeNeedsMultipower = DiagnosticMessage(
        .lawKindNeeded,
        "optimize needs the multi-power law: under the annealing law the final loss falls without bound as the "
            + "rate stays high and then drops")
    static func optimizedDoesNotCheck(_ why: String) -> Self {
        .init(.optimizedProgram, "the optimized program does not check: \(why)")
    }
}

/// `2,000,000`: a count as the messages write it.
func grouped(_ n: Int) -> String {
    let digits = Array(String(n.magnitude))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return (n < 0 ? "-" : "") + out
}
