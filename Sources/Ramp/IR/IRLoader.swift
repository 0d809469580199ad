import Foundation

/// Why an IR document could not become a program: it is not well formed
/// (`malformed`, with the JSON path), or the program it describes does not
/// check (at the base asked for), located in the document's `source`.
public enum IRLoadError: Error, Sendable {
    case malformed(LoadError)
    case diagnostics(DiagnosticError, SourceFile)

    /// The message as the command line prints it.
    public var description: String {
        switch self {
        case .malformed(let e): return e.description
        case .diagnostics(let e, let file): return DiagnosticPrinter.render(e.diagnostics, in: file)
        }
    }
}

extension IR {
    /// Builds the program an IR document describes, from its tree alone, at
    /// its own base or at `base`. Every schedule part is built by the same
    /// builtin constructors the checker calls, so it is validated as a
    /// checked program is; numbers that follow the base are evaluated at the
    /// base asked for, after every decision taken on them is checked to come
    /// out the same there (`BaseGuard`). A version-1 document (which kept
    /// only its native program as text) is read by checking that text.
    public static func load(_ text: String, name: String, base: Double? = nil) throws(IRLoadError) -> CompiledProgram {
        let doc: JSONValue
        do { doc = try JSONValue.parse(text) } catch {
            throw .malformed(
                LoadError(
                    path: name, message: "not a readable Ramp IR document (\(error.message) at byte \(error.offset))"))
        }
        return try program(from: doc, name: name, base: base)
    }

    /// A checked program's tree read back, as every emitter reads its input: only what the IR carries.
    static func readBack(_ checked: CompiledProgram) throws(IRLoadError) -> CompiledProgram {
        try program(from: document(checked), name: checked.source.name, checkingRanges: false)
    }

    /// `checkingRanges: false` is for a document this process rendered from a checked program at its own base
    /// (`readBack`): its outputs were checked for values out of range when it was, and the tree read back is the
    /// same, so they are not range-checked (nor a chain replayed for it) again.
    public static func program(
        from doc: JSONValue, name: String, base: Double? = nil, checkingRanges: Bool = true
    ) throws(IRLoadError) -> CompiledProgram {
        guard case .number(let v)? = doc["ramp_ir"] else {
            throw .malformed(LoadError(path: name, message: "not a Ramp IR document (no \"ramp_ir\" version)"))
        }
        if v == 1 {
            guard case .string(let native)? = doc["native"] else {
                throw .malformed(LoadError(path: name, message: "the version-1 IR has no \"native\" program"))
            }
            let file = SourceFile(name: name, text: native)
            do { return try Compiler.compile(file, options: CheckOptions(base: base)) } catch {
                throw .diagnostics(error, file)
            }
        }
        // Version 2 is version 3 without outputs beyond lr and momentum.
        guard v == Double(version) || v == 2 else {
            throw .malformed(
                LoadError(
                    path: name,
                    message: "IR version \(fmt(v)) is not supported (this Ramp reads versions 1 to \(version))"))
        }
        var reader = Reader(name: name, checkingRanges: checkingRanges)
        return try reader.program(doc, base: base)
    }
}

extension CompiledProgram {
    /// The same program at another base: exactly what checking its source
    /// with `--base` gives, built from its IR without checking the source
    /// again. Refused, naming the place, when a length, count or comparison
    /// depends on the base.
    public func rebased(to base: Double) throws(DiagnosticError) -> CompiledProgram {
        do {
            return try IR.program(from: IR.document(self), name: source.name, base: base)
        } catch {
            switch error {
            case .diagnostics(let d, _): throw d
            case .malformed(let e):
                // The document is this program's own, so it is always well formed.
                throw DiagnosticError([.error(.rebaseFailed(e.message), at: SourceRange(0, 0))])
            }
        }
    }
}

