/// A diagnostic's message: the catalogued kind it reports and its words.
/// Messages are made only by the catalogue's named constructors (Messages/,
/// one file per block of codes), so each text has one home, next to its code,
/// and a site says which message it reports, not how it is worded.
public struct DiagnosticMessage: Sendable, Hashable {
    public let kind: DiagnosticKind
    public let text: String

    init(_ kind: DiagnosticKind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    /// The message a diagnostic reports, to report it again in another form (a warning).
    init(_ diagnostic: Diagnostic) { self.init(diagnostic.kind, diagnostic.message) }

    /// A message from inside a compat constructor, reported at the user's call of it.
    static func inCompatConstructor(_ name: String, _ message: DiagnosticMessage) -> Self {
        .init(message.kind, "in '\(name)': \(message.text)")
    }
}

/// A note's words ("first defined here"), from the catalogue like messages.
public struct NoteMessage: Sendable, Hashable {
    public let text: String

    init(_ text: String) { self.text = text }
}

extension CheckError {
    static func error(_ message: DiagnosticMessage, at range: SourceRange, notes: [Diagnostic] = []) -> CheckError {
        .diagnostic(.error(message, at: range, notes: notes))
    }
}
