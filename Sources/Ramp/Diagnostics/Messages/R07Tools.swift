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