/// Reads the tree of a version-2 or version-3 document.
private struct Reader {
    /// A name an output statement can give: an identifier, not a keyword nor
    /// a setting's name, or such a name and a parameter group (`lr[backbone]`, `lr[0]`).
    static func isOutputName(_ key: String) -> Bool {
        var name = Substring(key)
        if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
            let group = key[key.index(after: open)..<key.index(before: key.endIndex)]
            guard !group.isEmpty, !group.contains("["), !group.contains("]") else { return false }
            name = key[..<open]
        }
        guard let first = name.utf8.first, isIdentStart(first), name.utf8.allSatisfy(isIdentPart) else { return false }
        return !Builtins.keywords.contains(String(name)) && !Builtins.settings.contains { $0.name == name }
    }

    let name: String
    let checkingRanges: Bool
    var path: [String] = []
    /// Builds each part through the builtins, at the base being built (set per document).
    var checker = Checker(file: SourceFile(name: "", text: ""), options: CheckOptions())
    var base = 1.0
    /// How many sequences enclose the one being read: only an output's own can have phases built at entry.
    var sequenceDepth = 0

    init(name: String, checkingRanges: Bool) {
        self.name = name
        self.checkingRanges = checkingRanges
    }

    func fail(_ message: String) -> IRLoadError {
        .malformed(LoadError(path: name, message: (path.isEmpty ? "" : path.joined(separator: ".") + ": ") + message))
    }

    mutating func at<T>(_ key: String, _ body: (inout Reader) throws(IRLoadError) -> T) throws(IRLoadError) -> T {
        path.append(key)
        defer { path.removeLast() }
        return try body(&self)
    }

    mutating func program(_ doc: JSONValue, base requested: Double?) throws(IRLoadError) -> CompiledProgram {
        guard case .string(let text)? = doc["source"] else { throw fail("missing \"source\", a string") }
        let source = SourceFile(name: name, text: text)
        guard let s = doc["settings"], let ownBase = s["base"]?.number, ownBase.isFinite, ownBase > 0 else {
            throw fail("missing \"settings.base\", a number above 0")
        }
        var settings = Settings()
        settings.base = requested ?? ownBase
        settings.baseIsDefault = requested == nil && s["base_is_default"] == .bool(true)
        settings.stepsPerEpoch = try at("settings") { (r: inout Reader) throws(IRLoadError) in
            try r.optionalCount(s["steps_per_epoch"], "steps_per_epoch")
        }
        settings.total = try at("settings") { (r: inout Reader) throws(IRLoadError) in
            try r.optionalCount(s["total"], "total")
        }
        for (key, path) in [
            ("samples_per_step", \Settings.samplesPerStep), ("tokens_per_step", \Settings.tokensPerStep),
            ("sequence_length", \Settings.sequenceLength),
        ] {
            settings[keyPath: path] = try at("settings") { (r: inout Reader) throws(IRLoadError) in
                try r.optionalCount(s[key], key)
            }
        }
        if let declared = s["signals"], declared != .null {
            guard case .array(let items) = declared else { throw fail("settings.signals: expected a list of names") }
            var names: [String] = []
            for case .string(let n) in items where Builtins.isSignalName(n) && !names.contains(n) { names.append(n) }
            guard names.count == items.count else {
                throw fail("settings.signals: expected a list of different names, each an identifier")
            }
            settings.signals = names
        }
        base = settings.base
        checker = Checker(file: source, options: CheckOptions(base: settings.base))
        checker.settings = settings

        var guards: [BaseGuard] = []
        if case .array(let items)? = doc["base_guards"] {
            for (i, g) in items.enumerated() {
                guards.append(
                    try at("base_guards.\(i)") { (r: inout Reader) throws(IRLoadError) in try r.baseGuard(g) })
            }
        }
        if settings.base != ownBase {
            let refused = guards.compactMap { g in
                g.violation(at: settings.base).map { Diagnostic.error($0, at: g.range) }
            }
            if !refused.isEmpty { throw .diagnostics(DiagnosticError(refused), source) }
        }
        guard let outputs = doc["outputs"], outputs["lr"] != nil else { throw fail("missing \"outputs.lr\"") }
        let lr = try at("outputs") { (r: inout Reader) throws(IRLoadError) in try r.child(outputs, "lr") }
        guard case .sequence = lr else { throw fail("outputs.lr: expected a sequence") }
        var momentum: Node?
        if let m = outputs["momentum"], m["kind"] == .string("sequence") {
            momentum = try at("outputs") { (r: inout Reader) throws(IRLoadError) in try r.child(outputs, "momentum") }
        }
        var others: [(String, Node)] = []
        if case .object(let pairs) = outputs {
            for (key, _) in pairs where key != "lr" && key != "momentum" {
                guard Reader.isOutputName(key) else { throw fail("outputs.\(key): not a name an output can have") }
                let node = try at("outputs") { (r: inout Reader) throws(IRLoadError) in try r.child(outputs, key) }
                guard case .sequence = node else { throw fail("outputs.\(key): expected a sequence") }
                others.append((key, node))
            }
        }
        do {
            _ = try Checker.measured(lr, SourceRange(0, 0))
            if let momentum { _ = try Checker.measured(momentum, SourceRange(0, 0)) }
            for (_, node) in others { _ = try Checker.measured(node, SourceRange(0, 0)) }
            // Outputs a library's constructor writes: outside their range they warn, as when checked from source.
            var library: Set<String> = []
            if case .array(let names)? = doc["library_outputs"] {
                for case .string(let n) in names { library.insert(n) }
            }
            return try CompiledProgram.assemble(
                settings: settings, lr: lr, momentum: momentum, others: others, source: source,
                guards: guards, libraryOutputs: library, checkingRanges: checkingRanges)
        } catch {
            throw .diagnostics(DiagnosticError(error.diagnostic.map { [$0] } ?? []), source)
        }
    }

    func optionalCount(_ v: JSONValue?, _ key: String) throws(IRLoadError) -> Int? {
        switch v {
        case nil, .null?: return nil
        case .number(let x)? where x >= 1 && x == x.rounded() && x < 1e15: return Int(x)
        default: throw fail("\"\(key)\" must be a whole number of at least 1, or null")
        }
    }

    func count(_ v: JSONValue?, _ key: String, atLeast low: Int = 0) throws(IRLoadError) -> Int {
        guard case .number(let x)? = v, x >= Double(low), x == x.rounded(), x < 1e15 else {
            throw fail("\"\(key)\" must be a whole number of at least \(low)")
        }
        return Int(x)
    }

    func string(_ v: JSONValue?, _ key: String) throws(IRLoadError) -> String {
        guard case .string(let s)? = v else { throw fail("\"\(key)\" must be a string") }
        return s
    }

    func range(_ v: JSONValue?) -> SourceRange {
        guard case .array(let xs)? = v, xs.count == 2, let a = xs[0].number, let b = xs[1].number,
            a >= 0, b >= a, b <= Double(checker.file.bytes.count), a == a.rounded(), b == b.rounded()
        else { return SourceRange(0, 0) }
        return SourceRange(Int(a), Int(b))
    }

    // MARK: numbers

    /// A number, evaluated at the base being built when it follows the base.
    func number(_ v: JSONValue?, _ key: String) throws(IRLoadError) -> (Double, BaseForm?) {
        if let x = v?.number { return (x, nil) }
        guard let v, let e = v["base"] else { throw fail("\"\(key)\" must be a number") }
        let form = try expr(e, depth: 0)
        return (form.expr.value(base: base), form)
    }

    func expr(_ v: JSONValue, depth: Int) throws(IRLoadError) -> BaseForm {
        guard depth < BaseForm.maxDepth else { throw fail("a base expression nests too deeply") }
        if v == .string("base") { return .base }
        if let x = v.number { return BaseForm(expr: .constant(x), depth: 1) }
        guard case .string(let op)? = v["op"] else {
            throw fail("a base expression must be \"base\", a number or {\"op\": ...}")
        }
        if op == "elapsed" { return BaseForm(expr: .entry(.elapsed), depth: 1) }
        if op == "current" {
            guard case .string(let output)? = v["output"] else {
                throw fail("\"current\" needs the \"output\" it reads")
            }
            return BaseForm(expr: .entry(.current(output)), depth: 1)
        }
        if op == "pinned" {
            guard let x = v["value"]?.number, let b = v["at_base"]?.number else {
                throw fail("a pinned number needs \"value\" and \"at_base\"")
            }
            return BaseForm(expr: .pinned(x, at: b), depth: 1)
        }
        guard case .array(let items)? = v["args"] else { throw fail("a base expression's \"args\" must be a list") }
        var args: [BaseForm] = []
        for item in items { args.append(try expr(item, depth: depth + 1)) }
        let d = (args.map(\.depth).max() ?? 0) + 1
        switch (op, args.count) {
        case ("neg", 1): return BaseForm(expr: .negate(args[0].expr), depth: d)
        case (let f, 1) where MathFunction(rawValue: f) != nil:
            return BaseForm(expr: .apply(MathFunction(rawValue: f)!, args[0].expr), depth: d)
        case (let c, 2) where Combine(rawValue: c) != nil:
            return BaseForm(expr: .combine(Combine(rawValue: c)!, args[0].expr, args[1].expr), depth: d)
        default: throw fail("unknown base operation \"\(op)\" with \(args.count) argument\(args.count == 1 ? "" : "s")")
        }
    }

    func baseGuard(_ g: JSONValue) throws(IRLoadError) -> BaseGuard {
        guard let e = g["expr"] else { throw fail("a guard needs \"expr\"") }
        let expr = try self.expr(e, depth: 0).expr
        let rule: BaseGuard.Rule
        if let x = g["equals"]?.number {
            rule = .equals(x)
        } else if g["finite"] == .bool(true) {
            rule = .finite
        } else if let c = g["constraint"] {
            rule = .constraint(
                .interval(
                    low: c["low"]?.number, lowInclusive: c["low_inclusive"] != .bool(false),
                    high: c["high"]?.number, highInclusive: c["high_inclusive"] != .bool(false)))
        } else if let c = g["compare"], case .string(let o)? = c["op"], let op = CompareOperator(rawValue: o),
            let right = c["right"], case .bool(let holds)? = c["holds"]
        {
            rule = .comparison(op, try self.expr(right, depth: 0).expr, holds)
        } else {
            throw fail("a guard needs \"equals\", \"finite\", \"constraint\" or \"compare\"")
        }
        return BaseGuard(
            expr: expr, rule: rule, what: (try? string(g["what"], "what")) ?? "a number", range: range(g["at"]))
    }

    // MARK: schedule parts

    mutating func node(_ v: JSONValue) throws(IRLoadError) -> Node {
        let kind = try string(v["kind"], "kind")
        switch kind {
        case "constant": return .constant(try number(v["value"], "value").0)
        case "t": return .time
        case "negate": return .negate(try child(v, "of"))
        case "function":
            guard let f = MathFunction(rawValue: try string(v["name"], "name")) else { throw fail("unknown function") }
            return .apply(f, try child(v, "of"))
        case "combine":
            guard let op = Combine(rawValue: try string(v["op"], "op")) else { throw fail("unknown operator") }
            let a = try child(v, "left")
            let b = try child(v, "right")
            return .combine(op, a, b)
        case "sequence": return .sequence(try sequence(v))
        case "primitive":
            let name = try string(v["name"], "name")
            guard case .object(let params)? = v["params"] else { throw fail("\"params\" must be an object") }
            var node = try build(name, params.map { ($0.0, $0.1) })
            if v["implicit_target"] == .bool(true), case .primitive(let p, let s) = node, var w = p as? Warmup {
                w.implicitTarget = true
                node = .primitive(w, s)
            }
            return node
        case "restarts":
            let body = try child(v, "body")
            var args: [(String, JSONValue)] = [
                ("period", v["period"] ?? .null), ("mult", v["mult"] ?? .null),
                ("decay", v["decay"] ?? .null), ("floor", v["floor"] ?? .null),
                ("decay_mode", v["decay_mode"] ?? .null),
            ]
            if let limit = v["limit"], limit != .null { args.append(("limit", limit)) }
            if let whole = v["whole"] { args.append(("whole", whole)) }
            return try build("restarts", args, schedules: ["body": body])
        case "reduce_on_plateau":
            guard case .object(let plateau)? = v["plateau"] else { throw fail("\"plateau\" must be an object") }
            let args =
                [
                    ("factor", v["factor"] ?? .null), ("min", v["min"] ?? .null), ("eps", v["eps"] ?? .null),
                    ("from", v["from"] ?? .null),
                ] + plateau
            return try build("reduce_on_plateau", args)
        case "at":
            let body = try child(v, "body")
            let time = try child(v, "time")
            return try build("at", [], schedules: ["body": body, "time": time])
        case "running_product":
            return try build("running_product", [], schedules: ["f": try child(v, "of")])
        case "float32":
            return try build("float32", [], schedules: ["body": try child(v, "of")])
        case "chained":
            guard case .array(let items)? = v["members"], !items.isEmpty else {
                throw fail("\"members\" must be a list of one or more members")
            }
            var members: [Chained.Member] = []
            var symbols: BaseSymbols = [:]
            for (i, item) in items.enumerated() {
                let member = try at("members.\(i)") { (r: inout Reader) throws(IRLoadError) -> Chained.Member in
                    let body = try r.child(item, "of")
                    if body.isStateful { throw r.fail("a chained member cannot depend on metrics") }
                    guard let f = item["floor"], f != .null else { return Chained.Member(body: body, floor: nil) }
                    let (floor, form) = try r.number(f, "floor")
                    if let form { symbols["floor.\(i)"] = form.expr }
                    return Chained.Member(body: body, floor: floor)
                }
                members.append(member)
            }
            let (start, form) = try number(v["start"] ?? .null, "start")
            if let form { symbols["start"] = form.expr }
            return .chained(Chained(members: members, start: start), symbols)
        default:
            throw fail("unknown kind \"\(kind)\"")
        }
    }

    /// The node under `key`, with `key` in the path of any error.
    mutating func child(_ v: JSONValue, _ key: String) throws(IRLoadError) -> Node {
        try at(key) { (r: inout Reader) throws(IRLoadError) in try r.node(v[key] ?? .null) }
    }

    mutating func childCondition(_ v: JSONValue, _ key: String) throws(IRLoadError) -> Condition {
        try at(key) { (r: inout Reader) throws(IRLoadError) in try r.condition(v[key] ?? .null) }
    }

    mutating func sequence(_ v: JSONValue) throws(IRLoadError) -> PhaseSequence {
        guard case .array(let items)? = v["phases"], !items.isEmpty else {
            throw fail("\"phases\" must be a non-empty list")
        }
        let outermost = sequenceDepth == 0
        sequenceDepth += 1
        defer { sequenceDepth -= 1 }
        var phases: [Phase] = []
        for (i, item) in items.enumerated() {
            let phase = try at("phases.\(i)") { (r: inout Reader) throws(IRLoadError) -> Phase in
                let body = try r.child(item, "body")
                let length: Int? =
                    item["length"] == nil || item["length"] == .null
                    ? nil : try r.count(item["length"], "length", atLeast: 0)
                var condition: Condition?
                if let u = item["until"], u != .null {
                    condition = try r.childCondition(item, "until")
                }
                var phase = Phase(
                    body: body, bound: length, explicitBound: item["explicit_length"] == .bool(true),
                    condition: condition, slots: 0..<0, range: r.range(item["at"]))
                if let e = item["entry"], e != .null {
                    guard case .string(let output)? = e["output"], case .string(let role)? = e["role"],
                        let role = EntryPlan.Role(rawValue: role)
                    else {
                        throw r.fail("\"entry\" needs \"output\" and a \"role\" (own, warmup or after_warmup)")
                    }
                    let length = try r.at("entry") { (r: inout Reader) throws(IRLoadError) -> BaseExpr? in
                        guard let l = e["length"], l != .null else { return nil }
                        return try r.expr(l, depth: 0).expr
                    }
                    phase.entry = EntryPlan(
                        output: output, length: length, role: role, settings: r.checker.settings,
                        builder: .builtins)
                }
                return phase
            }
            phases.append(phase)
        }
        for p in phases.dropLast() where p.bound == nil && p.condition == nil && !p.body.canFinish {
            throw .diagnostics(
                DiagnosticError([.error(.unreachableIRPhase, at: p.range)]),
                checker.file)
        }
        try checkEntries(phases, outermost: outermost)
        Phase.resolveImplicitTargets(&phases)
        return PhaseSequence.make(phases)
    }

    /// Phases built at entry as the checker plans them: in an output's own
    /// sequence, after its first, a warmup rising to the phase after it
    /// marked as such; and every phase that reads entry values has its plan.
    func checkEntries(_ phases: [Phase], outermost: Bool) throws(IRLoadError) {
        for (i, p) in phases.enumerated() {
            guard let e = p.entry else {
                if p.body.readsEntry {
                    throw fail("phases.\(i): its numbers read `current` or `elapsed`, but it has no \"entry\"")
                }
                continue
            }
            if !outermost { throw fail("phases.\(i): only the phases of an output's own sequence are built at entry") }
            if i == 0 { throw fail("phases.0: the first phase has no step before it, so it cannot be built at entry") }
            switch e.role {
            case .own: break
            case .warmup:
                guard i + 1 < phases.count, phases[i + 1].entry?.role == .afterWarmup,
                    case .primitive(let w as Warmup, _) = p.body, w.implicitTarget
                else {
                    throw fail(
                        "phases.\(i): an entry of role \"warmup\" is a warmup rising to the next phase, whose role is "
                            + "\"after_warmup\""
                    )
                }
            case .afterWarmup:
                guard phases[i - 1].entry?.role == .warmup else {
                    throw fail("phases.\(i): an entry of role \"after_warmup\" follows one of role \"warmup\"")
                }
            }
        }
    }

    mutating func condition(_ v: JSONValue) throws(IRLoadError) -> Condition {
        let kind = try string(v["kind"], "kind")
        switch kind {
        case "elapsed": return .elapsed(try count(v["steps"], "steps"))
        case "plateau":
            guard case .object(let p)? = v["plateau"] else { throw fail("\"plateau\" must be an object") }
            guard case .condition(let c) = try call("plateau", p, schedules: [:]) else { throw fail("not a condition") }
            return c
        case "compare":
            guard let op = CompareOperator(rawValue: try string(v["op"], "op")) else {
                throw fail("unknown comparison")
            }
            return .compare(try operand(v["left"], "left"), op, try operand(v["right"], "right"))
        case "and", "or":
            let a = try childCondition(v, "left")
            let b = try childCondition(v, "right")
            return kind == "and" ? .all(a, b) : .any(a, b)
        case "not": return .not(try childCondition(v, "of"))
        case "signal":
            let name = try string(v["name"], "name")
            guard Builtins.isSignalName(name) else {
                throw fail("\"name\": a signal is named by an identifier, got \(JSONValue.quote(name))")
            }
            if let declared = checker.settings.signals, !declared.contains(name) {
                throw fail("\"name\": the signal \(JSONValue.quote(name)) is not among the declared signals")
            }
            return .signal(name)
        default: throw fail("unknown condition kind \"\(kind)\"")
        }
    }

    mutating func operand(_ v: JSONValue?, _ key: String) throws(IRLoadError) -> Operand {
        switch v {
        case .string("metric")?: return .metric
        case .string("lr")?: return .lr
        case .object(let pairs)? where pairs.count == 1 && pairs[0].0 == "output":
            guard case .string(let name) = pairs[0].1, Reader.isOutputName(name) else {
                throw fail("\(key): an output is named by a string")
            }
            return .output(name)
        case let n?:
            let node = try at(key) { (r: inout Reader) throws(IRLoadError) in try r.node(n) }
            if node.isStateful { throw fail("\(key): a comparison cannot use a metric-driven schedule") }
            return .node(node)
        case nil: throw fail("missing \"\(key)\"")
        }
    }

    /// A schedule part built by its builtin constructor from the document's parameters.
    mutating func build(_ name: String, _ params: [(String, JSONValue)], schedules: [String: Node] = [:])
        throws(IRLoadError) -> Node
    {
        guard case .schedule(let n) = try call(name, params, schedules: schedules) else {
            throw fail("\(name) is not a schedule")
        }
        return n
    }

    mutating func call(_ name: String, _ params: [(String, JSONValue)], schedules: [String: Node]) throws(IRLoadError)
        -> Value
    {
        guard let spec = Builtins.lookup(name), spec.kind == .schedule || spec.kind == .condition else {
            throw fail("unknown primitive \"\(name)\"")
        }
        var bound: NameMap<(Value, SourceRange)> = [:]
        let here = SourceRange(0, 0)
        for (k, v) in params {
            guard let p = spec.params.first(where: { $0.name == k }) else {
                throw fail("'\(name)' has no parameter '\(k)'")
            }
            bound[k] = (try at(k) { (r: inout Reader) throws(IRLoadError) in try r.value(v, p.type) }, here)
        }
        for (k, n) in schedules { bound[k] = (.schedule(n), here) }
        do {
            return try checker.callBuiltin(spec, [], here, [:], prebound: bound)
        } catch {
            let d = error.diagnostic ?? .error(.invalidArguments, at: here)
            throw fail(d.message)
        }
    }

    /// A parameter's JSON as the checker's value of the parameter's type.
    func value(_ v: JSONValue, _ type: ParamType) throws(IRLoadError) -> Value {
        switch type {
        case .integer, .duration:
            // A step count fixed at entry is kept as its expression.
            if case .object = v, v["base"] != nil {
                let (x, form) = try number(v, "value")
                if form?.expr.readsEntry == true { return .number(x, form) }
            }
            return .duration(try count(v, "value"))
        case .number:
            let (x, form) = try number(v, "value")
            return .number(x, form)
        case .bool:
            guard case .bool(let b) = v else { throw fail("expected true or false") }
            return .bool(b)
        case .choice, .string:
            guard case .string(let s) = v else { throw fail("expected a string") }
            return .string(s)
        case .durations:
            guard case .array(let xs) = v else { throw fail("expected a list of whole numbers") }
            var out: [Value] = []
            for x in xs { out.append(.duration(try count(x, "item"))) }
            return .list(out)
        case .numbers:
            guard case .array(let xs) = v else { throw fail("expected a list of numbers") }
            var out: [Value] = []
            for x in xs {
                let (n, form) = try number(x, "item")
                out.append(.number(n, form))
            }
            return .list(out)
        default:
            throw fail("a parameter of type \(type.description) cannot be read from the IR")
        }
    }
}
