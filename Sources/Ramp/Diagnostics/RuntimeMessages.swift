/// The messages a compiled Python-family module raises itself, when a schedule
/// is made at another base than its program's: R0508 (an output out of its
/// range) and R0509 (a decision taken on the base comes out differently).
/// They are written once, here; each module carries them as the table
/// `pythonTable` writes, and fills in their fields with `str.format`.
/// `Emit/Python/messages.py` is the same table for the runtime's files on
/// their own; a test keeps it equal to `pythonFile`.
enum RuntimeMessages {
    /// R0508: at `base`, output `what` is `why` (`negative (-0.01)`) at `step` (`at step 20`).
    static func badRate(base: String, what: String, why: String, step: String) -> (DiagnosticKind, String) {
        (.badRate, "at base \(base), the \(what) is \(why) \(step)")
    }

    /// R0509: why a decision the program took on the base comes out differently at another base.
    static func baseDependent(_ why: String) -> (DiagnosticKind, String) {
        (.baseDependent, why)
    }

    /// Each message with its code, as a Python format string whose fields are named.
    static var templates: [(code: String, template: String)] {
        let messages = [badRate(base: "{base}", what: "{what}", why: "{why}", step: "{step}"), baseDependent("{why}")]
        return messages.map { kind, text in (kind.code, "error[\(kind.code)]: " + text) }
    }

    /// The Python line that defines the table, `_MESSAGES = {"R0508": ..., ...}`.
    static var pythonTable: String {
        "_MESSAGES = {"
            + templates.map { "\(JSONValue.quote($0.code)): \(JSONValue.quote($0.template))" }
            .joined(separator: ", ") + "}"
    }

    /// `Emit/Python/messages.py`, the table as a file of its own.
    static var pythonFile: String {
        """
        \"\"\"The messages Ramp's Python runtime raises itself, by code, as Python
        format strings. Generated from Sources/Ramp/Diagnostics/RuntimeMessages.swift
        (a test keeps it equal); a compiled module carries the same table.
        \"\"\"

        \(pythonTable)

        """
    }
}
