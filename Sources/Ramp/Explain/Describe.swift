/// Renders checked schedules back as Ramp source, with every parameter
/// resolved: what `ramp explain` prints, and what a compatibility call stands for.
public enum Describe {
    /// `text` cut to at most 60 characters, for a message that names a part of a program.
    public static func shortened(_ text: String) -> String {
        text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }

    /// `own`: the output whose phase this is, which `current` reads.
    public static func node(_ n: Node, own: String? = nil) -> String {
        switch n {
        case .constant(let c): return fmt(c)
        case .time: return "t"
        case .negate(let a): return "-" + atom(a, own: own)
        case .apply(let f, let a): return "\(f.rawValue)(\(node(a, own: own)))"
        case .combine(let op, let a, let b):
            switch op {
            case .min, .max, .mod: return "\(op.rawValue)(\(node(a, own: own)), \(node(b, own: own)))"
            default: return "\(atom(a, own: own)) \(op.rawValue) \(atom(b, own: own))"
            }
        // A number computed from the base reads as the number it is.
        case .primitive(let p as Constant, let symbols) where !symbols.isEmpty:
            if let f = symbols["value"], f.readsEntry { return expr(f, own: own) }
            return node(.constant(p.level), own: own)
        case .primitive(let p, let symbols) where symbols.values.contains(where: \.readsEntry):
            // Numbers fixed at entry read as what fixes them.
            return call(
                p.name,
                p.parameters.map { name, v in
                    guard let f = symbols[name], f.readsEntry else { return (name, v.ramp) }
                    return (name, expr(f, own: own))
                })
        case .primitive(let p, _): return call(p.name, p.parameters.map { ($0.0, $0.1.ramp) })
        case .restarts(let r, _):
            var ps = [
                ("period", "\(r.period)"), ("mult", fmt(r.mult)), ("decay", fmt(r.decay)), ("floor", fmt(r.floor)),
            ]
            if let l = r.limit { ps.append(("limit", "\(l)")) }
            if r.decay != 1 { ps.append(("decay_mode", quote(r.decayMode.rawValue))) }
            if r.whole { ps.append(("whole", "true")) }
            return "restarts(\(node(r.body, own: own)), " + ps.map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
        case .reduceOnPlateau(let r, _):
            return call(
                "reduce_on_plateau",
                [("factor", fmt(r.factor))] + plateauParameters(r.plateau)
                    + [("min", fmt(r.min)), ("eps", fmt(r.eps)), ("from", fmt(r.from))])
        case .sequence(let s):
            return "(" + s.phases.map(phase).joined(separator: " then ") + ")"
        case .warp(let body, .time): return "hold(\(node(body, own: own)))"
        case .warp(let body, let time): return "at(\(node(body, own: own)), \(node(time, own: own)))"
        case .runningProduct(let f): return "running_product(\(node(f, own: own)))"
        case .chained(let c, _):
            let members = c.members.map { m -> String in
                guard let floor = m.floor else { return node(m.body, own: own) }
                return floor == 0
                    ? "chainable(\(node(m.body, own: own)))"
                    : "chainable(\(node(m.body, own: own)), floor=\(fmt(floor)))"
            }
            return "chained([" + members.joined(separator: ", ") + "])"
        case .single(let f): return "float32(\(node(f, own: own)))"
        }
    }

    /// Like `node`, but a primitive shows only the parameters that differ
    /// from their defaults: `cosine(T=50)` rather than all six.
    public static func compact(_ n: Node, base: Double, own: String? = nil) -> String {
        // A shape built at entry shows what fixes its numbers, in full.
        guard case .primitive(let p, let symbols) = n, !symbols.values.contains(where: \.readsEntry),
            let spec = Builtins.lookup(p.name)
        else { return node(n, own: own) }
        let shown = p.parameters.map { ($0.0, $0.1.ramp) }.filter { name, value in
            guard let param = spec.params.first(where: { $0.name == name }) else { return true }
            switch param.defaultValue {
            case .required: return true
            case .number(let x): return value != fmt(x)
            case .base: return value != fmt(base)
            case .string(let v): return value != quote(v)
            case .bool(let b): return value != (b ? "true" : "false")
            case .absent: return true
            case .nextPhase: return false
            }
        }
        return call(p.name, shown)
    }

    public static func phase(_ p: Phase) -> String {
        let own = p.entry?.output
        var s = body(p)
        if let l = p.entry?.length {
            s += " for " + expr(l, own: own)
        } else if p.explicitBound, let b = p.bound {
            s += " for \(b)"
        }
        if let c = p.condition { s += " until " + condition(c) }
        return s
    }

