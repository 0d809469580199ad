/// Options that override a program's settings from outside (the CLI).
public struct CheckOptions: Sendable {
    public var base: Double?
    public init(base: Double? = nil) { self.base = base }
}

/// The front door: source text in, a runnable program or diagnostics out.
public enum Compiler {
    public static func compile(_ file: SourceFile, options: CheckOptions = CheckOptions()) throws(DiagnosticError)
        -> CompiledProgram
    {
        try compile(file, parsed: try parse(file), options: options)
    }

    /// Checks a program already parsed from `file` (the language server
    /// parses once, for names and symbols too).
    public static func compile(_ file: SourceFile, parsed: Program, options: CheckOptions = CheckOptions())
        throws(DiagnosticError) -> CompiledProgram
    {
        var checker = Checker(file: file, options: options)
        return try checker.check(parsed)
    }

    /// Checks settings, `let`s and `def`s that need not schedule anything yet
    /// (a REPL session's definitions).
    public static func checkStatements(_ file: SourceFile, options: CheckOptions = CheckOptions())
        throws(DiagnosticError) -> Settings
    {
        var checker = Checker(file: file, options: options)
        checker.requireSchedule = false
        return try checker.check(try parse(file)).settings
    }

    static func parse(_ file: SourceFile) throws(DiagnosticError) -> Program {
        if let bad = file.invalidUTF8 { throw DiagnosticError([.error(.invalidUTF8, at: bad)]) }
        do {
            return try Parser.parse(file, names: Builtins.statementNames)
        } catch {
            throw DiagnosticError([error])
        }
    }
}

/// Checks a parsed program by evaluating it: settings resolve units, `def`s
/// expand, numbers fold, and what remains is a schedule tree. Each statement
/// is checked on its own, so one mistake does not hide the next.
public struct Checker {
    /// How deep `def` calls may nest.
    public static let maxExpansion = 64
    /// Limits on one schedule tree, counting repeated parts every time.
    public static let maxNodes = 250_000
    public static let maxDepth = 600

    let file: SourceFile
    let options: CheckOptions
    var settings = Settings()
    var globals: [String: Value] = [:]
    var definedAt: [String: SourceRange] = [:]
    /// Names whose definition failed; uses of them are not reported again.
    var poisoned: Set<String> = []
    /// The functions being expanded, innermost last (`(lambda)` for anonymous ones).
    var expanding: [String] = []
    var diagnostics: [Diagnostic] = []
    /// Every `let` name in the program, known before any is evaluated.
    var letNames: Set<String> = []
    /// False when checking definitions alone; a missing schedule then stands as `base`.
    var requireSchedule = true
    /// The outermost prelude call being expanded (a compatibility
    /// constructor): places inside it are reported at this call.
    var preludeCall: SourceRange?
    var inPrelude: Bool { preludeCall != nil }
    /// Decisions taken on numbers that follow the base (see `BaseGuard`).
    var guards: [BaseGuard] = []
    /// Problems that do not stop the program: a likely typo in an output's name.
    var warnings: [Diagnostic] = []
    /// The outputs the program schedules besides the rate, which conditions may read.
    var outputNames: Set<String> = []
    /// The `batch_size:` statement, when the batch size is scheduled, and its
    /// schedule once checked: durations in samples and tokens count through it.
    var batchStatement: Statement?
    var batchCheck: BatchCheck?
    var batchCounts: BatchCounts?
    /// The step at which the phase being checked starts, while every phase
    /// before it has a fixed length; where durations in tokens count from.
    var phaseStart: Int? = 0
    /// The output whose statement is being checked: `current` is its value.
    var checkingOutput: String?
    /// True while a phase after the first of a statement's outermost
    /// sequence is checked: where `current` and `elapsed` can be used.
    var entryScope = false
    /// How many sequences enclose the expression being checked.
    var sequenceDepth = 0
    /// True while a `let` is computed: once, where it is written, outside any phase.
    var checkingLet = false

    enum BatchCheck {
        case checking, failed
        case done(Node)
    }
    /// Outputs a library's constructor writes, whose values pass as the library gives them.
    var libraryOutputs: Set<String> = []
    /// Where each output other than the rate and momentum is first scheduled (`beta2`, `lr[3]`).
    var scheduledAt: [String: SourceRange] = [:]

