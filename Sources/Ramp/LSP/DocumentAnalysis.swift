import Foundation

/// One version of an open document, analysed once: its tokens, its syntax
/// tree, the checked program or its diagnostics, and where each `let` and
/// `def` name is defined and used. Every request about the document reads
/// this, so a hover or a completion never parses or checks again.
struct DocumentAnalysis: Sendable {
    let uri: String
    let version: Int
    let file: SourceFile
    let index: LineIndex
    /// Empty when the file does not lex.
    let tokens: [Token]
    /// The syntax tree; when the file does not parse, that of the statements that do.
    let program: Program?
    /// Whether the whole file parses.
    let parses: Bool
    let compiled: CompiledProgram?
    /// Errors and warnings, as `ramp check` reports them.
    let diagnostics: [Diagnostic]
    /// Where the check stopped at its budget (R0702), when it did: the program was not checked whole.
    let stopped: Diagnostic?
    let definitions: [String: Definition]
    /// Uses of names that are not a `def`'s parameters or a lambda's.
    let uses: [(name: String, range: SourceRange)]
    /// Uses of a `def`'s parameters inside it, with where the parameter is.
    let localUses: [(range: SourceRange, definition: SourceRange)]
    /// Where each `def`'s parameters are named.
    let parameters: [SourceRange]

    struct Definition: Sendable {
        enum Kind: Sendable { case binding, function }
        var kind: Kind
        var nameRange: SourceRange
        var statement: Statement
    }

    init(uri: String, version: Int, text: String, encoding: PositionEncoding) {
        self.uri = uri
        self.version = version
        let file = SourceFile(name: DocumentAnalysis.displayName(uri), bytes: Array(text.utf8))
        self.file = file
        index = LineIndex(file, encoding: encoding)
        var diagnostics: [Diagnostic] = []
        var program: Program?
        do { program = try Compiler.parse(file) } catch { diagnostics = error.diagnostics }
        // While a statement is being typed the file does not parse; the
        // statements around it still give names, symbols and hovers.
        let readable: (file: SourceFile, program: Program?) =
            program == nil ? DocumentAnalysis.withoutBrokenStatements(file) : (file, program)
        tokens = (try? Lexer.tokenize(readable.file)) ?? []
        self.program = readable.program
        parses = program != nil
        var compiled: CompiledProgram?
        var stopped: Diagnostic?
        if let program {
            // Checked under a budget, so that one line asking for billions of values cannot hold every request.
            let budget = CheckBudget(limit: DocumentAnalysis.checkBudget)
            do {
                let p = try budget.run { () throws(DiagnosticError) in try Compiler.compile(file, parsed: program) }
                compiled = p
                diagnostics = p.warnings
            } catch let error as DiagnosticError {
                diagnostics = error.diagnostics.map { d in
                    guard d.kind == .checkBudget else { return d }
                    var w = d
                    w.severity = .warning
                    stopped = w
                    return w
                }
            } catch {
                preconditionFailure("the checker throws diagnostics")
            }
        }
        self.compiled = compiled
        self.diagnostics = diagnostics
        self.stopped = stopped
        var names = NameIndex(tokens: tokens, file: readable.file)
        if let p = readable.program { names.walk(p) }
        definitions = names.definitions
        uses = names.uses
        localUses = names.localUses
        parameters = names.parameters
    }

