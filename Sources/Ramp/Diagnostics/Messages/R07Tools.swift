/// R07: tools.
extension DiagnosticMessage {
    static let formatChangedMeaning = DiagnosticMessage(
        .formatChangedMeaning,
        "formatting this program would change what it means, so it is left as it is; please report it")
}
