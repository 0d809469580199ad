import Foundation

/// How a number was computed from `base`. The checker keeps one beside every
/// number that depends on the base, so that a program evaluated at another
/// base repeats, operation for operation, the arithmetic a fresh compile at
/// that base does: the same doubles come out, in Swift and in every emitted
/// language, and nothing is recompiled or probed.
public indirect enum BaseExpr: Sendable, Hashable {
    case base
    case constant(Double)
    case negate(BaseExpr)
    case apply(MathFunction, BaseExpr)
    case combine(Combine, BaseExpr, BaseExpr)
    /// A number computed from the base through more operations than are
    /// kept (`BaseForm.maxDepth`): known only at the base it was computed at,
    /// and NaN at any other, so every check there refuses it.
    case pinned(Double, at: Double)
    /// A value fixed when its phase starts (`current`, `elapsed`): known only
    /// while the program runs, so the same form serves every entry.
    case entry(EntryInput)

    /// The number at base `b`. An entry value stands at its placeholder
    /// (`EntryInput.placeholder`) unless `entry` gives it.
    public func value(base b: Double, entry: EntryValues? = nil) -> Double {
        switch self {
        case .base: return b
        case .pinned(let x, let b0): return b == b0 ? x : .nan
        case .constant(let c): return c
        case .entry(let input): return entry.map { input.value(in: $0) } ?? input.placeholder(base: b)
        case .negate(let a): return -a.value(base: b, entry: entry)
        case .apply(let f, let a): return f.apply(a.value(base: b, entry: entry))
        case .combine(let op, let x, let y):
            return op.apply(x.value(base: b, entry: entry), y.value(base: b, entry: entry))
        }
    }

    /// The entry values the number reads, each once, in the order met.
    public var entryInputs: [EntryInput] {
        var out: [EntryInput] = []
        var stack = [self]
        while let e = stack.popLast() {
            switch e {
            case .base, .constant, .pinned: break
            case .entry(let i): if !out.contains(i) { out.append(i) }
            case .negate(let a), .apply(_, let a): stack.append(a)
            case .combine(_, let a, let b):
                stack.append(b)
                stack.append(a)
            }
        }
        return out
    }

    /// True when the number is known only once its phase starts.
    public var readsEntry: Bool { !entryInputs.isEmpty }
}

/// A number's expression in `base`, with its depth kept so that building a
/// long chain (`let`s computing from each other) stays linear. A reference,
/// so that a checked number stays two words wide.
public final class BaseForm: Sendable, Hashable {
    public let expr: BaseExpr
    let depth: Int

    public static let base = BaseForm(expr: .base, depth: 1)

    /// Deeper than this, an expression is not kept (it is pinned to the
    /// program's own base), so evaluating one never recurses without bound.
    static let maxDepth = 200

    init(expr: BaseExpr, depth: Int) {
        self.expr = expr
        self.depth = depth
    }

    public static func == (a: BaseForm, b: BaseForm) -> Bool { a.expr == b.expr }
    public func hash(into h: inout Hasher) { h.combine(expr) }

    /// `op(a, b)` (the result is `value`), or nil when neither side follows the base.
    static func combining(
        _ op: Combine, _ a: (Double, BaseForm?), _ b: (Double, BaseForm?), value: Double, base: Double
    ) -> BaseForm? {
        guard a.1 != nil || b.1 != nil else { return nil }
        return make(depth: max(a.1?.depth ?? 1, b.1?.depth ?? 1) + 1, value: value, base: base) {
            .combine(op, a.1?.expr ?? .constant(a.0), b.1?.expr ?? .constant(b.0))
        }
    }

    func negated(value: Double, base: Double) -> BaseForm {
        BaseForm.make(depth: depth + 1, value: value, base: base) { .negate(expr) }
    }

    func applying(_ f: MathFunction, value: Double, base: Double) -> BaseForm {
        BaseForm.make(depth: depth + 1, value: value, base: base) { .apply(f, expr) }
    }

    /// A form of the given depth, pinned to its value when too deep to keep.
    private static func make(depth: Int, value: Double, base: Double, _ expr: () -> BaseExpr) -> BaseForm {
        depth > maxDepth ? BaseForm(expr: .pinned(value, at: base), depth: 1) : BaseForm(expr: expr(), depth: depth)
    }
}

/// Named numbers of one schedule part that follow the base: a primitive's
/// parameters, a reduce-on-plateau's rates, a restart's floor.
public typealias BaseSymbols = [String: BaseExpr]

/// A decision the checker took on a number that follows the base: a length,
/// a count, a comparison, a range check. At another base the decision must
/// come out the same, or the program's shape depends on the base and another
/// base is refused, naming this place.
public struct BaseGuard: Sendable, Hashable {
    public enum Rule: Sendable, Hashable {
        /// The number must be exactly this (a length, a step count, a plateau's patience).
        case equals(Double)
        /// The number must satisfy the parameter's range.
        case constraint(Constraint)
        /// The number must be finite (a number parameter).
        case finite
        /// `expr op other` must come out as it did (`if(base > 0.05, ...)`).
        case comparison(CompareOperator, BaseExpr, Bool)
    }
    public var expr: BaseExpr
    public var rule: Rule
    /// What the number is, for the message: "argument 'T' of 'cosine'".
    public var what: String
    public var range: SourceRange

    /// Why base `b` is refused, or nil when the decision holds there.
    public func violation(at b: Double) -> DiagnosticMessage? {
        let x = expr.value(base: b)
        switch rule {
        case .equals(let v):
            if x == v || (x.isNaN && v.isNaN) { return nil }
            return .baseChangesValue(what, v, x, base: b)
        case .constraint(let c):
            guard let why = c.violation(x) else { return nil }
            return .baseBreaksConstraint(what, why, base: b)
        case .finite:
            return x.isFinite ? nil : .baseMakesInfinite(what, base: b)
        case .comparison(let op, let other, let expected):
            if op.holds(x, other.value(base: b)) == expected { return nil }
            return .baseChangesComparison(what, expected, base: b)
        }
    }
}
