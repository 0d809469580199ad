/// A problem found in a program, located by a byte range.
public struct Diagnostic: Error, Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable { case error, warning, note }

    public var severity: Severity
    public var message: String
    public var range: SourceRange

    public init(_ severity: Severity = .error, _ message: String, at range: SourceRange) {
        self.severity = severity
        self.message = message
        self.range = range
    }

    public static func error(_ message: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(.error, message, at: range)
    }
}

/// Several diagnostics thrown together, in source order.
public struct DiagnosticError: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// The one printer for diagnostics: `file:line:col: error: message`, the
/// source line, and a caret under the offending range.
public enum DiagnosticPrinter {
    /// Lines longer than this are shown as a window around the column.
    static let window = 80

    public static func render(_ d: Diagnostic, in file: SourceFile) -> String {
        let loc = file.location(of: d.range.start)
        var scalars = Array(file.lineText(loc.line).unicodeScalars)
        var column = loc.column  // 1-based, within what is shown
        var prefix = "", suffix = ""
        if scalars.count > 2 * window {
            let from = max(0, column - 1 - window), to = min(scalars.count, column - 1 + window)
            prefix = from > 0 ? "…" : ""
            suffix = to < scalars.count ? "…" : ""
            scalars = Array(scalars[from..<to])
            column = column - from + (prefix.isEmpty ? 0 : 1)
        }
        let line = prefix + String(String.UnicodeScalarView(scalars)) + suffix
        // Keep tabs so the caret lines up under tab-indented code.
        var pad = ""
        for (i, ch) in line.unicodeScalars.enumerated() where i < column - 1 {
            pad.append(ch == "\t" ? "\t" : " ")
        }
        // Underline to the end of the range, or of the shown line when it goes further.
        let endLoc = file.location(of: d.range.end)
        let rest = line.unicodeScalars.count - column + 1
        let width = max(1, min(rest, endLoc.line == loc.line ? endLoc.column - loc.column : rest))
        let marker = "^" + String(repeating: "~", count: max(0, min(width, 200) - 1))
        return "\(file.name):\(loc.line):\(loc.column): \(d.severity.rawValue): \(d.message)\n\(line)\n\(pad)\(marker)"
    }

    public static func render(_ ds: [Diagnostic], in file: SourceFile) -> String {
        ds.map { render($0, in: file) }.joined(separator: "\n")
    }
}
