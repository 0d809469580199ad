/// `ramp fmt`: one canonical layout for Ramp source.
///
/// The program is parsed, and printed again from its syntax tree through a
/// `Doc`, so the layout depends on the tree alone: a statement is one line
/// when it fits in `width`, a `then` chain breaks one phase per line, and an
/// argument list one argument per line. Literals keep their spelling (`3e-4`,
/// `'x'`, `5epochs` as `5 epochs`) from the tokens; comments are read from
/// the gaps between tokens and put back beside the element they followed or
/// preceded. The result is parsed again and must give the same tree, so
/// formatting can never change what a program means.
public enum Formatter {
    public static let width = 100

    /// Why a file could not be formatted: its syntax errors (the file is
    /// then left as it was).
    public struct Failure: Error, Sendable {
        public var diagnostics: [Diagnostic]
    }

    /// The canonical text of `file`.
    public static func format(_ file: SourceFile, width: Int = Formatter.width) throws(Failure) -> String {
        if let bad = file.invalidUTF8 { throw Failure(diagnostics: [.error(.invalidUTF8, at: bad)]) }
        let program: Program
        let tokens: [Token]
        do {
            program = try Parser.parse(file, names: Builtins.statementNames)
            tokens = try Lexer.tokenize(file)
        } catch {
            throw Failure(diagnostics: [error])
        }
        return try format(file, program: program, tokens: tokens, width: width)
    }

    /// The canonical text of `file`, from its program and tokens (which the
    /// language server already has).
    static func format(_ file: SourceFile, program: Program, tokens: [Token], width: Int = Formatter.width)
        throws(Failure) -> String
    {
        var layout = Layout(file: file, tokens: tokens)
        let text = DocPrinter(width: width).print(layout.program(program))
        // The guarantee: the same statements, parsed from the new text.
        let again = SourceFile(name: file.name, text: text)
        guard let reparsed = try? Parser.parse(again, names: Builtins.statementNames),
            reparsed.statements.count == program.statements.count,
            zip(reparsed.statements, program.statements).allSatisfy({ $0.sameShape(as: $1) })
        else {
            let at = program.statements.first?.range ?? SourceRange(0, 0)
            throw Failure(diagnostics: [.error(.formatChangedMeaning, at: at)])
        }
        return text
    }
}

/// Builds the `Doc` of one file, taking each comment once.
private struct Layout {
    let file: SourceFile
    let tokens: [Token]
    let comments: [Comment]
    var taken: [Bool]

    struct Comment {
        var range: SourceRange
        var text: String
    }

    init(file: SourceFile, tokens: [Token]) {
        self.file = file
        self.tokens = tokens
        // Comments live in the gaps between tokens (and before the first).
        var found: [Comment] = []
        let bytes = file.bytes
        var gapStart = 0
        for t in tokens {
            var i = gapStart
            while i < t.range.start {
                if bytes[i] == UInt8(ascii: "#") {
                    var j = i
                    while j < bytes.count, bytes[j] != UInt8(ascii: "\n") { j += 1 }
                    var text = file.slice(SourceRange(i, j))
                    while text.last == " " || text.last == "\t" || text.last == "\r" { text.removeLast() }
                    found.append(Comment(range: SourceRange(i, j), text: text))
                    i = j
                } else {
                    i += 1
                }
            }
            gapStart = max(gapStart, t.range.end)
        }
        comments = found
        taken = Array(repeating: false, count: found.count)
    }

    // MARK: - comments

    /// How many newlines lie between two offsets.
    func newlines(_ a: Int, _ b: Int) -> Int {
        var n = 0
        var i = max(0, a)
        while i < min(b, file.bytes.count) {
            if file.bytes[i] == UInt8(ascii: "\n") { n += 1 }
            i += 1
        }
        return n
    }

