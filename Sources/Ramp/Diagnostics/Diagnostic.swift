/// A problem found in a program, located by a byte range (turned into
/// line:col only when printed), of a catalogued kind, with notes that point
/// at related places ("first defined here").
public struct Diagnostic: Error, Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable { case error, warning, note }

    public var severity: Severity
    public var kind: DiagnosticKind
    public var message: String
    public var range: SourceRange
    /// Related locations, each a diagnostic of severity `note`.
    public var notes: [Diagnostic] = []

    /// Private: a message comes from the catalogue (`DiagnosticMessage`, `NoteMessage`).
    private init(
        _ severity: Severity, _ kind: DiagnosticKind, _ message: String, at range: SourceRange,
        notes: [Diagnostic] = []
    ) {
        self.severity = severity
        self.kind = kind
        self.message = message
        self.range = range
        self.notes = notes
    }

    public init(_ severity: Severity, _ message: DiagnosticMessage, at range: SourceRange, notes: [Diagnostic] = []) {
        self.init(severity, message.kind, message.text, at: range, notes: notes)
    }

    static func error(_ message: DiagnosticMessage, at range: SourceRange, notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.error, message, at: range, notes: notes)
    }

    static func warning(_ message: DiagnosticMessage, at range: SourceRange) -> Diagnostic {
        Diagnostic(.warning, message, at: range)
    }

    static func note(_ note: NoteMessage, at range: SourceRange) -> Diagnostic {
        Diagnostic(.note, .related, note.text, at: range)
    }

    /// The same diagnostic, and its notes, moved by `delta` bytes (a REPL
    /// line checked after the session's definitions).
    public func shifted(by delta: Int) -> Diagnostic {
        var d = self
        d.range = SourceRange(range.start + delta, range.end + delta)
        d.notes = notes.map { $0.shifted(by: delta) }
        return d
    }

    /// `error[R0104]`, or `note` for a note.
    public var label: String { severity == .note ? "note" : "\(severity.rawValue)[\(kind.code)]" }
}

/// Several diagnostics thrown together, in source order.
public struct DiagnosticError: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// The one printer for diagnostics: `file:line:col: error[CODE]: message`,
/// the source line, and a caret under the offending range; then each note
/// the same way.
public enum DiagnosticPrinter {
    /// Lines longer than this are shown as a window around the column.
    static let window = 80

    public static func render(_ d: Diagnostic, in file: SourceFile) -> String {
        ([d] + d.notes).map { single($0, in: file) }.joined(separator: "\n")
    }

    /// `line:col: error[CODE]: message` with no file name or source line: one
    /// line for protocols (serve) that answer in JSON.
    public static func brief(_ d: Diagnostic, in file: SourceFile) -> String {
        let loc = file.location(of: d.range.start)
        return "\(loc.line):\(loc.column): \(d.label): \(d.message)"
    }

    /// One diagnostic without its notes, for callers that place notes in another file.
    public static func single(_ d: Diagnostic, in file: SourceFile) -> String {
        let loc = file.location(of: d.range.start)
        var scalars = Array(file.lineText(loc.line).unicodeScalars)
        var column = loc.column  // 1-based, within what is shown
        var prefix = ""
        var suffix = ""
        if scalars.count > 2 * window {
            let from = max(0, column - 1 - window)
            let to = min(scalars.count, column - 1 + window)
            prefix = from > 0 ? "…" : ""
            suffix = to < scalars.count ? "…" : ""
            scalars = Array(scalars[from..<to])
            column = column - from + (prefix.isEmpty ? 0 : 1)
        }
        // Each character as a terminal is shown it: a control character as its escape.
        let pieces =
            Array(prefix.unicodeScalars).map { String($0) } + scalars.map(TerminalText.shown)
            + Array(suffix.unicodeScalars).map { String($0) }
        let line = pieces.joined()
        // Keep tabs so the caret lines up under tab-indented code.
        var pad = ""
        for piece in pieces.prefix(max(0, column - 1)) {
            pad += piece == "\t" ? "\t" : String(repeating: " ", count: piece.unicodeScalars.count)
        }
        // Underline to the end of the range, or of the shown line when it goes further.
        let endLoc = file.location(of: d.range.end)
        let rest = pieces.count - column + 1
        let count = max(1, min(rest, endLoc.line == loc.line ? endLoc.column - loc.column : rest))
        let width = pieces.dropFirst(max(0, column - 1)).prefix(count).reduce(0) { $0 + $1.unicodeScalars.count }
        let marker = "^" + String(repeating: "~", count: max(0, min(width, 200) - 1))
        let head = TerminalText.escaped("\(file.name):\(loc.line):\(loc.column): \(d.label): \(d.message)")
        return "\(head)\n\(line)\n\(pad)\(marker)"
    }

    public static func render(_ ds: [Diagnostic], in file: SourceFile) -> String {
        ds.map { render($0, in: file) }.joined(separator: "\n")
    }

    /// A diagnostic as data, for tools (`ramp check --format json`): where it
    /// is (1-based line and column, as the text shows them), its code, its
    /// message, its notes, and the text the CLI prints for it.
    public static func json(_ d: Diagnostic, in file: SourceFile) -> JSONValue {
        let a = file.location(of: d.range.start)
        let b = file.location(of: d.range.end)
        var fields: [(String, JSONValue)] = [
            ("file", .string(file.name)),
            ("line", .number(Double(a.line))), ("column", .number(Double(a.column))),
            ("end_line", .number(Double(b.line))), ("end_column", .number(Double(b.column))),
            ("severity", .string(d.severity.rawValue)),
        ]
        if d.severity != .note { fields += [("code", .string(d.kind.code)), ("name", .string(d.kind.name))] }
        fields.append(("message", .string(d.message)))
        if d.severity != .note { fields.append(("notes", .array(d.notes.map { json($0, in: file) }))) }
        fields.append(("rendered", .string(d.severity == .note ? single(d, in: file) : render(d, in: file))))
        return .object(fields)
    }
}

/// Why checking part of a program stopped: a new diagnostic, or a use of a
/// name whose definition already failed (reported once, at the definition).
public enum CheckError: Error, Sendable {
    case diagnostic(Diagnostic)
    /// Errors in independent parts of one statement (two arguments, two phases), in source order.
    case several([Diagnostic])
    case alreadyReported

    /// The first diagnostic to report, if this failure has not been reported yet.
    var diagnostic: Diagnostic? {
        switch self {
        case .diagnostic(let d): return d
        case .several(let ds): return ds.first
        case .alreadyReported: return nil
        }
    }

    /// Every diagnostic to report.
    var diagnostics: [Diagnostic] {
        switch self {
        case .diagnostic(let d): return [d]
        case .several(let ds): return ds
        case .alreadyReported: return []
        }
    }
}

/// The errors of a statement's independent parts, gathered so that checking
/// goes on past the first and a statement reports each, as a compiler does.
struct CheckErrors {
    private(set) var found: [Diagnostic] = []
    private(set) var failed = false

    mutating func add(_ error: CheckError) {
        failed = true
        found += error.diagnostics
    }

    /// Throws what was gathered, in source order; nothing when every part checked.
    func check() throws(CheckError) {
        guard failed else { return }
        let sorted = found.sorted { $0.range.start < $1.range.start }
        switch sorted.count {
        case 0: throw .alreadyReported
        case 1: throw .diagnostic(sorted[0])
        default: throw .several(sorted)
        }
    }
}
