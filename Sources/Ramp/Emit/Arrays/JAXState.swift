/// `ramp compile --to jax` for a schedule with memory: phases that end on
/// conditions, plateaus, reduce-on-plateau. The state slots become a pytree
/// (a tuple with one dict per slot, as the IR numbers them) and each part of
/// the tree two functions: its value at a local step given the slots, and
/// the end of a step, which returns the slots. Every decision is a
/// `jnp.where`, transcribing the Python runtime's `observe` and
/// `_end_of_step` (and so Swift's), so the whole step traces under `jit`.
/// The phase in force is the Python core's (`_located`, `_held_local`, one
/// branch selected), and the state functions live in `Arrays/jax_state.py`.
extension Python.Writer {
    /// A part of the tree as the stateful module computes it.
    struct StatePart {
        /// Its value at a local step (an expression in `t`, reading `s`).
        var value: (String) -> String
        /// The function ending a step, `(t, m, present, now, s, on) -> s`, or
        /// nil when the part has no memory.
        var observe: String?
        /// Whether it has ended by a local step (an expression), for a phase
        /// that ends with its body; nil when it never ends on its own.
        var finished: ((String) -> String)?
    }

    /// What `--to jax` says about a part it cannot write with state.
    private func refusal(_ n: Node) -> JAX.ModuleError {
        let what = Describe.node(n)
        return JAX.ModuleError(
            description:
                "`\(Describe.shortened(what))` is not compiled `--to jax` yet (one-cycle, cyclic and running "
                + "products are not, nor restarts of a part with memory)"
        )
    }

    /// Writes `n` and returns how to compute it.
    mutating func statePart(_ n: Node, output: String, into defs: inout [String]) throws -> StatePart {
        if case .sequence(let s) = n, !isPure(n) {
            return try stateSequence(s, output: output, into: &defs)
        }
        if let name = try pureFunction(n, output: output, into: &defs) {
            var finished: ((String) -> String)?
            if case .sequence(let s) = n, let d = s.staticDuration {
                finished = { "(\($0) >= \(Python.literal(Double(d))))" }
            }
            return StatePart(value: { "\(name)(\($0))" }, observe: nil, finished: finished)
        }
        switch n {
        case .combine(let op, let a, let b):
            // Parts with memory combined (a sequence scaled for a parameter group): both observe every step.
            let pa = try statePart(a, output: output, into: &defs)
            let pb = try statePart(b, output: output, into: &defs)
            let name = fresh(output + "_combine")
            defs += ["def \(name)(t, s):", "    return \(binary(op, pa.value("t"), pb.value("t")))", ""]
            let observes = [pa.observe, pb.observe].compactMap { $0 }
            if observes.isEmpty { return StatePart(value: { "\(name)(\($0), s)" }, observe: nil, finished: nil) }
            defs +=
                ["def \(name)_observe(t, m, present, now, s, on):"]
                + observes.map { "    s = \($0)(t, m, present, now, s, on)" } + ["    return s", ""]
            return StatePart(value: { "\(name)(\($0), s)" }, observe: "\(name)_observe", finished: nil)
        case .reduceOnPlateau(let r, let symbols):
            let spec = plateau(r.plateau)
            let from = number(r.from, symbols["from"])
            reduceFrom[r.slot] = from
            let name = fresh(output + "_reduce")
            defs += [
                "def \(name)(t, m, present, now, s, on):",
                "    return _reduce(\(spec), \(number(r.factor, symbols["factor"])), \(number(r.min, symbols["min"])), "
                    + "\(number(r.eps, symbols["eps"])), s, \(r.slot), m, on & present)", "",
            ]
            return StatePart(value: { _ in "s[\(r.slot)][\"value\"]" }, observe: name, finished: nil)
        default:
            throw refusal(n)
        }
    }

