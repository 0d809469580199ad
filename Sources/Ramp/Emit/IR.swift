import Foundation

/// A small JSON value, rendered with numbers in their shortest exact form.
public indirect enum JSONValue: Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.render() == b.render() }

    public func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return x.isFinite ? fmt(x) : "\"\(x > 0 ? "inf" : x < 0 ? "-inf" : "nan")\""
        case .string(let s): return JSONValue.quote(s)
        case .array(let xs):
            if xs.isEmpty { return "[]" }
            if xs.allSatisfy({ if case .number = $0 { return true }; return false }) {
                return "[" + xs.map { $0.render() }.joined(separator: ", ") + "]"
            }
            return "[\n" + xs.map { pad + "  " + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad + "]"
        case .object(let kvs):
            if kvs.isEmpty { return "{}" }
            return "{\n" + kvs.map { pad + "  " + JSONValue.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}

/// The intermediate representation `ramp compile --to json` writes: the
/// checked program with every parameter resolved, units turned into steps,
/// and its canonical native Ramp (`native`), from which `ramp table` and
/// other Ramp tools rebuild it exactly. grammar/ramp-ir.schema.json
/// describes it.
public enum IR {
    public static let version = 1

    public static func document(_ p: CompiledProgram) -> JSONValue {
        let s = p.settings
        var settings: [(String, JSONValue)] = [("base", .number(s.base))]
        settings.append(("steps_per_epoch", s.stepsPerEpoch.map { .number(Double($0)) } ?? .null))
        settings.append(("total", s.total.map { .number(Double($0)) } ?? .null))
        let momentum: JSONValue
        switch p.momentum {
        case nil: momentum = .null
        case .explicit(let m): momentum = sequence(m)
        case .companion(let initial): momentum = .object([("kind", .string("companion")), ("initial", .number(initial))])
        }
        return .object([
            ("ramp_ir", .number(Double(version))),
            ("source", .string(p.source.text)),
            ("native", .string(Explain.nativeSource(p))),
            ("settings", .object(settings)),
            ("uses_metric", .bool(p.usesMetric)),
            ("duration", p.duration.map { .number(Double($0)) } ?? .null),
            ("outputs", .object([("lr", sequence(p.lr)), ("momentum", momentum)])),
        ])
    }

    /// True when `text` looks like an IR document rather than Ramp source.
    public static func isDocument(_ text: String) -> Bool {
        text.drop { $0.isWhitespace }.first == "{" && text.contains("\"ramp_ir\"")
    }

    /// The canonical source inside an IR document, checked for its version.
    public static func nativeSource(_ text: String, name: String = "IR") throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let version = object["ramp_ir"] as? Int else {
            throw LoadError(path: name, message: "not a Ramp IR document")
        }
        guard version == IR.version else { throw LoadError(path: name, message: "IR version \(version) is not supported (this Ramp reads \(IR.version))") }
        guard let native = object["native"] as? String else { throw LoadError(path: name, message: "the IR has no \"native\" program") }
        return native
    }

    static func sequence(_ s: PhaseSequence) -> JSONValue {
        .object([("kind", .string("sequence")), ("phases", .array(s.phases.map { p in
            .object([("body", node(p.body)), ("length", p.bound.map { .number(Double($0)) } ?? .null),
                     ("until", p.condition.map(condition) ?? .null)])
        }))])
    }

    static func node(_ n: Node) -> JSONValue {
        switch n {
        case .constant(let c): return .object([("kind", .string("constant")), ("value", .number(c))])
        case .time: return .object([("kind", .string("t"))])
        case .negate(let a): return .object([("kind", .string("negate")), ("of", node(a))])
        case .apply(let f, let a): return .object([("kind", .string("function")), ("name", .string(f.rawValue)), ("of", node(a))])
        case .combine(let op, let a, let b):
            return .object([("kind", .string("combine")), ("op", .string(op.rawValue)), ("left", node(a)), ("right", node(b))])
        case .primitive(let p):
            return .object([("kind", .string("primitive")), ("name", .string(p.name)),
                            ("params", .object(p.parameters.map { ($0.0, value($0.1)) }))])
        case .sequence(let s): return sequence(s)
        case .restarts(let r):
            return .object([("kind", .string("restarts")), ("body", node(r.body)), ("period", .number(Double(r.period))),
                            ("mult", .number(r.mult)), ("decay", .number(r.decay)), ("floor", .number(r.floor)),
                            ("limit", r.limit.map { .number(Double($0)) } ?? .null), ("decay_mode", .string(r.decayMode.rawValue))])
        case .reduceOnPlateau(let r):
            return .object([("kind", .string("reduce_on_plateau")), ("factor", .number(r.factor)), ("min", .number(r.min)),
                            ("eps", .number(r.eps)), ("from", .number(r.from)), ("plateau", plateau(r.plateau))])
        case .warp(let body, let time): return .object([("kind", .string("at")), ("body", node(body)), ("time", node(time))])
        case .runningProduct(let f): return .object([("kind", .string("running_product")), ("of", node(f))])
        case .single(let f): return .object([("kind", .string("float32")), ("of", node(f))])
        }
    }

    static func condition(_ c: Condition) -> JSONValue {
        switch c {
        case .elapsed(let n): return .object([("kind", .string("elapsed")), ("steps", .number(Double(n)))])
        case .plateau(let spec, _): return .object([("kind", .string("plateau")), ("plateau", plateau(spec))])
        case .compare(let a, let op, let b):
            func operand(_ o: Operand) -> JSONValue {
                switch o {
                case .metric: return .string("metric")
                case .lr: return .string("lr")
                case .node(let n): return node(n)
                }
            }
            return .object([("kind", .string("compare")), ("op", .string(op.rawValue)), ("left", operand(a)), ("right", operand(b))])
        case .all(let a, let b): return .object([("kind", .string("and")), ("left", condition(a)), ("right", condition(b))])
        case .any(let a, let b): return .object([("kind", .string("or")), ("left", condition(a)), ("right", condition(b))])
        case .not(let a): return .object([("kind", .string("not")), ("of", condition(a))])
        }
    }

    static func plateau(_ p: PlateauSpec) -> JSONValue {
        .object([("patience", .number(Double(p.patience))), ("threshold", .number(p.threshold)),
                 ("threshold_mode", .string(p.thresholdMode.rawValue)), ("mode", .string(p.mode.rawValue)),
                 ("cooldown", .number(Double(p.cooldown))), ("atol", .number(p.atol)), ("accumulate", .number(Double(p.accumulate)))])
    }

    static func value(_ v: ParameterValue) -> JSONValue {
        switch v {
        case .number(let x): return .number(x)
        case .integer(let n): return .number(Double(n))
        case .flag(let b): return .bool(b)
        case .choice(let s): return .string(s)
        case .integers(let xs): return .array(xs.map { .number(Double($0)) })
        case .numbers(let xs): return .array(xs.map { .number($0) })
        }
    }
}