    /// The file with each statement that does not parse blanked out (its
    /// bytes turned into spaces, its newlines kept, so every offset stays
    /// where it was), and the program the rest makes. Gives up after a few
    /// broken statements.
    static func withoutBrokenStatements(_ file: SourceFile) -> (file: SourceFile, program: Program?) {
        var bytes = file.bytes
        func startsStatement(_ i: Int) -> Bool {
            i < bytes.count && (i == 0 || bytes[i - 1] == UInt8(ascii: "\n"))
                && ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "#")].contains(bytes[i])
        }
        for _ in 0..<16 {
            let attempt = SourceFile(name: file.name, bytes: bytes)
            let failure: Diagnostic
            do { return (attempt, try Parser.parse(attempt, names: Builtins.statementNames)) } catch { failure = error }
            // The statement holding the error: from the line that starts it to the next line that starts one.
            var a = min(failure.range.start, bytes.count)
            while a > 0, !startsStatement(a) { a -= 1 }
            var b = a + 1
            while b < bytes.count, !startsStatement(b) { b += 1 }
            for i in a..<min(b, bytes.count) where bytes[i] != UInt8(ascii: "\n") { bytes[i] = UInt8(ascii: " ") }
        }
        return (file, nil)
    }

    /// The values one check may sample (`CheckBudget`): well within a frame on a release build.
    static let checkBudget = CheckBudget.languageServer

    /// `/home/me/card.ramp` for `file:///home/me/card.ramp`: how diagnostics name the file.
    static func displayName(_ uri: String) -> String {
        guard uri.hasPrefix("file://") else { return uri }
        return String(uri.dropFirst("file://".count)).removingPercentEncoding ?? uri
    }

    // MARK: - tokens

    /// The index of the token under `offset`, or ending at it (a cursor just after a word).
    func tokenIndex(at offset: Int) -> Int? {
        var lo = 0
        var hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].range.end < offset { lo = mid + 1 } else { hi = mid }
        }
        var best: Int?
        var i = lo
        while i < tokens.count, tokens[i].range.start <= offset {
            if tokens[i].kind != .eof, tokens[i].kind != .newline, tokens[i].range.start <= offset,
                offset <= tokens[i].range.end
            {
                // Prefer a word to the symbol after it.
                if best == nil {
                    best = i
                } else if case .identifier = tokens[i].kind, case .symbol = tokens[best!].kind {
                    best = i
                }
            }
            i += 1
        }
        return best
    }

    /// The dotted name the identifier at token `i` is part of (`torch.StepLR`), and its range.
    func dottedName(at i: Int) -> (String, SourceRange)? {
        guard case .identifier = tokens[i].kind else { return nil }
        var first = i
        var last = i
        while first >= 2, tokens[first - 1].kind == .symbol(.dot),
            tokens[first - 1].range.start == tokens[first - 2].range.end,
            case .identifier = tokens[first - 2].kind
        { first -= 2 }
        while last + 2 < tokens.count, tokens[last + 1].kind == .symbol(.dot),
            tokens[last + 1].range.start == tokens[last].range.end,
            case .identifier = tokens[last + 2].kind
        { last += 2 }
        let range = tokens[first].range.union(tokens[last].range)
        return (file.slice(range), range)
    }

    // MARK: - phases

    /// One phase of one output, as hover and inlay hints show it.
    struct PhaseInfo: Sendable {
        var output: String
        var number: Int
        var range: SourceRange
        var start: Int?
        var summary: String
    }

    var phases: [PhaseInfo] {
        guard let p = compiled else { return [] }
        var out: [PhaseInfo] = []
        for (name, s) in p.sequences {
            let starts = s.startSteps(from: 0)
            for (i, phase) in s.phases.enumerated() {
                let start = starts[i]
                var text = (name == "lr" ? "" : "\(name) ") + "phase \(i + 1)"
                switch (start, phase.bound) {
                case (let a?, let b?) where b > 0: text += ": steps \(a)–\(a + b - 1)"
                case (let a?, _): text += ": from step \(a)"
                case (nil, _): text += i > 0 ? ": after phase \(i) ends" : ""
                }
                var ends: [String] = []
                if let c = phase.condition { ends.append("on " + DocumentAnalysis.compact(c)) }
                if let l = Describe.lengthEnd(phase) { ends.append(l) }
                text += ", " + (ends.isEmpty ? "never ends" : "ends " + ends.joined(separator: " or "))
                out.append(PhaseInfo(output: name, number: i + 1, range: phase.range, start: start, summary: text))
            }
        }
        return out
    }

    /// A condition with only the arguments that differ from the defaults: `plateau(patience=3)`.
    static func compact(_ c: Condition) -> String {
        switch c {
        case .plateau(let spec, _):
            let defaults: Set<String> = ["threshold=0.0001", "threshold_mode=\"rel\"", "mode=\"min\"", "cooldown=0"]
            let shown = Describe.plateauParameters(spec).map { "\($0)=\($1)" }.filter { !defaults.contains($0) }
            return "plateau(\(shown.joined(separator: ", ")))"
        case .all(let a, let b): return "(\(compact(a)) and \(compact(b)))"
        case .any(let a, let b): return "(\(compact(a)) or \(compact(b)))"
        case .not(let a): return "not \(compact(a))"
        default: return Describe.condition(c)
        }
    }

    // MARK: - durations

    /// `5 epochs` at token `i` (the number or its unit) in steps, as the checker counts it.
    func duration(at i: Int) -> (text: String, range: SourceRange)? {
        var n = i
        if case .number = tokens[i].kind {
        } else if i > 0, case .number = tokens[i - 1].kind {
            n = i - 1
        } else {
            return nil
        }
        guard case .number(let x) = tokens[n].kind, n + 1 < tokens.count else { return nil }
        let unitToken = tokens[n + 1]
        let unit: DurationUnit
        if unitToken.kind == .symbol(.percent) {
            unit = .percent
        } else if case .identifier(let w) = unitToken.kind, !unitToken.atLineStart, let u = DurationUnit(word: w) {
            unit = u
        } else {
            return nil
        }
        guard i == n || i == n + 1 else { return nil }
        let range = tokens[n].range.union(unitToken.range)
        let written = file.slice(range)
        guard let compiled else { return ("\(written): counted in steps once the program checks", range) }
        if unit == .steps { return ("\(written)", range) }
        var checker = Checker(file: file, options: CheckOptions())
        checker.settings = compiled.settings
        if unit == .samples || unit == .tokens, compiled.outputs.contains(where: { $0.name == "batch_size" }) {
            return ("\(written): counted through the scheduled batch_size, from the start of its phase", range)
        }
        guard let steps = try? checker.resolve(x, unit, range) else { return nil }
        return ("\(written) = \(steps) step\(steps == 1 ? "" : "s")", range)
    }
}

