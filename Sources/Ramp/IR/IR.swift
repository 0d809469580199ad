import Foundation

/// The intermediate representation `ramp compile --to json` writes, and the
/// contract every other tool reads: the checked program as a tree, with
/// every parameter resolved, units turned into steps, and every number that
/// follows the base written with how it does (`{"value": 0.05, "base":
/// {"op": "*", "args": ["base", 0.5]}}`). `ramp table`, serve and the
/// emitters build programs from the tree alone; `native` is the same program
/// as Ramp source, for people to read. ramp-ir.schema.json, beside this file,
/// describes it.
public enum IR {
    /// 3: outputs other than `lr` and `momentum` (`weight_decay`, `ema`, any name) sit beside them.
    /// A phase may carry `entry` (values fixed when it starts), and a base
    /// expression `current` and `elapsed`: a reader that does not know them
    /// refuses the document, as it refuses any unknown kind.
    public static let version = 3

    /// The document; without `native` (the program as explain writes it) for the fingerprint.
    public static func document(_ p: CompiledProgram, native: Bool = true) -> JSONValue {
        let s = p.settings
        let settings: [(String, JSONValue)] =
            [
                ("base", .number(s.base)), ("base_is_default", .bool(s.baseIsDefault)),
                ("steps_per_epoch", s.stepsPerEpoch.map { .number(Double($0)) } ?? .null),
                ("total", s.total.map { .number(Double($0)) } ?? .null),
            ]
            + [
                ("samples_per_step", s.samplesPerStep), ("tokens_per_step", s.tokensPerStep),
                ("sequence_length", s.sequenceLength),
            ]
            // What counts samples and tokens, when set: plots and explain read them.
            .compactMap { k, v in v.map { (k, .number(Double($0))) } }
            + (s.signals.map { [("signals", JSONValue.array($0.map { .string($0) }))] } ?? [])
        let momentum: JSONValue
        switch p.momentum {
        case nil: momentum = .null
        case .explicit(let m): momentum = sequence(m)
        case .companion(let initial):
            momentum = .object([("kind", .string("companion")), ("initial", .number(initial))])
        }
        var pairs: [(String, JSONValue)] = [("ramp_ir", .number(Double(version))), ("source", .string(p.source.text))]
        if native { pairs.append(("native", .string(Explain.nativeSource(p)))) }
        pairs += [
            ("settings", .object(settings)),
            ("uses_metric", .bool(p.usesMetric)),
            ("duration", p.duration.map { .number(Double($0)) } ?? .null),
            (
                "outputs",
                .object(
                    [("lr", sequence(p.lr)), ("momentum", momentum)]
                        + p.outputs.map { ($0.name, sequence($0.sequence)) })
            ),
            ("base_guards", .array(p.baseGuards.map(guardValue))),
        ]
        if !p.libraryOutputs.isEmpty {
            pairs.append(("library_outputs", .array(p.libraryOutputs.sorted().map { .string($0) })))
        }
        return .object(pairs)
    }

    /// FNV-1a over the compact IR without the source text and positions (and
    /// `native`, which only restates the tree), so a comment or a layout change
    /// keeps it, while any change to what the schedule computes gives another.
    public static func fingerprint(_ p: CompiledProgram) -> String {
        func strip(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let pairs):
                return .object(pairs.filter { !["source", "native", "at"].contains($0.0) }.map { ($0.0, strip($0.1)) })
            case .array(let xs): return .array(xs.map(strip))
            default: return v
            }
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in strip(document(p, native: false)).renderCompact().utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// True when `text` looks like an IR document rather than Ramp source.
    public static func isDocument(_ text: String) -> Bool {
        text.drop { $0.isWhitespace }.first == "{" && text.contains("\"ramp_ir\"")
    }

    // MARK: - writing

