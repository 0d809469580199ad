import Foundation

extension Python {
    /// Renders the tree as Python. Numbers that follow the base are written
    /// as the expression that computes them from `base`.
    struct Writer {
        /// The program's source, which places in messages point into.
        let source: SourceFile
        /// The array library the arithmetic is written in (`jnp` for
        /// `--to jax`, `ops` for `--to keras`), or nil for plain Python.
        var arrays: String?
        var used: Set<String> = []
        /// Subtrees too deep to nest, as assignments that come first.
        var hoisted: [String] = []
        /// The starting rate of each reduce-on-plateau, by state slot.
        var reduceFrom: [Int: String] = [:]
        var height = 0
        var names = 0
        /// The functions stateless parts are written as, with the Ramp each stands for.
        var functions: [(ramp: String, code: String)] = []
        /// The name the next warmup written reads where it rises to, when it
        /// rises to the next phase's start.
        var pendingTarget: String?
        /// What new functions are named after: the output being written.
        var output = "lr"
        /// For `--to jax` with state: each output's place in the tuple of a step's values.
        var outputIndex: [String: Int] = [:]
        /// For `--to jax` with state: the sequences with phases built at entry,
        /// by slot, with the outputs their entry state keeps.
        var entrySlots: [Int: [String]] = [:]

        mutating func fresh(_ prefix: String) -> String {
            names += 1
            return "\(prefix)_\(names)"
        }

        mutating func program(_ p: CompiledProgram) -> String {
            var checks: [String] = []
            for g in p.baseGuards { checks.append(baseGuard(g)) }
            let lr = sequence(p.lr)
            var momentum = "None"
            var companion = "None"
            switch p.momentum {
            case nil: break
            case .explicit(let m):
                output = "momentum"
                momentum = sequence(m)
            case .companion(let initial): companion = literal(initial)
            }
            var others: [String] = []
            for o in p.outputs {
                output = Python.identifier(o.name)
                others.append("(\(pythonString(o.name)), \(sequence(o.sequence)))")
            }
            let slots = p.initialSlots.enumerated().map { slot($0.offset, $0.element) }
            var lines = [
                "def _program(base):",
                "    \"\"\"The schedule at `base`: the rate tree, the momentum tree (or None),",
                "    the companion momentum's start (or None), and the initial state slots.\"\"\"",
            ]
            if !checks.isEmpty {
                lines.append("    # Decisions taken on numbers that follow the base must come out the same.")
                lines += checks.map { "    " + $0 }
            }
            lines += functionLines().map { $0.isEmpty ? "" : "    " + $0 }
            if !functions.isEmpty { lines.append("") }
            lines += hoisted.map { "    " + $0 }
            lines.append("    lr = \(lr)")
            lines.append("    momentum = \(momentum)")
            if !others.isEmpty {
                lines.append("    # The other outputs, by name, in the order the program writes them.")
                lines.append("    outputs = [")
                lines += others.map { "        \($0)," }
                lines.append("    ]")
            }
            lines.append("    slots = [\(slots.joined(separator: ", "))]")
            lines.append("    return lr, momentum, \(companion), slots, \(others.isEmpty ? "[]" : "outputs")")
            return lines.joined(separator: "\n")
        }

        /// `file:line:col` of a place in the program's source.
        func place(_ offset: Int) -> String {
            let loc = source.location(of: offset)
            return "\(source.name):\(loc.line):\(loc.column)"
        }

        /// A check that raises ValueError when `base` changes a decision, with
        /// the message Ramp gives when it rebuilds the program at that base
        /// (`BaseGuard.violation`).
        mutating func baseGuard(_ g: BaseGuard) -> String {
            let x = expr(g.expr)
            let what = pythonString(g.what)
            let atBase = "\"at base \" + _fmt(base) + \", \" + \(what)"
            let shape = pythonString(", so the schedule's shape depends on the base")
            let condition: String
            let why: String
            switch g.rule {
            case .equals(let v):
                condition = v.isNaN ? "\(x) != \(x)" : "\(x) == \(literal(v))"
                let said = pythonString(" is \(fmt(v)) at the program's base but ")
                why = "\(what) + \(said) + _fmt(\(x)) + \" at base \" + _fmt(base) + \(shape)"
            case .finite:
                condition = "math.isfinite(\(x))"
                why = atBase + " + \" must be finite\""
            case .constraint(let c):
                let (low, li, high, hi) = c.bounds
                var parts: [String] = []
                if let low { parts.append("\(x) \(li ? ">=" : ">") \(literal(low))") }
                if let high { parts.append("\(x) \(hi ? "<=" : "<") \(literal(high))") }
                condition = parts.isEmpty ? "True" : parts.joined(separator: " and ")
                let requirement = pythonString(" " + (c.requirement ?? "") + ", got ")
                why = atBase + " + (\" must be a number, got nan\" if \(x) != \(x) else \(requirement) + _fmt(\(x)))"
            case .comparison(let op, let other, let expected):
                let test = "\(x) \(op.rawValue) \(expr(other))"
                condition = expected ? test : "not (\(test))"
                let said = pythonString(" is \(expected) at the program's base but \(!expected) at base ")
                why = "\(what) + \(said) + _fmt(base) + \(shape)"
            }
            return "_require_base(\(condition), \(pythonString(place(g.range.start))), lambda: \(why))"
        }

