/// One kind of diagnostic: a stable code and a name. `ramp check` prints the
/// code (`error[R0104]`), the language server reports it, and a test or a
/// tool can match on it while the wording of the message improves.
///
/// Codes never change meaning and are never reused. Blocks of a hundred group
/// them by where they arise: R00 source text, R01 names and definitions,
/// R02 syntax, R03 arguments, R04 values, R05 schedules and phases, R06 imported configs, R07 tools, R08 saved states.
public struct DiagnosticKind: Sendable, Hashable, CustomStringConvertible {
    /// The number in the code (`104` for R0104). Only the number is stored,
    /// so a diagnostic stays small on the error paths of the lexer, parser
    /// and checker; the name and summary are looked up in the catalogue.
    public let number: UInt16

    init(_ number: UInt16) { self.number = number }

    /// `R0104`.
    public var code: String {
        let digits = String(number)
        return "R" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public var name: String { DiagnosticCatalogue.entries[number]?.name ?? "unknown" }
    /// What the diagnostic is about, for `ramp list --diagnostics` and docs/diagnostics.md.
    public var summary: String { DiagnosticCatalogue.entries[number]?.summary ?? "" }

    /// `R0104 unknown-name`.
    public var description: String { "\(code) \(name)" }
}

extension DiagnosticKind {
    // MARK: R00 source text
    static let invalidUTF8 = DiagnosticKind(1)
    static let unexpectedCharacter = DiagnosticKind(2)
    static let malformedNumber = DiagnosticKind(3)
    static let unterminatedString = DiagnosticKind(4)

    // MARK: R01 names and definitions
    static let alreadyDefined = DiagnosticKind(101)
    static let builtinRedefinition = DiagnosticKind(102)
    static let settingTwice = DiagnosticKind(103)
    static let unknownName = DiagnosticKind(104)
    static let settingMissing = DiagnosticKind(105)
    static let unknownType = DiagnosticKind(106)
    static let recursiveDefinition = DiagnosticKind(107)
    static let expansionLimit = DiagnosticKind(108)
    static let optimizerArgument = DiagnosticKind(109)

    // MARK: R02 syntax
    static let unexpectedToken = DiagnosticKind(201)
    static let duplicateParameter = DiagnosticKind(202)
    static let nestingLimit = DiagnosticKind(203)
    static let expectedExpression = DiagnosticKind(204)

    // MARK: R03 arguments
    static let unknownParameter = DiagnosticKind(301)
    static let duplicateArgument = DiagnosticKind(302)
    static let positionalAfterNamed = DiagnosticKind(303)
    static let tooManyArguments = DiagnosticKind(304)
    static let missingArgument = DiagnosticKind(305)
    static let argumentType = DiagnosticKind(306)
    static let argumentRange = DiagnosticKind(307)
    static let unsupportedArgument = DiagnosticKind(308)
    static let invalidArguments = DiagnosticKind(309)
    static let notCallable = DiagnosticKind(310)

    // MARK: R04 values
    static let expectedSchedule = DiagnosticKind(401)
    static let expectedCondition = DiagnosticKind(402)
    static let expectedDuration = DiagnosticKind(403)
    static let notANumber = DiagnosticKind(404)
    static let signalOutsideCondition = DiagnosticKind(405)
    static let metricDriven = DiagnosticKind(406)
    static let badDuration = DiagnosticKind(407)
    static let badSetting = DiagnosticKind(408)
    static let badValue = DiagnosticKind(409)
    static let unknownSignal = DiagnosticKind(410)
    static let entryValueMisplaced = DiagnosticKind(411)

    // MARK: R05 schedules and phases
    static let outputTwice = DiagnosticKind(501)
    static let noSchedule = DiagnosticKind(502)
    static let unreachablePhase = DiagnosticKind(503)
    static let emptyPhase = DiagnosticKind(504)
    static let lengthTwice = DiagnosticKind(505)
    static let tooLarge = DiagnosticKind(506)
    static let tooDeep = DiagnosticKind(507)
    static let badRate = DiagnosticKind(508)
    static let baseDependent = DiagnosticKind(509)
    static let unknownOutput = DiagnosticKind(510)
    static let reservedOutput = DiagnosticKind(511)

    // MARK: R06 imported configs
    static let badConfig = DiagnosticKind(601)
    static let unsupportedConfig = DiagnosticKind(602)

