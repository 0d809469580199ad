import Foundation

public struct SettingSpec: Sendable {
    public var name: String
    public var doc: String
}

public struct OutputSpec: Sendable {
    public var name: String
    public var doc: String
    public var range: OutputRange
}

/// The values an output may take, checked on every phase as rates are.
public enum OutputRange: String, Sendable, Hashable {
    /// At least 0 (a rate, a weight decay).
    case nonNegative
    /// Between 0 and 1 (momentum, betas, EMA decay).
    case unit
    /// A whole number of at least 1 (a batch size).
    case positiveInteger
    /// Any finite number (an output Ramp does not know).
    case finite

    /// Why `v` is out of range, or nil when it is in.
    func violation(_ v: Double) -> String? {
        if v.isNaN { return "not a number" }
        if v.isInfinite { return "infinite" }
        switch self {
        case .finite: return nil
        case .nonNegative: return v < 0 ? "negative (\(fmt(v)))" : nil
        case .unit: return v < 0 ? "negative (\(fmt(v)))" : v > 1 ? "above 1 (\(fmt(v)))" : nil
        case .positiveInteger:
            if v < 1 { return "below 1 (\(fmt(v)))" }
            return v.rounded() == v ? nil : "not a whole number (\(fmt(v)))"
        }
    }
}

/// What a parameter accepts.
public enum ParamType: Sendable, Hashable {
    case number, integer, duration, schedule, bool
    case choice([String])
    case numbers, durations
    case string, list, map, any
    /// Only None: a parameter of a library that Ramp does not support.
    case none

    public var description: String {
        switch self {
        case .number: return "a number"
        case .integer: return "a whole number"
        case .duration: return "a duration"
        case .schedule: return "a schedule"
        case .bool: return "true or false"
        case .choice(let cs): return "one of " + cs.map { "\"\($0)\"" }.joined(separator: ", ")
        case .numbers: return "a list of numbers"
        case .durations: return "a list of durations"
        case .string: return "a string"
        case .list: return "a list"
        case .map: return "a map"
        case .any: return "any value"
        case .none: return "None"
        }
    }

    /// The names type annotations use (`def f(x: number > 0)`).
    public static let annotationNames: [String: ParamType] = [
        "number": .number, "integer": .integer, "duration": .duration, "schedule": .schedule, "bool": .bool,
        "numbers": .numbers, "durations": .durations, "string": .string, "list": .list, "map": .map,
        "any": .any, "none": .none,
    ]
}

/// A parameter's default.
public enum ParamDefault: Sendable, Hashable {
    case required
    case number(Double)
    /// The program's base rate.
    case base
    case string(String)
    case bool(Bool)
    /// Optional with no value.
    case absent
    /// The rate at which the next phase starts (base when there is none).
    case nextPhase

    public var description: String {
        switch self {
        case .required: return "required"
        case .number(let x): return fmt(x)
        case .base: return "base"
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .absent: return "none"
        case .nextPhase: return "next phase's start"
        }
    }
}

/// A range check on a numeric parameter.
public enum Constraint: Sendable, Hashable {
    case any, positive, nonNegative
    case atLeast(Double)
    /// 0 < x < 1.
    case openUnit
    /// 0 <= x <= 1.
    case unitInterval
    /// Any interval, from a type annotation such as `number > 0 <= 1`.
    case interval(low: Double?, lowInclusive: Bool, high: Double?, highInclusive: Bool)

    /// The interval a constraint stands for.
    var bounds: (low: Double?, lowInclusive: Bool, high: Double?, highInclusive: Bool) {
        switch self {
        case .any: return (nil, true, nil, true)
        case .positive: return (0, false, nil, true)
        case .nonNegative: return (0, true, nil, true)
        case .atLeast(let m): return (m, true, nil, true)
        case .openUnit: return (0, false, 1, false)
        case .unitInterval: return (0, true, 1, true)
        case .interval(let l, let li, let h, let hi): return (l, li, h, hi)
        }
    }

    func violation(_ x: Double) -> String? {
        if x.isNaN { return "must be a number, got nan" }
        let (low, li, high, hi) = bounds
        let okLow = low.map { li ? x >= $0 : x > $0 } ?? true
        let okHigh = high.map { hi ? x <= $0 : x < $0 } ?? true
        if okLow && okHigh { return nil }
        return requirement.map { $0 + ", got \(fmt(x))" }
    }

    /// What a number outside the constraint is told: "must not be negative".
    var requirement: String? {
        let (low, li, high, hi) = bounds
        switch (low, high) {
        case (let l?, nil):
            if !li { return "must be above \(fmt(l))" }
            return l == 0 ? "must not be negative" : "must be at least \(fmt(l))"
        case (nil, let h?):
            return hi ? "must be at most \(fmt(h))" : "must be below \(fmt(h))"
        case (let l?, let h?):
            if !li && !hi { return "must be between \(fmt(l)) and \(fmt(h)) (exclusive)" }
            if li && hi { return "must be between \(fmt(l)) and \(fmt(h))" }
            return "must be in \(li ? "[" : "(")\(fmt(l)), \(fmt(h))\(hi ? "]" : ")")"
        case (nil, nil): return nil
        }
    }

    /// The constraint as a type annotation writes it (`> 0 <= 1`), for `ramp list`.
    public var annotation: String {
        let (low, li, high, hi) = bounds
        var parts: [String] = []
        if let low { parts.append("\(li ? ">=" : ">") \(fmt(low))") }
        if let high { parts.append("\(hi ? "<=" : "<") \(fmt(high))") }
        return parts.joined(separator: " ")
    }
}

public struct ParamSpec: Sendable {
    public var name: String
    public var type: ParamType
    public var defaultValue: ParamDefault
    public var constraint: Constraint
    public var doc: String