    /// True for a statement that is one library constructor's call (`deepspeed.OneCycle(...)`),
    /// or `unchecked(...)`, which says the same in native Ramp.
    func isLibraryCall(_ e: Expr) -> Bool {
        guard case .call(let callee, _, _) = e.kind else { return false }
        let name: String
        switch callee.kind {
        case .path(let parts): name = Compat.shortName(parts.joined(separator: "."))
        case .name(let n): name = Compat.shortName(n)
        default: return false
        }
        if name == "unchecked" { return true }
        guard let dot = name.firstIndex(of: "."), Compat.namespaces.contains(String(name[..<dot])) else { return false }
        if case .function(let c)? = globals[name] { return c.isPrelude }
        return name == Compat.sgdrName
    }

    public init(file: SourceFile, options: CheckOptions) {
        self.file = file
        self.options = options
    }

    public mutating func check(_ program: Program) throws(DiagnosticError) -> CompiledProgram {
        // Every statement may name something: size the tables once.
        let names = program.statements.count + Prelude.program.statements.count
        globals.reserveCapacity(names)
        definedAt.reserveCapacity(program.statements.count)
        letNames.reserveCapacity(program.statements.count)
        resolveSettings(program)
        // Definitions are visible everywhere, so mutual recursion can be named.
        for st in Prelude.program.statements {
            guard case .definition(let name, let params, let body) = st.kind else { continue }
            var c = Closure(name: name, params: params, body: body, captured: [:], range: st.range)
            c.specs = (try? params.map { p throws(CheckError) in try Checker.spec(for: p) }) ?? []
            c.isPrelude = true
            globals[name] = .function(c)
        }
        // `let` names anywhere in the program may appear in `def` bodies, which expand when called.
        for st in program.statements {
            if case .binding(let name, _) = st.kind { letNames.insert(name) }
            if case .output(let name, _) = st.kind, name != "lr" { outputNames.insert(name) }
        }
        for st in program.statements {
            guard case .definition(let name, let params, let body) = st.kind else { continue }
            if let d = declare(name, st.nameRange) {
                diagnostics.append(d)
                continue
            }
            var c = Closure(name: name, params: params, body: body, captured: [:], range: st.range)
            do throws(CheckError) {
                c.specs = try params.map { p throws(CheckError) in try Checker.spec(for: p) }
            } catch {
                if let d = error.diagnostic { diagnostics.append(d) }
                poisoned.insert(name)
                continue
            }
            globals[name] = .function(c)
        }
        var lr: (Node, SourceRange)?
        var momentum: (Node, SourceRange)?
        var others: [(name: String, node: Node, range: SourceRange)] = []
        // `group K OUTPUT *= f`: resolved once every default is known.
        var scaled: [(name: String, output: String, factor: Double, range: SourceRange)] = []
        for st in program.statements {
            do throws(CheckError) {
                switch st.kind {
                case .setting: break
                case .definition(_, let params, let body):
                    // Every unknown name of the definition, in source order.
                    var unknown = unknownNames(in: body, bound: params.map(\.name))
                    for p in params { if let d = p.defaultValue { unknown += unknownNames(in: d, bound: []) } }
                    if !unknown.isEmpty {
                        diagnostics += unknown.sorted { $0.range.start < $1.range.start }
                        throw .alreadyReported
                    }
                case .binding(let name, let expr):
                    if let d = declare(name, st.nameRange) {
                        poisoned.insert(name)
                        throw .diagnostic(d)
                    }
                    do throws(CheckError) {
                        checkingLet = true
                        defer { checkingLet = false }
                        globals[name] = try evaluate(expr, [:])
                    } catch {
                        poisoned.insert(name)
                        throw error
                    }
                case .output(let outName, let expr):
                    try schedule(output: outName, expr, st.range, nameAt: st.nameRange, &lr, &momentum, &others)
                case .expression(let expr) where Checker.isLayerDecay(expr) && globals["layer_decay"] == nil:
                    // `layer_decay(0.65, layers=12)`: groups 0...12, each scaling the default.
                    guard case .groupFactors(let output, let factors) = try evaluate(expr, [:]) else {
                        preconditionFailure("layer_decay gives its groups")
                    }
                    for (i, x) in factors.enumerated() {
                        let name = "\(output)[\(i)]"
                        try refuseTwice(name, at: st.range)
                        scaled.append((name, output, x, st.range))
                        scheduledAt[name] = st.range
                    }
                case .expression(let expr):
                    try schedule(output: "lr", expr, st.range, nameAt: st.nameRange, &lr, &momentum, &others)
                case .group(let key, let output, let scale, let expr):
                    let name = "\(output)[\(key)]"
                    try refuseTwice(name, at: st.range)
                    if scale {
                        let v = try evaluate(expr, [:])
                        guard case .number(let f, _) = v, f.isFinite, f >= 0 else {
                            throw .error(.groupFactorType(got: v.typeName), at: expr.range)
                        }
                        scaled.append((name, output, f, st.range))
                        scheduledAt[name] = st.range
                    } else {
                        checkingOutput = name
                        defer { checkingOutput = nil }
                        others.append((name, try Checker.topLevel(try evaluate(expr, [:]), expr.range), st.range))
                        scheduledAt[name] = st.range
                    }
                }
            } catch {
                // Every error evaluation met (it goes on past an argument or a phase that does not check),
                // and the statement's unknown names it never reached.
                let found = error.diagnostics
                diagnostics += found
                if let expr = st.checkedExpression {
                    diagnostics += unknownNames(in: expr, bound: []).filter { d in
                        !found.contains { $0.range == d.range }
                    }
                }
            }
        }
        if lr == nil, !requireSchedule {
            lr = (
                .sequence(
                    PhaseSequence.make([
                        Phase(
                            body: .constant(settings.base), bound: nil, explicitBound: false,
                            condition: nil, slots: 0..<0, range: SourceRange(0, 0))
                    ])), SourceRange(0, 0)
            )
        }
        if lr == nil, diagnostics.isEmpty {
            let end = file.bytes.count
            diagnostics.append(.error(.noSchedule, at: SourceRange(end, end)))
        }
        // A scaled group's output is the default's schedule times the factor.
        for s in scaled {
            let source: Node? =
                s.output == "lr"
                ? lr?.0 : s.output == "momentum" ? momentum?.0 : others.first { $0.name == s.output }?.node
            guard let source else {
                diagnostics.append(.error(.groupScalesUnscheduled(s.output), at: s.range))
                continue
            }
            let body = Node.combine(.multiply, source, .constant(s.factor))
            others.append(
                (
                    s.name,
                    .sequence(
                        PhaseSequence.make([
                            Phase(
                                body: body, bound: nil, explicitBound: false, condition: nil,
                                slots: 0..<0, range: s.range)
                        ])), s.range
                ))
        }
        guard diagnostics.isEmpty, let lr else {
            // A name can be met twice (a `batch_size:` checked where a duration first needs it): reported once.
            var seen: Set<Diagnostic> = []
            throw DiagnosticError(
                diagnostics.sorted { $0.range.start < $1.range.start }.filter { seen.insert($0).inserted })
        }
        do throws(CheckError) {
            return try finish(lr: lr.0, lrRange: lr.1, momentum: momentum, others: others.map { ($0.name, $0.node) })
        } catch {
            throw DiagnosticError(error.diagnostic.map { [$0] } ?? [])
        }
    }