    // MARK: R07 tools
    static let formatChangedMeaning = DiagnosticKind(701)
    static let checkBudget = DiagnosticKind(702)
    static let badLawFile = DiagnosticKind(703)
    static let badLossLog = DiagnosticKind(704)
    static let badToolOption = DiagnosticKind(705)
    static let lawNotFitted = DiagnosticKind(706)
    static let runLogMismatch = DiagnosticKind(707)
    static let ratesUnknown = DiagnosticKind(708)
    static let lawKindNeeded = DiagnosticKind(709)
    static let optimizedProgram = DiagnosticKind(710)
    static let badMetricsFile = DiagnosticKind(711)
    static let checkLimit = DiagnosticKind(712)

    // MARK: R08 saved states
    static let stateMismatch = DiagnosticKind(801)
    static let badState = DiagnosticKind(802)
    static let replayLimit = DiagnosticKind(803)

    // MARK: notes
    static let related = DiagnosticKind(0)
}

/// Every kind, in code order: the one list that docs, `ramp list` and the
/// language server read, and that tests check for unique codes.
public enum DiagnosticCatalogue {
    public static let all: [DiagnosticKind] = [
        .invalidUTF8, .unexpectedCharacter, .malformedNumber, .unterminatedString,
        .alreadyDefined, .builtinRedefinition, .settingTwice, .unknownName, .settingMissing, .unknownType,
        .recursiveDefinition, .expansionLimit, .optimizerArgument,
        .unexpectedToken, .duplicateParameter, .nestingLimit, .expectedExpression,
        .unknownParameter, .duplicateArgument, .positionalAfterNamed, .tooManyArguments, .missingArgument,
        .argumentType, .argumentRange, .unsupportedArgument, .invalidArguments, .notCallable,
        .expectedSchedule, .expectedCondition, .expectedDuration, .notANumber, .signalOutsideCondition,
        .metricDriven, .badDuration, .badSetting, .badValue, .unknownSignal,
        .entryValueMisplaced,
        .outputTwice, .noSchedule, .unreachablePhase, .emptyPhase, .lengthTwice, .tooLarge, .tooDeep, .badRate,
        .baseDependent,
        .unknownOutput, .reservedOutput,
        .badConfig, .unsupportedConfig,
        .formatChangedMeaning, .checkBudget, .badLawFile, .badLossLog, .badToolOption, .lawNotFitted, .runLogMismatch,
        .ratesUnknown, .lawKindNeeded, .optimizedProgram, .badMetricsFile, .checkLimit,
        .stateMismatch, .badState, .replayLimit,
    ]

