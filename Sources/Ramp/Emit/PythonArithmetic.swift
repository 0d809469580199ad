/// The arithmetic of a schedule's stateless parts, written out in the
/// generated module as Python functions of the phase-local step `t`, so a
/// reader sees `0.0 + (base - 0.0) * (0.5 * (1 + math.cos(math.pi * ((50.0 if 50.0 < t else t) / 50.0))))`
/// rather than a constructor. Each shape's formula is the Swift primitive's
/// `value(at:)`, operation for operation (the conformance suite's Python
/// runner checks every trace bit for bit); only state (phases ended by
/// conditions, plateaus, reduce-on-plateau, restarts) stays in the runtime.
extension Python.Writer {
    /// A subtree nested deeper than this becomes a function of its own, so no
    /// expression strains Python's parser.
    private static let expressionDepth = 12

    /// True when the whole subtree can be written as arithmetic; with
    /// `jnp`, also tables, warmup-stable-decay and `at`, which the JAX
    /// runtime's selects and searches compute.
    static func isArithmetic(_ n: Node, jnp: Bool = false) -> Bool {
        var stack = [n]
        while let n = stack.popLast() {
            switch n {
            case .constant, .time: break
            case .negate(let a), .apply(_, let a), .single(let a): stack.append(a)
            case .combine(_, let a, let b):
                stack.append(a)
                stack.append(b)
            case .warp(let a, let b) where jnp:
                stack.append(a)
                stack.append(b)
            case .primitive(let p, _):
                if !Self.shapes.contains(p.name) && !(jnp && Self.arrayShapes.contains(p.name)) { return false }
            default: return false
            }
        }
        return true
    }

    /// True when the whole subtree can be written as arithmetic in this writer's dialect.
    func writesAsArithmetic(_ n: Node) -> Bool { Self.isArithmetic(n, jnp: arrays == "jnp") }

    /// The shapes written as arithmetic in jax.numpy only.
    static let arrayShapes: Set<String> = ["piecewise", "interpolate", "wsd", "cyclic", "onecycle"]

    /// True when the subtree is worth a function: it has a shape or reads `t`.
    static func readsTime(_ n: Node) -> Bool {
        var stack = [n]
        while let n = stack.popLast() {
            switch n {
            case .time, .primitive: return true
            default: stack.append(contentsOf: n.children)
            }
        }
        return false
    }

    /// The shapes written out as arithmetic; the others keep their runtime class.
    static let shapes: Set<String> = [
        "constant", "linear", "warmup", "cosine", "exponential", "step", "multistep", "polynomial",
        "inverse_sqrt", "inverse_time", "tanh_decay",
    ]

    /// Defines a function of `t` computing `n` (in single precision when
    /// `single`, as inside `float32(...)`) and returns its name.
    mutating func function(_ n: Node, single: Bool, prefix: String) -> String {
        let name = fresh(prefix)
        if case .single(let a) = n {
            // float32(...): the step rounded to single precision, then every
            // operation rounded as it is done.
            let text = arithmetic(a, single: true, depth: 0, prefix: prefix)
            functions.append((Describe.node(n), "def \(name)(t):\n    t = _f32(t)\n    return \(text)"))
            return name
        }
        let text = arithmetic(n, single: single, depth: 0, prefix: prefix)
        functions.append((Describe.node(n), "def \(name)(t):\n    return \(text)"))
        return name
    }

    /// Defines a function of `to` giving a warmup that rises to where the
    /// phase after it begins, `to`, as a function of `t`, and returns its
    /// name. The core finds `to` (`_start_of`) and gives it (`Rising`, `_rising`).
    mutating func risingFunction(_ n: Node, prefix: String) -> String {
        let name = fresh(prefix)
        pendingTarget = "to"
        let text = arithmetic(n, single: false, depth: 0, prefix: prefix)
        let code = ["def \(name)(to):", "    def rising(t):", "        return \(text)", "    return rising"]
        functions.append((Describe.node(n), code.joined(separator: "\n")))
        return name
    }

