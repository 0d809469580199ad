/// R02: syntax. What the parser expected is data (`Expectation`), so its
/// words live here and a parse site names only the place it stands.
extension DiagnosticMessage {
    /// `found` is the token as the parser describes it (`Token.Kind.display`).
    static func unexpected(_ expected: Expectation, found: String) -> Self {
        .init(.unexpectedToken, "\(expected.text), found \(found)")
    }

    static let badGroupKey = DiagnosticMessage(
        .unexpectedToken,
        "a group is named by a string (not empty, not a number, without brackets, commas or quotes) or numbered by "
            + "a whole number from 0")

    static func duplicateParameter(_ name: String) -> Self {
        .init(.duplicateParameter, "duplicate parameter '\(name)'")
    }

    static func nestingLimit(_ limit: Int) -> Self {
        .init(.nestingLimit, "expression nests deeper than the limit of \(limit)")
    }

    static func keywordStartsExpression(_ keyword: Keyword) -> Self {
        .init(.expectedExpression, "'\(keyword.rawValue)' cannot start an expression")
    }

    static func expectedExpression(found: String) -> Self {
        .init(.expectedExpression, "expected an expression, found \(found)")
    }
}

/// What the parser needed where it found something else.
enum Expectation: Sendable {
    /// A symbol, and where it belongs.
    case symbol(Symbol, SymbolPlace)
    /// A name, and what it names.
    case name(NamePlace)
    case endOfStatement, stringAfterBar, numberInBound, expression
    /// `*args` or `**kwargs` in a call.
    case unpackedArguments

    enum SymbolPlace: Sendable {
        case afterLetName
        case openParameters(of: String)
        case closeParameters(of: String)
        case beforeBody(of: String)
        case afterGroupOutput, afterGroupStar
        case closeArguments, closeParenthesis, closeBracket, closeBrace, betweenKeyAndValue, afterLambdaParameters

        var text: String {
            switch self {
            case .afterLetName: "after the name in 'let'"
            case .openParameters(let name): "to open the parameter list of '\(name)'"
            case .closeParameters(let name): "to close the parameter list of '\(name)'"
            case .beforeBody(let name): "before the body of '\(name)'"
            case .afterGroupOutput:
                "or ':' after the group's output (`group 0 lr *= 0.1` scales the default, "
                    + "`group 0 lr: ...` replaces it)"
            case .afterGroupStar: "after '*' (`*=` scales the default's schedule)"
            case .closeArguments: "to close the argument list"
            case .closeParenthesis: "to close '('"
            case .closeBracket: "to close '['"
            case .closeBrace: "to close '{'"
            case .betweenKeyAndValue: "between a key and its value"
            case .afterLambdaParameters: "after the parameters of 'lambda'"
            }
        }
    }

    enum NamePlace: Sendable {
        case afterLet, afterDef, parameter, groupOutput, parameterType

        var text: String {
            switch self {
            case .afterLet: "after 'let'"
            case .afterDef: "after 'def'"
            case .parameter: "for a parameter name"
            case .groupOutput: "for the output this group schedules, such as `lr`"
            case .parameterType: "for the parameter's type"
            }
        }
    }

    var text: String {
        switch self {
        case .symbol(let s, let place): "expected '\(s.rawValue)' \(place.text)"
        case .name(let place): "expected a name \(place.text)"
        case .endOfStatement: "expected end of statement"
        case .stringAfterBar: "expected a string after '|'"
        case .numberInBound: "expected a number in the parameter's bound"
        case .expression: "expected an expression"
        case .unpackedArguments: "unpacked arguments are not supported; write the arguments out"
        }
    }
}