        /// A number: its literal, or the arithmetic that computes it from `base`.
        mutating func number(_ x: Double, _ form: BaseExpr?) -> String {
            guard let form else { return literal(x) }
            return expr(form)
        }

        mutating func expr(_ e: BaseExpr) -> String {
            switch e {
            case .base: return "base"
            case .constant(let c): return literal(c)
            case .negate(let a): return "(-\(expr(a)))"
            case .apply(let f, let a):
                used.insert("functions")
                return "\(function(f))(\(expr(a)))"
            case .combine(let op, let a, let b):
                let x = expr(a)
                let y = expr(b)
                return binary(op, x, y)
            case .pinned(let x, let b): return "_pinned(\(literal(x)), \(literal(b)), base)"
            // Read inside a phase's builder (`Entry.make`), whose argument `e` holds the values.
            case .entry(.elapsed): return "e[\"elapsed\"]"
            case .entry(.current(let name)): return "e[\"current\"][\(pythonString(name))]"
            }
        }

        private mutating func slot(_ index: Int, _ s: SlotState) -> String {
            switch s {
            case .sequence: return "_sequence_state()"
            case .plateau(let tr): return tracker(tr)
            case .reduce(let r):
                used.insert("reduce_on_plateau")
                return "_reduce_state(\(reduceFrom[index] ?? literal(r.value)), \(tracker(r.tracker)))"
            }
        }

        private mutating func tracker(_ tr: PlateauTracker) -> String {
            used.insert("plateau")
            return "_tracker(\(literal(tr.best))\(tr.cooldownLeft == 0 ? "" : ", \(tr.cooldownLeft)"))"
        }

        /// A subtree deeper than this is named and assigned first.
        private static let nestingLimit = 12

        private mutating func hoist(_ text: String, _ depth: Int) -> (String, Int) {
            guard depth >= Writer.nestingLimit else { return (text, depth) }
            let name = fresh("n")
            hoisted.append("\(name) = \(text)")
            return (name, 0)
        }

        /// The functions written so far, each under a comment with its Ramp, unindented.
        func functionLines() -> [String] {
            functions.flatMap { f -> [String] in
                let ramp = f.ramp.count <= 90 ? f.ramp : String(f.ramp.prefix(87)) + "..."
                return ["", "# " + ramp.replacingOccurrences(of: "\n", with: " ")]
                    + f.code.split(separator: "\n").map(String.init)
            }
        }

        /// An output's sequence, one phase per line.
        mutating func sequence(_ s: PhaseSequence) -> String {
            sequence(s, level: 1, layout: "\n        ").0
        }