    /// Whether phase `i` of `s` is a warmup that rises to where the phase
    /// after it begins (`Node.risingWarmup(to:)`), both written as they are:
    /// not built at entry, where the core's `Sequence._make` gives the target.
    static func rises(_ s: PhaseSequence, _ i: Int) -> Bool {
        guard i + 1 < s.phases.count, s.phases[i].entry == nil, s.phases[i + 1].entry == nil else { return false }
        return s.phases[i].body.risingWarmup(to: s.phases[i + 1].body) != nil
    }

    /// `n` as a Python expression of `t`.
    private mutating func arithmetic(_ n: Node, single: Bool, depth: Int, prefix: String) -> String {
        if depth >= Self.expressionDepth, Self.readsTime(n) {
            return "\(function(n, single: single, prefix: prefix))(t)"
        }
        let d = depth + 1
        func rounded(_ x: String) -> String { single ? "_f32(\(x))" : x }
        switch n {
        // A constant in single precision is written as the float it rounds to.
        case .constant(let c): return Python.literal(single ? Double(Float(c)) : c)
        case .time: return "t"
        case .negate(let a): return "(-\(arithmetic(a, single: single, depth: d, prefix: prefix)))"
        case .apply(let f, let a):
            used.insert("functions")
            return rounded("\(function(f))(\(arithmetic(a, single: single, depth: d, prefix: prefix)))")
        case .combine(let op, let a, let b):
            let x = arithmetic(a, single: single, depth: d, prefix: prefix)
            let y = arithmetic(b, single: single, depth: d, prefix: prefix)
            return rounded(binary(op, x, y, inline: true))
        case .single:
            return rounded("\(function(n, single: single, prefix: prefix))(t)")
        case .primitive(let p, let symbols):
            return rounded(shape(p, symbols))
        case .warp(let body, let time):
            // at(body, time): the body's function of the step, called at `time`.
            let f = function(body, single: single, prefix: prefix)
            return "\(f)(\(arithmetic(time, single: single, depth: d, prefix: prefix)))"
        default:
            preconditionFailure("only arithmetic is written out")
        }
    }

    /// The Python function a Ramp function name calls: the runtime's, which
    /// give NaN or infinity where Python's raise, or the array library's
    /// (jax.numpy, Keras' ops), which do so already.
    func function(_ f: MathFunction) -> String {
        if let ns = arrays { return "\(ns)." + f.rawValue }
        switch f {
        case .cos, .sin, .tan, .exp, .log, .sqrt, .floor, .ceil: return "_" + f.rawValue
        case .abs: return "abs"
        case .tanh: return "math.tanh"
        }
    }

    /// `math.NAME` in Python, the array library's in JAX and Keras (cos, sqrt,
    /// tanh, pi; Keras' ops have no pi, which is math's).
    func math(_ name: String) -> String {
        guard let ns = arrays, !(ns == "ops" && name == "pi") else { return "math." + name }
        return "\(ns)." + name
    }

    /// `a if c else b`; in JAX a select, so nothing branches on a traced value.
    func cond(_ c: String, _ a: String, _ b: String) -> String {
        arrays.map { "\($0).where(\(c), \(a), \(b))" } ?? "(\(a) if \(c) else \(b))"
    }

    /// Two operands combined as Ramp combines them: IEEE division and
    /// C's pow where Python would raise.
    mutating func binary(_ op: Combine, _ x: String, _ y: String, inline: Bool = false) -> String {
        if let ns = arrays {
            // The array libraries' operations are IEEE's already; min and max as selects.
            switch op {
            case .add, .subtract, .multiply, .divide: return "(\(x) \(op.rawValue) \(y))"
            case .power: return "\(ns).power(\(x), \(y))"
            case .min: return minimum(x, y)
            case .max: return maximum(x, y)
            case .mod: return "\(ns).mod(\(x), \(y))"
            }
        }
        switch op {
        case .add, .subtract, .multiply: return "(\(x) \(op.rawValue) \(y))"
        case .divide:
            used.insert("combine")
            return "_div(\(x), \(y))"
        case .power: return "_pow(\(x), \(y))"
        case .min where inline && Self.isSimple(x) && Self.isSimple(y): return minimum(x, y)
        case .max where inline && Self.isSimple(x) && Self.isSimple(y): return maximum(x, y)
        case .min: return "_min(\(x), \(y))"
        case .max: return "_max(\(x), \(y))"
        case .mod:
            used.insert("combine")
            return "_mod(\(x), \(y))"
        }
    }