    static func sequence(_ s: PhaseSequence) -> JSONValue {
        .object([
            ("kind", .string("sequence")),
            (
                "phases",
                .array(
                    s.phases.map { p in
                        .object(
                            [
                                ("body", node(p.body)), ("length", p.bound.map { .number(Double($0)) } ?? .null),
                                ("explicit_length", .bool(p.explicitBound)),
                                ("until", p.condition.map(condition) ?? .null), ("at", range(p.range)),
                            ]
                                + (p.entry.map { e in
                                    [
                                        (
                                            "entry",
                                            JSONValue.object([
                                                ("output", .string(e.output)), ("role", .string(e.role.rawValue)),
                                                ("length", e.length.map(expr) ?? .null),
                                            ])
                                        )
                                    ]
                                } ?? []))
                    })
            ),
        ])
    }

    /// A number, with its base form when it follows the base.
    static func number(_ x: Double, _ form: BaseExpr?) -> JSONValue {
        guard let form else { return .number(x) }
        return .object([("value", .number(x)), ("base", expr(form))])
    }

    static func expr(_ e: BaseExpr) -> JSONValue {
        switch e {
        case .base: return .string("base")
        case .constant(let c): return .number(c)
        case .negate(let a): return .object([("op", .string("neg")), ("args", .array([expr(a)]))])
        case .apply(let f, let a): return .object([("op", .string(f.rawValue)), ("args", .array([expr(a)]))])
        case .combine(let op, let a, let b):
            return .object([("op", .string(op.rawValue)), ("args", .array([expr(a), expr(b)]))])
        case .pinned(let x, let b):
            return .object([("op", .string("pinned")), ("value", .number(x)), ("at_base", .number(b))])
        case .entry(.elapsed): return .object([("op", .string("elapsed"))])
        case .entry(.current(let name)): return .object([("op", .string("current")), ("output", .string(name))])
        }
    }

    static func range(_ r: SourceRange) -> JSONValue { .array([.number(Double(r.start)), .number(Double(r.end))]) }

    static func node(_ n: Node) -> JSONValue {
        switch n {
        case .constant(let c): return .object([("kind", .string("constant")), ("value", .number(c))])
        case .time: return .object([("kind", .string("t"))])
        case .negate(let a): return .object([("kind", .string("negate")), ("of", node(a))])
        case .apply(let f, let a):
            return .object([("kind", .string("function")), ("name", .string(f.rawValue)), ("of", node(a))])
        case .combine(let op, let a, let b):
            return .object([
                ("kind", .string("combine")), ("op", .string(op.rawValue)), ("left", node(a)), ("right", node(b)),
            ])
        case .primitive(let p, let symbols):
            var fields: [(String, JSONValue)] = [
                ("kind", .string("primitive")), ("name", .string(p.name)),
                ("params", .object(p.parameters.map { ($0.0, value($0.1, $0.0, symbols)) })),
            ]
            if let w = p as? Warmup, w.implicitTarget { fields.append(("implicit_target", .bool(true))) }
            return .object(fields)
        case .sequence(let s): return sequence(s)
        case .restarts(let r, let symbols):
            return .object(
                [
                    ("kind", .string("restarts")), ("body", node(r.body)), ("period", .number(Double(r.period))),
                    ("mult", .number(r.mult)), ("decay", number(r.decay, symbols["decay"])),
                    ("floor", number(r.floor, symbols["floor"])),
                    ("limit", r.limit.map { .number(Double($0)) } ?? .null),
                    ("decay_mode", .string(r.decayMode.rawValue)),
                    ("peak", .number(r.peak)),
                ] + (r.whole ? [("whole", .bool(true))] : []))
        case .reduceOnPlateau(let r, let symbols):
            return .object([
                ("kind", .string("reduce_on_plateau")), ("factor", number(r.factor, symbols["factor"])),
                ("min", number(r.min, symbols["min"])), ("eps", number(r.eps, symbols["eps"])),
                ("from", number(r.from, symbols["from"])), ("plateau", plateau(r.plateau)),
            ])
        case .warp(let body, let time):
            return .object([("kind", .string("at")), ("body", node(body)), ("time", node(time))])
        case .runningProduct(let f): return .object([("kind", .string("running_product")), ("of", node(f))])
        case .chained(let c, let symbols):
            let members: [JSONValue] = c.members.enumerated().map { i, m in
                .object([("of", node(m.body)), ("floor", m.floor.map { number($0, symbols["floor.\(i)"]) } ?? .null)])
            }
            return .object([
                ("kind", .string("chained")), ("members", .array(members)),
                ("start", number(c.start, symbols["start"])),
            ])
        case .single(let f): return .object([("kind", .string("float32")), ("of", node(f))])
        }
    }

