/// R07: tools.
extension DiagnosticMessage {
    static let formatChangedMeaning = DiagnosticMessage(
        .formatChangedMeaning,
        "formatting this program would change what it means, so it is left as it is; please report it")

    static func checkBudget(_ limit: Int) -> Self {
        .init(
            .checkBudget,
            "checking stopped here: the schedule needs more than \(grouped(limit)) values sampled, "
                + "the language server's budget for one check; `ramp check` checks it whole")
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