    /// Refuses a second schedule for an output (`beta2`, `lr[3]`), pointing at the first. A
    /// table, not a search: a `layer_decay` over 100,000 layers looks each group up once.
    func refuseTwice(_ name: String, at range: SourceRange) throws(CheckError) {
        if let first = scheduledAt[name] {
            throw .error(.outputTwice(name), at: range, notes: [.note(.firstScheduledHere, at: first)])
        }
    }

    /// True for a statement that calls `layer_decay(...)`.
    static func isLayerDecay(_ e: Expr) -> Bool {
        guard case .call(let callee, _, _) = e.kind, case .name("layer_decay") = callee.kind else { return false }
        return true
    }

    /// Keeps a decision on a number that follows the base; inside a
    /// compatibility constructor it is placed at the user's call.
    mutating func record(_ g: BaseGuard) throws(CheckError) {
        var g = g
        if g.expr.readsEntry
            || { if case .comparison(_, let other, _) = g.rule { return other.readsEntry } else { return false } }()
        {
            throw .error(.entryDecidedAtCheck(g.what), at: preludeCall ?? g.range)
        }
        if let call = preludeCall { g.range = call }
        guards.append(g)
    }

    /// Records an output statement's schedule, refusing a second one. An
    /// output Ramp does not know, named close to one it does, gets a warning.
    private mutating func schedule(
        output: String, _ expr: Expr, _ range: SourceRange, nameAt: SourceRange,
        _ lr: inout (Node, SourceRange)?, _ momentum: inout (Node, SourceRange)?,
        _ others: inout [(name: String, node: Node, range: SourceRange)]
    ) throws(CheckError) {
        checkingOutput = output
        defer { checkingOutput = nil }
        let node: Node
        let isBatch = output == "batch_size" && batchStatement?.range == range
        let fromLibrary = isLibraryCall(expr)
        if isBatch, let check = batchCheck {
            // Checked already, for a duration in tokens written before it.
            switch check {
            case .done(let n): node = n
            case .failed: throw .alreadyReported
            case .checking: preconditionFailure("batch_size is checked once")
            }
        } else {
            if isBatch { batchCheck = .checking }
            let value: Value
            do throws(CheckError) {
                value = try evaluate(expr, [:])
                if case .withOutputs(let rate, let outputs) = value, output == "lr" {
                    // A rate that sets other outputs too (momentum, weight decay): they are the program's.
                    for (name, n) in outputs {
                        if name == "momentum" {
                            if let prev = momentum {
                                throw .error(
                                    .momentumTwiceBySchedule, at: range,
                                    notes: [.note(.firstScheduledHere, at: prev.1)])
                            }
                            momentum = (try Checker.topLevel(.schedule(n), expr.range), range)
                        } else {
                            try refuseTwice(name, at: range)
                            others.append((name, try Checker.topLevel(.schedule(n), expr.range), range))
                            scheduledAt[name] = range
                        }
                        if fromLibrary { libraryOutputs.insert(name) }
                    }
                    node = try Checker.topLevel(.schedule(rate), expr.range)
                } else {
                    node = try Checker.topLevel(value, expr.range)
                }
            } catch {
                if isBatch { batchCheck = .failed }
                throw error
            }
            if isBatch { batchCheck = .done(node) }
        }
        if fromLibrary { libraryOutputs.insert(output) }
        switch output {
        case "lr":
            if let prev = lr {
                throw .error(.rateTwice, at: range, notes: [.note(.firstScheduledHere, at: prev.1)])
            }
            lr = (node, range)
        case "momentum":
            if let prev = momentum {
                throw .error(.momentumTwice, at: range, notes: [.note(.firstScheduledHere, at: prev.1)])
            }
            momentum = (node, range)
        default:
            if output == "step" || Builtins.specials.contains(where: { $0.name == output }) {
                throw .error(.reservedOutput(output), at: SourceRange(nameAt.start, nameAt.start + output.utf8.count))
            }
            try refuseTwice(output, at: range)
            if Builtins.output(output) == nil {
                let hint = suggestion(for: output, among: Builtins.outputs.map(\.name))
                if !hint.isEmpty {
                    let at = SourceRange(nameAt.start, nameAt.start + output.utf8.count)
                    warnings.append(.warning(.unknownOutput(output, hint: hint), at: at))
                }
            }
            others.append((output, node, range))
            scheduledAt[output] = range
        }
    }

