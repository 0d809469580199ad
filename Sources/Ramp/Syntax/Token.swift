/// The kinds of token the lexer produces.
public enum TokenKind: Sendable, Hashable {
    case number(Double)
    case string(String)
    case identifier(String)
    case keyword(Keyword)
    case symbol(Symbol)
    case newline
    case eof
}

/// Reserved words. Everything else that looks like a word is an identifier.
public enum Keyword: String, Sendable, Hashable, CaseIterable {
    case `let`, def, then, until, `for`, lambda, and, or, not
}

public enum Symbol: String, Sendable, Hashable, CaseIterable {
    case lparen = "("
    case rparen = ")"
    case lbracket = "["
    case rbracket = "]"
    case lbrace = "{"
    case rbrace = "}"
    case comma = ","
    case colon = ":"
    case semicolon = ";"
    case dot = "."
    case assign = "="
    case plus = "+"
    case minus = "-"
    case star = "*"
    case slash = "/"
    case slashSlash = "//"
    case caret = "^"
    case starStar = "**"
    case percent = "%"
    case bar = "|"
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case equalEqual = "=="
    case notEqual = "!="
}

public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    public var range: SourceRange
    /// True when a newline (or the start of input) precedes this token, so the
    /// parser can refuse to glue `warmup` on one line to `5` on the next.
    public var atLineStart: Bool
}

extension TokenKind {
    /// How the token reads in a diagnostic.
    public var display: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .identifier(let s): return "'\(s)'"
        case .keyword(let k): return "'\(k.rawValue)'"
        case .symbol(let s): return "'\(s.rawValue)'"
        case .newline: return "end of line"
        case .eof: return "end of input"
        }
    }
}