        /// A sequence; with `layout`, its phases go on lines of their own
        /// and it is never hoisted.
        private mutating func sequence(_ s: PhaseSequence, level: Int, layout: String? = nil) -> (String, Int) {
            height = max(height, level)
            var depth = 0
            var phases: [String] = []
            // A warmup that rises to the next phase's start is given that
            // phase's body, named (`Rising`); so is one rising to such a warmup.
            var bodies: [Int: (String, Int)] = [:]
            var waiting: [(phase: Int, function: String)] = []
            for (i, p) in s.phases.enumerated() where p.entry == nil {
                if Self.rises(s, i) {
                    waiting.append((i, risingFunction(p.body, prefix: output)))
                    continue
                }
                bodies[i] = node(p.body, level: level + 1)
                while let w = waiting.popLast() {
                    let k = w.phase + 1
                    var (after, d) = bodies[k]!
                    if d > 0 {
                        after = fresh("body")
                        hoisted.append("\(after) = \(bodies[k]!.0)")
                        bodies[k] = (after, 0)
                    }
                    bodies[w.phase] = ("Rising(\(w.function), \(after))", 1)
                }
            }
            for (i, p) in s.phases.enumerated() {
                if let plan = p.entry {
                    phases.append(entryPhase(s, i, plan, level: level, layout: layout))
                    depth = max(depth, 2)
                    continue
                }
                let (body, d) = bodies[i]!
                depth = max(depth, d + 1)
                var args = [body]
                if let b = p.bound { args.append("length=\(b)") }
                if let c = p.condition {
                    let (text, cd) = condition(c, level: level + 1)
                    depth = max(depth, cd + 1)
                    args.append("until=\(text)")
                }
                if !p.slots.isEmpty { args.append("slots=(\(p.slots.lowerBound), \(p.slots.upperBound))") }
                args.append("at=" + pythonString(place(p.range.start)))
                let oneLine = args.joined(separator: ", ")
                if let layout, oneLine.count > 90 {
                    phases.append("Phase(" + args.joined(separator: "," + layout + "      ") + ")")
                } else {
                    phases.append("Phase(" + oneLine + ")")
                }
            }
            var text = "Sequence(["
            if let layout {
                text += phases.map { layout + $0 + "," }.joined() + layout.dropLast(4) + "]"
            } else {
                text += phases.joined(separator: ", ") + "]"
            }
            if let starts = s.starts { text += ", starts=[" + starts.map(String.init).joined(separator: ", ") + "]" }
            if !s.isStatic { text += ", slot=\(s.slot)" }
            return layout == nil ? hoist(text + ")", depth + 1) : (text + ")", depth + 1)
        }

        /// A phase built when it starts, from the values fixed then: its body
        /// is written in a builder `def phase_N(e, target=None)` that returns
        /// the body and its natural length, or None when a number fixed at
        /// entry is not finite (the runtime's `Entry`).
        private mutating func entryPhase(_ s: PhaseSequence, _ i: Int, _ plan: EntryPlan, level: Int, layout: String?)
            -> String
        {
            let p = s.phases[i]
            used.insert("entry")
            let name = fresh("phase")
            let (outerFunctions, outerHoisted, outerTarget) = (functions, hoisted, pendingTarget)
            functions = []
            hoisted = []
            pendingTarget = plan.role == .warmup ? "target" : nil
            let body = node(p.body, level: level + 1).0
            let natural = duration(p.body)
            let checks = entryChecks(p.body)
            var code = ["def \(name)(e, target=None):"]
            if !checks.isEmpty {
                code += ["    if not _finite(\(checks.joined(separator: ", "))):", "        return None"]
            }
            code += functionLines().map { $0.isEmpty ? "" : "    " + $0 }
            code += hoisted.map { "    " + $0 }
            code.append("    return \(body), \(natural ?? "None")")
            (functions, hoisted, pendingTarget) = (outerFunctions, outerHoisted, outerTarget)
            functions.append(
                (
                    ramp: "phase \(i + 1) of \(plan.output), built when it starts: "
                        + Describe.node(p.body, own: plan.output),
                    code: code.joined(separator: "\n")
                ))
            var reads: [String] = []
            for input in s.entryInputs(of: i) {
                if case .current(let o) = input, o != plan.output, !reads.contains(o) { reads.append(o) }
            }
            var entryArgs = [pythonString(plan.output), pythonString(plan.role.rawValue), name]
            if let l = plan.length { entryArgs.append("length=lambda e: \(expr(l))") }
            if plan.length == nil, p.explicitBound, let b = p.bound { entryArgs.append("explicit=\(b)") }
            if !reads.isEmpty { entryArgs.append("reads=(" + reads.map(pythonString).joined(separator: ", ") + ",)") }
            var args = ["None"]
            if let c = p.condition { args.append("until=\(condition(c, level: level + 1).0)") }
            if !p.slots.isEmpty { args.append("slots=(\(p.slots.lowerBound), \(p.slots.upperBound))") }
            args.append("at=" + pythonString(place(p.range.start)))
            args.append("entry=Entry(" + entryArgs.joined(separator: ", ") + ")")
            if let layout { return "Phase(" + args.joined(separator: "," + layout + "      ") + ")" }
            return "Phase(" + args.joined(separator: ", ") + ")"
        }

        /// The numbers fixed at entry in a phase's body, each once, as the
        /// builder writes them: it holds the phase where one is not finite.
        mutating func entryChecks(_ body: Node) -> [String] {
            var checks: [String] = []
            for f in body.entryForms {
                let text = expr(f)
                if !checks.contains(text) { checks.append(text) }
            }
            return checks
        }

