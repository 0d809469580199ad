import Foundation

/// A basic schedule shape: a pure function of the phase-local step.
///
/// Primitives are small value types. Anything that needs memory of past
/// metrics (reduce-on-plateau, conditions) lives in scheduler state instead,
/// so a primitive can always be evaluated in closed form.
public protocol Primitive: Sendable {
    /// The name the builtins registry knows it by.
    var name: String { get }
    /// The natural length in steps, or nil when the shape goes on forever.
    var duration: Int? { get }
    /// The rate at phase-local time `t` (steps; fractional inside `restarts`).
    func value(at t: Double) -> Double
    /// The companion momentum, for shapes that move momentum against the rate.
    func momentum(at t: Double) -> Double?
    /// Resolved parameters, in registry order, for `ramp explain`, the JSON tree and emitted code.
    var parameters: [(String, ParameterValue)] { get }
}

extension Primitive {
    public func momentum(at t: Double) -> Double? { nil }
}

/// Formats a number the way Ramp source writes it (shortest round-trip form).
@inline(__always) func fmt(_ x: Double) -> String {
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

func quote(_ s: String) -> String { "\"\(s)\"" }

/// A resolved parameter, kept typed so that explain, the JSON tree and emitted code
/// each write it in their own syntax.
public enum ParameterValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case flag(Bool)
    case choice(String)
    case integers([Int])
    case numbers([Double])

    /// As Ramp source writes it.
    public var ramp: String {
        switch self {
        case .number(let x): return fmt(x)
        case .integer(let n): return "\(n)"
        case .flag(let b): return b ? "true" : "false"
        case .choice(let s): return quote(s)
        case .integers(let xs): return "[" + xs.map(String.init).joined(separator: ", ") + "]"
        case .numbers(let xs): return "[" + xs.map(fmt).joined(separator: ", ") + "]"
        }
    }
}

// MARK: - basic shapes

/// A rate that never changes.
public struct Constant: Primitive {
    public var level: Double
    public var name: String { "constant" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double { level }
    public var parameters: [(String, ParameterValue)] { [("value", .number(level))] }
}

/// A straight line from `from` to `to` over `T` steps, then `to`.
public struct Linear: Primitive {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var from: Double, to: Double, T: Int
    public var name: String { "linear" }
    public var duration: Int? { T }
    public func value(at t: Double) -> Double {
        from + (to - from) * (min(t, Double(T)) / Double(T))
    }
    public var parameters: [(String, ParameterValue)] {
        [("T", .integer(T)), ("from", .number(from)), ("to", .number(to))]
    }
}

/// A rise from `from` to `to` over `T` steps: linear, exponential, or held
/// constant at `from` (torch's ConstantLR warmup).
public struct Warmup: Primitive {
    public enum Shape: String, Sendable, CaseIterable { case linear, exp, constant }
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var T: Int, from: Double, to: Double, shape: Shape
    /// True when `to` was not written and came from the following phase.
    public var implicitTarget: Bool
    public var name: String { "warmup" }
    public var duration: Int? { T }
    public func value(at t: Double) -> Double {
        guard t < Double(T) else { return to }
        switch shape {
        case .linear: return from + (to - from) * (t / Double(T))
        case .exp: return from * pow(to / from, t / Double(T))
        case .constant: return from
        }
    }
    public var parameters: [(String, ParameterValue)] {
        [("T", .integer(T)), ("from", .number(from)), ("to", .number(to)), ("shape", .choice(shape.rawValue))]
    }
}

/// Half a cosine from `from` down to `min` over `T` steps.
///
/// `exponent` raises the cosine factor (optax), `k` is timm's k-decay
/// (t^k / T^k), and `periodic` lets the curve come back up past `T`, as
/// torch's CosineAnnealingLR does; otherwise it rests at `min`.
public struct Cosine: Primitive {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var T: Int, from: Double, min: Double, exponent: Double, k: Double, periodic: Bool
    public var name: String { "cosine" }
    public var duration: Int? { periodic ? nil : T }
    public func value(at t: Double) -> Double {
        let tt = periodic ? t : Swift.min(t, Double(T))
        let frac = k == 1 ? tt / Double(T) : pow(tt, k) / pow(Double(T), k)
        let c = 0.5 * (1 + cos(Double.pi * frac))
        return min + (from - min) * (exponent == 1 ? c : pow(c, exponent))
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("T", .integer(T)), ("from", .number(from)), ("min", .number(min)), ("exponent", .number(exponent)),
            ("k", .number(k)), ("periodic", .flag(periodic)),
        ]
    }
}

