import Foundation

/// Pointwise functions available in schedule arithmetic.
public enum MathFunction: String, Sendable, CaseIterable {
    case cos, sin, tan, exp, log, sqrt, floor, ceil, abs, tanh

    /// In single precision: the double result rounded once, which is the
    /// correctly rounded float result, and what every emitted language gets.
    @inline(__always) func apply<F: BinaryFloatingPoint>(_ x: F) -> F { F(apply(Double(x))) }

    @inline(__always) public func apply(_ x: Double) -> Double {
        switch self {
        case .cos: return Foundation.cos(x)
        case .sin: return Foundation.sin(x)
        case .tan: return Foundation.tan(x)
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case .abs: return Swift.abs(x)
        case .tanh: return Foundation.tanh(x)
        }
    }
}

/// Binary pointwise combinations of schedules.
public enum Combine: String, Sendable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case power = "^"
    case min, max, mod

    /// In the precision of `F`: + - * / min max natively (rounded as that type
    /// rounds), ^ and mod as the double result rounded once.
    @inline(__always) func apply<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .power, .mod: return F(apply(Double(a), Double(b)))
        }
    }

    @inline(__always) public func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return pow(a, b)
        case .min: return Swift.min(a, b)
        case .max: return Swift.max(a, b)
        case .mod:
            // Python's float modulo: the result takes the sign of the divisor.
            let r = fmod(a, b)
            return r != 0 && (r < 0) != (b < 0) ? r + b : r
        }
    }
}