    /// The comments not yet placed that start in `from..<to`, now placed.
    mutating func take(_ from: Int, _ to: Int) -> [Comment] {
        var lo = 0
        var hi = comments.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if comments[mid].range.start < from { lo = mid + 1 } else { hi = mid }
        }
        var out: [Comment] = []
        while lo < comments.count, comments[lo].range.start < to {
            if !taken[lo] {
                taken[lo] = true
                out.append(comments[lo])
            }
            lo += 1
        }
        return out
    }

    /// Splits the comments between `end` (of one element) and `start` (of
    /// the next) into those on `end`'s line, which trail it, and those on
    /// lines of their own, which lead the next.
    mutating func between(_ end: Int, _ start: Int) -> (trailing: [Comment], leading: [Comment]) {
        let cs = take(end, start)
        var trailing: [Comment] = []
        var leading: [Comment] = []
        for c in cs {
            if leading.isEmpty && newlines(end, c.range.start) == 0 { trailing.append(c) } else { leading.append(c) }
        }
        return (trailing, leading)
    }

    static func suffix(_ cs: [Comment]) -> Doc {
        .concat(cs.map { .lineSuffix($0.text) })
    }

    static func leading(_ cs: [Comment]) -> Doc {
        .concat(cs.map { .concat([.text($0.text), .hardline]) })
    }

    // MARK: - the file

    /// The file's statements and the comments between them, as it prints.
    struct Page {
        var parts: [Doc] = []
        /// Where the last item placed (a statement or a comment) ended.
        var previousEnd: Int?
        var afterStatement = false

        /// A new line before the next item, and one blank line if the source
        /// had at least one there (more are folded into one).
        mutating func separate(to start: Int, _ layout: Layout) {
            guard let end = previousEnd else { return }
            parts.append(.hardline)
            if layout.newlines(end, start) >= 2 { parts.append(.hardline) }
        }

        /// A comment on the line a statement ends on trails it; any other
        /// stands on its own line.
        mutating func place(_ comments: [Comment], _ layout: Layout) {
            for c in comments {
                if afterStatement, let end = previousEnd, layout.newlines(end, c.range.start) == 0 {
                    parts.append(.lineSuffix(c.text))
                } else {
                    separate(to: c.range.start, layout)
                    parts.append(.text(c.text))
                }
                previousEnd = c.range.end
                afterStatement = false
            }
        }
    }

    mutating func program(_ p: Program) -> Doc {
        var page = Page()
        var cursor = 0
        for s in p.statements {
            page.place(take(cursor, s.range.start), self)
            page.separate(to: s.range.start, self)
            let doc = statement(s)
            // Comments inside the statement that no element took go before it.
            page.parts.append(Layout.leading(take(s.range.start, s.range.end)))
            page.parts.append(doc)
            page.previousEnd = s.range.end
            page.afterStatement = true
            cursor = s.range.end
        }
        page.place(take(cursor, file.bytes.count + 1), self)
        return page.previousEnd == nil ? .text("") : .concat(page.parts + [.hardline])
    }

    // MARK: - statements

    mutating func statement(_ s: Statement) -> Doc {
        switch s.kind {
        case .setting(let name, let value):
            return .concat([.text(name + " "), expr(value, 6)])
        case .binding(let name, let value):
            return .concat([.text("let \(name) = "), expr(value, 0)])
        case .definition(let name, let params, let body):
            let ps = params.map { p -> Doc in
                var parts: [Doc] = [.text(p.name)]
                if let t = p.type { parts.append(.text(": " + annotation(t))) }
                if let d = p.defaultValue {
                    parts.append(.text(p.type == nil ? "=" : " = "))
                    parts.append(expr(d, 2))
                }
                return .concat(parts)
            }
            var parts: [Doc] = [.text("def \(name)(")]
            for (i, p) in ps.enumerated() {
                if i > 0 { parts.append(.text(", ")) }
                parts.append(p)
            }
            parts.append(.text(") = "))
            parts.append(expr(body, 0))
            return .concat(parts)
        case .output(let name, let value):
            return .concat([.text(name + ": "), expr(value, 0)])
        case .group(let key, let output, let scale, let value):
            let keyIndex = tokenIndex(s.range.start) + 1
            let keyText = keyIndex < tokens.count ? file.slice(tokens[keyIndex].range) : key.description
            return .concat([.text("group \(keyText) \(output)" + (scale ? " *= " : ": ")), expr(value, scale ? 6 : 0)])
        case .expression(let e):
            return expr(e, 0)
        }
    }

    /// `number > 0 < 1`, `"min" | "max"`: the annotation's tokens, spaced.
    func annotation(_ t: TypeAnnotation) -> String {
        var out = ""
        var previous: TokenKind?
        for tok in tokens[tokenIndex(t.range.start)...] {
            guard tok.range.end <= t.range.end, tok.kind != .eof else { break }
            let text = file.slice(tok.range)
            let glued: Bool
            if case .symbol(.minus)? = previous, case .number = tok.kind { glued = true } else { glued = false }
            if !out.isEmpty && !glued { out += " " }
            out += text
            previous = tok.kind
        }
        return out
    }

    // MARK: - expressions

    /// Binding strength, as the parser's productions nest: a child printed
    /// where a stronger one is needed gets parentheses.
    enum Level {
        static let sequence = 0, phase = 1, or = 2, and = 3, not = 4, comparison = 5
        static let additive = 6, term = 7, unary = 8, power = 9, postfix = 10
    }

    func level(_ e: Expr) -> Int {
        switch e.kind {
        case .sequence: return Level.sequence
        case .until, .bounded: return Level.phase
        case .logical(.or, _, _): return Level.or
        case .logical(.and, _, _): return Level.and
        case .not: return Level.not
        case .compare: return Level.comparison
        case .binary(.add, _, _), .binary(.subtract, _, _): return Level.additive
        case .binary(.power, _, _): return Level.power
        case .binary: return Level.term
        case .unary: return Level.unary
        case .number(let v): return v < 0 || (v == 0 && v.sign == .minus) ? Level.unary : Level.postfix
        case .duration(let v, _): return v < 0 ? Level.unary : Level.postfix
        // A lambda's body runs as far as a condition goes, so anything after it would join it.
        case .lambda: return Level.phase
        default: return Level.postfix
        }
    }

    /// `e` printed where the grammar needs at least `needed`.
    mutating func expr(_ e: Expr, _ needed: Int) -> Doc {
        let d = bare(e)
        return level(e) < needed ? .concat([.text("("), d, .text(")")]) : d
    }

    mutating func bare(_ e: Expr) -> Doc {
        switch e.kind {
        case .number(let v):
            return .text(numberText(in: e.range, negative: v < 0 || (v == 0 && v.sign == .minus)))
        case .duration(let v, let unit):
            let number = numberText(in: e.range, negative: v < 0)
            if unit == .percent { return .text(number + "%") }
            let word =
                numberToken(in: e.range).flatMap { token(after: $0.range.end) }.map { file.slice($0.range) }
                ?? unit.rawValue
            return .text(number + " " + word)
        case .string:
            var i = tokenIndex(e.range.start)
            while i < tokens.count, tokens[i].range.end <= e.range.end {
                if case .string = tokens[i].kind { return .text(file.slice(tokens[i].range)) }
                i += 1
            }
            return .text("\"\"")
        case .name(let n):
            return .text(n)
        case .path(let parts):
            return .text(parts.joined(separator: "."))
        case .call(let callee, let args, let juxtaposed):
            let calleeDoc: Doc
            switch callee.kind {
            case .name, .path: calleeDoc = bare(callee)
            case .call(_, _, false): calleeDoc = bare(callee)
            default: calleeDoc = .concat([.text("("), bare(callee), .text(")")])
            }
            if juxtaposed, args.count == 1, args[0].label == nil {
                return .concat([calleeDoc, .text(" "), bare(args[0].value)])
            }
            let close = e.range.end - 1
            return container(open: calleeDoc, "(", args.map { ($0.range, $0) }, ")", end: close) { layout, a in
                let v = layout.expr(a.value, Level.sequence)
                return a.label.map { .concat([.text($0 + "="), v]) } ?? v
            }
        case .unary(_, let x):
            return .concat([.text("-"), expr(x, Level.unary)])
        case .binary(let op, let l, let r):
            switch op {
            case .power:
                let spelt = token(after: l.range.end).map { file.slice($0.range) } ?? "^"
                return .concat([expr(l, Level.postfix), .text(" \(spelt == "**" ? "**" : "^") "), expr(r, Level.unary)])
            case .add, .subtract:
                return .concat([expr(l, Level.additive), .text(" \(op.rawValue) "), expr(r, Level.term)])
            case .multiply, .divide, .floorDivide:
                return .concat([expr(l, Level.term), .text(" \(op.rawValue) "), expr(r, Level.unary)])
            }
        case .compare(let op, let l, let r):
            return .concat([expr(l, Level.additive), .text(" \(op.rawValue) "), expr(r, Level.additive)])
        case .logical(let op, let l, let r):
            let (left, right) = op == .or ? (Level.or, Level.and) : (Level.and, Level.not)
            return .concat([expr(l, left), .text(" \(op.rawValue) "), expr(r, right)])
        case .not(let x):
            return .concat([.text("not "), expr(x, Level.not)])
        case .list(let items):
            return container(open: .text(""), "[", items.map { ($0.range, $0) }, "]", end: e.range.end - 1) {
                layout, x in
                layout.expr(x, Level.sequence)
            }
        case .map(let entries):
            return container(
                open: .text(""), "{", entries.map { ($0.key.range.union($0.value.range), $0) }, "}",
                end: e.range.end - 1
            ) { layout, m in
                .concat([layout.expr(m.key, Level.sequence), .text(": "), layout.expr(m.value, Level.sequence)])
            }
        case .lambda(let params, let body):
            let head = params.isEmpty ? "lambda: " : "lambda \(params.joined(separator: ", ")): "
            return .concat([.text(head), expr(body, Level.or)])
        case .sequence(let phases):
            let first = expr(phases[0], Level.phase)
            var rest: [Doc] = []
            for i in 1..<phases.count {
                let (trail, lead) = between(phases[i - 1].range.end, phases[i].range.start)
                let d = expr(phases[i], Level.phase)
                rest.append(.concat([.text(" then"), Layout.suffix(trail), .line, Layout.leading(lead), d]))
            }
            return .group(.concat([first, .nest(4, .concat(rest))]))
        case .until(let body, let condition):
            return .concat([expr(body, Level.phase), .text(" until "), expr(condition, Level.or)])
        case .bounded(let body, let duration):
            return .concat([expr(body, Level.phase), .text(" for "), expr(duration, Level.additive)])
        }
    }

    /// A bracketed list of elements: on one line when it fits, else one
    /// element per line with a trailing comma. Comments between elements
    /// stay beside the element they followed, or go before the next.
    mutating func container<T>(
        open: Doc, _ left: String, _ items: [(SourceRange, T)], _ right: String, end: Int,
        _ element: (inout Layout, T) -> Doc
    ) -> Doc {
        guard let firstItem = items.first else { return .concat([open, .text(left + right)]) }
        var body: [Doc] = []
        var previousEnd = firstItem.0.start
        // Comments after the opening bracket, before the first element, lead it.
        let before = take(token(before: firstItem.0.start)?.range.end ?? 0, firstItem.0.start)
        body.append(.softline)
        body.append(Layout.leading(before))
        for (i, (range, item)) in items.enumerated() {
            if i > 0 {
                let (trail, lead) = between(previousEnd, range.start)
                body.append(.text(","))
                body.append(Layout.suffix(trail))
                body.append(.line)
                body.append(Layout.leading(lead))
            }
            body.append(element(&self, item))
            previousEnd = range.end
        }
        let last = take(previousEnd, end + 1)
        body.append(.ifBreak(","))
        body.append(Layout.suffix(last))
        return .concat([open, .group(.concat([.text(left), .nest(4, .concat(body)), .softline, .text(right)]))])
    }

    // MARK: - tokens

    /// The index of the first token that starts at or after `offset`.
    func tokenIndex(_ offset: Int) -> Int {
        var lo = 0
        var hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].range.start < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first token that starts at or after `offset`.
    func token(after offset: Int) -> Token? {
        let i = tokenIndex(offset)
        guard i < tokens.count, tokens[i].kind != .eof else { return nil }
        return tokens[i]
    }

    /// The last token that starts before `offset`.
    func token(before offset: Int) -> Token? {
        let i = tokenIndex(offset)
        return i > 0 ? tokens[i - 1] : nil
    }

    func numberToken(in range: SourceRange) -> Token? {
        var t = token(after: range.start)
        while let x = t, x.range.end <= range.end {
            if case .number = x.kind { return x }
            t = token(after: x.range.end)
        }
        return nil
    }

    /// The number as written (`3e-4`, `1_000`), with its sign.
    func numberText(in range: SourceRange, negative: Bool) -> String {
        let digits = numberToken(in: range).map { file.slice($0.range) } ?? "0"
        return (negative ? "-" : "") + digits
    }
}
