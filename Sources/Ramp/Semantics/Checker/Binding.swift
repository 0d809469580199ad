/// Calls: binding arguments to parameters, checking them, and expanding
/// builtins, definitions and lambdas.
extension Checker {
    // MARK: - calls

    mutating func call(_ f: Value, calleeName: String, _ args: [CallArgument], _ range: SourceRange, _ env: Env)
        throws(CheckError) -> Value
    {
        switch f {
        case .builtin(Compat.sgdrName):
            return try sgdr(args, range, env)
        case .builtin("dict"):
            // dict(k=v, ...): a map from names to values, as Python writes keyword dicts.
            var entries: [(key: Value, value: Value)] = []
            for a in args {
                guard let label = a.label else { throw .error(.dictTakesNamedEntries, at: a.range) }
                entries.append((.string(label), try evaluate(a.value, env)))
            }
            return .map(entries)
        case .builtin(let name):
            return try callBuiltin(Builtins.lookup(name)!, args, range, env)
        case .function(let c):
            return try callClosure(c, args, range, env)
        default:
            throw .error(.notCallable(calleeName, is: f.typeName), at: range)
        }
    }

    /// Binds arguments to parameter names: positional first, then `name=value`,
    /// `name: value` or `name value`.
    mutating func bind(_ params: [String], variadic: Bool, _ args: [CallArgument], callee: String, _ env: Env)
        throws(CheckError) -> (values: NameMap<(Value, SourceRange)>, extra: [(Value, SourceRange)])
    {
        let bound = bindEach(params, variadic: variadic, args, callee: callee, env)
        try bound.errors.check()
        return (bound.values, bound.extra)
    }

    /// Binds every argument it can, gathering the errors of the others (an
    /// unknown parameter, a value that does not check), so a call reports each.
    /// `failed` names the parameters whose argument was given but did not check.
    mutating func bindEach(_ params: [String], variadic: Bool, _ args: [CallArgument], callee: String, _ env: Env)
        -> (
            values: NameMap<(Value, SourceRange)>, extra: [(Value, SourceRange)], errors: CheckErrors,
            failed: Set<String>, unknownLabel: Bool
        )
    {
        var out: NameMap<(Value, SourceRange)> = [:]
        var extra: [(Value, SourceRange)] = []
        var errors = CheckErrors()
        var failed: Set<String> = []
        var failedNamed: Set<String> = []
        var unknownLabel = false
        var position = 0
        var sawNamed = false
        for arg in args {
            var label = arg.label
            var valueExpr = arg.value
            if label == nil, case .call(let c, let inner, true) = arg.value.kind, case .name(let n) = c.kind,
                params.contains(n), inner.count == 1
            {
                label = n
                valueExpr = inner[0].value
            }
            do throws(CheckError) {
                if let label {
                    guard params.contains(label) else {
                        unknownLabel = true
                        errors.add(
                            .error(
                                .unknownParameter(callee, label, hint: suggestion(for: label, among: params)),
                                at: arg.labelRange ?? arg.range))
                        // Its value is still checked: an error inside it is an error of its own.
                        _ = try evaluate(valueExpr, env)
                        continue
                    }
                    // A positional argument that did not check may not have been meant for this parameter: only
                    // a value given for it twice is reported.
                    if out[label] != nil || failedNamed.contains(label) {
                        throw .error(.duplicateArgument(label), at: arg.range)
                    }
                    sawNamed = true
                    failed.insert(label)
                    failedNamed.insert(label)
                    out[label] = (try evaluate(valueExpr, env), valueExpr.range)
                    failed.remove(label)
                    failedNamed.remove(label)
                } else {
                    if sawNamed { throw .error(.positionalAfterNamed, at: arg.range) }
                    position += 1
                    let name = position <= params.count ? params[position - 1] : nil
                    if let name { failed.insert(name) }
                    let v = (try evaluate(valueExpr, env), valueExpr.range)
                    if let name {
                        failed.remove(name)
                        out[name] = v
                    } else if variadic {
                        extra.append(v)
                    } else {
                        throw .error(.tooManyArguments(callee, takes: params.count, got: args.count), at: arg.range)
                    }
                }
            } catch {
                errors.add(error)
            }
        }
        return (out, extra, errors, failed, unknownLabel)
    }