    /// Names and summaries, by number.
    static let entries: [UInt16: (name: String, summary: String)] = [
        1: ("invalid-utf8", "the source is not valid UTF-8"),
        2: ("unexpected-character", "a character that no token starts with"),
        3: ("malformed-number", "a number that cannot be read, or is too large"),
        4: ("unterminated-string", "a string without its closing quote"),
        101: ("already-defined", "a name defined twice"),
        102: ("builtin-redefinition", "a builtin name used for a definition"),
        103: ("setting-twice", "a setting given twice"),
        104: ("unknown-name", "a name that nothing defines"),
        105: ("setting-missing", "a unit or name that needs a setting the program does not give"),
        106: ("unknown-type", "a parameter annotation that names no type"),
        107: ("recursive-definition", "a definition that calls itself"),
        108: ("expansion-limit", "definitions that nest deeper than the limit"),
        109: ("optimizer-argument", "an optimizer passed to a schedule"),
        201: ("unexpected-token", "a token where the grammar expects another"),
        202: ("duplicate-parameter", "a parameter listed twice in a definition"),
        203: ("nesting-limit", "an expression that nests deeper than the parser's limit"),
        204: ("expected-expression", "a keyword or symbol where an expression must start"),
        301: ("unknown-parameter", "a named argument that the callee does not take"),
        302: ("duplicate-argument", "an argument given twice"),
        303: ("positional-after-named", "a positional argument after a named one"),
        304: ("too-many-arguments", "more positional arguments than parameters"),
        305: ("missing-argument", "a required argument left out"),
        306: ("argument-type", "an argument of the wrong type"),
        307: ("argument-range", "an argument outside its parameter's range"),
        308: ("unsupported-argument", "a library argument that Ramp cannot reproduce"),
        309: ("invalid-arguments", "arguments that are each valid but do not fit together"),
        310: ("not-callable", "a call of something that is not a function"),
        401: ("expected-schedule", "a value where a schedule is needed"),
        402: ("expected-condition", "a value where a condition is needed"),
        403: ("expected-duration", "a value where a duration is needed"),
        404: ("not-a-number", "NaN, which is never a valid rate or parameter"),
        405: ("signal-outside-condition", "`metric` or `lr` used outside a condition"),
        406: ("metric-driven", "a metric-driven schedule where only a pure one can be used"),
        407: ("bad-duration", "a duration that is fractional, negative or too long"),
        408: ("bad-setting", "a setting with a value it cannot take"),
        409: ("bad-value", "a list or map that is not of the form needed"),
        410: ("unknown-signal", "a signal that the program's `signals` setting does not declare"),
        411: ("entry-value-misplaced", "`current` or `elapsed` where a value fixed when a phase starts cannot be used"),
        501: ("output-twice", "an output scheduled twice"),
        502: ("no-schedule", "a program that schedules no learning rate"),
        503: ("unreachable-phase", "a phase after one that never ends"),
        504: ("empty-phase", "a phase of no steps"),
        505: ("length-twice", "a phase given two lengths"),
        506: ("too-large", "a schedule with more parts than the limit once expanded"),
        507: ("too-deep", "a schedule that nests deeper than the limit once expanded"),
        508: (
            "bad-rate", "a rate or another output outside its range (negative, above 1, infinite, NaN...) at some step"
        ),
        509: ("base-dependent", "another base asked of a program whose lengths, counts or choices depend on the base"),
        510: (
            "unknown-output", "a warning: an output whose name is close to a known one, which is then carried as it is"
        ),
        511: ("reserved-output", "an output named as something else already is (`step`, `t`, `metric`...)"),
        601: ("bad-config", "an imported config that cannot be read, or lacks what its schedule needs"),
        602: ("unsupported-config", "an imported config that uses something Ramp cannot express, named by its key"),
        701: (
            "format-changed-meaning",
            "a program that `ramp fmt` could not lay out without changing it, so left as it was"
        ),
        702: (
            "check-budget",
            "a warning from the language server: checking stopped at its budget of sampled values; `ramp check` goes on"
        ),
        703: ("bad-law-file", "a law file (law.json) that is not JSON or lacks the law, a parameter or a run's steps"),
        704: (
            "bad-loss-log",
            "a loss log whose header, a row's columns, step or loss cannot be read, whose steps go back, or empty"
        ),
        705: (
            "bad-tool-option",
            "an option of `ramp law` or `ramp find-lr` outside its range, or a run not written PROGRAM:LOG"
        ),
        706: ("law-not-fitted", "a law fit that has no runs, or that does not converge on them"),
        707: ("run-log-mismatch", "a run whose loss log has no row after step 0 within its program's steps"),
        708: (
            "rates-unknown",
            "a schedule a law cannot read: it reacts to a metric, ends early, or has a rate below 0 or not finite"
        ),
        709: (
            "law-kind-needed", "a law of a kind the command cannot use (`ramp law optimize` needs the multi-power law)"
        ),
        710: (
            "optimized-program",
            "an optimized schedule that Ramp could not write as a program that checks; please report it"
        ),
        711: ("bad-metrics-file", "a line of a metrics file that is neither a number, blank, nor `-` (no metric)"),
        712: ("check-limit", "a schedule whose check would sample more values than one check samples (a long replay)"),
        801: ("state-mismatch", "a saved state of another program, loaded without replay or without a log to replay"),
        802: (
            "bad-state",
            "a saved state with a field that does not fit its program or its other fields, named by its place"
        ),
        803: ("replay-limit", "a replay that would run more steps one at a time than a replay runs"),
        0: ("note", "a location related to another diagnostic"),
    ]

    /// The kind with this code (`R0104`) or name (`unknown-name`).
    public static func lookup(_ codeOrName: String) -> DiagnosticKind? {
        all.first { $0.code == codeOrName || $0.name == codeOrName }
    }
}

/// A name as a message quotes it: a very long one is clipped, so a hostile
/// identifier cannot make a diagnostic megabytes long.
func quoted(_ name: String, limit: Int = 60) -> String {
    guard name.unicodeScalars.count > limit else { return "'\(name)'" }
    return "'" + String(String.UnicodeScalarView(name.unicodeScalars.prefix(limit)))
        + "…' (\(name.unicodeScalars.count) characters)"
}

extension DiagnosticCatalogue {
    /// docs/diagnostics.md, generated from the catalogue (a test keeps the file equal to it).
    public static var markdown: String {
        var out = """
            # Diagnostics

            Every diagnostic Ramp reports has a stable code, printed as
            `file:line:col: error[CODE]: message`, and reported by the same code
            everywhere programs are checked. This page is generated from the
            catalogue in `Sources/Ramp/Diagnostics/Catalogue.swift`; the messages
            of each block of codes are in `Sources/Ramp/Diagnostics/Messages/`.

            | code | name | what it reports |
            | --- | --- | --- |

            """
        for k in all { out += "| \(k.code) | `\(k.name)` | \(k.summary) |\n" }
        return out
    }
}
