/// A recursive-descent parser for grammar/ramp.ebnf.
///
/// Each parse function is commented with the production it implements.
/// Nesting is bounded by `Parser.maxNesting` so hostile input gets a
/// diagnostic instead of overflowing the stack.
public struct Parser {
    /// The deepest expression nesting accepted (parentheses, operators, calls).
    public static let maxNesting = 200
    /// The names that start statements, handed to the parser by its caller
    /// (the registry's, for Ramp programs), so the grammar reads no registry.
    public struct StatementNames: Sendable {
        /// Names that start a setting statement (`base 0.1`); any other name
        /// followed by `:` starts an output statement (`momentum: ...`).
        public var settings: Set<String>
        public init(settings: Set<String>) {
            self.settings = settings
        }
    }

    let names: StatementNames

    /// Tokens are pulled from the lexer one at a time (with one of
    /// lookahead), so a large file never holds all its tokens at once.
    private var lexer: Lexer
    private var current: Token
    private var next: Token
    /// The range of the token consumed last.
    private var previousRange = SourceRange(0, 0)
    /// Where the last token that was not a newline ended.
    private var lastRealEnd = 0
    /// The lexer's error, which ends the token stream.
    private var lexError: Diagnostic?
    private var lexFailed = false
    private var depth = 0

    private init(_ lexer: Lexer, names: StatementNames) {
        self.lexer = lexer
        self.names = names
        let eof = Token(kind: .eof, range: SourceRange(0, 0), atLineStart: true)
        current = eof
        next = eof
        current = pull()
        next = pull()
    }

    /// Lexes and parses a whole file. A lexer error anywhere in the file is
    /// the one reported, wherever the parser stopped.
    public static func parse(_ file: SourceFile, names: StatementNames) throws(Diagnostic) -> Program {
        try Lexer.with(file) { lexer throws(Diagnostic) in
            var p = Parser(lexer, names: names)
            let program: Program
            do throws(Diagnostic) {
                program = try p.parseProgram()
            } catch {
                throw p.lexError ?? p.drainLexer() ?? error
            }
            if let e = p.lexError { throw e }
            return program
        }
    }

    // MARK: - token helpers

    @inline(never) private mutating func pull() -> Token {
        if lexFailed { return Token(kind: .eof, range: current.range, atLineStart: false) }
        do {
            return try lexer.nextToken()
        } catch {
            return failLexing(error)
        }
    }

    /// Keeps the lexer's error, reported once parsing stops; the rest is end of input.
    @inline(never) private mutating func failLexing(_ failure: Lexer.Failure) -> Token {
        lexError = lexer.diagnostic(failure)
        lexFailed = true
        return Token(kind: .eof, range: failure.range, atLineStart: false)
    }

    /// The first lexer error after where parsing stopped, if any.
    private mutating func drainLexer() -> Diagnostic? {
        while next.kind != .eof, lexError == nil { next = pull() }
        return lexError
    }

    private func peekKind() -> TokenKind { next.kind }
    @discardableResult private mutating func advance() -> Token {
        let t = current
        guard t.kind != .eof else { return t }
        previousRange = t.range
        if t.kind != .newline { lastRealEnd = t.range.end }
        current = next
        next = pull()
        return t
    }
    private func check(_ s: Symbol) -> Bool { current.kind == .symbol(s) }
    private func check(_ k: Keyword) -> Bool { current.kind == .keyword(k) }
    private mutating func match(_ s: Symbol) -> Bool {
        if check(s) {
            advance()
            return true
        }
        return false
    }
    private mutating func match(_ k: Keyword) -> Bool {
        if check(k) {
            advance()
            return true
        }
        return false
    }
    private mutating func expect(_ s: Symbol, _ place: Expectation.SymbolPlace) throws(Diagnostic) -> Token {
        guard check(s) else { throw unexpected(.symbol(s, place)) }
        return advance()
    }
    private mutating func skipNewlines() {
        while current.kind == .newline { advance() }
    }
    private func unexpected(_ expected: Expectation) -> Diagnostic {
        .error(.unexpected(expected, found: current.kind.display), at: here)
    }
    /// Where to point at the current token; at the end of input, just after
    /// the last real token, so the caret sits where something is missing.
    private var here: SourceRange {
        guard current.kind == .eof else { return current.range }
        return SourceRange(lastRealEnd, lastRealEnd)
    }

