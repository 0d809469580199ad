/// Cyclic rates, the one-cycle policy, their companion momentum and running
/// products, written in jax.numpy: each is a function of the step, so
/// `--to jax` writes them with the JAX runtime's selects and loops
/// (`_cyclic`, `_onecycle`, `_running_product` in `jax_runtime.py`) and they
/// trace under `jit` like every other shape.
extension Python.Writer {
    /// A parameter of a cycle as the module reads it: a literal, the base's
    /// expression, or a step count fixed at entry.
    private mutating func cycleArguments(_ p: any Primitive, _ symbols: BaseSymbols) -> [String: String] {
        var args: [String: String] = [:]
        for (name, value) in p.parameters {
            args[name] = parameter(value, name, symbols)
            if case .integer(let n) = value {
                let entry = symbols[name].map { $0.readsEntry } ?? false
                args[name] = entry ? "_steps(\(expr(symbols[name]!)))" : Python.literal(Double(n))
            }
        }
        return args
    }

    /// The rate (or, with `momentum`, the companion momentum) of a cyclic or
    /// one-cycle shape at `t`, as a call into the JAX runtime.
    mutating func cycleShape(_ p: any Primitive, _ symbols: BaseSymbols, momentum: Bool) -> String {
        let a = cycleArguments(p, symbols)
        if p is Cyclic {
            let (low, high) = momentum ? (a["momentum_low"]!, a["momentum_high"]!) : (a["low"]!, a["high"]!)
            let position = [a["up"]!, a["down"]!, a["mode"]!, a["gamma"]!].joined(separator: ", ")
            return "\(momentum ? "_cyclic_momentum" : "_cyclic")(t, \(low), \(high), \(position))"
        }
        let legs = ["max", "total", "pct_start", "three_phase", "div", "final_div", "momentum_low", "momentum_high"]
            .map { a[$0]! }.joined(separator: ", ")
        let cosine = a["shape"] == Python.pythonString("cos") ? "True" : "False"
        return "_onecycle(t, \(a["total"]!), _onecycle_legs(\(legs)), \(cosine), \(momentum ? 3 : 1))"
    }

    /// Defines `running_product(f)` as a function of the step and returns its name.
    mutating func runningProductFunction(_ f: Node, output: String, into defs: inout [String]) throws -> String? {
        guard let factor = try pureFunction(f, output: output, into: &defs) else { return nil }
        let name = fresh(output + "_product")
        defs += ["def \(name)(t):", "    return _running_product(t, \(factor))", ""]
        return name
    }

    /// What `--to jax` says about a companion momentum it cannot write as a function of the step.
    private func companionRefusal(_ n: Node) -> JAX.ModuleError {
        let what = Describe.node(n)
        let shown = what.count <= 60 ? what : String(what.prefix(57)) + "..."
        let target = arrays == "ops" ? "keras" : "jax"
        return JAX.ModuleError(
            description: "the momentum `\(shown)` moves with its rate is not compiled `--to \(target)` yet "
                + "(only where one-cycle or cyclic is in force, or held between them)")
    }

    /// True when a shape in `n` moves momentum against the rate.
    static func movesMomentum(_ n: Node) -> Bool {
        var stack = [n]
        while let n = stack.popLast() {
            if case .primitive(let p, _) = n {
                if let c = p as? Cyclic, c.cycleMomentum { return true }
                if let o = p as? OneCycle, o.cycleMomentum { return true }
            }
            stack.append(contentsOf: n.children)
        }
        return false
    }

    /// Defines the companion momentum of `n` as a function of its local step
    /// and returns its name; nil where `n` moves no momentum. A part whose
    /// momentum is there at some steps only is refused.
    mutating func companionFunction(_ n: Node, into defs: inout [String]) throws -> String? {
        guard arrays == "jnp" else { throw companionRefusal(n) }
        guard Self.movesMomentum(n) else { return nil }
        switch n {
        case .primitive(let p, let symbols):
            let name = fresh("momentum")
            defs += ["def \(name)(t):", "    return \(cycleShape(p, symbols, momentum: true))", ""]
            return name
        case .negate(let a), .apply(_, let a):
            return try companionFunction(a, into: &defs)
        case .combine(_, let a, let b):
            // The first operand's momentum where it moves one, as Ramp takes it (at every step, or it is refused).
            if Self.movesMomentum(a) { return try companionFunction(a, into: &defs) }
            return try companionFunction(b, into: &defs)
        case .sequence(let s):
            return try companionSequence(s, initial: nil, holds: false, into: &defs)
        default:
            throw companionRefusal(n)
        }
    }

    /// The companion momentum of a static sequence: the phase in force's where
    /// it moves one, else the value held from the last step of the latest
    /// phase before it that does (`initial` before any). Only the program's
    /// rate `holds`: in a nested sequence every phase must move one.
    mutating func companionSequence(_ s: PhaseSequence, initial: Double?, holds: Bool, into defs: inout [String])
        throws -> String
    {
        guard let starts = s.starts else { throw companionRefusal(.sequence(s)) }
        var own: [String?] = []
        for p in s.phases { own.append(try companionFunction(p.body, into: &defs)) }
        func local(_ i: Int, _ t: String) -> String {
            let t = starts[i] == 0 ? t : "(\(t) - \(Python.literal(Double(starts[i]))))"
            let last = s.phases[i].lastLocal
            return last.isInfinite ? t : minimum(t, Python.literal(last))
        }
        var values: [String] = []
        var held: String? = initial.map(Python.literal)
        for i in s.phases.indices {
            if let f = own[i] {
                values.append("\(f)(\(local(i, "t")))")
                // Held from its last step, when a later phase follows it.
                if i + 1 < starts.count, starts[i + 1] > starts[i] {
                    held = "\(f)(\(local(i, Python.literal(Double(starts[i + 1] - 1)))))"
                }
            } else {
                guard holds, let held else { throw companionRefusal(s.phases[i].body) }
                values.append("(0.0 * t + \(held))")
            }
        }
        var value = values[values.count - 1]
        for i in stride(from: values.count - 2, through: 0, by: -1) {
            value = cond("t < \(Python.literal(Double(starts[i + 1])))", values[i], value)
        }
        let name = fresh("momentum_phases")
        defs += ["def \(name)(t):", "    return \(value)", ""]
        return name
    }
}
