/// R0601: the Python config reader's own account of what it could not read as data
/// (`Import/PythonConfig.swift`, `Import/PythonExpression.swift`), reported at its place.
extension DiagnosticMessage {
    static let pyExpectedImport = DiagnosticMessage(.badConfig, "expected 'import'")

    static let pyExpectedCloseParen = DiagnosticMessage(.badConfig, "expected ')'")

    static let pyImportStarOutsideReadBase = DiagnosticMessage(
        .badConfig, "'import *' outside `with read_base():` brings names Ramp cannot see")

    static let pyReadBaseImportsOtherConfig = DiagnosticMessage(
        .badConfig, "read_base() imports other config files, written relative (`from .x import *`)")

    static let pyWithOtherThanReadBase = DiagnosticMessage(
        .badConfig, "the only `with` a config read as data follows is `with read_base():`")

    static let pyNotAnImportInReadBase = DiagnosticMessage(
        .badConfig, "inside `with read_base():` only imports of config files are read")

    static let pyNotAnAssignment = DiagnosticMessage(
        .badConfig, "a statement that is not an assignment, which a config read as data does not run")

    static func pyStatementNotRun(_ keyword: String) -> Self {
        .init(.badConfig, "'\(keyword)' is a statement a config read as data does not run")
    }

    static let pyExpectedCloseBracket = DiagnosticMessage(.badConfig, "expected ']'")

    static let pyExpectedOpenParen = DiagnosticMessage(.badConfig, "expected '('")

    static let pyUpdateTakesADict = DiagnosticMessage(.badConfig, "update takes a dict")

    static let pyUpdateOfNotADict = DiagnosticMessage(.badConfig, "update of something not a dict")

    static func pyAtKey(_ keyPath: String, _ message: DiagnosticMessage) -> Self {
        .init(.badConfig, "\(keyPath): \(message.text)")
    }

    static func pyNoKey(_ key: String) -> Self { .init(.badConfig, "no key '\(key)'") }

    static func pyIndexOutOfRange(_ index: Int) -> Self { .init(.badConfig, "index \(index) is out of range") }

    static let pyCannotIndexThisValue = DiagnosticMessage(.badConfig, "cannot index this value")

    static func pyNotDefined(_ name: String) -> Self { .init(.badConfig, "'\(name)' is not defined") }

    static let pyBaseListsFilePaths = DiagnosticMessage(.badConfig, "_base_ lists file paths")

    static let pyBaseNotPaths = DiagnosticMessage(.badConfig, "_base_ is a file path or a list of them")

    static func pyKeyInTwoBases(_ key: String, _ one: String, _ other: String) -> Self {
        .init(.badConfig, "'\(key)' is set in both \(one) and \(other): MMEngine refuses a key duplicated among bases")
    }

    static func pyDictOverNonDict(_ key: String) -> Self {
        .init(
            .badConfig,
            "\(key) is a dict here and not in the base config, which MMEngine refuses (add _delete_=True to replace it)"
        )
    }

    static func pyTooManyBaseFiles(_ limit: Int) -> Self {
        .init(.badConfig, "more than \(limit) _base_ files (do they include each other?)")
    }

    static func pyUnreadableBase(_ path: String) -> Self { .init(.badConfig, "cannot read the base config \(path)") }

    static func pyInBase(_ path: String, _ line: Int, _ column: Int, _ message: DiagnosticMessage) -> Self {
        .init(.badConfig, "in \(path):\(line):\(column): \(message.text)")
    }

    static let pyTextAfterStatement = DiagnosticMessage(.badConfig, "unexpected text after the statement")

    static let pyExpectedAName = DiagnosticMessage(.badConfig, "expected a name")

    static func pyNestsTooDeep(_ limit: Int) -> Self {
        .init(.badConfig, "nests deeper than \(limit) levels, the limit of configs read")
    }

    static let pyMinusBeforeNonNumber = DiagnosticMessage(.badConfig, "'-' before something other than a number")

    static let pyDivisionByZero = DiagnosticMessage(.badConfig, "division by zero")

    static let pyListTooLong = DiagnosticMessage(.badConfig, "a list of over 100000 items")

    static func pyOperatorNotComputed(_ op: String, _ left: String, _ right: String) -> Self {
        .init(.badConfig, "'\(op)' between \(left) and \(right), which Ramp does not compute")
    }

    static func pyCannotIndex(_ value: String, _ index: String) -> Self {
        .init(.badConfig, "cannot index \(value) with \(index)")
    }

    static let pyUnexpectedEnd = DiagnosticMessage(.badConfig, "unexpected end of the file")

    static let pyExpectedCloseInterpolation = DiagnosticMessage(.badConfig, "expected '}}'")

    static func pyInterpolationWithoutBase(_ reference: String) -> Self {
        .init(.badConfig, "'{{\(reference)}}' refers to no _base_")
    }

    static func pyExpectedCommaOr(_ close: String) -> Self { .init(.badConfig, "expected ',' or '\(close)'") }

    static let pyDictKeyNotString = DiagnosticMessage(.badConfig, "a dict key that is not a string")

    static let pyExpectedColon = DiagnosticMessage(.badConfig, "expected ':'")

    static let pyExpectedCommaOrBrace = DiagnosticMessage(.badConfig, "expected ',' or '}'")

    static func pyCallNotMade(_ name: String) -> Self {
        .init(.badConfig, "'\(name)(...)' is a call, which a config read as data cannot make")
    }

    static func pyNameUnreadable(_ name: String, _ why: DiagnosticMessage) -> Self {
        .init(.badConfig, "'\(name)' has a value Ramp does not read (\(why.text))")
    }

    static func pyNameNotAssigned(_ name: String) -> Self {
        .init(.badConfig, "'\(name)' is not assigned before this point in the config or its _base_ files")
    }

    static func pyKeywordRepeated(_ keyword: String) -> Self {
        .init(.badConfig, "keyword argument repeated: \(keyword) (Python refuses the file)")
    }

    static let pyDoubleStarOutsideDict = DiagnosticMessage(.badConfig, "'**' unpacks a dict into dict(...) only")

    static let pyExpectedCommaOrParen = DiagnosticMessage(.badConfig, "expected ',' or ')'")

    static let pyDictOfNotADict = DiagnosticMessage(.badConfig, "dict(...) of something not a dict")

    static func pyTakesOneList(_ function: String) -> Self { .init(.badConfig, "\(function)(...) takes one list") }

    static func pyOfNotAList(_ function: String) -> Self {
        .init(.badConfig, "\(function)(...) of something not a list")
    }

    static func pyTakesNumbers(_ function: String) -> Self { .init(.badConfig, "\(function)(...) takes numbers") }

    static func pyOfNoNumbers(_ function: String) -> Self { .init(.badConfig, "\(function)(...) of no numbers") }

    static let pyUnterminatedString = DiagnosticMessage(.badConfig, "unterminated string")

    static func pyMalformedNumber(_ text: String) -> Self { .init(.badConfig, "malformed number '\(text)'") }
}