    /// A sequence: by its starts when static, by its slot when its phases end on conditions.
    private mutating func stateSequence(_ s: PhaseSequence, output: String, into defs: inout [String]) throws
        -> StatePart
    {
        var parts: [StatePart] = []
        // A warmup that rises to the next phase's start is given that phase's value (the core's `_rising`).
        var waiting: [(phase: Int, function: String)] = []
        var builders: [Int: String] = [:]
        for (i, p) in s.phases.enumerated() {
            if let plan = p.entry {
                let (part, builder) = try entryPart(s, i, plan, output: output, into: &defs)
                parts.append(part)
                builders[i] = builder
                continue
            }
            if Self.rises(s, i) {
                waiting.append((i, risingFunction(p.body, prefix: output)))
                parts.append(StatePart(value: { $0 }, observe: nil, finished: nil))
                continue
            }
            parts.append(try statePart(p.body, output: output, into: &defs))
            while let w = waiting.popLast() {
                let (after, zero) = (parts[w.phase + 1].value, zero)
                parts[w.phase].value = { "_rising(\(w.function), lambda v: \(after("v")), \(zero))(\($0))" }
            }
        }
        let name = fresh(output + "_phases")
        // Each phase's value as a function of its step, for the core's select.
        let branches = "(" + parts.map { "lambda u: \($0.value("u"))" }.joined(separator: ", ") + ",)"
        if let starts = s.starts {
            // Static, with memory in its phases: located by the Python core over its table.
            defs += [
                "def \(name)(t, s):", "    return _located(\(phaseTable(s, starts)), \(branches), t, _Arrays)", "",
            ]
            // The phase in force observes, within its length.
            var lines = [
                "def \(name)_observe(t, m, present, now, s, on):",
                "    phase = _phase_at((" + starts.map { Python.literal(Double($0)) + "," }.joined(separator: " ")
                    + "), t, _Arrays)",
            ]
            for (i, part) in parts.enumerated() {
                guard let observe = part.observe else { continue }
                let start = Python.literal(Double(starts[i]))
                var inForce = "(phase == \(i))"
                if let b = s.phases[i].bound { inForce += " & (t - \(start) < \(Python.literal(Double(b))))" }
                lines.append("    s = \(observe)(t - \(start), m, present, now, s, on & \(inForce))")
            }
            lines += ["    return s", ""]
            defs += lines
            let finished = s.staticDuration.map { d in { (t: String) in "(\(t) >= \(Python.literal(Double(d))))" } }
            return StatePart(value: { "\(name)(\($0), s)" }, observe: "\(name)_observe", finished: finished)
        }

        // Ended by conditions: the sequence's slot says where it is.
        let k = s.slot
        defs += [
            "def \(name)(t, s):",
            "    st = s[\(k)]",
            "    local = _held_local(st[\"done\"], st[\"held\"], st[\"start\"], t, _Arrays)",
            "    return _Arrays.select(st[\"phase\"], \(branches), local)", "",
        ]
        var lines = [
            "def \(name)_observe(t, m, present, now, s, on):",
            "    # The end of step t: the phase in force observes it, and ends on its",
            "    # length, its condition or its own inner sequence's end.",
            "    st = s[\(k)]",
            "    on = on & ~st[\"done\"]",
            "    phase = st[\"phase\"]",
            "    local = t - st[\"start\"]",
            "    ended = jnp.asarray(False)",
        ]
        for (i, p) in s.phases.enumerated() {
            let part = parts[i]
            lines.append("    on_\(i) = on & (phase == \(i))")
            if let observe = part.observe { lines.append("    s = \(observe)(local, m, present, now, s, on_\(i))") }
            var ends: [String] = []
            if p.entry != nil {
                // Its length was fixed when it started.
                ends.append("(local + 1 >= st[\"entry\"][\"length\"])")
            } else if let b = p.bound {
                ends.append("(local + 1 >= \(Python.literal(Double(b))))")
            }
            if let c = p.condition {
                let until = try stateCondition(c, output: output, into: &defs)
                lines.append("    holds_\(i), s = \(until)(local, m, present, now, s, on_\(i))")
                ends.append("holds_\(i)")
            }
            if let finished = part.finished { ends.append(finished("local + 1")) }
            if !ends.isEmpty { lines.append("    ended = ended | (on_\(i) & (\(ends.joined(separator: " | "))))") }
        }
        let n = s.phases.count
        let entry = builders.isEmpty ? "" : ", \"entry\": st[\"entry\"]"
        lines += [
            "    advance = ended & (phase + 1 < \(n))",
            "    finish = ended & (phase + 1 >= \(n))",
            "    st = s[\(k)]",
            "    s = _put(s, \(k), {\"phase\": jnp.where(advance, phase + 1, phase), "
                + "\"start\": jnp.where(advance, t + 1, st[\"start\"]),",
            "                  \"held\": jnp.where(finish, local, st[\"held\"]), "
                + "\"done\": st[\"done\"] | finish\(entry)})",
        ]
        if !builders.isEmpty {
            lines += try entryLines(s, builders, output: output)
        }
        for (i, p) in s.phases.enumerated() where i > 0 && !p.slots.isEmpty {
            lines.append(
                "    s = _reset(s, initial(), \(p.slots.lowerBound), \(p.slots.upperBound), "
                    + "advance & (phase + 1 == \(i)))"
            )
        }
        lines += ["    return s", ""]
        defs += lines
        return StatePart(
            value: { "\(name)(\($0), s)" }, observe: "\(name)_observe",
            finished: { _ in "s[\(k)][\"done\"]" })
    }