    mutating func callBuiltin(
        _ spec: BuiltinSpec, _ args: [CallArgument], _ range: SourceRange, _ env: Env,
        prebound: NameMap<(Value, SourceRange)>? = nil
    ) throws(CheckError) -> Value {
        let bound: NameMap<(Value, SourceRange)>
        let extra: [(Value, SourceRange)]
        var errors = CheckErrors()
        var failed: Set<String> = []
        var unknownLabel = false
        if let prebound {
            (bound, extra) = (prebound, [])
        } else {
            (bound, extra, errors, failed, unknownLabel) = bindEach(
                spec.params.map(\.name), variadic: spec.variadic, args, callee: spec.name, env)
        }
        if spec.kind == .function {
            try errors.check()
            return try callFunction(spec, bound, extra, range)
        }
        var values: NameMap<Value> = [:]
        var ranges: NameMap<SourceRange> = [:]
        // Each argument is checked on its own, after one that did not check: every error of the call is reported.
        for p in spec.params {
            if let (v, r) = bound[p.name] {
                if case .none = v, p.defaultValue == .absent || p.defaultValue == .nextPhase { continue }
                do throws(CheckError) { values[p.name] = try convert(v, to: p, of: spec.name, r) } catch {
                    errors.add(error)
                }
                ranges[p.name] = r
                continue
            }
            // A misspelt name stands for the missing argument: one error, not two.
            if failed.contains(p.name) || (unknownLabel && p.defaultValue == .required) { continue }
            switch p.defaultValue {
            case .required:
                errors.add(.error(.missingArgument(p.name, for: spec.name), at: range))
            case .number(let x):
                values[p.name] = p.type == .duration || p.type == .integer ? .duration(Int(x)) : .number(x)
            case .base: values[p.name] = .number(settings.base, .base)
            case .string(let s): values[p.name] = .string(s)
            case .bool(let b): values[p.name] = .bool(b)
            case .absent, .nextPhase: break
            }
        }
        try errors.check()
        // Inside a compatibility constructor, every place is the user's call.
        if let call = preludeCall { for (k, _) in ranges { ranges[k] = call } }
        var args = BoundArguments(values: values, ranges: ranges, callRange: preludeCall ?? range, base: settings.base)
        args.settings = settings
        args.extra = extra.map(\.0)
        let result = try spec.build(args)
        // Helpers pass values through, forms and all; schedules and conditions keep or guard them.
        return spec.kind == .helper ? result : try attachingSymbols(result, spec, values, ranges, range)
    }