/// `from * gamma ^ (t / every)`, optionally in whole stairs, optionally
/// clamped at `end` (optax's end_value).
public struct Exponential: Primitive {
    public var gamma: Double, from: Double, every: Double, staircase: Bool, end: Double?
    public var name: String { "exponential" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        var p = t / every
        if staircase { p = p.rounded(.down) }
        let v = from * pow(gamma, p)
        guard let end else { return v }
        return gamma < 1 ? Swift.max(v, end) : Swift.min(v, end)
    }
    public var parameters: [(String, ParameterValue)] {
        var p: [(String, ParameterValue)] = [
            ("gamma", .number(gamma)), ("from", .number(from)), ("every", .number(every)),
            ("staircase", .flag(staircase)),
        ]
        if let end { p.append(("end", .number(end))) }
        return p
    }
}

/// Multiplies by `gamma` every `size` steps.
public struct StepDecay: Primitive {
    public var size: Int, gamma: Double, from: Double
    public var name: String { "step" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        from * pow(gamma, (t / Double(size)).rounded(.down))
    }
    public var parameters: [(String, ParameterValue)] {
        [("size", .integer(size)), ("gamma", .number(gamma)), ("from", .number(from))]
    }
}

/// Multiplies by `gamma` at each milestone; a milestone listed twice counts twice.
public struct MultiStep: Primitive {
    public var milestones: [Int], gamma: Double, from: Double
    public var name: String { "multistep" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        var n = 0
        for m in milestones where Double(m) <= t { n += 1 }
        return from * pow(gamma, Double(n))
    }
    public var parameters: [(String, ParameterValue)] {
        [("milestones", .integers(milestones)), ("gamma", .number(gamma)), ("from", .number(from))]
    }
}

/// `(from - to) * (1 - t/T)^power + to`; with `cycle`, T stretches to the
/// next multiple of itself (keras PolynomialDecay).
public struct Polynomial: Primitive {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var T: Int, from: Double, to: Double, power: Double, cycle: Bool
    public var name: String { "polynomial" }
    public var duration: Int? { cycle ? nil : T }
    public func value(at t: Double) -> Double {
        var span = Double(T)
        var tt = t
        if cycle {
            span = Double(T) * Swift.max(1, (t / Double(T)).rounded(.up))
        } else {
            tt = Swift.min(t, span)
        }
        return (from - to) * pow(1 - tt / span, power) + to
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("T", .integer(T)), ("from", .number(from)), ("to", .number(to)), ("power", .number(power)),
            ("cycle", .flag(cycle)),
        ]
    }
}