    /// C's pow, floor and ceil: the runtime's in Python, the array library's in JAX and Keras.
    func pow(_ x: String, _ y: String) -> String { arrays.map { "\($0).power(\(x), \(y))" } ?? "_pow(\(x), \(y))" }
    func floor(_ x: String) -> String { arrays.map { "\($0).floor(\(x))" } ?? "_floor(\(x))" }
    func ceil(_ x: String) -> String { arrays.map { "\($0).ceil(\(x))" } ?? "_ceil(\(x))" }

    /// A step or a literal: an operand that can be written twice, so min and
    /// max are written inline instead of called.
    static func isSimple(_ x: String) -> Bool {
        x == "t" || Double(x) != nil
    }

    /// Swift's min and max as conditionals: `b < a ? b : a` and
    /// `b >= a ? b : a`, so ties and NaN come out as Ramp's do (`_min`, `_max`).
    func minimum(_ a: String, _ b: String) -> String { cond("\(b) < \(a)", b, a) }
    func maximum(_ a: String, _ b: String) -> String { cond("\(b) >= \(a)", b, a) }

    /// Integers as a list of float literals, compared with the step as Ramp compares them.
    static func floats(_ xs: [Int]) -> String {
        "[" + xs.map { Python.literal(Double($0)) }.joined(separator: ", ") + "]"
    }

