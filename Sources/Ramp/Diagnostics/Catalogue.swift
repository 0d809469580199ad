/// One kind of diagnostic: a stable code and a name. `ramp check` prints the
/// code (`error[R0104]`), the language server reports it, and a test or a
/// tool can match on it while the wording of the message improves.
///
/// Codes never change meaning and are never reused. Blocks of a hundred group
/// them by where they arise: R00 source text, R01 names and definitions,
/// R02 syntax, R03 arguments, R04 values, R05 schedules and phases.
public struct DiagnosticKind: Sendable, Hashable, CustomStringConvertible {
    public let code: String
    public let name: String
    /// What the diagnostic is about, for `ramp list --diagnostics` and docs/diagnostics.md.
    public let summary: String

    init(_ code: String, _ name: String, _ summary: String) {
        self.code = code
        self.name = name
        self.summary = summary
    }

    /// `R0104 unknown-name`.
    public var description: String { "\(code) \(name)" }
}

extension DiagnosticKind {
    // MARK: R00 source text
    static let invalidUTF8 = DiagnosticKind("R0001", "invalid-utf8", "the source is not valid UTF-8")
    static let unexpectedCharacter = DiagnosticKind("R0002", "unexpected-character", "a character that no token starts with")
    static let malformedNumber = DiagnosticKind("R0003", "malformed-number", "a number that cannot be read, or is too large")
    static let unterminatedString = DiagnosticKind("R0004", "unterminated-string", "a string without its closing quote")

    // MARK: R01 names and definitions
    static let alreadyDefined = DiagnosticKind("R0101", "already-defined", "a name defined twice")
    static let builtinRedefinition = DiagnosticKind("R0102", "builtin-redefinition", "a builtin name used for a definition")
    static let settingTwice = DiagnosticKind("R0103", "setting-twice", "a setting given twice")
    static let unknownName = DiagnosticKind("R0104", "unknown-name", "a name that nothing defines")
    static let settingMissing = DiagnosticKind("R0105", "setting-missing", "a unit or name that needs a setting the program does not give")
    static let unknownType = DiagnosticKind("R0106", "unknown-type", "a parameter annotation that names no type")
    static let recursiveDefinition = DiagnosticKind("R0107", "recursive-definition", "a definition that calls itself")
    static let expansionLimit = DiagnosticKind("R0108", "expansion-limit", "definitions that nest deeper than the limit")
    static let optimizerArgument = DiagnosticKind("R0109", "optimizer-argument", "an optimizer passed to a schedule")

    // MARK: R02 syntax
    static let unexpectedToken = DiagnosticKind("R0201", "unexpected-token", "a token where the grammar expects another")
    static let duplicateParameter = DiagnosticKind("R0202", "duplicate-parameter", "a parameter listed twice in a definition")
    static let nestingLimit = DiagnosticKind("R0203", "nesting-limit", "an expression that nests deeper than the parser's limit")
    static let expectedExpression = DiagnosticKind("R0204", "expected-expression", "a keyword or symbol where an expression must start")

    // MARK: R03 arguments
    static let unknownParameter = DiagnosticKind("R0301", "unknown-parameter", "a named argument that the callee does not take")
    static let duplicateArgument = DiagnosticKind("R0302", "duplicate-argument", "an argument given twice")
    static let positionalAfterNamed = DiagnosticKind("R0303", "positional-after-named", "a positional argument after a named one")
    static let tooManyArguments = DiagnosticKind("R0304", "too-many-arguments", "more positional arguments than parameters")
    static let missingArgument = DiagnosticKind("R0305", "missing-argument", "a required argument left out")
    static let argumentType = DiagnosticKind("R0306", "argument-type", "an argument of the wrong type")
    static let argumentRange = DiagnosticKind("R0307", "argument-range", "an argument outside its parameter's range")
    static let unsupportedArgument = DiagnosticKind("R0308", "unsupported-argument", "a library argument that Ramp cannot reproduce")
    static let invalidArguments = DiagnosticKind("R0309", "invalid-arguments", "arguments that are each valid but do not fit together")
    static let notCallable = DiagnosticKind("R0310", "not-callable", "a call of something that is not a function")

    // MARK: R04 values
    static let expectedSchedule = DiagnosticKind("R0401", "expected-schedule", "a value where a schedule is needed")
    static let expectedCondition = DiagnosticKind("R0402", "expected-condition", "a value where a condition is needed")
    static let expectedDuration = DiagnosticKind("R0403", "expected-duration", "a value where a duration is needed")
    static let notANumber = DiagnosticKind("R0404", "not-a-number", "NaN, which is never a valid rate or parameter")
    static let signalOutsideCondition = DiagnosticKind("R0405", "signal-outside-condition", "`metric` or `lr` used outside a condition")
    static let metricDriven = DiagnosticKind("R0406", "metric-driven", "a metric-driven schedule where only a pure one can be used")
    static let badDuration = DiagnosticKind("R0407", "bad-duration", "a duration that is fractional, negative or too long")
    static let badSetting = DiagnosticKind("R0408", "bad-setting", "a setting with a value it cannot take")
    static let badValue = DiagnosticKind("R0409", "bad-value", "a list or map that is not of the form needed")

    // MARK: R05 schedules and phases
    static let outputTwice = DiagnosticKind("R0501", "output-twice", "an output scheduled twice")
    static let noSchedule = DiagnosticKind("R0502", "no-schedule", "a program that schedules no learning rate")
    static let unreachablePhase = DiagnosticKind("R0503", "unreachable-phase", "a phase after one that never ends")
    static let emptyPhase = DiagnosticKind("R0504", "empty-phase", "a phase of no steps")
    static let lengthTwice = DiagnosticKind("R0505", "length-twice", "a phase given two lengths")
    static let tooLarge = DiagnosticKind("R0506", "too-large", "a schedule with more parts than the limit once expanded")
    static let tooDeep = DiagnosticKind("R0507", "too-deep", "a schedule that nests deeper than the limit once expanded")
    static let badRate = DiagnosticKind("R0508", "bad-rate", "a rate or momentum that is negative, infinite or NaN at some step")
    static let baseDependent = DiagnosticKind("R0509", "base-dependent", "another base asked of a program whose lengths, counts or choices depend on the base")

    // MARK: notes
    static let related = DiagnosticKind("R0000", "note", "a location related to another diagnostic")
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
        .metricDriven, .badDuration, .badSetting, .badValue,
        .outputTwice, .noSchedule, .unreachablePhase, .emptyPhase, .lengthTwice, .tooLarge, .tooDeep, .badRate, .baseDependent,
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
    return "'" + String(String.UnicodeScalarView(name.unicodeScalars.prefix(limit))) + "…' (\(name.unicodeScalars.count) characters)"
}

extension DiagnosticCatalogue {
    /// docs/diagnostics.md, generated from the catalogue (a test keeps the file equal to it).
    public static var markdown: String {
        var out = """
        # Diagnostics

        Every diagnostic Ramp reports has a stable code, printed as
        `file:line:col: error[CODE]: message`, and reported by the same code
        everywhere programs are checked. This page is generated from the
        catalogue in `Sources/Ramp/Diagnostics/Catalogue.swift`.

        | code | name | what it reports |
        | --- | --- | --- |

        """
        for k in all { out += "| \(k.code) | `\(k.name)` | \(k.summary) |\n" }
        return out
    }
}