/// `from / sqrt((t + T) / T)`: equal to `from` at t = 0 and then decaying
/// as 1/sqrt(step), as in "Attention is all you need" after its warmup.
public struct InverseSqrt: Primitive {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var T: Double, from: Double
    public var name: String { "inverse_sqrt" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double { from / ((t + T) / T).squareRoot() }
    public var parameters: [(String, ParameterValue)] { [("T", .number(T)), ("from", .number(from))] }
}

/// `from / (1 + rate * t / every)` (keras InverseTimeDecay).
public struct InverseTime: Primitive {
    public var rate: Double, every: Double, from: Double, staircase: Bool
    public var name: String { "inverse_time" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        var p = t / every
        if staircase { p = p.rounded(.down) }
        return from / (1 + rate * p)
    }
    public var parameters: [(String, ParameterValue)] {
        [("rate", .number(rate)), ("every", .number(every)), ("from", .number(from)), ("staircase", .flag(staircase))]
    }
}

// MARK: - composite shapes

/// A tanh descent from `from` to `min` over `T` steps (timm's TanhLRScheduler).
public struct TanhDecay: Primitive {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // `T` is the language's own name for a phase length.
    public var T: Int, from: Double, min: Double, lb: Double, ub: Double
    public var name: String { "tanh_decay" }
    public var duration: Int? { T }
    public func value(at t: Double) -> Double {
        let tr = Swift.min(t, Double(T)) / Double(T)
        return min + 0.5 * (from - min) * (1 - Foundation.tanh(lb * (1 - tr) + ub * tr))
    }
    public var parameters: [(String, ParameterValue)] {
        [("T", .integer(T)), ("from", .number(from)), ("min", .number(min)), ("lb", .number(lb)), ("ub", .number(ub))]
    }
}

/// Cyclical rates (Smith 2017): triangular, triangular2 or exp_range, with
/// momentum cycling the other way.
public struct Cyclic: Primitive {
    public enum Mode: String, Sendable, CaseIterable {
        case triangular, triangular2
        case expRange = "exp_range"
    }
    public var low: Double, high: Double, up: Int, down: Int, mode: Mode, gamma: Double
    public var momentumLow: Double, momentumHigh: Double, cycleMomentum: Bool
    public var name: String { "cyclic" }
    public var duration: Int? { nil }

    private func position(_ t: Double) -> (scale: Double, factor: Double) {
        let total = Double(up + down)
        let ratio = Double(up) / total
        let cycle = (1 + t / total).rounded(.down)
        let x = 1 + t / total - cycle
        let factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1)
        let scale: Double
        switch mode {
        case .triangular: scale = 1
        case .triangular2: scale = 1 / pow(2, cycle - 1)
        case .expRange: scale = pow(gamma, t)
        }
        return (scale, factor)
    }
    public func value(at t: Double) -> Double {
        let (scale, factor) = position(t)
        return low + (high - low) * factor * scale
    }
    public func momentum(at t: Double) -> Double? {
        guard cycleMomentum else { return nil }
        let (scale, factor) = position(t)
        return momentumHigh - (momentumHigh - momentumLow) * factor * scale
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("low", .number(low)), ("high", .number(high)), ("up", .integer(up)), ("down", .integer(down)),
            ("mode", .choice(mode.rawValue)),
            ("gamma", .number(gamma)), ("momentum_low", .number(momentumLow)), ("momentum_high", .number(momentumHigh)),
            ("cycle_momentum", .flag(cycleMomentum)),
        ]
    }
}

/// The one-cycle policy (Smith & Topin 2018), phased as torch's OneCycleLR.
public struct OneCycle: Primitive {
    public enum Shape: String, Sendable, CaseIterable { case cos, linear }
    public var max: Double, total: Int, pctStart: Double, shape: Shape, threePhase: Bool
    public var div: Double, finalDiv: Double
    public var momentumLow: Double, momentumHigh: Double, cycleMomentum: Bool
    public var name: String { "onecycle" }
    public var duration: Int? { total }

    private struct Leg { var end: Double, lr0: Double, lr1: Double, m0: Double, m1: Double }
    private var legs: [Leg] {
        let initial = max / div
        let floor = initial / finalDiv
        let p = pctStart * Double(total)
        if threePhase {
            return [
                Leg(end: p - 1, lr0: initial, lr1: max, m0: momentumHigh, m1: momentumLow),
                Leg(end: 2 * p - 2, lr0: max, lr1: initial, m0: momentumLow, m1: momentumHigh),
                Leg(end: Double(total) - 1, lr0: initial, lr1: floor, m0: momentumHigh, m1: momentumHigh),
            ]
        }
        return [
            Leg(end: p - 1, lr0: initial, lr1: max, m0: momentumHigh, m1: momentumLow),
            Leg(end: Double(total) - 1, lr0: max, lr1: floor, m0: momentumLow, m1: momentumHigh),
        ]
    }
    private func anneal(_ a: Double, _ b: Double, _ pct: Double) -> Double {
        switch shape {
        case .cos: return b + (a - b) / 2 * (cos(Double.pi * pct) + 1)
        case .linear: return (b - a) * pct + a
        }
    }
    public func value(at t: Double) -> Double {
        let (leg, pct) = locateLeg(t)
        return anneal(leg.lr0, leg.lr1, pct)
    }
    public func momentum(at t: Double) -> Double? {
        guard cycleMomentum else { return nil }
        let (leg, pct) = locateLeg(t)
        return anneal(leg.m0, leg.m1, pct)
    }
    private func locateLeg(_ t: Double) -> (Leg, Double) {
        let t = Swift.min(t, Double(total) - 1)
        var start = 0.0
        let legs = self.legs
        for i in legs.indices {
            if t <= legs[i].end || i == legs.count - 1 {
                return (legs[i], (t - start) / (legs[i].end - start))
            }
            start = legs[i].end
        }
        return (legs[legs.count - 1], 1)
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("max", .number(max)), ("total", .integer(total)), ("pct_start", .number(pctStart)),
            ("shape", .choice(shape.rawValue)),
            ("three_phase", .flag(threePhase)), ("div", .number(div)), ("final_div", .number(finalDiv)),
            ("momentum_low", .number(momentumLow)), ("momentum_high", .number(momentumHigh)),
            ("cycle_momentum", .flag(cycleMomentum)),
        ]
    }
}

