/// Evaluating expressions: names, operators, coercions between values.
extension Checker {
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
            if case .name("current") = callee.kind, env["current"] == nil, globals["current"] == nil {
                return try currentOf(args, e.range, env)
            }
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
            case .floorDivide:
                // floor(a / b): numbers fold (a choice on the base is kept as the quotient it gave), schedules floor
                // pointwise.
                let (a, b) = try evaluateBoth(l, r, env)
                switch try Checker.combine(.divide, a, l.range, b, r.range, base: settings.base) {
                case .number(let q, let form):
                    if let form {
                        try record(
                            BaseGuard(expr: form.expr, rule: .equals(q), what: "the floor division", range: e.range))
                    }
                    return .number(q.rounded(.down))
                case .schedule(let n): return .schedule(.apply(.floor, n))
                case let other: return other
                }
            }
            let (a, b) = try evaluateBoth(l, r, env)
            return try Checker.combine(c, a, l.range, b, r.range, base: settings.base)
        case .compare(let op, let l, let r):
            // A whole-number argument (`integer`) arrives as a duration; it compares as its number.
            func plain(_ v: Value) -> Value {
                if case .duration(let d) = v { return .number(Double(d)) } else { return v }
            }
            let (x, y) = try evaluateBoth(l, r, env)
            let (a, b) = (plain(x), plain(y))
            // Two numbers compare now, giving a boolean for `if(...)`.
            if case .number(let x, let fx) = a, case .number(let y, let fy) = b {
                let result = op.holds(x, y)
                if fx != nil || fy != nil {
                    try record(
                        BaseGuard(
                            expr: fx?.expr ?? .constant(x), rule: .comparison(op, fy?.expr ?? .constant(y), result),
                            what: "the comparison", range: e.range))
                }
                return .bool(result)
            }
            // None equals only None (a library's default left in place: `end == none`).
            if op == .equal || op == .notEqual, case .none = a, true {
                if case .none = b { return .bool(op == .equal) } else { return .bool(op == .notEqual) }
            }
            if op == .equal || op == .notEqual, case .none = b, true { return .bool(op == .notEqual) }
            // Strings (a library's choice: `warmup_type == "log"`) compare for equality now.
            if case .string(let x) = a, case .string(let y) = b, op == .equal || op == .notEqual {
                return .bool((x == y) == (op == .equal))
            }
            return .condition(.compare(try Checker.operand(a, l.range), op, try Checker.operand(b, r.range)))
        case .logical(let op, let l, let r):
            let (x, y) = try evaluateBoth(l, r, env)
            let a = try condition(x, l.range)
            let b = try condition(y, r.range)
            return .condition(op == .and ? .all(a, b) : .any(a, b))
        case .not(let a):
            let x = try evaluate(a, env)
            return .condition(.not(try condition(x, a.range)))
        case .list(let items):
            var out: [Value] = []
            var errors = CheckErrors()
            for i in items {
                do throws(CheckError) { out.append(try evaluate(i, env)) } catch { errors.add(error) }
            }
            try errors.check()
            return .list(out)
        case .map(let entries):
            var out: [(key: Value, value: Value)] = []
            for en in entries { out.append((try evaluate(en.key, env), try evaluate(en.value, env))) }
            return .map(out)
        case .lambda(let params, let body):
            return .function(
                Closure(
                    name: nil, params: params.map { Parameter(name: $0, range: e.range, defaultValue: nil) },
                    body: body, captured: env, range: e.range))
        case .sequence(let items):
            return .schedule(try sequence(items, env))
        case .until, .bounded:
            return .schedule(try sequence([e], env))
        }
    }

    /// Both operands, each checked even when the other does not: a statement reports the errors of both.
    mutating func evaluateBoth(_ l: Expr, _ r: Expr, _ env: Env) throws(CheckError) -> (Value, Value) {
        var errors = CheckErrors()
        var a: Value?
        var b: Value?
        do throws(CheckError) { a = try evaluate(l, env) } catch { errors.add(error) }
        do throws(CheckError) { b = try evaluate(r, env) } catch { errors.add(error) }
        try errors.check()
        guard let a, let b else { throw .alreadyReported }
        return (a, b)
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
        case "current": return try entryValue(.current(checkingOutput ?? "lr"), "current", range)
        case "elapsed": return try entryValue(.elapsed, "elapsed", range)
        case "metric": return .signal(.metric)
        case "lr": return .signal(.lr)
        case _ where outputNames.contains(n): return .signal(.output(n))
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "none", "None": return .none
        case "nan", "NaN":
            throw .error(.notANumber, at: range)
        case "steps_per_epoch":
            if let s = settings.stepsPerEpoch { return .number(Double(s)) }
            throw .error(.stepsPerEpochNotSet, at: range)
        case "total":
            if let s = settings.total { return .duration(s) }
            throw .error(.totalNotSet, at: range)
        default: break
        }
        if Builtins.lookup(n) != nil || n == "dict" { return .builtin(n) }
        if Compat.optimizerNames.contains(n) {
            throw .error(.optimizerArgument, at: range)
        }
        let hint = suggestion(for: n, among: Array(env.keys) + Array(globals.keys) + Builtins.allNames)
        throw .error(.unknownName(n, hint: hint), at: range)
    }

    /// `current` or `elapsed`: a number fixed when its phase starts, known
    /// while checking only by its placeholder (`EntryInput.placeholder`).
    func entryValue(_ input: EntryInput, _ name: String, _ range: SourceRange) throws(CheckError) -> Value {
        if checkingLet {
            throw .error(.entryInLet(name), at: range)
        }
        guard entryScope, checkingOutput != nil else {
            throw .error(.entryInFirstPhase(name), at: range)
        }
        let form = BaseForm(expr: .entry(input), depth: 1)
        return .number(form.expr.value(base: settings.base), form)
    }

    /// `current("momentum")`: another output's value at the last step before the phase.
    mutating func currentOf(_ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        guard args.count == 1, args[0].label == nil else {
            throw .error(.currentTakesOneName, at: range)
        }
        let name: String
        switch try evaluate(args[0].value, env) {
        case .string(let s): name = s
        case .signal(.lr): name = "lr"
        case .signal(.output(let n)): name = n
        case let v: throw .error(.currentTakesName(got: v.typeName), at: args[0].range)
        }
        guard name == "lr" || outputNames.contains(name) else {
            throw .error(.currentOfUnscheduled(name), at: args[0].range)
        }
        return try entryValue(.current(name), "current", range)
    }

    mutating func lookupPath(_ parts: [String], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        let name = Compat.shortName(parts.joined(separator: "."))
        if let v = env[name] ?? globals[name] { return v }
        if name == Compat.sgdrName { return .builtin(name) }
        let dotted = globals.keys.filter { $0.contains(".") } + [Compat.sgdrName]
        throw .error(.unknownName(name, hint: suggestion(for: name, among: dotted)), at: range)
    }

    // MARK: - coercions (static: they read nothing of the checker)

    static func schedule(_ v: Value, _ range: SourceRange) throws(CheckError) -> Node {
        switch v {
        case .schedule(let n), .chainable(let n, _, _): return n
        case .number(let x, nil): return .constant(x)
        // A number that follows the base keeps how: a constant primitive carries it.
        case .number(let x, let form?): return .primitive(Constant(level: x), ["value": form.expr])
        case .duration(let d): return .constant(Double(d))
        case .signal(let s):
            throw .error(.signalOutsideCondition(s.name), at: range)
        case .groupFactors:
            throw .error(.layerDecayIsAStatement, at: range)
        case .withOutputs(_, let outputs):
            throw .error(.setsOutputsSoIsAStatement(outputs.map(\.name)), at: range)
        default:
            throw .error(.expectedSchedule(got: v.typeName, hint: callHint(v)), at: range)
        }
    }

    /// A schedule builtin named without its call (`constant`): the call it likely meant.
    static func callHint(_ v: Value) -> String {
        guard case .builtin(let name) = v, let spec = Builtins.lookup(name), spec.kind == .schedule else { return "" }
        let required = spec.params.filter { $0.defaultValue == .required }
        if required.isEmpty {
            let first = spec.params.first.map { $0.defaultValue == .base ? "base" : "" } ?? ""
            return "; did you mean '\(name)(\(first))'?"
        }
        return
            "; did you mean to call it, as in '\(name)(\(required.map { "\($0.name)=..." }.joined(separator: ", ")))'?"
    }

    mutating func condition(_ v: Value, _ range: SourceRange) throws(CheckError) -> Condition {
        switch v {
        case .condition(let c): return c
        case .duration(let d): return .elapsed(d)
        case .number(let x, let form) where x >= 0 && x == x.rounded() && x < 1e15:
            if let form {
                try record(
                    BaseGuard(expr: form.expr, rule: .equals(x), what: "the condition's step count", range: range))
            }
            return .elapsed(Int(x))
        default:
            throw .error(.expectedCondition(got: v.typeName), at: range)
        }
    }

    static func operand(_ v: Value, _ range: SourceRange) throws(CheckError) -> Operand {
        switch v {
        case .signal(.metric): return .metric
        case .signal(.lr): return .lr
        case .signal(.output(let n)): return .output(n)
        default:
            let n = try Checker.schedule(v, range)
            if n.isStateful { throw .error(.comparisonOfMetricDriven, at: range) }
            if n.readsEntry {
                throw .error(.entryInCondition, at: range)
            }
            return .node(n)
        }
    }

    mutating func duration(_ v: Value, _ range: SourceRange) throws(CheckError) -> Int {
        switch v {
        case .duration(let d): return d
        case .number(let x, let form):
            let steps = try resolve(x, .steps, range)
            if let form { try record(BaseGuard(expr: form.expr, rule: .equals(x), what: "the duration", range: range)) }
            return steps
        default: throw .error(.expectedDuration(got: v.typeName), at: range)
        }
    }

    /// `op(a, b)`: numbers fold (keeping how they follow the base), and
    /// anything else becomes a pointwise schedule.
    static func combine(_ op: Combine, _ a: Value, _ ar: SourceRange, _ b: Value, _ br: SourceRange, base: Double)
        throws(CheckError) -> Value
    {
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
}