    /// What ends a phase by its length, or nil when nothing does: its
    /// written length, its body's own, or a length fixed when it starts.
    public static func lengthEnd(_ p: Phase) -> String? {
        if let plan = p.entry {
            if let l = plan.length { return "after \(expr(l, own: plan.output)) steps, fixed at entry" }
            // Only a shape's `T` can make its length depend on the values fixed at entry.
            var fixedAtEntry = false
            p.body.forEachPrimitive { _, symbols in if symbols["T"]?.readsEntry == true { fixedAtEntry = true } }
            if !p.explicitBound, fixedAtEntry { return "after its length, fixed at entry" }
        }
        guard let b = p.bound else { return nil }
        return "after \(b) step\(b == 1 ? "" : "s")"
    }

    /// A phase's body. A warmup rising to a phase built at entry rises to
    /// where that phase will start, so it is written without its template's target.
    static func body(_ p: Phase) -> String {
        if p.entry?.role == .warmup, case .primitive(let w as Warmup, _) = p.body {
            return call("warmup", w.parameters.filter { $0.0 != "to" }.map { ($0.0, $0.1.ramp) })
        }
        return node(p.body, own: p.entry?.output)
    }

    public static func condition(_ c: Condition) -> String {
        switch c {
        case .elapsed(let n): return "\(n) steps"
        case .plateau(let spec, _): return call("plateau", plateauParameters(spec))
        case .signal(let name): return "signal(\(quote(name)))"
        case .compare(let a, let op, let b): return "\(operand(a)) \(op.rawValue) \(operand(b))"
        case .all(let a, let b): return "(\(condition(a)) and \(condition(b)))"
        case .any(let a, let b): return "(\(condition(a)) or \(condition(b)))"
        case .not(let a): return "not \(condition(a))"
        }
    }

    static func plateauParameters(_ p: PlateauSpec) -> [(String, String)] {
        var ps = [
            ("patience", "\(p.patience)"), ("threshold", fmt(p.threshold)),
            ("threshold_mode", quote(p.thresholdMode.rawValue)),
            ("mode", quote(p.mode.rawValue)), ("cooldown", "\(p.cooldown)"),
        ]
        if p.atol != 0 { ps.append(("atol", fmt(p.atol))) }
        if p.accumulate != 1 { ps.append(("accumulate", "\(p.accumulate)")) }
        return ps
    }

    static func operand(_ o: Operand) -> String {
        switch o {
        case .metric: return "metric"
        case .lr: return "lr"
        case .output(let name): return name
        case .node(let n): return node(n)
        }
    }

    static func call(_ name: String, _ ps: [(String, String)]) -> String {
        "\(name)(" + ps.map { "\($0)=\($1)" }.joined(separator: ", ") + ")"
    }

    private static func atom(_ n: Node, own: String?) -> String {
        switch n {
        case .combine(let op, _, _) where op != .min && op != .max && op != .mod: return "(\(node(n, own: own)))"
        case .constant(let c) where c < 0: return "(\(fmt(c)))"
        default: return node(n, own: own)
        }
    }

    /// A number fixed at entry, as Ramp source: `0.2 * elapsed`, `current`, `current("momentum")`.
    static func expr(_ e: BaseExpr, own: String?) -> String {
        func atom(_ e: BaseExpr) -> String {
            if case .combine(let op, _, _) = e, op != .min, op != .max, op != .mod { return "(\(expr(e, own: own)))" }
            if case .negate = e { return "(\(expr(e, own: own)))" }
            if case .constant(let c) = e, c < 0 { return "(\(fmt(c)))" }
            return expr(e, own: own)
        }
        switch e {
        case .base: return "base"
        case .constant(let c): return fmt(c)
        case .pinned(let x, _): return fmt(x)
        case .entry(let input): return input.source(own: own)
        case .negate(let a): return "-" + atom(a)
        case .apply(let f, let a): return "\(f.rawValue)(\(expr(a, own: own)))"
        case .combine(let op, let a, let b):
            switch op {
            case .min, .max, .mod: return "\(op.rawValue)(\(expr(a, own: own)), \(expr(b, own: own)))"
            default: return "\(atom(a)) \(op.rawValue) \(atom(b))"
            }
        }
    }
}