/// Constant pieces: `values[i]` from boundary i-1 (inclusive) to boundary i.
public struct Piecewise: Primitive {
    public var boundaries: [Int], values: [Double]
    public var name: String { "piecewise" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        var i = 0
        while i < boundaries.count, Double(boundaries[i]) <= t { i += 1 }
        return values[i]
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("boundaries", .integers(boundaries)),
            ("values", .numbers(values)),
        ]
    }
}

/// Interpolation through `(boundaries[i], values[i])`, linear or cosine;
/// flat before the first point and after the last.
public struct Interpolate: Primitive {
    public enum Shape: String, Sendable, CaseIterable { case linear, cosine }
    public var boundaries: [Int], values: [Double], shape: Shape
    public var name: String { "interpolate" }
    public var duration: Int? { nil }
    public func value(at t: Double) -> Double {
        if t <= Double(boundaries[0]) { return values[0] }
        for i in 1..<boundaries.count where t < Double(boundaries[i]) {
            let a = values[i - 1]
            let b = values[i]
            let pct = (t - Double(boundaries[i - 1])) / Double(boundaries[i] - boundaries[i - 1])
            switch shape {
            case .linear: return (b - a) * pct + a
            case .cosine: return b + (a - b) / 2 * (cos(Double.pi * pct) + 1)
            }
        }
        return values[values.count - 1]
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("boundaries", .integers(boundaries)),
            ("values", .numbers(values)), ("shape", .choice(shape.rawValue)),
        ]
    }
}

/// Warmup-stable-decay (Hu et al. 2024, MiniCPM): rise, hold at `peak`,
/// then decay to `min` with a linear, cosine or 1-sqrt tail.
public struct WarmupStableDecay: Primitive {
    public enum Shape: String, Sendable, CaseIterable {
        case linear, cosine
        case oneMinusSqrt = "1-sqrt"
    }
    public var warmup: Int, stable: Int, decay: Int, peak: Double, from: Double, min: Double, shape: Shape
    public var name: String { "wsd" }
    public var duration: Int? { warmup + stable + decay }
    public func value(at t: Double) -> Double {
        if t < Double(warmup) { return from + (peak - from) * (t / Double(warmup)) }
        if t < Double(warmup + stable) { return peak }
        let progress = Swift.min(1, (t - Double(warmup + stable)) / Double(decay))
        let f: Double
        switch shape {
        case .linear: f = 1 - progress
        case .cosine: f = 0.5 * (1 + cos(Double.pi * progress))
        case .oneMinusSqrt: f = 1 - progress.squareRoot()
        }
        return min + (peak - min) * f
    }
    public var parameters: [(String, ParameterValue)] {
        [
            ("warmup", .integer(warmup)), ("stable", .integer(stable)), ("decay", .integer(decay)),
            ("peak", .number(peak)),
            ("from", .number(from)), ("min", .number(min)), ("shape", .choice(shape.rawValue)),
        ]
    }
}
