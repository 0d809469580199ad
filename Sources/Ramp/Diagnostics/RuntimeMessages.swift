/// The messages a compiled Python-family module raises itself, when a schedule
/// is made at another base than its program's: R0508 (an output out of its
/// range) and R0509 (a decision taken on the base comes out differently); and
/// when a saved state is refused (R08, `R0802.phase`: the catalogue's words).
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

    /// The refusals of a saved state (R08), by the name the runtime raises
    /// them under (`R0802.phase`): their fields are the Swift constructors' parameters.
    static var stateMessages: [(name: String, message: DiagnosticMessage)] {
        [
            ("another", .stateOfAnotherProgram),
            ("fingerprint", .stateFingerprint("{other}", this: "{this}", how: "replay=True")),
            ("noLog", .stateWithoutLog),
            ("logSignal", .stateLogSignal("{name}", step: "{step}", why: "{why}")),
            ("step", .stateStep("{value}", max: "{max}")),
            ("phase", .statePhase("{field}", "{value}", count: "{count}", last: "{last}")),
            ("transitionCount", .stateTransitionCount("{field}", "{count}", ended: "{ended}")),
            ("skipped", .stateSkippedPhase("{field}", "{value}", expected: "{expected}")),
            ("order", .statePhaseOrder("{field}", "{value}", begun: "{begun}")),
            ("pastStep", .statePastStep("{field}", "{value}", step: "{step}")),
            ("start", .stateStart("{field}", "{value}", expected: "{expected}")),
            (
                "pastPhaseEnd",
                .statePastPhaseEnd("{field}", "{value}", phase: "{phase}", start: "{start}", length: "{length}")
            ),
            ("held", .stateHeld("{field}", "{value}", expected: "{expected}")),
            ("heldTooEarly", .stateHeldTooEarly("{field}", phase: "{phase}", count: "{count}")),
            ("entryMissing", .stateEntryMissing("{field}", phase: "{phase}")),
            ("entryUnexpected", .stateEntryUnexpected("{field}", phase: "{phase}")),
            ("entry", .stateEntry("{field}", "{value}", expected: "{expected}")),
            ("entryValue", .stateEntryValueMissing("{field}", name: "{name}")),
            ("notFinite", .stateNotFinite("{field}", "{value}")),
            ("range", .stateRange("{field}", "{value}", from: "{lo}", to: "{hi}")),
            ("atLeast", .stateAtLeast("{field}", "{value}", min: "{min}")),
            ("logDamaged", .stateLogDamaged),
            ("logPastStep", .stateLogPastStep("{field}", at: "{at}", step: "{step}")),
            ("signalOrder", .stateSignalOrder("{field}", "{value}", previous: "{previous}")),
            ("unknownSignal", .stateUnknownSignal("{field}", name: "{name}", why: "{why}")),
            ("replayLimit", .replayLimit(step: "{step}", limit: "{limit}")),
        ]
    }

    /// Each message with its code (and for a state's, its name), as a Python
    /// format string whose fields are named.
    static var templates: [(code: String, template: String)] {
        let messages = [badRate(base: "{base}", what: "{what}", why: "{why}", step: "{step}"), baseDependent("{why}")]
        return messages.map { kind, text in (kind.code, "error[\(kind.code)]: " + text) }
            + stateMessages.map { name, m in (m.kind.code + "." + name, "error[\(m.kind.code)]: " + m.text) }
    }

    /// The Python line that defines the table, `_MESSAGES = {"R0508": ..., ...}`.
    static var pythonTable: String {
        "_MESSAGES = {"
            + templates.map { "\(JSONValue.quote($0.code)): \(JSONValue.quote($0.template))" }
            .joined(separator: ",\n             ") + "}"
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