    /// A phase built when it starts: its builder `(e, target) -> (f, natural
    /// length, finite)`, written as the Python module's (`Entry.make`) in
    /// jax.numpy, and its value, which reads the values its sequence's slot
    /// keeps (`jax_state.py`'s `_entry_state`); held where they were not finite.
    private mutating func entryPart(
        _ s: PhaseSequence, _ i: Int, _ plan: EntryPlan, output: String,
        into defs: inout [String]
    ) throws -> (StatePart, String) {
        let p = s.phases[i]
        guard writesAsArithmetic(p.body) else {
            let what = Describe.node(p.body, own: plan.output)
            throw JAX.ModuleError(
                description:
                    "`\(Describe.shortened(what))` is built when its phase starts, and `--to jax` compiles such a "
                    + "phase only when it is arithmetic of the step"
            )
        }
        let k = s.slot
        var names = entrySlots[k] ?? []
        for input in s.entryInputs(of: i) {
            if case .current(let o) = input, !names.contains(o) { names.append(o) }
        }
        if !names.contains(plan.output) { names.append(plan.output) }
        entrySlots[k] = names
        let name = fresh(output + "_phase")
        let (outerFunctions, outerTarget) = (functions, pendingTarget)
        functions = []
        pendingTarget = plan.role == .warmup ? "target" : nil
        let f = function(p.body, single: false, prefix: output)
        let natural = duration(p.body) ?? "jnp.inf"
        let checks = entryChecks(p.body)
        var lines = [
            "def \(name)(e, target=None):",
            "    \"\"\"Phase \(i + 1) of \(plan.output), built from the values fixed when it starts (`e`).\"\"\"",
        ]
        lines += functionLines().map { $0.isEmpty ? "" : "    " + $0 }
        lines.append("    return \(f), \(natural), _finite(\(checks.joined(separator: ", ")))")
        (functions, pendingTarget) = (outerFunctions, outerTarget)
        defs += lines + [""]
        let own = Python.pythonString(plan.output)
        defs += [
            "def \(name)_value(t, s):",
            "    e = s[\(k)][\"entry\"]",
            "    return jnp.where(e[\"held\"], e[\"current\"][\(own)], \(name)(e, e[\"target\"])[0](t))", "",
        ]
        return (StatePart(value: { "\(name)_value(\($0), s)" }, observe: nil, finished: nil), name)
    }

    /// The end of a step in a sequence with phases built at entry: where the
    /// sequence moves into such a phase, its values are fixed (or, after a
    /// warmup that fixed them, kept), and its length, its warmup's target and
    /// whether it holds are worked out from them by the Python core's
    /// functions that `Sequence._enter` calls too.
    private mutating func entryLines(_ s: PhaseSequence, _ builders: [Int: String], output: String) throws -> [String] {
        let k = s.slot
        var lines = ["    # Phases built when they start: their values are fixed as the phase before ends."]
        let names = entrySlots[k] ?? []
        var current: [String] = []
        for n in names {
            let index: Int
            if n == "lr" {
                index = 0
            } else {
                guard let i = outputIndex[n] else {
                    throw JAX.ModuleError(
                        description:
                            "a phase reads current(\(Python.pythonString(n))), which this program does not schedule")
                }
                index = i
            }
            current.append("\(Python.pythonString(n)): jnp.asarray(now[\(index)], _float())")
        }
        lines.append(
            "    fresh = {\"elapsed\": jnp.asarray(t + 1, _float()), \"current\": {\(current.joined(separator: ", "))}}"
        )
        // The values fixed, the phase built from them and its length are the Python core's
        // (`_fixed`, `_build_at_entry`, `_entry_length`), over the array backend.
        let zero = "jnp.asarray(0.0, _float())"
        for (i, p) in s.phases.enumerated() {
            guard let plan = p.entry, let builder = builders[i] else { continue }
            // A warmup rises into the phase after it, built at entry too.
            let after = plan.role == .warmup ? builders[i + 1] : nil
            let role = Python.pythonString((plan.role == .warmup && after == nil ? .own : plan.role).rawValue)
            lines.append(
                "    e = _fixed(\(role), lambda: fresh, "
                    + "{\"elapsed\": s[\(k)][\"entry\"][\"elapsed\"], \"current\": s[\(k)][\"entry\"][\"current\"]})")
            lines.append(
                "    made, target, held = _build_at_entry(\(role), \(builder), \(after ?? "None"), e, "
                    + "lambda f: _start_of(f, \(zero)), lambda built: built[2], _Arrays)")
            let length = plan.length.map { "lambda e: \(expr($0))" } ?? "None"
            let explicit = p.explicitBound ? p.bound.map { Python.literal(Double($0)) } ?? "None" : "None"
            lines.append("    length = _entry_length(\(length), \(explicit), made[1], held, e, _Arrays)")
            let target = after == nil ? zero : "target"
            lines.append(
                "    entry = {**e, \"length\": jnp.asarray(length, _float()), \"held\": held, "
                    + "\"target\": jnp.asarray(\(target), _float())}"
            )
            lines.append(
                "    s = _put(s, \(k), {**s[\(k)], "
                    + "\"entry\": _where(advance & (phase + 1 == \(i)), entry, s[\(k)][\"entry\"])})"
            )
        }
        return lines
    }