/// `ramp explain`: the phases of each output with resolved lengths,
/// parameters and end conditions.
public enum Explain {
    public static func text(_ p: CompiledProgram) -> String {
        var out: [String] = []
        let s = p.settings
        out.append("base: \(fmt(s.base))\(s.baseIsDefault ? " (default; set it with `base` or --base)" : "")")
        if let spe = s.stepsPerEpoch { out.append("steps_per_epoch: \(spe)") }
        if let n = s.samplesPerStep { out.append("samples_per_step: \(n)") }
        if let n = s.tokensPerStep { out.append("tokens_per_step: \(n)") }
        if let n = s.sequenceLength { out.append("sequence_length: \(n)") }
        if let total = s.total { out.append("total: \(total) steps") }
        if let declared = s.signals { out.append("signals: " + declared.joined(separator: ", ")) }
        let trained = Explain.trained(p)
        let others = p.entryOutputRanges
        func sequence(_ s: PhaseSequence, indent: String, offset: Int?) -> [String] {
            Explain.sequence(s, indent: indent, offset: offset, trained: trained) { seq, i in
                CompiledProgram.entryRanges(seq, i, total: p.settings.total, p.initialSlots, others: others)
            }
        }
        out.append("")
        out.append("lr:")
        out += sequence(p.lr, indent: "  ", offset: 0)
        switch p.momentum {
        case nil: out.append("momentum: not scheduled")
        case .companion(let m):
            out.append(
                "momentum: follows the one-cycle/cyclic phases (moving against the rate), holding its last value "
                    + "elsewhere; starts at \(fmt(m))"
            )
        case .explicit(let m):
            out.append("momentum:")
            out += sequence(m, indent: "  ", offset: 0)
        }
        for o in p.outputs {
            let spec = Builtins.output(o.name)
            out.append("\(o.name):" + (spec == nil ? " (an output Ramp does not know, carried as it is)" : ""))
            out += sequence(o.sequence, indent: "  ", offset: 0)
        }
        if !p.signals.isEmpty {
            out.append("")
            out.append(
                "signals: raise " + p.signals.map { "'\($0)'" }.joined(separator: ", ")
                    + " during a step to end the phase waiting for it when the step ends (scheduler.signal(name), "
                    + ":signal NAME, --signal NAME@STEP)"
            )
        }
        if p.readsMetric {
            out.append("")
            out.append("metric: this schedule reacts to the metric fed at the end of each step")
        }
        out.append("")
        out.append("as native Ramp:")
        out += nativeSource(p).split(separator: "\n").map { "  " + $0 }
        return out.joined(separator: "\n")
    }