/// Collects the definitions and uses of names in a program.
private struct NameIndex {
    let tokens: [Token]
    let file: SourceFile
    var definitions: [String: DocumentAnalysis.Definition] = [:]
    var uses: [(name: String, range: SourceRange)] = []
    var localUses: [(range: SourceRange, definition: SourceRange)] = []
    var parameters: [SourceRange] = []

    init(tokens: [Token], file: SourceFile) {
        self.tokens = tokens
        self.file = file
    }

    mutating func walk(_ program: Program) {
        for s in program.statements {
            switch s.kind {
            case .binding(let name, let e):
                if definitions[name] == nil {
                    definitions[name] = .init(kind: .binding, nameRange: s.nameRange, statement: s)
                }
                walk(e, [:])
            case .definition(let name, let params, let body):
                if definitions[name] == nil {
                    definitions[name] = .init(kind: .function, nameRange: s.nameRange, statement: s)
                }
                var scope: [String: SourceRange?] = [:]
                for p in params {
                    if let d = p.defaultValue { walk(d, [:]) }
                    scope[p.name] = p.range
                    parameters.append(p.range)
                }
                walk(body, scope)
            case .setting(_, let e), .output(_, let e), .group(_, _, _, let e), .expression(let e):
                walk(e, [:])
            }
        }
    }

    /// The identifier's own range inside a range that may include parentheses.
    func identifier(_ name: String, in range: SourceRange) -> SourceRange {
        guard range.end - range.start != name.utf8.count else { return range }
        for t in tokens where t.range.start >= range.start && t.range.end <= range.end {
            if case .identifier(let n) = t.kind, n == name { return t.range }
        }
        return range
    }

    /// `scope` maps the names bound around `e` (a def's parameters, with
    /// where they are; a lambda's, without) to their definitions.
    mutating func walk(_ e: Expr, _ scope: [String: SourceRange?]) {
        switch e.kind {
        case .name(let n):
            let r = identifier(n, in: e.range)
            if let local = scope[n] {
                if let d = local { localUses.append((r, d)) }
            } else {
                uses.append((n, r))
            }
        case .number, .duration, .string, .path: break
        case .call(let callee, let args, _):
            walk(callee, scope)
            for a in args { walk(a.value, scope) }
        case .unary(_, let x), .not(let x): walk(x, scope)
        case .binary(_, let l, let r), .compare(_, let l, let r), .logical(_, let l, let r), .until(let l, let r),
            .bounded(let l, let r):
            walk(l, scope)
            walk(r, scope)
        case .list(let xs), .sequence(let xs): for x in xs { walk(x, scope) }
        case .map(let es):
            for m in es {
                walk(m.key, scope)
                walk(m.value, scope)
            }
        case .lambda(let params, let body):
            var inner = scope
            for p in params { inner[p] = .some(nil) }
            walk(body, inner)
        }
    }
}