    /// A condition as a function `(local, m, present, now, s, on) -> (holds, s)`;
    /// both sides of `and` and `or` are evaluated, so every plateau sees every metric.
    private mutating func stateCondition(_ c: Condition, output: String, into defs: inout [String]) throws -> String {
        let name = fresh("until")
        var lines = ["def \(name)(local, m, present, now, s, on):"]
        let result = try conditionLines(c, output: output, into: &lines)
        lines += ["    return \(result), s", ""]
        defs += lines
        return name
    }

    private mutating func conditionLines(_ c: Condition, output: String, into lines: inout [String]) throws -> String {
        let h = fresh("h")
        switch c {
        case .elapsed(let n):
            lines.append("    \(h) = local + 1 >= \(Python.literal(Double(n)))")
        case .plateau(let spec, let slot):
            lines.append("    \(h), s = _plateau(\(plateau(spec)), s, \(slot), m, on & present)")
        case .signal(let name):
            // The step's signals ride at the end of the slots while it ends (jax_state.py's update).
            lines.append("    \(h) = s[-1][\(Python.pythonString(name))]")
        case .compare(let a, let op, let b):
            let x = try operand(a, output: output)
            let y = try operand(b, output: output)
            let test = "(\(x) \(op.rawValue) \(y))"
            let metric = [a, b].contains { if case .metric = $0 { return true } else { return false } }
            lines.append("    \(h) = " + (metric ? "present & \(test)" : "jnp.asarray(\(test))"))
        case .all(let a, let b), .any(let a, let b):
            let x = try conditionLines(a, output: output, into: &lines)
            let y = try conditionLines(b, output: output, into: &lines)
            if case .all = c { lines.append("    \(h) = \(x) & \(y)") } else { lines.append("    \(h) = \(x) | \(y)") }
        case .not(let a):
            let x = try conditionLines(a, output: output, into: &lines)
            lines.append("    \(h) = ~\(x)")
        }
        return h
    }

    private mutating func operand(_ o: Operand, output: String) throws -> String {
        switch o {
        case .metric: return "m"
        case .lr: return "now[0]"
        case .output(let name):
            guard let i = outputIndex[name] else {
                throw JAX.ModuleError(description: "a condition reads \(name), which this program does not schedule")
            }
            return "now[\(i)]"
        case .node(let n):
            guard writesAsArithmetic(n) else { throw refusal(n) }
            return "\(function(n, single: false, prefix: output))(local)"
        }
    }

    /// The initial state slots, as the pytree's leaves.
    mutating func stateSlots(_ slots: [SlotState]) -> String {
        let items = slots.enumerated().map { index, s -> String in
            switch s {
            case .sequence:
                // A sequence with phases built at entry keeps their values.
                guard let names = entrySlots[index] else { return "_sequence_state()" }
                return "_sequence_state(_entry_state(("
                    + names.map { Python.pythonString($0) + "," }.joined(separator: " ") + ")))"
            case .plateau(let tr): return stateTracker(tr)
            case .reduce(let r):
                return "_reduce_state(\(reduceFrom[index] ?? Python.literal(r.value)), \(stateTracker(r.tracker)))"
            }
        }
        return "(" + items.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    }

    private func stateTracker(_ tr: PlateauTracker) -> String {
        "_state_tracker(\(Python.literal(tr.best))\(tr.cooldownLeft == 0 ? "" : ", \(tr.cooldownLeft)"))"
    }
}