    // MARK: - statements

    /// program = { sep } [ statement { sep { sep } statement } ] { sep } EOF ;
    /// sep     = NEWLINE | ";" ;
    public mutating func parseProgram() throws(Diagnostic) -> Program {
        var statements: [Statement] = []
        while true {
            while current.kind == .newline || check(.semicolon) { advance() }
            if current.kind == .eof { break }
            statements.append(try parseStatement())
            guard current.kind == .newline || check(.semicolon) || current.kind == .eof else {
                throw unexpected(.endOfStatement)
            }
        }
        return Program(statements: statements)
    }

    /// statement = setting | binding | definition | output | sequence ;
    mutating func parseStatement() throws(Diagnostic) -> Statement {
        let start = current.range
        switch current.kind {
        case .keyword(.let):
            // binding = "let" IDENT "=" sequence ;
            advance()
            let (name, nameRange) = try identifier(.afterLet)
            _ = try expect(.assign, .afterLetName)
            let value = try parseSequence()
            return Statement(kind: .binding(name, value), range: start.union(value.range), nameRange: nameRange)
        case .keyword(.def):
            // definition = "def" NAME { "." NAME } "(" [ param { "," param } ] ")" "=" sequence ;
            // param      = NAME [ ":" ptype ] [ "=" condition ] ;
            advance()
            var (name, nameRange) = try identifier(.afterDef)
            while check(.dot), case .identifier(let part) = peekKind() {
                advance()
                name += "." + part
                nameRange = nameRange.union(advance().range)
            }
            _ = try expect(.lparen, .openParameters(of: name))
            var params: [Parameter] = []
            while !check(.rparen) {
                let (p, pr) = try identifier(.parameter)
                var type: TypeAnnotation?
                if match(.colon) { type = try parseTypeAnnotation() }
                var def: Expr?
                if match(.assign) { def = try parseCondition() }
                if params.contains(where: { $0.name == p }) {
                    throw .error(.duplicateParameter(p), at: pr)
                }
                params.append(Parameter(name: p, range: pr, defaultValue: def, type: type))
                if !match(.comma) { break }
            }
            _ = try expect(.rparen, .closeParameters(of: name))
            _ = try expect(.assign, .beforeBody(of: name))
            skipNewlines()
            let body = try parseSequence()
            return Statement(
                kind: .definition(name, params, body), range: start.union(body.range), nameRange: nameRange)
        case .identifier("group") where Parser.startsGroupKey(peekKind()):
            // group = "group" ( STRING | INTEGER ) IDENTIFIER ( ":" sequence | "*" "=" expression ) ;
            advance()
            let keyToken = advance()
            let key: GroupKey
            switch keyToken.kind {
            // The name becomes part of a column's (`lr[backbone]`), so it keeps to one plain word or phrase.
            case .string(let s)
            where !s.isEmpty && !s.allSatisfy(\.isNumber) && !s.contains(where: { "[],\"\n".contains($0) }):
                key = .name(s)
            case .number(let x) where x >= 0 && x == x.rounded() && x < 1e9:
                key = .index(Int(x))
            default:
                throw .error(.badGroupKey, at: keyToken.range)
            }
            let (output, _) = try identifier(.groupOutput)
            if match(.colon) {
                skipNewlines()
                let value = try parseSequence()
                return Statement(
                    kind: .group(key, output, scale: false, value), range: start.union(value.range),
                    nameRange: start.union(previousRange))
            }
            _ = try expect(.star, .afterGroupOutput)
            _ = try expect(.assign, .afterGroupStar)
            let value = try parseAdditive()
            return Statement(
                kind: .group(key, output, scale: true, value), range: start.union(value.range), nameRange: start)
        case .identifier(let name) where !names.settings.contains(name) && peekKind() == .symbol(.colon):
            // output = IDENTIFIER ":" sequence ;   (any name but a setting's)
            advance()
            advance()
            skipNewlines()
            let value = try parseSequence()
            return Statement(kind: .output(name, value), range: start.union(value.range), nameRange: start)
        case .identifier(let name) where names.settings.contains(name) && startsSettingValue(peekKind()):
            // setting = SETTING [ "=" | ":" ] expression ;
            advance()
            if !match(.assign) { _ = match(.colon) }
            let value = try parseAdditive()
            return Statement(kind: .setting(name, value), range: start.union(value.range), nameRange: start)
        default:
            let e = try parseSequence()
            return Statement(kind: .expression(e), range: e.range, nameRange: e.range)
        }
    }