    /// Gives the schedule a builtin built the base forms of its number
    /// parameters, so it can be rebuilt at another base. A number that shapes
    /// the schedule (a restart's `mult`, a plateau's threshold) is guarded
    /// instead: it must stay the same.
    mutating func attachingSymbols(
        _ result: Value, _ spec: BuiltinSpec, _ values: NameMap<Value>,
        _ ranges: NameMap<SourceRange>, _ call: SourceRange
    ) throws(CheckError) -> Value {
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
            // A value fixed at entry sets a shape's parameters, which are built again when the phase starts.
            func refuseEntry(_ form: BaseForm) throws(CheckError) {
                guard form.expr.readsEntry else { return }
                // A step count fixed at entry may be a shape's length `T`, or any count of a shape without a length.
                if case .schedule(.primitive(let shape, _)) = result, carried.contains(p.name),
                    p.type == .number || p.name == "T" || shape.duration == nil
                {
                    return
                }
                throw .error(.entrySetsArgument(p.name, of: spec.name), at: preludeCall ?? ranges[p.name] ?? call)
            }
            if case .list(let items)? = values[p.name] {
                for case .number(_, let form?) in items where form.expr.readsEntry {
                    throw .error(.entryInList(p.name, of: spec.name), at: preludeCall ?? ranges[p.name] ?? call)
                }
            }
            if case .number(let x, let form?)? = values[p.name] {
                try refuseEntry(form)
                if carried.contains(p.name) {
                    symbols[p.name] = form.expr
                } else {
                    try record(
                        BaseGuard(
                            expr: form.expr, rule: .equals(x), what: "argument '\(p.name)' of '\(spec.name)'",
                            range: ranges[p.name] ?? call))
                }
            } else if case .list(let items)? = values[p.name] {
                // A list of numbers (piecewise values) keeps each item's form as `name.i`.
                for (i, item) in items.enumerated() {
                    guard case .number(let x, let form?) = item else { continue }
                    if carried.contains(p.name) {
                        symbols["\(p.name).\(i)"] = form.expr
                    } else {
                        try record(
                            BaseGuard(
                                expr: form.expr, rule: .equals(x),
                                what: "item \(i + 1) of argument '\(p.name)' of '\(spec.name)'",
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
    func callFunction(
        _ spec: BuiltinSpec, _ bound: NameMap<(Value, SourceRange)>, _ extra: [(Value, SourceRange)],
        _ range: SourceRange
    ) throws(CheckError) -> Value {
        var operands: [(Value, SourceRange)] = []
        for p in spec.params {
            guard let v = bound[p.name] else {
                throw .error(.needsArguments(spec.name, atLeastTwo: spec.params.count != 1), at: range)
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
    mutating func convert(_ v: Value, to p: ParamSpec, of callee: String, _ r: SourceRange) throws(CheckError) -> Value
    {
        // A value fixed at entry is checked once the program is assembled, over
        // the range its inputs can take; a step count is rounded as at entry.
        if case .number(let x, let form?) = v, form.expr.readsEntry {
            switch p.type {
            case .number, .schedule, .any: return v
            case .integer, .duration: return .number(Double(EntryPlan.steps(x)), form)
            default: break
            }
        }
        if case .number(let x, let form?) = v {
            let what = "argument '\(p.name)' of '\(callee)'"
            switch p.type {
            case .number:
                try record(BaseGuard(expr: form.expr, rule: .finite, what: what, range: r))
                if p.constraint != .any {
                    try record(BaseGuard(expr: form.expr, rule: .constraint(p.constraint), what: what, range: r))
                }
            case .integer, .duration:
                try record(BaseGuard(expr: form.expr, rule: .equals(x), what: what, range: r))
            default: break
            }
        }
        func mismatch() -> CheckError {
            .error(.argumentType(p.name, of: callee, expects: p.type.description, got: v.typeName), at: r)
        }
        func checkRange(_ x: Double) throws(CheckError) {
            if let why = p.constraint.violation(x) { throw .error(.argumentRange(p.name, of: callee, why), at: r) }
        }
        switch p.type {
        case .number:
            let x: Double
            switch v {
            case .number(let y, _): x = y
            case .duration(let d): x = Double(d)
            case .schedule:
                throw .error(.argumentChangesWithT(p.name, of: callee), at: r)
            default: throw mismatch()
            }
            if x.isInfinite { throw .error(.argumentNotFinite(p.name, of: callee), at: r) }
            try checkRange(x)
            if case .number = v { return v }  // with its form
            return .number(x)
        case .integer:
            guard case .number(let x, _) = v else {
                if case .duration(let d) = v {
                    try checkRange(Double(d))
                    return .duration(d)
                }
                throw mismatch()
            }
            guard x == x.rounded(), x.magnitude < 1e15 else {
                throw .error(.notWholeNumber(p.name, of: callee, x), at: r)
            }
            try checkRange(x)
            return .duration(Int(x))
        case .duration:
            let d: Int
            switch v {
            case .duration(let x): d = x
            case .number(let x, _):
                guard x == x.rounded(), x.magnitude < 1e15 else {
                    throw .error(.notWholeSteps(p.name, of: callee, x), at: r)
                }
                d = Int(x)
            default: throw mismatch()
            }
            try checkRange(Double(d))
            if d < 0 { throw .error(.argumentNegative(p.name, of: callee), at: r) }
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
                let hint = suggestion(for: s, among: choices)
                throw .error(.notAChoice(p.name, of: callee, expects: p.type.description, got: s, hint: hint), at: r)
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
                throw .error(.unsupportedArgument(p.name, of: callee, why: Compat.unsupportedReason(p.name)), at: r)
            }
            return v
        case .numbers, .durations:
            guard case .list(let xs) = v else { throw mismatch() }
            var out: [Value] = []
            for x in xs {
                if p.type == .numbers {
                    guard case .number = x else {
                        throw .error(.expectsListOfNumbers(p.name, of: callee, found: x.typeName), at: r)
                    }
                    out.append(x)
                } else {
                    out.append(.duration(try duration(x, r)))
                }
            }
            return .list(out)
        }
    }

    mutating func callClosure(_ c: Closure, _ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError)
        -> Value
    {
        let label = c.name ?? "lambda"
        if let name = c.name, let i = expanding.firstIndex(of: name) {
            let path = expanding[i...] + [name]
            throw .error(.recursiveDefinition(Array(path)), at: range)
        }
        guard expanding.count < Checker.maxExpansion else {
            throw .error(.expansionLimit(Checker.maxExpansion), at: range)
        }
        let (bound, _) = try bind(c.params.map(\.name), variadic: false, args, callee: label, env)
        return try callClosure(c, bound: bound, range)
    }

    /// Calls a function with a keyword dict, as Python's `f(**kwargs)`.
    mutating func callClosure(_ c: Closure, keywords: [String: Value], _ range: SourceRange) throws(CheckError) -> Value
    {
        let label = c.name ?? "lambda"
        var bound: NameMap<(Value, SourceRange)> = [:]
        for (k, v) in keywords {
            guard c.params.contains(where: { $0.name == k }) else {
                let hint = suggestion(for: k, among: c.params.map(\.name))
                throw .error(.unknownParameter(label, k, hint: hint), at: range)
            }
            bound[k] = (v, range)
        }
        return try callClosure(c, bound: bound, range)
    }

    mutating func callClosure(_ c: Closure, bound: NameMap<(Value, SourceRange)>, _ range: SourceRange)
        throws(CheckError) -> Value
    {
        let label = c.name ?? "lambda"
        var inner = c.captured
        for (i, p) in c.params.enumerated() {
            let spec = i < c.specs.count ? c.specs[i] : nil
            var given = bound[p.name]
            // None for a parameter with a default means the default, as in Python APIs.
            if case .none? = given?.0, p.defaultValue != nil, spec?.type != ParamType.none, spec?.type != .any {
                given = nil
            }
            if let (v, r) = given {
                inner[p.name] = try spec.map { s throws(CheckError) in try self.convert(v, to: s, of: label, r) } ?? v
            } else if let d = p.defaultValue {
                inner[p.name] = try evaluate(d, inner)
            } else {
                throw .error(.missingArgument(p.name, for: label), at: range)
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
            throw .error(.inCompatConstructor(label, DiagnosticMessage(d)), at: range)
        }
    }
}
