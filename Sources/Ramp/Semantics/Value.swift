/// What an expression evaluates to while a program is checked.
///
/// Checking a Ramp program is evaluating it: settings resolve units, `def`s
/// expand, numbers fold, and what remains is a schedule tree.
///
/// Only closures are boxed: numbers and the other small values are made
/// constantly during checking and cost no allocation.
public enum Value: Sendable {
    /// A number, with how it was computed from `base` when it depends on it.
    case number(Double, BaseForm? = nil)
    /// A duration resolved to whole steps.
    case duration(Int)
    case schedule(Node)
    case string(String)
    case bool(Bool)
    case none
    case list([Value])
    case map([(key: Value, value: Value)])
    indirect case function(Closure)
    case builtin(String)
    case condition(Condition)
    /// `metric` or `lr`: only meaningful inside a condition.
    case signal(Signal)
    /// What `layer_decay(...)` gives: parameter group i's factor for `output`,
    /// read only when the call is a statement of its own.
    case groupFactors(output: String, [Double])
    /// What `with_momentum(lr, momentum)` and `with_output(lr, name, value)`
    /// give: a rate that sets other outputs too (DeepSpeed's OneCycle its
    /// momentum, Megatron its weight decay), read only as a whole statement.
    case withOutputs(lr: Node, outputs: [(name: String, node: Node)])
    /// What `chainable(s, floor)` gives: a schedule that, inside `chained`,
    /// steps the running rate around `floor` as torch's recursive forms do;
    /// anywhere else, the schedule itself.
    case chainable(Node, floor: Double, form: BaseForm?)

    /// What a condition reads at the end of a step: the metric, the rate, or another output by name.
    public enum Signal: Sendable, Hashable {
        case metric, lr
        case output(String)

        public var name: String {
            switch self {
            case .metric: return "metric"
            case .lr: return "lr"
            case .output(let n): return n
            }
        }
    }

    /// How the value reads in a diagnostic ("expects a duration, got a string").
    public var typeName: String {
        switch self {
        case .number: return "a number"
        case .duration: return "a duration"
        case .schedule: return "a schedule"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .none: return "None"
        case .list: return "a list"
        case .map: return "a map"
        case .function(let c): return c.name.map { "the function '\($0)'" } ?? "a lambda"
        case .builtin(let n): return "the builtin '\(n)'"
        case .condition: return "a condition"
        case .signal(let s): return "'\(s.name)'"
        case .groupFactors: return "parameter groups' factors"
        case .withOutputs(_, let outputs): return "a rate with its " + outputs.map(\.name).joined(separator: " and ")
        case .chainable: return "a schedule"
        }
    }
}

/// A `def` or a `lambda`: parameters, a body, and the names it closes over.
public struct Closure: Sendable {
    public var name: String?
    public var params: [Parameter]
    public var body: Expr
    public var captured: NameMap<Value>
    public var range: SourceRange
    /// Checked types of annotated parameters (`def f(x: number > 0)`), by position.
    public var specs: [ParamSpec?] = []
    /// Part of the built-in compatibility prelude: errors inside it are
    /// reported at the caller's call.
    public var isPrelude = false
}

/// A map from names to values kept as a short list. Environments and bound
/// arguments hold a handful of names, for which a linear scan is cheaper than
/// hashing every name (hashing was a tenth of checking a 1 MB program).
public struct NameMap<Element>: ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var entries: [(key: String, value: Element)] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, Element)...) {
        for (k, v) in elements { self[k] = v }
    }

    public subscript(key: String) -> Element? {
        get {
            for e in entries where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public var keys: [String] { entries.map(\.key) }
    public func makeIterator() -> IndexingIterator<[(key: String, value: Element)]> { entries.makeIterator() }
}

extension NameMap: Sendable where Element: Sendable {}