    /// A string or a number after `group` starts a group statement.
    static func startsGroupKey(_ k: TokenKind) -> Bool {
        switch k {
        case .string, .number: return true
        default: return false
        }
    }

    static func comparison(_ s: Symbol) -> CompareOperator? {
        switch s {
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        case .equalEqual: return .equal
        case .notEqual: return .notEqual
        default: return nil
        }
    }

    /// ptype = NAME { bound } | STRING { "|" STRING } ;
    /// bound = ( "<" | "<=" | ">" | ">=" ) [ "-" ] NUMBER ;
    mutating func parseTypeAnnotation() throws(Diagnostic) -> TypeAnnotation {
        let start = current.range
        if case .string = current.kind {
            var choices: [String] = []
            repeat {
                guard case .string(let c) = current.kind else { throw unexpected(.stringAfterBar) }
                choices.append(c)
                advance()
            } while match(.bar)
            return TypeAnnotation(name: nil, choices: choices, bounds: [], range: start.union(previousRange))
        }
        let (name, _) = try identifier(.parameterType)
        var bounds: [TypeAnnotation.Bound] = []
        while case .symbol(let sym) = current.kind, let op = Parser.comparison(sym), op != .equal, op != .notEqual {
            advance()
            let negative = match(.minus)
            guard case .number(let x) = current.kind else { throw unexpected(.numberInBound) }
            advance()
            bounds.append(TypeAnnotation.Bound(op: op, value: negative ? -x : x))
        }
        return TypeAnnotation(name: name, choices: [], bounds: bounds, range: start.union(previousRange))
    }

    private func startsSettingValue(_ k: TokenKind) -> Bool {
        switch k {
        case .number, .identifier, .symbol(.assign), .symbol(.colon), .symbol(.lparen), .symbol(.lbracket),
            .symbol(.minus):
            return true
        default: return false
        }
    }

    private mutating func identifier(_ place: Expectation.NamePlace) throws(Diagnostic) -> (String, SourceRange) {
        guard case .identifier(let s) = current.kind else { throw unexpected(.name(place)) }
        return (s, advance().range)
    }

    // MARK: - schedules

    /// sequence = phase { "then" phase } ;
    public mutating func parseSequence() throws(Diagnostic) -> Expr {
        let first = try parsePhase()
        guard check(.then) else { return first }
        var phases = [first]
        while match(.then) {
            skipNewlines()
            phases.append(try parsePhase())
        }
        return Expr(.sequence(phases), first.range.union(phases.last!.range))
    }

    /// phase = condition { "until" condition | "for" additive } ;
    mutating func parsePhase() throws(Diagnostic) -> Expr {
        var e = try parseCondition()
        var links = 0
        defer { depth -= links }
        while true {
            if check(.until) || check(.for) { try chained(&links) }
            if match(.until) {
                let c = try parseCondition()
                e = Expr(.until(e, c), e.range.union(c.range))
            } else if match(.for) {
                let d = try parseAdditive()
                e = Expr(.bounded(e, d), e.range.union(d.range))
            } else {
                return e
            }
        }
    }

    /// condition = conjunction { "or" conjunction } ;
    mutating func parseCondition() throws(Diagnostic) -> Expr {
        var e = try parseConjunction()
        var links = 0
        defer { depth -= links }
        while match(.or) {
            try chained(&links)
            skipNewlines()
            let r = try parseConjunction()
            e = Expr(.logical(.or, e, r), e.range.union(r.range))
        }
        return e
    }

    /// conjunction = negation { "and" negation } ;
    mutating func parseConjunction() throws(Diagnostic) -> Expr {
        var e = try parseNegation()
        var links = 0
        defer { depth -= links }
        while match(.and) {
            try chained(&links)
            skipNewlines()
            let r = try parseNegation()
            e = Expr(.logical(.and, e, r), e.range.union(r.range))
        }
        return e
    }

