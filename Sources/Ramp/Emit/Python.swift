/// `ramp compile --to python`: one self-contained Python 3 module with the
/// checked schedule as a tree of small classes (only those the program uses),
/// a `Schedule` class with Ramp's stepping and saved state, and a lazily
/// imported torch adapter.
///
/// A caller may pass another `base`. Which numbers follow it is found by
/// compiling the program again at other bases (`probeFactors`): a number that
/// scales with it is written `x * r` (r = base / BASE), one that stays put is
/// written as is, and one that moves along a line (`base - lr_end`) is
/// written `x + slope * (r - 1)`. At r = 1 each gives the program's own
/// number exactly. If the tree changes shape, or a number moves any other
/// way, the module refuses other bases and says why.
public enum Python {
    public static func module(_ program: CompiledProgram) -> String {
        var writer = Writer()
        let template = writer.program(program)
        let (scaling, fixedReason) = baseScaling(program, template: template, numbers: writer.numbers)
        let body = substitute(template, numbers: writer.numbers, scaled: scaling)

        var used = writer.used
        used.insert("core")
        used.insert("sequence")
        used.insert("schedule")
        var changed = true
        while changed {
            changed = false
            for s in PythonRuntime.sections where used.contains(s.name) {
                for r in s.requires where !used.contains(r) { used.insert(r); changed = true }
            }
        }
        let sections = PythonRuntime.sections.filter { used.contains($0.name) }
        let imports = Set(sections.flatMap(\.imports)).sorted()

        var head = docstring(program) + "\n" + (imports + (writer.height > 300 ? ["sys"] : [])).map { "import \($0)\n" }.joined()
        if writer.height > 300 {
            // Evaluation recurses once per level of the tree.
            head += "\nsys.setrecursionlimit(max(sys.getrecursionlimit(), \(writer.height * 3 + 200)))\n"
        }
        let fixed = fixedReason.map { pythonString("this schedule cannot take another base: \($0); compile it with `ramp compile --base B`") }
        head += """

            BASE = \(literal(program.settings.base))
            USES_METRIC = \(program.usesMetric ? "True" : "False")
            DURATION = \(program.duration.map(String.init) ?? "None")
            _BASE_FIXED = \(fixed ?? "None")
            _KINDS = (\(program.initialSlots.map { "\"\(kind($0))\"" }.joined(separator: ", "))\(program.initialSlots.count == 1 ? "," : ""))
            """
        return ([head, body] + sections.map(\.code)).joined(separator: "\n\n\n") + "\n"
    }

    // MARK: - base

    /// How a number depends on the base.
    enum Dependence: Equatable {
        case fixed
        /// x * r.
        case proportional
        /// x + slope * (r - 1): a rate plus a constant, like `base - lr_end`.
        case affine(slope: Double)
    }

    /// Where the base is probed, as factors of the program's own: powers of
    /// two (exact for a proportional number), a factor that is not, and
    /// bases far off on both sides, so a number that follows the base only
    /// past a threshold (`max(base, 0.05)`) shows itself.
    static let probeFactors: [Double] = [2, 0.5, 3, 16, 1.0 / 16]

    /// How each number follows the base, from the program compiled at each
    /// probe; or why the module must keep its own base.
    private static func baseScaling(_ program: CompiledProgram, template: String, numbers: [Double]) -> ([Dependence], String?) {
        let b0 = program.settings.base
        let none = numbers.map { _ in Dependence.fixed }
        var probes: [[Double]] = []
        for factor in probeFactors {
            guard let probe = try? Compiler.compile(program.source, options: CheckOptions(base: b0 * factor)) else {
                return (none, "it is not valid at every base")
            }
            var w = Writer()
            guard w.program(probe) == template else { return (none, "its shape changes with the base") }
            probes.append(w.numbers)
        }
        func near(_ a: Double, _ b: Double, scale: Double) -> Bool { abs(a - b) <= 1e-13 * scale }
        var out: [Dependence] = []
        for i in numbers.indices {
            let x = numbers[i]
            let ys = probes.map { $0[i] }
            let slope = ys[0] - x  // the change from the base to twice the base
            let scale = ([abs(x), abs(slope)] + ys.map(abs)).max()!
            if ys.allSatisfy({ $0.bitPattern == x.bitPattern }) || (x.isNaN && ys.allSatisfy(\.isNaN)) {
                out.append(.fixed)
            } else if ys[0] == x * 2, ys[1] == x * 0.5,
                      zip(probeFactors, ys).allSatisfy({ near($1, x * $0, scale: scale) }) {
                out.append(.proportional)
            } else if slope.isFinite, zip(probeFactors, ys).allSatisfy({ near($1, x + slope * ($0 - 1), scale: scale) }) {
                out.append(.affine(slope: slope))
            } else {
                return (none, "a number in it depends on the base other than linearly")
            }
        }
        return (out, nil)
    }