        /// A body's natural length as Python computes it inside a phase's
        /// builder (`Node.duration`, with step counts fixed at entry), or nil when it has none.
        mutating func duration(_ n: Node) -> String? {
            switch n {
            case .constant, .time, .reduceOnPlateau, .warp, .runningProduct: return nil
            case .single(let a), .negate(let a), .apply(_, let a): return duration(a)
            case .primitive(let p, let symbols):
                guard let d = p.duration else { return nil }
                if let t = symbols["T"], t.readsEntry { return "_steps(\(expr(t)))" }
                return "\(d)"
            case .combine(_, let a, let b):
                switch (duration(a), duration(b)) {
                case (nil, nil): return nil
                case (let x?, nil): return x
                case (nil, let y?): return y
                case (let x?, let y?): return arrays == nil ? "max(\(x), \(y))" : "jnp.maximum(\(x), \(y))"
                }
            case .chained(let c, _):
                let parts = c.members.compactMap { duration($0.body) }
                guard var longest = parts.first else { return nil }
                for p in parts.dropFirst() {
                    longest = arrays == nil ? "max(\(longest), \(p))" : "jnp.maximum(\(longest), \(p))"
                }
                return longest
            case .sequence, .restarts: return n.duration.map(String.init)
            }
        }

        /// A part of the tree; `single` when its single-precision value is
        /// what is read (inside `float32(...)`).
        private mutating func node(_ n: Node, level: Int, single: Bool = false) -> (String, Int) {
            height = max(height, level)
            if Self.isArithmetic(n), Self.readsTime(n) {
                used.insert("arith")
                if single {
                    let f = function(n, single: false, prefix: output)
                    let g = function(n, single: true, prefix: output)
                    return ("Arith(\(f), \(g))", 1)
                }
                return ("Arith(\(function(n, single: false, prefix: output)))", 1)
            }
            func wrap(_ name: String, _ section: String, _ children: [(String, Int)], _ extra: [String] = []) -> (
                String, Int
            ) {
                used.insert(section)
                let depth = (children.map(\.1).max() ?? 0) + 1
                return hoist("\(name)(" + (children.map(\.0) + extra).joined(separator: ", ") + ")", depth)
            }
            switch n {
            case .constant(let c):
                used.insert("const")
                return ("Const(\(literal(c)))", 1)
            case .time:
                used.insert("time")
                return ("Time()", 1)
            case .negate(let a): return wrap("Neg", "negate", [node(a, level: level + 1, single: single)])
            case .apply(let f, let a):
                let inner = node(a, level: level + 1, single: single)
                return wrap("Fn", "functions", [("\"\(f.rawValue)\"", 0), inner])
            case .combine(let op, let a, let b):
                let x = node(a, level: level + 1, single: single)
                let y = node(b, level: level + 1, single: single)
                return wrap("Op", "combine", [("\"\(op.rawValue)\"", 0), x, y])
            case .primitive(let p, let symbols):
                used.insert(p.name)
                var args: [String] = []
                for (name, value) in p.parameters {
                    let key = name == "from" ? "from_" : name
                    args.append(key + "=" + parameter(value, name, symbols))
                }
                return ("\(PythonRuntime.primitiveClasses[p.name]!)(" + args.joined(separator: ", ") + ")", 1)
            case .sequence(let s):
                return sequence(s, level: level)
            case .restarts(let r, let symbols):
                let body = node(r.body, level: level + 1)
                return wrap(
                    "Restarts", "restarts", [body],
                    [
                        "period=\(r.period)", "mult=\(literal(r.mult))", "decay=\(number(r.decay, symbols["decay"]))",
                        "floor=\(number(r.floor, symbols["floor"]))", "limit=\(r.limit.map(String.init) ?? "None")",
                        "decay_mode=\"\(r.decayMode.rawValue)\"",
                    ] + (r.whole ? ["whole=True"] : []))
            case .reduceOnPlateau(let r, let symbols):
                used.insert("reduce_on_plateau")
                let spec = plateau(r.plateau)
                let from = number(r.from, symbols["from"])
                reduceFrom[r.slot] = from
                return (
                    "ReduceOnPlateau(\(spec), factor=\(number(r.factor, symbols["factor"])), "
                        + "min=\(number(r.min, symbols["min"])), eps=\(number(r.eps, symbols["eps"])), "
                        + "from_=\(from), slot=\(r.slot))",
                    1
                )
            case .warp(let body, let time):
                let b = node(body, level: level + 1)
                let t = node(time, level: level + 1)
                return wrap("At", "at", [b, t])
            case .runningProduct(let f): return wrap("RunningProduct", "running_product", [node(f, level: level + 1)])
            case .chained(let c, let symbols):
                let bodies = c.members.map { node($0.body, level: level + 2) }
                let heights = c.members.map { m in m.height.map { node($0, level: level + 2) } ?? ("None", 0) }
                let factors = c.members.map { m in m.factor.map { node($0, level: level + 2) } ?? ("None", 0) }
                let floors = c.members.enumerated().map { i, m in
                    m.floor.map { number($0, symbols["floor.\(i)"]) } ?? "None"
                }
                used.insert("chained")
                let depth = (bodies + heights + factors).map(\.1).max()! + 2
                let start = number(c.start, symbols["start"])
                let list = { (items: [String]) in "[" + items.joined(separator: ", ") + "]" }
                return hoist(
                    "Chained(\(list(bodies.map(\.0))), \(list(floors)), \(list(heights.map(\.0))), "
                        + "\(list(factors.map(\.0))), start=\(start))", depth)
            case .single(let f): return wrap("Float32", "float32", [node(f, level: level + 1, single: true)])
            }
        }