    public init(
        _ name: String, _ type: ParamType, _ defaultValue: ParamDefault, _ constraint: Constraint = .any, doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.constraint = constraint
        self.doc = doc
    }
}

public struct BuiltinSpec: Sendable {
    public enum Kind: String, Sendable { case schedule, condition, function, helper }
    public var name: String
    public var kind: Kind
    public var doc: String
    public var params: [ParamSpec]
    /// Takes any number of arguments of the last parameter's type (min, max).
    public var variadic: Bool
    let build: @Sendable (BoundArguments) throws(CheckError) -> Value

    init(
        _ name: String, _ kind: Kind, doc: String, params: [ParamSpec], variadic: Bool = false,
        build: @escaping @Sendable (BoundArguments) throws(CheckError) -> Value
    ) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.params = params
        self.variadic = variadic
        self.build = build
    }

    /// `cosine(T, from=base, min=0, ...)`, for `ramp list` and help.
    public var signature: String {
        let ps = params.map { p -> String in
            switch p.defaultValue {
            case .required: return p.name
            default: return "\(p.name)=\(p.defaultValue.description)"
            }
        }
        return "\(name)(\(ps.joined(separator: ", "))\(variadic ? ", ..." : ""))"
    }
}

/// Checked, typed arguments handed to a builtin's constructor.
public struct BoundArguments: Sendable {
    var values: NameMap<Value>
    var ranges: NameMap<SourceRange>
    var callRange: SourceRange
    public var base: Double
    /// The program's settings, for helpers that count in them (`timestring`).
    var settings = Settings()
    /// Arguments past the last parameter of a variadic builtin.
    var extra: [Value] = []

    /// The run's length (`total`), which schedules written over the fraction of the run need.
    func runLength() throws(CheckError) -> Int {
        guard let total = settings.total else {
            throw .error(.fractionOfRunNeedsTotal, at: callRange)
        }
        return total
    }

    /// The samples one step trains on (`samples_per_step`), which schedules counted in samples need.
    func samplesPerStep() throws(CheckError) -> Int {
        guard let n = settings.samplesPerStep else { throw .error(.samplesPerStepNeeded, at: callRange) }
        return n
    }

    /// A list argument whose items must all be schedules (or numbers).
    func schedules(_ n: String) throws(CheckError) -> [Node] {
        guard case .list(let xs) = values[n] else { return [] }
        var out: [Node] = []
        for x in xs {
            switch x {
            case .schedule(let s), .chainable(let s, _, _): out.append(s)
            case .number: out.append(try Checker.schedule(x, range(n)))
            default: throw .error(.expectsListOfSchedules(n, found: x.typeName), at: range(n))
            }
        }
        return out
    }

    /// A schedule argument that must not depend on metrics.
    func stateless(_ n: String, in callee: String) throws(CheckError) -> Node {
        let body = node(n)
        if body.isStateful { throw .error(.dependsOnMetrics(n, of: callee), at: range(n)) }
        return body
    }

    /// A map's entries sorted by numeric key; None is an empty map.
    func sortedEntries(_ n: String) throws(CheckError) -> [(key: Value, value: Value)] {
        switch values[n] {
        case .none?, nil: return []
        case .map(let es)?:
            var keyed: [(Double, (key: Value, value: Value))] = []
            for e in es {
                switch e.key {
                case .number(let k, _): keyed.append((k, e))
                case .duration(let d): keyed.append((Double(d), e))
                default: throw .error(.mapKeyNotNumber(found: e.key.typeName), at: range(n))
                }
            }
            return keyed.sorted { $0.0 < $1.0 }.map(\.1)
        default: throw .error(.expectedMap(got: values[n]!.typeName), at: range(n))
        }
    }

    public func given(_ n: String) -> Bool { values[n] != nil && ranges[n] != nil }
    public func range(_ n: String) -> SourceRange { ranges[n] ?? callRange }
    public func optNum(_ n: String) -> Double? {
        switch values[n] {
        case .number(let x, _): return x
        case .duration(let d): return Double(d)
        default: return nil
        }
    }
    public func num(_ n: String) -> Double { optNum(n)! }
    public func optInt(_ n: String) -> Int? {
        switch values[n] {
        case .duration(let d): return d
        case .number(let x, _): return Int(x)
        default: return nil
        }
    }
    public func int(_ n: String) -> Int { optInt(n)! }
    public func str(_ n: String) -> String {
        if case .string(let s) = values[n] { return s }
        return ""
    }
    public func bool(_ n: String) -> Bool {
        if case .bool(let b) = values[n] { return b }
        return false
    }
    public func nums(_ n: String) -> [Double] {
        guard case .list(let xs) = values[n] else { return [] }
        return xs.compactMap { v in
            if case .number(let x, _) = v { return x }
            if case .duration(let d) = v { return Double(d) }
            return nil
        }
    }
    public func ints(_ n: String) -> [Int] {
        guard case .list(let xs) = values[n] else { return [] }
        return xs.compactMap { v in if case .duration(let d) = v { return d } else { return nil } }
    }
    public func node(_ n: String) -> Node {
        switch values[n] {
        case .schedule(let s): return s
        case let v?: return (try? Checker.schedule(v, range(n))) ?? .constant(.nan)
        default: return .constant(.nan)
        }
    }
    func plateau() -> PlateauSpec {
        PlateauSpec(
            patience: int("patience"), threshold: num("threshold"),
            thresholdMode: PlateauSpec.ThresholdMode(rawValue: str("threshold_mode"))!,
            mode: PlateauSpec.Mode(rawValue: str("mode"))!, cooldown: int("cooldown"),
            atol: num("atol"), accumulate: int("accumulate"))
    }
}
