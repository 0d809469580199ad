/// The syntax tree. Every node carries the byte range it was parsed from.
public struct Expr: Sendable, Hashable {
    /// Only the cases that contain an `Expr` are boxed, so leaves (numbers,
    /// names) cost no allocation of their own.
    public enum Kind: Sendable, Hashable {
        case number(Double)
        /// `5 epochs`, `10%`, `3 steps`.
        case duration(Double, DurationUnit)
        case string(String)
        case name(String)
        /// `torch.StepLR`: a dotted path, kept whole.
        case path([String])
        /// `f(args)`; `juxtaposed` marks `f 5`, written without parentheses.
        indirect case call(callee: Expr, args: [CallArgument], juxtaposed: Bool)
        indirect case unary(UnaryOperator, Expr)
        indirect case binary(BinaryOperator, Expr, Expr)
        indirect case compare(CompareOperator, Expr, Expr)
        indirect case logical(LogicalOperator, Expr, Expr)
        indirect case not(Expr)
        case list([Expr])
        case map([MapEntry])
        indirect case lambda(params: [String], body: Expr)
        /// `a then b then c`.
        case sequence([Expr])
        /// `body until condition`.
        indirect case until(Expr, Expr)
        /// `body for duration`.
        indirect case bounded(Expr, Expr)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

public struct MapEntry: Sendable, Hashable {
    public var key: Expr
    public var value: Expr
}

public struct CallArgument: Sendable, Hashable {
    public var label: String?
    public var labelRange: SourceRange?
    public var value: Expr
    public var range: SourceRange { labelRange.map { $0.union(value.range) } ?? value.range }
}

public enum UnaryOperator: String, Sendable, Hashable, Codable { case negate = "-" }

public enum BinaryOperator: String, Sendable, Hashable, Codable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case power = "^"
    /// `a // b`: Python's floor division, floor(a / b).
    case floorDivide = "//"
}

public enum CompareOperator: String, Sendable, Hashable, Codable {
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case equal = "=="
    case notEqual = "!="
}

public enum LogicalOperator: String, Sendable, Hashable, Codable { case and, or }

public struct Parameter: Sendable, Hashable {
    public var name: String
    public var range: SourceRange
    public var defaultValue: Expr?
    public var type: TypeAnnotation?

    public init(name: String, range: SourceRange, defaultValue: Expr?, type: TypeAnnotation? = nil) {
        self.name = name
        self.range = range
        self.defaultValue = defaultValue
        self.type = type
    }
}

/// `: number > 0 < 1`, `: duration >= 1`, `: "min" | "max"` after a parameter name.
public struct TypeAnnotation: Sendable, Hashable {
    public struct Bound: Sendable, Hashable {
        public var op: CompareOperator
        public var value: Double
    }
    /// The type's name; nil for a list of allowed strings.
    public var name: String?
    public var choices: [String]
    public var bounds: [Bound]
    public var range: SourceRange
}

public struct Statement: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `base 0.1`, `steps_per_epoch 390`, `total 90 epochs`.
        case setting(String, Expr)
        case binding(String, Expr)
        case definition(String, [Parameter], Expr)
        /// `momentum: expr`: a schedule for a named output.
        case output(String, Expr)
        /// `group "backbone" lr: expr` (its own schedule) or `group 0 lr *= 0.1`
        /// (the default's, scaled): an output for one parameter group.
        case group(GroupKey, String, scale: Bool, Expr)
        /// A bare schedule: the learning rate.
        case expression(Expr)
    }
    public var kind: Kind
    public var range: SourceRange
    /// Where the statement's name is, for diagnostics about it.
    public var nameRange: SourceRange
}

/// A parameter group, as an optimizer knows it: by its `name`, or by its index.
public enum GroupKey: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case index(Int)

    /// `backbone`, `0`: how tables, the IR and adapters write it, inside `lr[...]`.
    public var description: String {
        switch self {
        case .name(let n): return n
        case .index(let i): return String(i)
        }
    }
}

public struct Program: Sendable {
    public var statements: [Statement]
}
