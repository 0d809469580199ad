/// Options that override a program's settings from outside (the CLI).
public struct CheckOptions: Sendable {
    public var base: Double?
    public init(base: Double? = nil) { self.base = base }
}

/// The front door: source text in, a runnable program or diagnostics out.
public enum Compiler {
    public static func compile(_ file: SourceFile, options: CheckOptions = CheckOptions()) throws(DiagnosticError) -> CompiledProgram {
        var checker = Checker(file: file, options: options)
        return try checker.check(try parse(file))
    }

    /// Checks settings, `let`s and `def`s that need not schedule anything yet
    /// (a REPL session's definitions).
    public static func checkStatements(_ file: SourceFile, options: CheckOptions = CheckOptions()) throws(DiagnosticError) -> Settings {
        var checker = Checker(file: file, options: options)
        checker.requireSchedule = false
        return try checker.check(try parse(file)).settings
    }

    static func parse(_ file: SourceFile) throws(DiagnosticError) -> Program {
        if let bad = file.invalidUTF8 { throw DiagnosticError([.error(.invalidUTF8, "invalid UTF-8 in source", at: bad)]) }
        do {
            return try Parser.parse(file)
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
        }
        for st in program.statements {
            guard case .definition(let name, let params, let body) = st.kind else { continue }
            if let d = declare(name, st.nameRange) { diagnostics.append(d); continue }
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
        for st in program.statements {
            do throws(CheckError) {
                switch st.kind {
                case .setting: break
                case .definition(_, let params, let body):
                    try checkNames(in: body, bound: params.map(\.name))
                    for p in params { if let d = p.defaultValue { try checkNames(in: d, bound: []) } }
                case .binding(let name, let expr):
                    if let d = declare(name, st.nameRange) { poisoned.insert(name); throw .diagnostic(d) }
                    do throws(CheckError) {
                        globals[name] = try evaluate(expr, [:])
                    } catch {
                        poisoned.insert(name)
                        throw error
                    }
                case .output(let outName, let expr):
                    try schedule(output: outName, expr, st.range, &lr, &momentum)
                case .expression(let expr):
                    try schedule(output: "lr", expr, st.range, &lr, &momentum)
                }
            } catch {
                if let d = error.diagnostic { diagnostics.append(d) }
            }
        }
        if lr == nil, !requireSchedule {
            lr = (.sequence(PhaseSequence.make([Phase(body: .constant(settings.base), bound: nil, explicitBound: false,
                                                      condition: nil, slots: 0..<0, range: SourceRange(0, 0))])), SourceRange(0, 0))
        }
        if lr == nil, diagnostics.isEmpty {
            let end = file.bytes.count
            diagnostics.append(.error(.noSchedule, "the program schedules no learning rate; add a schedule such as `cosine(T=100)`",
                                      at: SourceRange(end, end)))
        }
        guard diagnostics.isEmpty, let lr else { throw DiagnosticError(diagnostics.sorted { $0.range.start < $1.range.start }) }
        do throws(CheckError) {
            return try finish(lr: lr.0, lrRange: lr.1, momentum: momentum)
        } catch {
            throw DiagnosticError(error.diagnostic.map { [$0] } ?? [])
        }
    }

    /// Keeps a decision on a number that follows the base; inside a
    /// compatibility constructor it is placed at the user's call.
    mutating func record(_ g: BaseGuard) {
        var g = g
        if let call = preludeCall { g.range = call }
        guards.append(g)
    }

    /// Records an output statement's schedule, refusing a second one.
    private mutating func schedule(output: String, _ expr: Expr, _ range: SourceRange,
                                   _ lr: inout (Node, SourceRange)?, _ momentum: inout (Node, SourceRange)?) throws(CheckError) {
        let value = try evaluate(expr, [:])
        let node = try Checker.topLevel(value, expr.range)
        if output == "lr" {
            if let prev = lr {
                throw .error(.outputTwice, "the learning rate is already scheduled", at: range, notes: [.note("first scheduled here", at: prev.1)])
            }
            lr = (node, range)
        } else {
            if let prev = momentum {
                throw .error(.outputTwice, "momentum is already scheduled", at: range, notes: [.note("first scheduled here", at: prev.1)])
            }
            momentum = (node, range)
        }
    }

    /// The checked type of an annotated parameter.
    static func spec(for p: Parameter) throws(CheckError) -> ParamSpec? {
        guard let t = p.type else { return nil }
        if t.name == nil { return ParamSpec(p.name, .choice(t.choices), .absent, doc: "") }
        guard let type = ParamType.annotationNames[t.name!] else {
            throw .error(.unknownType, "unknown type \(quoted(t.name!))\(suggestion(for: t.name!, among: Array(ParamType.annotationNames.keys)))", at: t.range)
        }
        var low: Double?, high: Double?, lowInclusive = true, highInclusive = true
        for b in t.bounds {
            switch b.op {
            case .greater: low = b.value; lowInclusive = false
            case .greaterEqual: low = b.value; lowInclusive = true
            case .less: high = b.value; highInclusive = false
            case .lessEqual: high = b.value; highInclusive = true
            default: break
            }
        }
        let constraint: Constraint = t.bounds.isEmpty ? .any
            : .interval(low: low, lowInclusive: lowInclusive, high: high, highInclusive: highInclusive)
        return ParamSpec(p.name, type, .absent, constraint, doc: "")
    }

    /// Claims a global name, or says why it cannot be claimed.
    private mutating func declare(_ name: String, _ range: SourceRange) -> Diagnostic? {
        if let prev = definedAt[name] {
            return .error(.alreadyDefined, "'\(name)' is already defined", at: range, notes: [.note("first defined here", at: prev)])
        }
        if Builtins.lookup(name) != nil || Builtins.specials.contains(where: { $0.name == name })
            || Parser.settingNames.contains(name) || globals[name] != nil {
            return .error(.builtinRedefinition, "'\(name)' is a builtin name and cannot be redefined", at: range)
        }
        definedAt[name] = range
        return nil
    }

    // MARK: - settings

    /// Settings are read first, in dependency order, so that durations
    /// anywhere in the program can use them.
    private mutating func resolveSettings(_ program: Program) {
        var seen: [String: Statement] = [:]
        for st in program.statements {
            guard case .setting(let name, _) = st.kind else { continue }
            if let prev = seen[name] {
                diagnostics.append(.error(.settingTwice, "'\(name)' is already set", at: st.nameRange,
                                          notes: [.note("first set here", at: prev.nameRange)]))
                continue
            }
            seen[name] = st
        }
        func expr(_ n: String) -> Expr? {
            if case .setting(_, let e)? = seen[n]?.kind { return e }
            return nil
        }
        do throws(CheckError) {
            if let e = expr("steps_per_epoch") {
                let v = try evaluate(e, [:])
                guard case .number(let x, _) = v, x >= 1, x == x.rounded(), x < 1e12 else {
                    throw CheckError.error(.badSetting, "steps_per_epoch must be a whole number of at least 1, got \(describe(v))", at: e.range)
                }
                settings.stepsPerEpoch = Int(x)
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        do throws(CheckError) {
            if let e = expr("total") {
                if case .duration(_, .percent) = e.kind {
                    throw CheckError.error(.badSetting, "total cannot be a percentage of itself", at: e.range)
                }
                let value = try evaluate(e, [:])
                let v = try duration(value, e.range)
                guard v >= 1 else { throw CheckError.error(.badSetting, "total must be at least 1 step", at: e.range) }
                settings.total = v
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        do throws(CheckError) {
            if let e = expr("base") {
                let v = try evaluate(e, [:])
                guard case .number(let x, _) = v, x.isFinite, x > 0 else {
                    throw CheckError.error(.badSetting, "base must be a number above 0, got \(describe(v))", at: e.range)
                }
                settings.base = x
                settings.baseIsDefault = false
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        if let b = options.base {
            settings.base = b
            settings.baseIsDefault = false
        }
    }

    private func describe(_ v: Value) -> String {
        if case .number(let x, _) = v { return fmt(x) }
        return v.typeName
    }

    // MARK: - expressions

    typealias Env = NameMap<Value>

    // Passing `try evaluate(...)` straight into a non-mutating method makes
    // Swift copy the whole checker for the call (this dominated checking large
    // programs), so coercions that need nothing of the checker are static, and
    // the few instance methods that read settings get an evaluated local.
    mutating func evaluate(_ e: Expr, _ env: Env) throws(CheckError) -> Value {
        switch e.kind {
        case .number(let x): return .number(x)
        case .duration(let x, let unit): return .duration(try resolve(x, unit, e.range))
        case .string(let s): return .string(s)
        case .name(let n): return try lookup(n, e.range, env)
        case .path(let parts):
            return try lookupPath(parts, e.range, env)
        case .call(let callee, let args, _):
            let f = try evaluate(callee, env)
            return try call(f, calleeName: file.slice(callee.range), args, e.range, env)
        case .unary(.negate, let a):
            let v = try evaluate(a, env)
            if case .number(let x, let form) = v { return .number(-x, form?.negated(value: -x, base: settings.base)) }
            if case .duration(let d) = v { return .number(-Double(d)) }
            return .schedule(.negate(try Checker.schedule(v, a.range)))
        case .binary(let op, let l, let r):
            let c: Combine
            switch op {
            case .add: c = .add
            case .subtract: c = .subtract
            case .multiply: c = .multiply
            case .divide: c = .divide
            case .power: c = .power
            }
            let a = try evaluate(l, env), b = try evaluate(r, env)
            return try Checker.combine(c, a, l.range, b, r.range, base: settings.base)
        case .compare(let op, let l, let r):
            let a = try evaluate(l, env), b = try evaluate(r, env)
            // Two numbers compare now, giving a boolean for `if(...)`.
            if case .number(let x, let fx) = a, case .number(let y, let fy) = b {
                let result = op.holds(x, y)
                if fx != nil || fy != nil {
                    record(BaseGuard(expr: fx?.expr ?? .constant(x), rule: .comparison(op, fy?.expr ?? .constant(y), result),
                                     what: "the comparison", range: e.range))
                }
                return .bool(result)
            }
            return .condition(.compare(try Checker.operand(a, l.range), op, try Checker.operand(b, r.range)))
        case .logical(let op, let l, let r):
            let x = try evaluate(l, env), y = try evaluate(r, env)
            let a = try condition(x, l.range)
            let b = try condition(y, r.range)
            return .condition(op == .and ? .all(a, b) : .any(a, b))
        case .not(let a):
            let x = try evaluate(a, env)
            return .condition(.not(try condition(x, a.range)))
        case .list(let items):
            var out: [Value] = []
            for i in items { out.append(try evaluate(i, env)) }
            return .list(out)
        case .map(let entries):
            var out: [(key: Value, value: Value)] = []
            for en in entries { out.append((try evaluate(en.key, env), try evaluate(en.value, env))) }
            return .map(out)
        case .lambda(let params, let body):
            return .function(Closure(name: nil, params: params.map { Parameter(name: $0, range: e.range, defaultValue: nil) },
                                     body: body, captured: env, range: e.range))
        case .sequence(let items):
            return .schedule(try sequence(items, env))
        case .until, .bounded:
            return .schedule(try sequence([e], env))
        }
    }

    mutating func lookup(_ n: String, _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        if let v = env[n] { return v }
        if poisoned.contains(n) { throw .alreadyReported }
        if let v = globals[n] { return v }
        switch n {
        case "t": return .schedule(.time)
        case "base": return .number(settings.base, .base)
        case "pi": return .number(Double.pi)
        case "inf": return .number(.infinity)
        case "metric": return .signal(.metric)
        case "lr": return .signal(.lr)
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "none", "None": return .none
        case "nan", "NaN":
            throw .error(.notANumber, "NaN is never a valid rate or parameter", at: range)
        case "steps_per_epoch":
            if let s = settings.stepsPerEpoch { return .number(Double(s)) }
            throw .error(.settingMissing, "'steps_per_epoch' is not set; add a line such as `steps_per_epoch 390`", at: range)
        case "total":
            if let s = settings.total { return .duration(s) }
            throw .error(.settingMissing, "'total' is not set; add a line such as `total 90 epochs`", at: range)
        default: break
        }
        if Builtins.lookup(n) != nil || n == "dict" { return .builtin(n) }
        if ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "optimizer"].contains(n) {
            throw .error(.optimizerArgument, "drop the optimizer argument: Ramp schedules the rate itself, and the optimizer's rate is `base` (or --base)", at: range)
        }
        throw .error(.unknownName, "unknown name \(quoted(n))\(suggestion(for: n, among: Array(env.keys) + Array(globals.keys) + Builtins.allNames))", at: range)
    }

    /// Module paths as the libraries spell them, shortened to Ramp's namespaces.
    static let modulePaths: [(String, String)] = [
        ("torch.optim.lr_scheduler.", "torch."), ("transformers.optimization.", "transformers."),
        ("timm.scheduler.", "timm."), ("keras.optimizers.schedules.", "keras."), ("optax.schedules.", "optax."),
    ]

    /// `torch.StepLR`, or `torch.optim.lr_scheduler.StepLR` as the library spells it.
    /// `torch.optim.lr_scheduler.StepLR` → `torch.StepLR`.
    static func shortName(_ name: String) -> String {
        for (long, short) in modulePaths where name.hasPrefix(long) { return short + name.dropFirst(long.count) }
        return name
    }

    mutating func lookupPath(_ parts: [String], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        let name = Checker.shortName(parts.joined(separator: "."))
        if let v = env[name] ?? globals[name] { return v }
        if name == Checker.sgdrName { return .builtin(name) }
        let dotted = globals.keys.filter { $0.contains(".") } + [Checker.sgdrName]
        throw .error(.unknownName, "unknown name \(quoted(name))\(suggestion(for: name, among: dotted))", at: range)
    }

    static let sgdrName = "optax.sgdr_schedule"

    /// `optax.sgdr_schedule([dict(...), ...])`: one warmup-cosine cycle per
    /// keyword dict, joined at the running sum of their `decay_steps`. Written
    /// here rather than in the prelude because it calls a schedule once per
    /// dict with the dict as its keyword arguments.
    mutating func sgdr(_ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        let (bound, _) = try bind(["cosine_kwargs"], variadic: false, args, callee: Checker.sgdrName, env)
        guard let (list, listRange) = bound["cosine_kwargs"] else {
            throw .error(.missingArgument, "missing argument 'cosine_kwargs' for '\(Checker.sgdrName)'", at: range)
        }
        guard case .list(let dicts) = list, !dicts.isEmpty else {
            throw .error(.argumentType, "argument 'cosine_kwargs' of '\(Checker.sgdrName)' expects a non-empty list of dict(...)", at: listRange)
        }
        guard case .function(let cycle)? = globals["optax.warmup_cosine_decay_schedule"] else { throw .alreadyReported }
        var schedules: [Value] = [], boundaries: [Value] = []
        var total = 0
        for d in dicts {
            guard case .map(let entries) = d else {
                throw .error(.argumentType, "argument 'cosine_kwargs' of '\(Checker.sgdrName)' expects dict(...) items, found \(d.typeName)", at: listRange)
            }
            var kwargs: [String: Value] = [:]
            for e in entries {
                guard case .string(let k) = e.key else { throw .error(.badValue, "dict keys must be names", at: listRange) }
                kwargs[k] = e.value
            }
            schedules.append(try callClosure(cycle, keywords: kwargs, range))
            if case .number(let n, let form)? = kwargs["decay_steps"] {
                if let form { record(BaseGuard(expr: form.expr, rule: .equals(n), what: "decay_steps", range: listRange)) }
                total += Int(n)
            }
            boundaries.append(.duration(total))
        }
        boundaries.removeLast()
        return try callBuiltin(Builtins.lookup("chain")!, [], range, env, prebound: ["schedules": (.list(schedules), listRange),
                                                                                  "at": (.list(boundaries), listRange)])
    }

    /// Turns `5 epochs` or `10%` into whole steps, or says which setting is missing.
    func resolve(_ x: Double, _ unit: DurationUnit, _ range: SourceRange) throws(CheckError) -> Int {
        let steps: Double
        switch unit {
        case .steps: steps = x
        case .epochs:
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.settingMissing, "a duration in epochs needs 'steps_per_epoch'; add a line such as `steps_per_epoch 390`", at: range)
            }
            steps = x * Double(spe)
        case .percent:
            guard let total = settings.total else {
                throw .error(.settingMissing, "a duration in % needs 'total'; add a line such as `total 90 epochs`", at: range)
            }
            steps = x / 100 * Double(total)
        }
        guard steps.isFinite, steps.magnitude < 1e15 else {
            throw .error(.badDuration, "duration is too long to count in steps", at: range)
        }
        if unit == .steps, steps != steps.rounded() {
            throw .error(.badDuration, "a duration must be a whole number of steps, got \(fmt(steps))", at: range)
        }
        guard steps >= 0 else { throw .error(.badDuration, "a duration cannot be negative", at: range) }
        return Int(steps.rounded())
    }

    // MARK: - coercions (static: they read nothing of the checker)

    static func schedule(_ v: Value, _ range: SourceRange) throws(CheckError) -> Node {
        switch v {
        case .schedule(let n): return n
        case .number(let x, nil): return .constant(x)
        // A number that follows the base keeps how: a constant primitive carries it.
        case .number(let x, let form?): return .primitive(Constant(level: x), ["value": form.expr])
        case .duration(let d): return .constant(Double(d))
        case .signal(let s):
            throw .error(.signalOutsideCondition, "'\(s.rawValue)' can only be used in a condition, such as `until \(s.rawValue) < 0.01`", at: range)
        default:
            throw .error(.expectedSchedule, "expected a schedule, got \(v.typeName)", at: range)
        }
    }

    mutating func condition(_ v: Value, _ range: SourceRange) throws(CheckError) -> Condition {
        switch v {
        case .condition(let c): return c
        case .duration(let d): return .elapsed(d)
        case .number(let x, let form) where x >= 0 && x == x.rounded() && x < 1e15:
            if let form { record(BaseGuard(expr: form.expr, rule: .equals(x), what: "the condition's step count", range: range)) }
            return .elapsed(Int(x))
        default:
            throw .error(.expectedCondition, "expected a condition (plateau(...), a comparison such as `metric < 0.1`, or a duration), got \(v.typeName)", at: range)
        }
    }

    static func operand(_ v: Value, _ range: SourceRange) throws(CheckError) -> Operand {
        switch v {
        case .signal(.metric): return .metric
        case .signal(.lr): return .lr
        default:
            let n = try Checker.schedule(v, range)
            if n.isStateful { throw .error(.metricDriven, "a comparison cannot use a metric-driven schedule", at: range) }
            return .node(n)
        }
    }

    mutating func duration(_ v: Value, _ range: SourceRange) throws(CheckError) -> Int {
        switch v {
        case .duration(let d): return d
        case .number(let x, let form):
            let steps = try resolve(x, .steps, range)
            if let form { record(BaseGuard(expr: form.expr, rule: .equals(x), what: "the duration", range: range)) }
            return steps
        default: throw .error(.expectedDuration, "expected a duration (such as `5`, `5 epochs` or `10%`), got \(v.typeName)", at: range)
        }
    }

    /// `op(a, b)`: numbers fold (keeping how they follow the base), and
    /// anything else becomes a pointwise schedule.
    static func combine(_ op: Combine, _ a: Value, _ ar: SourceRange, _ b: Value, _ br: SourceRange, base: Double) throws(CheckError) -> Value {
        func number(_ v: Value) -> (Double, BaseForm?)? {
            switch v {
            case .number(let x, let form): return (x, form)
            case .duration(let d): return (Double(d), nil)
            default: return nil
            }
        }
        if let x = number(a), let y = number(b) {
            let z = op.apply(x.0, y.0)
            return .number(z, BaseForm.combining(op, x, y, value: z, base: base))
        }
        // None stays None through arithmetic, so `coalesce(x, y / base)` works when y is None.
        if case .none = a { return .none }
        if case .none = b { return .none }
        if op == .add, case .list(let xs) = a, case .list(let ys) = b { return .list(xs + ys) }
        return .schedule(.combine(op, try Checker.schedule(a, ar), try Checker.schedule(b, br)))
    }

    // MARK: - calls

    mutating func call(_ f: Value, calleeName: String, _ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        switch f {
        case .builtin(Checker.sgdrName):
            return try sgdr(args, range, env)
        case .builtin("dict"):
            // dict(k=v, ...): a map from names to values, as Python writes keyword dicts.
            var entries: [(key: Value, value: Value)] = []
            for a in args {
                guard let label = a.label else { throw .error(.argumentType, "dict(...) takes only named entries, such as dict(a=1)", at: a.range) }
                entries.append((.string(label), try evaluate(a.value, env)))
            }
            return .map(entries)
        case .builtin(let name):
            return try callBuiltin(Builtins.lookup(name)!, args, range, env)
        case .function(let c):
            return try callClosure(c, args, range, env)
        default:
            throw .error(.notCallable, "'\(calleeName)' is \(f.typeName), which cannot be called", at: range)
        }
    }

    /// Binds arguments to parameter names: positional first, then `name=value`,
    /// `name: value` or `name value`.
    mutating func bind(_ params: [String], variadic: Bool, _ args: [CallArgument], callee: String, _ env: Env)
        throws(CheckError) -> (values: NameMap<(Value, SourceRange)>, extra: [(Value, SourceRange)]) {
        var out: NameMap<(Value, SourceRange)> = [:]
        var extra: [(Value, SourceRange)] = []
        var position = 0
        var sawNamed = false
        for arg in args {
            var label = arg.label
            var valueExpr = arg.value
            if label == nil, case .call(let c, let inner, true) = arg.value.kind, case .name(let n) = c.kind,
               params.contains(n), inner.count == 1 {
                label = n
                valueExpr = inner[0].value
            }
            if let label {
                guard params.contains(label) else {
                    throw .error(.unknownParameter, "'\(callee)' has no parameter \(quoted(label))\(suggestion(for: label, among: params))",
                                 at: arg.labelRange ?? arg.range)
                }
                if out[label] != nil { throw .error(.duplicateArgument, "argument '\(label)' is given twice", at: arg.range) }
                out[label] = (try evaluate(valueExpr, env), valueExpr.range)
                sawNamed = true
            } else {
                if sawNamed { throw .error(.positionalAfterNamed, "a positional argument cannot follow a named one", at: arg.range) }
                let v = (try evaluate(valueExpr, env), valueExpr.range)
                if position < params.count {
                    out[params[position]] = v
                } else if variadic {
                    extra.append(v)
                } else {
                    throw .error(.tooManyArguments, "'\(callee)' takes at most \(params.count) argument\(params.count == 1 ? "" : "s"), got \(args.count)", at: arg.range)
                }
                position += 1
            }
        }
        return (out, extra)
    }

    mutating func callBuiltin(_ spec: BuiltinSpec, _ args: [CallArgument], _ range: SourceRange, _ env: Env,
                              prebound: NameMap<(Value, SourceRange)>? = nil) throws(CheckError) -> Value {
        let bound: NameMap<(Value, SourceRange)>, extra: [(Value, SourceRange)]
        if let prebound {
            (bound, extra) = (prebound, [])
        } else {
            (bound, extra) = try bind(spec.params.map(\.name), variadic: spec.variadic, args, callee: spec.name, env)
        }
        if spec.kind == .function {
            return try callFunction(spec, bound, extra, range)
        }
        var values: NameMap<Value> = [:]
        var ranges: NameMap<SourceRange> = [:]
        for p in spec.params {
            if let (v, r) = bound[p.name] {
                if case .none = v, p.defaultValue == .absent || p.defaultValue == .nextPhase { continue }
                values[p.name] = try convert(v, to: p, of: spec.name, r)
                ranges[p.name] = r
                continue
            }
            switch p.defaultValue {
            case .required:
                throw .error(.missingArgument, "missing argument '\(p.name)' for '\(spec.name)'", at: range)
            case .number(let x): values[p.name] = p.type == .duration || p.type == .integer ? .duration(Int(x)) : .number(x)
            case .base: values[p.name] = .number(settings.base, .base)
            case .string(let s): values[p.name] = .string(s)
            case .bool(let b): values[p.name] = .bool(b)
            case .absent, .nextPhase: break
            }
        }
        // Inside a compatibility constructor, every place is the user's call.
        if let call = preludeCall { for (k, _) in ranges { ranges[k] = call } }
        var args = BoundArguments(values: values, ranges: ranges, callRange: preludeCall ?? range, base: settings.base)
        args.extra = extra.map(\.0)
        let result = try spec.build(args)
        // Helpers pass values through, forms and all; schedules and conditions keep or guard them.
        return spec.kind == .helper ? result : attachingSymbols(result, spec, values, ranges, range)
    }

    /// Gives the schedule a builtin built the base forms of its number
    /// parameters, so it can be rebuilt at another base. A number that shapes
    /// the schedule (a restart's `mult`, a plateau's threshold) is guarded
    /// instead: it must stay the same.
    mutating func attachingSymbols(_ result: Value, _ spec: BuiltinSpec, _ values: NameMap<Value>,
                                   _ ranges: NameMap<SourceRange>, _ call: SourceRange) -> Value {
        // Most calls take no number that follows the base: nothing to do.
        func follows(_ v: Value) -> Bool {
            switch v {
            case .number(_, let form): return form != nil
            case .list(let items): return items.contains(where: follows)
            default: return false
            }
        }
        let implicit = spec.params.contains { $0.defaultValue == .nextPhase && values[$0.name] == nil }
        guard implicit || values.contains(where: { follows($0.value) }) else { return result }
        // The numbers a node kind can carry in base form; any other is guarded.
        let carried: Set<String>
        switch result {
        case .schedule(.primitive(let p, _)): carried = Set(p.parameters.map(\.0))
        case .schedule(.reduceOnPlateau): carried = ["factor", "min", "eps", "from"]
        case .schedule(.restarts): carried = ["decay", "floor"]
        default: carried = []
        }
        var symbols: BaseSymbols = [:]
        for p in spec.params {
            if case .number(let x, let form?)? = values[p.name] {
                if carried.contains(p.name) {
                    symbols[p.name] = form.expr
                } else {
                    record(BaseGuard(expr: form.expr, rule: .equals(x), what: "argument '\(p.name)' of '\(spec.name)'",
                                     range: ranges[p.name] ?? call))
                }
            } else if case .list(let items)? = values[p.name] {
                // A list of numbers (piecewise values) keeps each item's form as `name.i`.
                for (i, item) in items.enumerated() {
                    guard case .number(let x, let form?) = item else { continue }
                    if carried.contains(p.name) {
                        symbols["\(p.name).\(i)"] = form.expr
                    } else {
                        record(BaseGuard(expr: form.expr, rule: .equals(x), what: "item \(i + 1) of argument '\(p.name)' of '\(spec.name)'",
                                         range: ranges[p.name] ?? call))
                    }
                }
            } else if values[p.name] == nil, p.defaultValue == .nextPhase, carried.contains(p.name) {
                symbols[p.name] = .base  // the target when no phase follows
            }
        }
        guard !symbols.isEmpty, case .schedule(let node) = result else { return result }
        switch node {
        case .primitive(let p, _): return .schedule(.primitive(p, symbols))
        case .reduceOnPlateau(let r, _): return .schedule(.reduceOnPlateau(r, symbols))
        case .restarts(let r, _): return .schedule(.restarts(r, symbols))
        default: return result
        }
    }

    /// Math functions fold on numbers and build pointwise nodes on schedules.
    func callFunction(_ spec: BuiltinSpec, _ bound: NameMap<(Value, SourceRange)>, _ extra: [(Value, SourceRange)],
                      _ range: SourceRange) throws(CheckError) -> Value {
        var operands: [(Value, SourceRange)] = []
        for p in spec.params {
            guard let v = bound[p.name] else {
                throw .error(.missingArgument, "'\(spec.name)' needs \(spec.params.count == 1 ? "an argument" : "at least two arguments")", at: range)
            }
            operands.append(v)
        }
        operands += extra
        if let f = MathFunction(rawValue: spec.name) {
            let (v, r) = operands[0]
            if case .number(let x, let form) = v {
                let y = f.apply(x)
                return .number(y, form?.applying(f, value: y, base: settings.base))
            }
            return .schedule(.apply(f, try Checker.schedule(v, r)))
        }
        let op: Combine = spec.name == "min" ? .min : spec.name == "max" ? .max : .mod
        var acc = operands[0].0
        for (v, r) in operands.dropFirst() { acc = try Checker.combine(op, acc, range, v, r, base: settings.base) }
        return acc
    }

    /// Checks a value against a parameter's type and range. A number that
    /// follows the base is guarded: at another base it must pass the same
    /// checks, and a count or length must stay the same.
    mutating func convert(_ v: Value, to p: ParamSpec, of callee: String, _ r: SourceRange) throws(CheckError) -> Value {
        if case .number(let x, let form?) = v {
            let what = "argument '\(p.name)' of '\(callee)'"
            switch p.type {
            case .number:
                record(BaseGuard(expr: form.expr, rule: .finite, what: what, range: r))
                if p.constraint != .any { record(BaseGuard(expr: form.expr, rule: .constraint(p.constraint), what: what, range: r)) }
            case .integer, .duration:
                record(BaseGuard(expr: form.expr, rule: .equals(x), what: what, range: r))
            default: break
            }
        }
        func mismatch() -> CheckError {
            .error(.argumentType, "argument '\(p.name)' of '\(callee)' expects \(p.type.description), got \(v.typeName)", at: r)
        }
        func checkRange(_ x: Double) throws(CheckError) {
            if let why = p.constraint.violation(x) { throw .error(.argumentRange, "argument '\(p.name)' of '\(callee)' \(why)", at: r) }
        }
        switch p.type {
        case .number:
            let x: Double
            switch v {
            case .number(let y, _): x = y
            case .duration(let d): x = Double(d)
            case .schedule:
                throw .error(.argumentType, "argument '\(p.name)' of '\(callee)' expects a number, got a schedule that changes with t", at: r)
            default: throw mismatch()
            }
            if x.isInfinite { throw .error(.argumentRange, "argument '\(p.name)' of '\(callee)' must be finite", at: r) }
            try checkRange(x)
            if case .number = v { return v }  // with its form
            return .number(x)
        case .integer:
            guard case .number(let x, _) = v else {
                if case .duration(let d) = v { try checkRange(Double(d)); return .duration(d) }
                throw mismatch()
            }
            guard x == x.rounded(), x.magnitude < 1e15 else {
                throw .error(.argumentType, "argument '\(p.name)' of '\(callee)' must be a whole number, got \(fmt(x))", at: r)
            }
            try checkRange(x)
            return .duration(Int(x))
        case .duration:
            let d: Int
            switch v {
            case .duration(let x): d = x
            case .number(let x, _):
                guard x == x.rounded(), x.magnitude < 1e15 else {
                    throw .error(.argumentType, "argument '\(p.name)' of '\(callee)' must be a whole number of steps, got \(fmt(x))", at: r)
                }
                d = Int(x)
            default: throw mismatch()
            }
            try checkRange(Double(d))
            if d < 0 { throw .error(.argumentRange, "argument '\(p.name)' of '\(callee)' cannot be negative", at: r) }
            return .duration(d)
        case .schedule:
            switch v {
            case .schedule, .number, .duration: return v
            default: throw mismatch()
            }
        case .bool:
            guard case .bool = v else { throw mismatch() }
            return v
        case .choice(let choices):
            guard case .string(let s) = v else { throw mismatch() }
            guard choices.contains(s) else {
                throw .error(.argumentType, "argument '\(p.name)' of '\(callee)' must be \(p.type.description); got \(JSONValue.quote(s.count > 60 ? String(s.prefix(60)) + "…" : s))\(suggestion(for: s, among: choices))", at: r)
            }
            return v
        case .string:
            guard case .string = v else { throw mismatch() }
            return v
        case .list:
            guard case .list = v else { throw mismatch() }
            return v
        case .map:
            guard case .map = v else { throw mismatch() }
            return v
        case .any:
            return v
        case .none:
            guard case .none = v else {
                let why = p.name.hasPrefix("noise")
                    ? " (the noise comes from torch's random generator, which cannot be reproduced outside torch)" : ""
                throw .error(.unsupportedArgument, "argument '\(p.name)' of '\(callee)' is not supported by Ramp; leave it as None\(why)", at: r)
            }
            return v
        case .numbers, .durations:
            guard case .list(let xs) = v else { throw mismatch() }
            var out: [Value] = []
            for x in xs {
                if p.type == .numbers {
                    guard case .number = x else {
                        throw .error(.argumentType, "argument '\(p.name)' of '\(callee)' expects a list of numbers, found \(x.typeName)", at: r)
                    }
                    out.append(x)
                } else {
                    out.append(.duration(try duration(x, r)))
                }
            }
            return .list(out)
        }
    }

    mutating func callClosure(_ c: Closure, _ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        let label = c.name ?? "lambda"
        if let name = c.name, let i = expanding.firstIndex(of: name) {
            let path = expanding[i...] + [name]
            let how = path.count == 2 ? "'\(name)' calls itself" : "'\(name)' calls itself through " + path.dropFirst().dropLast().map { "'\($0)'" }.joined(separator: ", ")
            throw .error(.recursiveDefinition, "recursive definition: \(how)", at: range)
        }
        guard expanding.count < Checker.maxExpansion else {
            throw .error(.expansionLimit, "definitions nest deeper than the limit of \(Checker.maxExpansion)", at: range)
        }
        let (bound, _) = try bind(c.params.map(\.name), variadic: false, args, callee: label, env)
        return try callClosure(c, bound: bound, range)
    }

    /// Calls a function with a keyword dict, as Python's `f(**kwargs)`.
    mutating func callClosure(_ c: Closure, keywords: [String: Value], _ range: SourceRange) throws(CheckError) -> Value {
        let label = c.name ?? "lambda"
        var bound: NameMap<(Value, SourceRange)> = [:]
        for (k, v) in keywords {
            guard c.params.contains(where: { $0.name == k }) else {
                throw .error(.unknownParameter, "'\(label)' has no parameter \(quoted(k))\(suggestion(for: k, among: c.params.map(\.name)))", at: range)
            }
            bound[k] = (v, range)
        }
        return try callClosure(c, bound: bound, range)
    }

    mutating func callClosure(_ c: Closure, bound: NameMap<(Value, SourceRange)>, _ range: SourceRange) throws(CheckError) -> Value {
        let label = c.name ?? "lambda"
        var inner = c.captured
        for (i, p) in c.params.enumerated() {
            let spec = i < c.specs.count ? c.specs[i] : nil
            var given = bound[p.name]
            // None for a parameter with a default means the default, as in Python APIs.
            if case .none? = given?.0, p.defaultValue != nil, spec?.type != ParamType.none, spec?.type != .any { given = nil }
            if let (v, r) = given {
                inner[p.name] = try spec.map { s throws(CheckError) in try self.convert(v, to: s, of: label, r) } ?? v
            } else if let d = p.defaultValue {
                inner[p.name] = try evaluate(d, inner)
            } else {
                throw .error(.missingArgument, "missing argument '\(p.name)' for '\(label)'", at: range)
            }
        }
        // Lambdas count toward the depth too: `let f = lambda e: f(e)` recurses without a name.
        expanding.append(c.name ?? "(lambda)")
        defer { expanding.removeLast() }
        // Only the outermost prelude call relocates errors: inside it, ranges
        // are the prelude's own text, not the user's.
        guard c.isPrelude, !inPrelude else { return try evaluate(c.body, inner) }
        preludeCall = range
        defer { preludeCall = nil }
        do {
            return try evaluate(c.body, inner)
        } catch {
            guard let d = error.diagnostic else { throw error }
            throw .error(d.kind, "in '\(label)': \(d.message)", at: range)
        }
    }

    // MARK: - sequences

    /// Builds `a then b until c then d for 10`.
    mutating func sequence(_ items: [Expr], _ env: Env) throws(CheckError) -> Node {
        var phases: [Phase] = []
        for item in items {
            var e = item
            var bound: Int?
            var conditions: [Condition] = []
            peel: while true {
                switch e.kind {
                case .until(let body, let c):
                    let value = try evaluate(c, env)
                    conditions.insert(try condition(value, c.range), at: 0)
                    e = body
                case .bounded(let body, let d):
                    let value = try evaluate(d, env)
                    let n = try duration(value, d.range)
                    guard n >= 1 else { throw .error(.emptyPhase, "a phase must last at least 1 step", at: d.range) }
                    if bound != nil { throw .error(.lengthTwice, "this phase already has a length", at: d.range) }
                    bound = n
                    e = body
                default: break peel
                }
            }
            let value = try evaluate(e, env)
            let body = try Checker.measured(try Checker.schedule(value, e.range), e.range)
            let cond = conditions.dropFirst().reduce(conditions.first) { acc, c in acc.map { .any($0, c) } }
            // A condition that is only a duration is a length.
            var explicit = bound != nil
            var finalCondition = cond
            if case .elapsed(let n)? = cond {
                bound = bound.map { min($0, n) } ?? n
                explicit = true
                finalCondition = nil
            }
            phases.append(Phase(body: body, bound: bound ?? body.duration, explicitBound: explicit,
                                condition: finalCondition, slots: 0..<0, range: preludeCall ?? item.range))
        }
        // A phase of length 0 (`warmup 0`) is never in force.
        if phases.count > 1 { phases.removeAll { $0.bound == 0 && $0.condition == nil } }
        if phases.isEmpty { throw .error(.emptyPhase, "every phase of this sequence has length 0", at: items[0].range) }
        if phases.count == 1, phases[0].condition == nil, !phases[0].explicitBound { return phases[0].body }
        Phase.resolveImplicitTargets(&phases)
        for (i, p) in phases.enumerated() where i < phases.count - 1 {
            if p.bound == nil, p.condition == nil, !p.body.canFinish {
                throw .error(.unreachablePhase, "this phase never ends, so the next is unreachable; bound it with `for` or `until`", at: p.range)
            }
        }
        return .sequence(PhaseSequence.make(phases))
    }

    /// Enforces the size and depth limits before anything walks a tree recursively.
    static func measured(_ n: Node, _ range: SourceRange) throws(CheckError) -> Node {
        let (size, depth) = n.measure(cap: Checker.maxNodes)
        if size > Checker.maxNodes {
            throw .error(.tooLarge, "this schedule is too large (more than \(Checker.maxNodes) parts once expanded)", at: range)
        }
        if depth > Checker.maxDepth {
            throw .error(.tooDeep, "this schedule nests deeper than the limit of \(Checker.maxDepth) once expanded", at: range)
        }
        return n
    }

    /// An output's schedule, as a sequence of at least one phase.
    static func topLevel(_ v: Value, _ range: SourceRange) throws(CheckError) -> Node {
        let n = try Checker.measured(try Checker.schedule(v, range), range)
        if case .sequence = n { return n }
        return .sequence(PhaseSequence.make([Phase(body: n, bound: n.duration, explicitBound: false, condition: nil, slots: 0..<0, range: range)]))
    }

    // MARK: - finishing

    mutating func finish(lr: Node, lrRange: SourceRange, momentum: (Node, SourceRange)?) throws(CheckError) -> CompiledProgram {
        try CompiledProgram.assemble(settings: settings, lr: lr, momentum: momentum?.0, source: file, guards: guards)
    }

    // MARK: - names inside definitions

    /// Reports unknown names in a `def` body even when it is never called.
    /// `bound` is a short list (a function's parameters), searched in order.
    func checkNames(in e: Expr, bound: [String]) throws(CheckError) {
        var stack: [(Expr, [String])] = [(e, bound)]
        while let (e, bound) = stack.popLast() {
            switch e.kind {
            case .number, .duration, .string, .path: break
            case .name(let n):
                if bound.contains(n) || globals[n] != nil || poisoned.contains(n) || definedAt[n] != nil || letNames.contains(n) { break }
                if Builtins.lookup(n) != nil || Builtins.specials.contains(where: { $0.name == n }) || Parser.settingNames.contains(n) { break }
                throw .error(.unknownName, "unknown name \(quoted(n))\(suggestion(for: n, among: Array(bound) + Array(globals.keys) + Builtins.allNames))", at: e.range)
            case .call(let callee, let args, _):
                stack.append((callee, bound))
                for a in args {
                    // `name value` inside a call may be a named argument: check only the value.
                    if a.label == nil, case .call(let c, let inner, true) = a.value.kind, case .name = c.kind, inner.count == 1 {
                        stack.append((inner[0].value, bound))
                    } else {
                        stack.append((a.value, bound))
                    }
                }
            case .unary(_, let a), .not(let a): stack.append((a, bound))
            case .binary(_, let a, let b), .compare(_, let a, let b), .logical(_, let a, let b),
                 .until(let a, let b), .bounded(let a, let b):
                stack.append((a, bound)); stack.append((b, bound))
            case .list(let xs), .sequence(let xs): for x in xs { stack.append((x, bound)) }
            case .map(let es): for en in es { stack.append((en.key, bound)); stack.append((en.value, bound)) }
            case .lambda(let ps, let body): stack.append((body, bound + ps))
            }
        }
    }
}

/// ", did you mean 'x'?" when a close name exists.
func suggestion(for name: String, among candidates: [String]) -> String {
    // Names are short; a long one is compared by prefix alone, so a hostile
    // identifier costs no quadratic edit distance.
    guard name.utf8.count <= 64 else { return "" }
    let limit = max(1, name.count / 3)
    var best: (String, Int)?
    for c in Set(candidates) where c != name && abs(c.count - name.count) <= limit {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, d < name.count, d < (best?.1 ?? .max) || (d == best?.1 && c < best!.0) { best = (c, d) }
    }
    if best == nil, name.count >= 3 {
        // `peak` for `peak_value`: a name that starts another.
        let lower = name.lowercased()
        best = Set(candidates).filter { $0 != name && $0.lowercased().hasPrefix(lower) }
            .min { ($0.count, $0) < ($1.count, $1) }.map { ($0, 0) }
    }
    return best.map { "; did you mean '\($0.0)'?" } ?? ""
}

/// Edits (insert, delete, replace, swap two neighbours) from one name to another.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}