    /// negation = "not" negation | comparison ;
    mutating func parseNegation() throws(Diagnostic) -> Expr {
        if check(.not) {
            let start = advance().range
            try enter()
            defer { depth -= 1 }
            let e = try parseNegation()
            return Expr(.not(e), start.union(e.range))
        }
        return try parseComparison()
    }

    /// comparison = additive [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) additive ] ;
    mutating func parseComparison() throws(Diagnostic) -> Expr {
        let l = try parseAdditive()
        guard case .symbol(let s) = current.kind, let op = Parser.comparison(s) else { return l }
        advance()
        let r = try parseAdditive()
        return Expr(.compare(op, l, r), l.range.union(r.range))
    }

    /// additive = term { ( "+" | "-" ) term } ;
    mutating func parseAdditive() throws(Diagnostic) -> Expr {
        var e = try parseTerm()
        var links = 0
        defer { depth -= links }
        while true {
            let op: BinaryOperator
            if check(.plus) { op = .add } else if check(.minus) { op = .subtract } else { return e }
            try chained(&links)
            advance()
            skipNewlines()
            let r = try parseTerm()
            e = Expr(.binary(op, e, r), e.range.union(r.range))
        }
    }

    /// term = unary { ( "*" | "/" | "//" ) unary } ;
    mutating func parseTerm() throws(Diagnostic) -> Expr {
        var e = try parseUnary()
        var links = 0
        defer { depth -= links }
        while true {
            let op: BinaryOperator
            if check(.star) {
                op = .multiply
            } else if check(.slash) {
                op = .divide
            } else if check(.slashSlash) {
                op = .floorDivide
            } else {
                return e
            }
            try chained(&links)
            advance()
            skipNewlines()
            let r = try parseUnary()
            e = Expr(.binary(op, e, r), e.range.union(r.range))
        }
    }

    /// Each further operand of a chain (`a + b + c`, `x until c until d`)
    /// nests the tree one level deeper, and counts against the same limit.
    private mutating func chained(_ links: inout Int) throws(Diagnostic) {
        links += 1
        try enter()
    }

    private mutating func enter() throws(Diagnostic) {
        depth += 1
        if depth > Parser.maxNesting {
            throw .error(.nestingLimit(Parser.maxNesting), at: current.range)
        }
    }

    /// unary = "-" unary | "+" unary | power ;
    mutating func parseUnary() throws(Diagnostic) -> Expr {
        try enter()
        defer { depth -= 1 }
        if check(.minus) || check(.plus) {
            let negate = check(.minus)
            let start = advance().range
            let e = try parseUnary()
            if !negate { return Expr(e.kind, start.union(e.range)) }
            if case .number(let v) = e.kind { return Expr(.number(-v), start.union(e.range)) }
            return Expr(.unary(.negate, e), start.union(e.range))
        }
        return try parsePower()
    }

    /// power = postfix [ ( "^" | "**" ) unary ] ;   (right-associative)
    mutating func parsePower() throws(Diagnostic) -> Expr {
        let base = try parsePostfix()
        guard check(.caret) || check(.starStar) else { return base }
        advance()
        skipNewlines()
        let exp = try parseUnary()
        return Expr(.binary(.power, base, exp), base.range.union(exp.range))
    }

    /// postfix = primary { "(" [ arguments ] ")" }
    ///         | NAME juxtaposed ;          (a call without parentheses: `warmup 5`)
    /// juxtaposed = NUMBER [ unit ] | STRING | NAME | list | map ;
    mutating func parsePostfix() throws(Diagnostic) -> Expr {
        var e = try parsePrimary()
        let isCallee: Bool
        switch e.kind {
        case .name, .path: isCallee = true
        default: isCallee = false
        }
        if isCallee, !current.atLineStart, startsJuxtaposed(current.kind) {
            let arg = try parsePrimary()
            return Expr(
                .call(callee: e, args: [CallArgument(label: nil, labelRange: nil, value: arg)], juxtaposed: true),
                e.range.union(arg.range))
        }
        var links = 0
        defer { depth -= links }
        while check(.lparen) {
            try chained(&links)
            advance()
            let args = try parseArguments()
            let close = try expect(.rparen, .closeArguments)
            e = Expr(.call(callee: e, args: args, juxtaposed: false), e.range.union(close.range))
        }
        return e
    }