    /// The whole program in native Ramp, every compatibility call and `def`
    /// expanded: what a torch or optax user migrates to.
    public static func nativeSource(_ p: CompiledProgram) -> String {
        var lines: [String] = []
        if !p.settings.baseIsDefault { lines.append("base \(fmt(p.settings.base))") }
        if let spe = p.settings.stepsPerEpoch { lines.append("steps_per_epoch \(spe)") }
        if let total = p.settings.total { lines.append("total \(total)") }
        if let declared = p.settings.signals {
            lines.append("signals [" + declared.map { JSONValue.quote($0) }.joined(separator: ", ") + "]")
        }
        /// A library's values pass as they are; native Ramp says so with `unchecked(...)`.
        func text(_ s: PhaseSequence, _ name: String) -> String {
            let t = s.phases.map(Describe.phase).joined(separator: " then ")
            return p.libraryOutputs.contains(name) ? "unchecked(\(t))" : t
        }
        lines.append(text(p.lr, "lr"))
        if case .explicit(let m) = p.momentum {
            lines.append("momentum: " + text(m, "momentum"))
        }
        for o in p.outputs {
            let text = text(o.sequence, o.name)
            if let key = Builtins.groupKey(of: o.name) {
                // A group's output: `group "backbone" lr: ...`, `group 0 lr: ...`.
                let written = key.allSatisfy(\.isNumber) ? key : JSONValue.quote(key)
                lines.append("group \(written) \(Builtins.baseOutput(of: o.name)): " + text)
            } else {
                lines.append("\(o.name): " + text)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The tokens (or samples) trained on before a step, when the settings
    /// count them: with a scheduled batch size, steps are no longer
    /// proportional to tokens. Counted at the phase boundaries only.
    static func trained(_ p: CompiledProgram) -> (unit: String, before: (Int) -> Double?)? {
        for unit in [DurationUnit.tokens, .samples] {
            guard p.trained(unit, steps: 1) != nil else { continue }
            let perSample = unit == .tokens ? Double(p.settings.sequenceLength ?? 1) : 1
            if let counts = p.batchCounts {
                let box = CountsBox(counts)
                return (unit.rawValue, { n in (try? box.counts.samples(before: n)).map { $0 * perSample } })
            }
            let per = Double(unit == .tokens ? p.settings.tokensPerStep! : p.settings.samplesPerStep!)
            return (unit.rawValue, { n in Double(n) * per })
        }
        return nil
    }

    /// The running sum, extended as explain asks for later boundaries.
    private final class CountsBox {
        var counts: BatchCounts
        init(_ counts: BatchCounts) { self.counts = counts }
    }

    static func sequence(
        _ s: PhaseSequence, indent: String, offset: Int?,
        trained: (unit: String, before: (Int) -> Double?)? = nil,
        entryRanges: (PhaseSequence, Int) -> [(input: EntryInput, range: ClosedRange<Double>)] = { _, _ in [] }
    ) -> [String] {
        /// "; tokens 0-1,015,808": what the steps from `a` to `b` train on.
        func span(_ a: Int, _ b: Int) -> String {
            guard let trained, let x = trained.before(a), let y = trained.before(b) else { return "" }
            return "; \(trained.unit) \(count(x))-\(count(y))"
        }
        var out: [String] = []
        let starts = s.startSteps(from: offset)
        for (i, p) in s.phases.enumerated() {
            let start = starts[i]
            let fixed = p.hasFixedEnd
            var head = "\(indent)phase \(i + 1)"
            if let plan = p.entry {
                // Built when it starts: its numbers read the values fixed then.
                out.append(head)
                out.append("\(indent)  \(Describe.body(p))")
                let inputs = entryRanges(s, i).map { input, r -> String in
                    let what: String
                    switch input {
                    case .elapsed: what = "the step it starts at"
                    case .current(let name): what = "\(name == "lr" ? "the rate" : name) at the step before it"
                    }
                    let shown =
                        r.lowerBound == r.upperBound
                        ? fmt(r.lowerBound) : "\(fmt(r.lowerBound)) to \(fmt(r.upperBound))"
                    return "\(input.source(own: plan.output)) (\(what); checked for \(shown))"
                }
                let when =
                    plan.role == .afterWarmup
                    ? "fixed when the warmup before it starts"
                    : plan.role == .warmup ? "fixed when it starts, for it and the phase it rises to" : "fixed at entry"
                out.append(
                    "\(indent)  \(when): "
                        + (inputs.isEmpty ? "the values of the warmup before it" : inputs.joined(separator: ", ")))
                var ends: [String] = []
                if let c = p.condition { ends.append("when \(Describe.condition(c)) holds") }
                if let l = Describe.lengthEnd(p) { ends.append(l) }
                out.append(
                    "\(indent)  ends: "
                        + (ends.isEmpty
                            ? "never (the schedule goes on as long as training does)" : ends.joined(separator: ", or "))
                )
                continue
            }
            switch (start, p.bound) {
            case (let a?, let b?) where fixed:
                head += ": steps \(a)-\(a + b - 1) (\(b) step\(b == 1 ? "" : "s")\(span(a, a + b)))"
            case (let a?, let b?): head += ": from step \(a), at most \(b) step\(b == 1 ? "" : "s")"
            case (let a?, nil): head += ": from step \(a)"
            case (nil, let b?): head += ": at most \(b) step\(b == 1 ? "" : "s")"
            case (nil, nil): break
            }
            out.append(head)
            out.append("\(indent)  \(Describe.node(p.body))")
            var ends: [String] = []
            if let c = p.condition { ends.append("when \(Describe.condition(c)) holds") }
            if let b = p.bound { ends.append("after \(b) step\(b == 1 ? "" : "s")") }
            if case .sequence(let inner) = p.body, !inner.isStatic { ends.append("when its inner sequence ends") }
            out.append(
                "\(indent)  ends: "
                    + (ends.isEmpty
                        ? "never (the schedule goes on as long as training does)" : ends.joined(separator: ", or ")))
        }
        if let d = s.staticDuration {
            out.append("\(indent)finishes after \(d) steps")
        } else if Node.sequence(s).canFinish {
            out.append("\(indent)finishes when phase \(s.phases.count) ends")
        }
        return out
    }
}

/// A count of samples or tokens, whole and grouped by thousands: 1,015,808.
private func count(_ x: Double) -> String {
    guard x.isFinite, x.magnitude < 9e15 else { return fmt(x) }
    let digits = String(Int64(x.rounded()))
    var out = ""
    for (i, ch) in digits.reversed().enumerated() {
        if i > 0, i % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return String(out.reversed())
}