    static func condition(_ c: Condition) -> JSONValue {
        switch c {
        case .elapsed(let n): return .object([("kind", .string("elapsed")), ("steps", .number(Double(n)))])
        case .plateau(let spec, _): return .object([("kind", .string("plateau")), ("plateau", plateau(spec))])
        case .signal(let name): return .object([("kind", .string("signal")), ("name", .string(name))])
        case .compare(let a, let op, let b):
            func operand(_ o: Operand) -> JSONValue {
                switch o {
                case .metric: return .string("metric")
                case .lr: return .string("lr")
                case .output(let name): return .object([("output", .string(name))])
                case .node(let n): return node(n)
                }
            }
            return .object([
                ("kind", .string("compare")), ("op", .string(op.rawValue)), ("left", operand(a)), ("right", operand(b)),
            ])
        case .all(let a, let b):
            return .object([("kind", .string("and")), ("left", condition(a)), ("right", condition(b))])
        case .any(let a, let b):
            return .object([("kind", .string("or")), ("left", condition(a)), ("right", condition(b))])
        case .not(let a): return .object([("kind", .string("not")), ("of", condition(a))])
        }
    }

    static func plateau(_ p: PlateauSpec) -> JSONValue {
        .object([
            ("patience", .number(Double(p.patience))), ("threshold", .number(p.threshold)),
            ("threshold_mode", .string(p.thresholdMode.rawValue)), ("mode", .string(p.mode.rawValue)),
            ("cooldown", .number(Double(p.cooldown))), ("atol", .number(p.atol)),
            ("accumulate", .number(Double(p.accumulate))),
        ])
    }

    /// A parameter, with the base forms of its number (`name`) or of each
    /// item of its list (`name.0`, `name.1`, ...).
    static func value(_ v: ParameterValue, _ name: String, _ symbols: BaseSymbols) -> JSONValue {
        switch v {
        case .number(let x): return number(x, symbols[name])
        case .integer(let n): return number(Double(n), symbols[name])
        case .flag(let b): return .bool(b)
        case .choice(let s): return .string(s)
        case .integers(let xs): return .array(xs.map { .number(Double($0)) })
        case .numbers(let xs): return .array(xs.enumerated().map { number($1, symbols["\(name).\($0)"]) })
        }
    }

    static func guardValue(_ g: BaseGuard) -> JSONValue {
        var fields: [(String, JSONValue)] = [("expr", expr(g.expr))]
        switch g.rule {
        case .equals(let x): fields.append(("equals", .number(x)))
        case .finite: fields.append(("finite", .bool(true)))
        case .constraint(let c):
            let (low, li, high, hi) = c.bounds
            fields.append(
                (
                    "constraint",
                    .object([
                        ("low", low.map { .number($0) } ?? .null), ("low_inclusive", .bool(li)),
                        ("high", high.map { .number($0) } ?? .null), ("high_inclusive", .bool(hi)),
                    ])
                ))
        case .comparison(let op, let other, let expected):
            fields.append(
                (
                    "compare",
                    .object([("op", .string(op.rawValue)), ("right", expr(other)), ("holds", .bool(expected))])
                ))
        }
        fields.append(("what", .string(g.what)))
        fields.append(("at", range(g.range)))
        return .object(fields)
    }
}

extension Fingerprinter {
    /// The fingerprint every checked program carries: a hash of its IR tree.
    static let ir = Fingerprinter(IR.fingerprint)
}