    private func startsJuxtaposed(_ k: TokenKind) -> Bool {
        switch k {
        case .number, .string, .identifier, .symbol(.lbracket), .symbol(.lbrace): return true
        default: return false
        }
    }

    /// arguments = argument { "," argument } [ "," ] ;
    /// argument  = NAME ( "=" | ":" ) sequence | sequence ;
    /// (`name value` parses as a juxtaposed call; the checker reads it as a
    /// named argument when the callee has a parameter of that name.)
    mutating func parseArguments() throws(Diagnostic) -> [CallArgument] {
        var args: [CallArgument] = []
        while !check(.rparen) {
            if case .identifier(let name) = current.kind,
                peekKind() == .symbol(.assign) || peekKind() == .symbol(.colon)
            {
                let r = advance().range
                advance()
                let v = try parseSequence()
                args.append(CallArgument(label: name, labelRange: r, value: v))
            } else if check(.star) || check(.starStar) {
                throw unexpected(.unpackedArguments)
            } else {
                args.append(CallArgument(label: nil, labelRange: nil, value: try parseSequence()))
            }
            if !match(.comma) { break }
        }
        return args
    }

    /// primary = NUMBER [ unit ] | STRING | NAME { "." NAME } | "(" sequence ")"
    ///         | "[" [ sequence { "," sequence } [","] ] "]"
    ///         | "{" [ entry { "," entry } [","] ] "}"
    ///         | "lambda" [ NAME { "," NAME } ] ":" condition ;
    /// unit    = "steps" | "step" | "epochs" | "epoch" | "%" ;
    /// entry   = sequence ":" sequence ;
    mutating func parsePrimary() throws(Diagnostic) -> Expr {
        let tok = current
        switch tok.kind {
        case .number(let v):
            advance()
            if check(.percent) {
                let r = advance().range
                return Expr(.duration(v, .percent), tok.range.union(r))
            }
            if case .identifier(let w) = current.kind, !current.atLineStart, let unit = DurationUnit(word: w) {
                let r = advance().range
                return Expr(.duration(v, unit), tok.range.union(r))
            }
            return Expr(.number(v), tok.range)
        case .string(let s):
            advance()
            return Expr(.string(s), tok.range)
        case .identifier(let name):
            advance()
            var parts = [name]
            var range = tok.range
            while check(.dot), case .identifier(let next) = peekKind() {
                advance()
                parts.append(next)
                range = range.union(advance().range)
            }
            return parts.count == 1 ? Expr(.name(name), range) : Expr(.path(parts), range)
        case .symbol(.lparen):
            advance()
            let e = try parseSequence()
            let close = try expect(.rparen, .closeParenthesis)
            return Expr(e.kind, tok.range.union(close.range))
        case .symbol(.lbracket):
            advance()
            var items: [Expr] = []
            while !check(.rbracket) {
                items.append(try parseSequence())
                if !match(.comma) { break }
            }
            let close = try expect(.rbracket, .closeBracket)
            return Expr(.list(items), tok.range.union(close.range))
        case .symbol(.lbrace):
            advance()
            var entries: [MapEntry] = []
            while !check(.rbrace) {
                let k = try parseSequence()
                _ = try expect(.colon, .betweenKeyAndValue)
                let v = try parseSequence()
                entries.append(MapEntry(key: k, value: v))
                if !match(.comma) { break }
            }
            let close = try expect(.rbrace, .closeBrace)
            return Expr(.map(entries), tok.range.union(close.range))
        case .keyword(.lambda):
            advance()
            var params: [String] = []
            while case .identifier(let p) = current.kind {
                advance()
                params.append(p)
                if !match(.comma) { break }
            }
            _ = try expect(.colon, .afterLambdaParameters)
            let body = try parseCondition()
            return Expr(.lambda(params: params, body: body), tok.range.union(body.range))
        case .keyword(let k):
            throw .error(.keywordStartsExpression(k), at: tok.range)
        case .newline, .eof:
            throw .error(.expectedExpression(found: tok.kind.display), at: here)
        default:
            throw unexpected(.expression)
        }
    }
}