    /// A shape's value at `t`: its Swift `value(at:)`, transcribed.
    private mutating func shape(_ p: any Primitive, _ symbols: BaseSymbols) -> String {
        var args: [String: String] = [:]
        var numbers: [String: (Double, BaseExpr?)] = [:]
        for (name, value) in p.parameters {
            args[name] = parameter(value, name, symbols)
            if case .number(let x) = value { numbers[name] = (x, symbols[name]) }
            if case .integer(let n) = value {
                // A step count fixed at entry is rounded as Ramp rounds it then.
                if let f = symbols[name], f.readsEntry {
                    // In an array library `_steps` gives a float array already.
                    args[name] = arrays == nil ? "float(_steps(\(expr(f))))" : "_steps(\(expr(f)))"
                } else {
                    args[name] = Python.literal(Double(n))
                }
            }
        }
        if let w = p as? Warmup, w.implicitTarget {
            // The next phase's start: the rising function's parameter, or a phase builder's.
            args["to"] = pendingTarget ?? "base"
            pendingTarget = nil
        }
        func a(_ name: String) -> String { args[name]! }
        /// `then` when the number equals `value`, `otherwise` if not; decided
        /// here unless the number follows the base.
        func when(_ name: String, is value: Double, _ then: String, _ otherwise: String) -> String {
            let (x, form) = numbers[name]!
            guard form != nil else { return x == value ? then : otherwise }
            // The base is a Python number when the schedule is made: decided then.
            return "(\(then) if \(a(name)) == \(Python.literal(value)) else \(otherwise))"
        }
        switch p {
        case is Constant: return a("value")
        case is Linear:
            return "(\(a("from")) + (\(a("to")) - \(a("from"))) * (\(minimum("t", a("T"))) / \(a("T"))))"
        case let w as Warmup:
            let rise: String
            switch w.shape {
            case .linear: rise = "\(a("from")) + (\(a("to")) - \(a("from"))) * (t / \(a("T")))"
            case .exp: rise = "\(a("from")) * \(pow("\(a("to")) / \(a("from"))", "t / \(a("T"))"))"
            case .constant: rise = a("from")
            }
            return cond("t < \(a("T"))", arrays != nil ? "(\(rise))" : rise, a("to"))
        case let c as Cosine:
            let tt = c.periodic ? "t" : minimum("t", a("T"))
            let frac = when("k", is: 1, "\(tt) / \(a("T"))", "\(pow(tt, a("k"))) / \(pow(a("T"), a("k")))")
            let half = "(0.5 * (1 + \(math("cos"))(\(math("pi")) * (\(frac)))))"
            let shaped = when("exponent", is: 1, half, pow(half, a("exponent")))
            return "(\(a("min")) + (\(a("from")) - \(a("min"))) * \(shaped))"
        case let e as Exponential:
            let p = e.staircase ? floor("t / \(a("every"))") : "t / \(a("every"))"
            let v = "(\(a("from")) * \(pow(a("gamma"), p)))"
            guard let end = args["end"] else { return v }
            let (gamma, form) = numbers["gamma"]!
            let (lo, hi) =
                arrays != nil ? (maximum(v, end), minimum(v, end)) : ("_max(\(v), \(end))", "_min(\(v), \(end))")
            if form == nil { return gamma < 1 ? lo : hi }
            return "(\(lo) if \(a("gamma")) < 1 else \(hi))"
        case is StepDecay:
            return "(\(a("from")) * \(pow(a("gamma"), floor("t / \(a("size"))"))))"
        case let m as MultiStep:
            let list =
                "(" + m.milestones.map(String.init).joined(separator: ", ") + (m.milestones.count == 1 ? ",)" : ")")
            let count =
                arrays.map { "sum(\($0).where(m <= t, 1.0, 0.0) for m in \(list))" }
                ?? "float(sum(1 for m in \(list) if m <= t))"
            return "(\(a("from")) * \(pow(a("gamma"), count)))"
        case let poly as Polynomial:
            let stretched = arrays != nil ? maximum("1.0", ceil("t / \(a("T"))")) : "_max(1.0, _ceil(t / \(a("T"))))"
            let (tt, span) = poly.cycle ? ("t", "(\(a("T")) * \(stretched))") : (minimum("t", a("T")), a("T"))
            return "((\(a("from")) - \(a("to"))) * \(pow("1 - \(tt) / \(span)", a("power"))) + \(a("to")))"
        case is InverseSqrt:
            return "(\(a("from")) / \(math("sqrt"))((t + \(a("T"))) / \(a("T"))))"
        case let i as InverseTime:
            let p = i.staircase ? floor("t / \(a("every"))") : "(t / \(a("every")))"
            return "(\(a("from")) / (1 + \(a("rate")) * \(p)))"
        case let w as WarmupStableDecay:
            let (warm, stable) = (Python.literal(Double(w.warmup)), Python.literal(Double(w.warmup + w.stable)))
            let progress = minimum("1.0", "(t - \(stable)) / \(Python.literal(Double(w.decay)))")
            let f: String
            switch w.shape {
            case .linear: f = "(1 - \(progress))"
            case .cosine: f = "(0.5 * (1 + \(math("cos"))(\(math("pi")) * \(progress))))"
            case .oneMinusSqrt: f = "(1 - \(math("sqrt"))(\(progress)))"
            }
            let rise = "(\(a("from")) + (\(a("peak")) - \(a("from"))) * (t / \(warm)))"
            return cond(
                "t < \(warm)", rise,
                cond("t < \(stable)", a("peak"), "(\(a("min")) + (\(a("peak")) - \(a("min"))) * \(f))"))
        case let pw as Piecewise:
            return "_piecewise(t, \(Self.floats(pw.boundaries)), \(a("values")))"
        case let ip as Interpolate:
            let cosine = ip.shape == .cosine ? "True" : "False"
            return "_interpolate(t, \(Self.floats(ip.boundaries)), \(a("values")), \(cosine))"
        case is Cyclic, is OneCycle:
            return cycleShape(p, symbols, momentum: false)
        case is TanhDecay:
            let tr = "(\(minimum("t", a("T"))) / \(a("T")))"
            let (low, from, lb, ub) = (a("min"), a("from"), a("lb"), a("ub"))
            return "(\(low) + 0.5 * (\(from) - \(low)) * (1 - \(math("tanh"))(\(lb) * (1 - \(tr)) + \(ub) * \(tr))))"
        default:
            preconditionFailure("\(p.name) has no arithmetic form")
        }
    }
}