    /// The checked type of an annotated parameter.
    static func spec(for p: Parameter) throws(CheckError) -> ParamSpec? {
        guard let t = p.type else { return nil }
        if t.name == nil { return ParamSpec(p.name, .choice(t.choices), .absent, doc: "") }
        guard let type = ParamType.annotationNames[t.name!] else {
            let hint = suggestion(for: t.name!, among: Array(ParamType.annotationNames.keys))
            throw .error(.unknownType(t.name!, hint: hint), at: t.range)
        }
        var low: Double?
        var high: Double?
        var lowInclusive = true
        var highInclusive = true
        for b in t.bounds {
            switch b.op {
            case .greater:
                low = b.value
                lowInclusive = false
            case .greaterEqual:
                low = b.value
                lowInclusive = true
            case .less:
                high = b.value
                highInclusive = false
            case .lessEqual:
                high = b.value
                highInclusive = true
            default: break
            }
        }
        let constraint: Constraint =
            t.bounds.isEmpty
            ? .any
            : .interval(low: low, lowInclusive: lowInclusive, high: high, highInclusive: highInclusive)
        return ParamSpec(p.name, type, .absent, constraint, doc: "")
    }

    /// Claims a global name, or says why it cannot be claimed.
    private mutating func declare(_ name: String, _ range: SourceRange) -> Diagnostic? {
        if let prev = definedAt[name] {
            return .error(.alreadyDefined(name), at: range, notes: [.note(.firstDefinedHere, at: prev)])
        }
        if Builtins.lookup(name) != nil || Builtins.specials.contains(where: { $0.name == name })
            || Builtins.statementNames.settings.contains(name) || globals[name] != nil
        {
            return .error(.builtinRedefinition(name), at: range)
        }
        definedAt[name] = range
        return nil
    }
}

extension Statement {
    /// The expression a statement evaluates where it is written (a `def`'s body waits for its calls).
    var checkedExpression: Expr? {
        switch kind {
        case .binding(_, let e), .output(_, let e), .expression(let e), .group(_, _, _, let e): return e
        case .setting, .definition: return nil
        }
    }
}