        private mutating func condition(_ c: Condition, level: Int) -> (String, Int) {
            height = max(height, level)
            switch c {
            case .elapsed(let n):
                used.insert("elapsed")
                return ("Elapsed(\(n))", 1)
            case .signal(let name):
                used.insert("signal")
                return ("Signal(\(pythonString(name)))", 1)
            case .plateau(let spec, let slot):
                used.insert("plateau_condition")
                return ("Plateau(\(plateau(spec)), slot=\(slot))", 1)
            case .compare(let a, let op, let b):
                used.insert("compare")
                let x = operand(a, level: level + 1)
                let y = operand(b, level: level + 1)
                return hoist("Compare(\(x.0), \"\(op.rawValue)\", \(y.0))", max(x.1, y.1) + 1)
            case .all(let a, let b), .any(let a, let b):
                used.insert("logical")
                let op: String
                if case .all = c { op = "and" } else { op = "or" }
                let x = condition(a, level: level + 1)
                let y = condition(b, level: level + 1)
                return hoist("Logical(\"\(op)\", \(x.0), \(y.0))", max(x.1, y.1) + 1)
            case .not(let a):
                used.insert("not")
                let x = condition(a, level: level + 1)
                return hoist("Not(\(x.0))", x.1 + 1)
            }
        }

        private mutating func operand(_ o: Operand, level: Int) -> (String, Int) {
            switch o {
            case .metric: return ("\"metric\"", 0)
            case .lr: return ("\"lr\"", 0)
            case .output(let name): return ("(\"output\", \(pythonString(name)))", 0)
            case .node(let n): return node(n, level: level)
            }
        }

        mutating func plateau(_ p: PlateauSpec) -> String {
            used.insert("plateau")
            // Arguments at the class's defaults are left out.
            var args = ["patience=\(p.patience)"]
            if p.threshold != 1e-4 { args.append("threshold=\(literal(p.threshold))") }
            if p.thresholdMode != .rel { args.append("threshold_mode=\"\(p.thresholdMode.rawValue)\"") }
            if p.mode != .min { args.append("mode=\"\(p.mode.rawValue)\"") }
            if p.cooldown != 0 { args.append("cooldown=\(p.cooldown)") }
            if p.atol != 0 { args.append("atol=\(literal(p.atol))") }
            if p.accumulate != 1 { args.append("accumulate=\(p.accumulate)") }
            return "PlateauSpec(" + args.joined(separator: ", ") + ")"
        }

        mutating func parameter(_ v: ParameterValue, _ name: String, _ symbols: BaseSymbols) -> String {
            switch v {
            case .number(let x): return number(x, symbols[name])
            case .integer(let n):
                if let f = symbols[name], f.readsEntry { return "_steps(\(expr(f)))" }
                return "\(n)"
            case .flag(let b): return b ? "True" : "False"
            case .choice(let s): return pythonString(s)
            case .integers(let xs): return "[" + xs.map(String.init).joined(separator: ", ") + "]"
            case .numbers(let xs):
                return "[" + xs.enumerated().map { number($1, symbols["\(name).\($0)"]) }.joined(separator: ", ") + "]"
            }
        }
    }
}