    private static func substitute(_ template: String, numbers: [Double], scaled: [Dependence]) -> String {
        var out = ""
        var parts = template.split(separator: Writer.mark, omittingEmptySubsequences: false).makeIterator()
        out += parts.next().map(String.init) ?? ""
        while let index = parts.next(), let rest = parts.next() {
            let i = Int(index)!
            switch scaled[i] {
            case .fixed: out += literal(numbers[i])
            case .proportional: out += literal(numbers[i]) + " * r"
            case .affine(let slope): out += "(\(literal(numbers[i])) + \(literal(slope)) * (r - 1))"
            }
            out += rest
        }
        return out
    }

    // MARK: - text

    private static func docstring(_ p: CompiledProgram) -> String {
        let source = p.source.text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        let metric = p.usesMetric ? "metric" : ""
        var text = """
        A learning-rate schedule compiled by Ramp from \(p.source.name):

        \(source)

        Use it as it is:

            schedule = Schedule()          # or Schedule(base=3e-4)
            for batch in data:
                train(batch, lr=schedule.lr)
                schedule.step(\(metric))\(p.usesMetric ? "      # the metric this step measured" : "")

        or in PyTorch, where it takes its base from the optimizer's lr:

            scheduler = torch_scheduler(optimizer)
            ...
            optimizer.step()
            scheduler.step(\(metric))

        state_dict() and load_state_dict() save and restore it exactly.
        Generated by `ramp compile --to python`: change the Ramp source, not this file.

        """
        text = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"\"\"", with: "\\\"\\\"\\\"")
        return "\"\"\"" + text + "\"\"\"\n"
    }

    static func literal(_ x: Double) -> String {
        if x.isNaN { return "_NAN" }
        if x.isInfinite { return x > 0 ? "_INF" : "-_INF" }
        return "\(x)"
    }

    static func pythonString(_ s: String) -> String {
        JSONValue.quote(s)
    }

    private static func kind(_ s: SlotState) -> String {
        switch s {
        case .sequence: return "sequence"
        case .plateau: return "plateau"
        case .reduce: return "reduce"
        }
    }

    /// Renders the tree as Python with every float written as a numbered mark,
    /// so two compilations can be compared number by number.
    struct Writer {
        static let mark: Character = "\u{1}"
        var numbers: [Double] = []
        var used: Set<String> = []
        /// Subtrees too deep to nest, as assignments that come first.
        var hoisted: [String] = []
        var height = 0

        mutating func num(_ x: Double) -> String {
            numbers.append(x)
            return "\(Writer.mark)\(numbers.count - 1)\(Writer.mark)"
        }

        mutating func program(_ p: CompiledProgram) -> String {
            let lr = sequence(p.lr)
            var momentum = "None", companion = "None"
            switch p.momentum {
            case nil: break
            case .explicit(let m): momentum = sequence(m)
            case .companion(let initial): companion = num(initial)
            }
            let slots = p.initialSlots.map { slot($0) }
            var lines = ["def _program(r):",
                         "    \"\"\"The checked schedule: the rate tree, the momentum tree (or None),",
                         "    the companion momentum's start (or None), and the initial state slots.",
                         "    r = base / BASE scales the numbers that follow the base.\"\"\""]
            lines += hoisted.map { "    " + $0 }
            lines.append("    lr = \(lr)")
            lines.append("    momentum = \(momentum)")
            lines.append("    slots = [\(slots.joined(separator: ", "))]")
            lines.append("    return lr, momentum, \(companion), slots")
            return lines.joined(separator: "\n")
        }

        private mutating func slot(_ s: SlotState) -> String {
            switch s {
            case .sequence: return "_sequence_state()"
            case .plateau(let tr): return tracker(tr)
            case .reduce(let r):
                used.insert("reduce_on_plateau")
                return "_reduce_state(\(num(r.value)), \(tracker(r.tracker)))"
            }
        }

        private mutating func tracker(_ tr: PlateauTracker) -> String {
            used.insert("plateau")
            return "_tracker(\(num(tr.best))\(tr.cooldownLeft == 0 ? "" : ", \(tr.cooldownLeft)"))"
        }

        /// A subtree deeper than this is named and assigned first.
        private static let nestingLimit = 12

        private mutating func hoist(_ text: String, _ depth: Int) -> (String, Int) {
            guard depth >= Writer.nestingLimit else { return (text, depth) }
            let name = "n\(hoisted.count + 1)"
            hoisted.append("\(name) = \(text)")
            return (name, 0)
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
            for p in s.phases {
                let (body, d) = node(p.body, level: level + 1)
                depth = max(depth, d + 1)
                var args = [body]
                if let b = p.bound { args.append("length=\(b)") }
                if let c = p.condition {
                    let (text, cd) = condition(c, level: level + 1)
                    depth = max(depth, cd + 1)
                    args.append("until=\(text)")
                }
                if !p.slots.isEmpty { args.append("slots=(\(p.slots.lowerBound), \(p.slots.upperBound))") }
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

        private mutating func node(_ n: Node, level: Int) -> (String, Int) {
            height = max(height, level)
            func wrap(_ name: String, _ section: String, _ children: [(String, Int)], _ extra: [String] = []) -> (String, Int) {
                used.insert(section)
                let depth = (children.map(\.1).max() ?? 0) + 1
                return hoist("\(name)(" + (children.map(\.0) + extra).joined(separator: ", ") + ")", depth)
            }
            switch n {
            case .constant(let c):
                used.insert("const")
                return ("Const(\(num(c)))", 1)
            case .time:
                used.insert("time")
                return ("Time()", 1)
            case .negate(let a): return wrap("Neg", "negate", [node(a, level: level + 1)])
            case .apply(let f, let a):
                let inner = node(a, level: level + 1)
                return wrap("Fn", "functions", [("\"\(f.rawValue)\"", 0), inner])
            case .combine(let op, let a, let b):
                let x = node(a, level: level + 1), y = node(b, level: level + 1)
                return wrap("Op", "combine", [("\"\(op.rawValue)\"", 0), x, y])
            case .primitive(let p, _):
                used.insert(p.name)
                let args = p.parameters.map { name, value in (name == "from" ? "from_" : name) + "=" + parameter(value) }
                return ("\(PythonRuntime.primitiveClasses[p.name]!)(" + args.joined(separator: ", ") + ")", 1)
            case .sequence(let s):
                return sequence(s, level: level)
            case .restarts(let r, _):
                let body = node(r.body, level: level + 1)
                return wrap("Restarts", "restarts", [body], [
                    "period=\(r.period)", "mult=\(num(r.mult))", "decay=\(num(r.decay))", "floor=\(num(r.floor))",
                    "limit=\(r.limit.map(String.init) ?? "None")", "decay_mode=\"\(r.decayMode.rawValue)\"", "peak=\(num(r.peak))",
                ])
            case .reduceOnPlateau(let r, _):
                used.insert("reduce_on_plateau")
                let spec = plateau(r.plateau)
                return ("ReduceOnPlateau(\(spec), factor=\(num(r.factor)), min=\(num(r.min)), eps=\(num(r.eps)), from_=\(num(r.from)), slot=\(r.slot))", 1)
            case .warp(let body, let time):
                let b = node(body, level: level + 1), t = node(time, level: level + 1)
                return wrap("At", "at", [b, t])
            case .runningProduct(let f): return wrap("RunningProduct", "running_product", [node(f, level: level + 1)])
            case .single(let f): return wrap("Float32", "float32", [node(f, level: level + 1)])
            }
        }

        private mutating func condition(_ c: Condition, level: Int) -> (String, Int) {
            height = max(height, level)
            switch c {
            case .elapsed(let n):
                used.insert("elapsed")
                return ("Elapsed(\(n))", 1)
            case .plateau(let spec, let slot):
                used.insert("plateau_condition")
                return ("Plateau(\(plateau(spec)), slot=\(slot))", 1)
            case .compare(let a, let op, let b):
                used.insert("compare")
                let x = operand(a, level: level + 1), y = operand(b, level: level + 1)
                return hoist("Compare(\(x.0), \"\(op.rawValue)\", \(y.0))", max(x.1, y.1) + 1)
            case .all(let a, let b), .any(let a, let b):
                used.insert("logical")
                let op: String
                if case .all = c { op = "and" } else { op = "or" }
                let x = condition(a, level: level + 1), y = condition(b, level: level + 1)
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
            case .node(let n): return node(n, level: level)
            }
        }

        private mutating func plateau(_ p: PlateauSpec) -> String {
            used.insert("plateau")
            // Arguments at the class's defaults are left out.
            var args = ["patience=\(p.patience)"]
            if p.threshold != 1e-4 { args.append("threshold=\(num(p.threshold))") }
            if p.thresholdMode != .rel { args.append("threshold_mode=\"\(p.thresholdMode.rawValue)\"") }
            if p.mode != .min { args.append("mode=\"\(p.mode.rawValue)\"") }
            if p.cooldown != 0 { args.append("cooldown=\(p.cooldown)") }
            if p.atol != 0 { args.append("atol=\(num(p.atol))") }
            if p.accumulate != 1 { args.append("accumulate=\(p.accumulate)") }
            return "PlateauSpec(" + args.joined(separator: ", ") + ")"
        }

        private mutating func parameter(_ v: ParameterValue) -> String {
            switch v {
            case .number(let x): return num(x)
            case .integer(let n): return "\(n)"
            case .flag(let b): return b ? "True" : "False"
            case .choice(let s): return pythonString(s)
            case .integers(let xs): return "[" + xs.map(String.init).joined(separator: ", ") + "]"
            case .numbers(let xs): return "[" + xs.map { num($0) }.joined(separator: ", ") + "]"
            }
        }
    }
}
