import Foundation

/// A schedule with no state, turned once into nested closures over the
/// concrete primitives: the same arithmetic as `Node.value(at:)`, without
/// walking the enum or opening an existential at every step. Tables use it;
/// tests check it against stepping on every corpus program.
public typealias ClosedForm = @Sendable (Double) -> Double

extension Node {
    /// The closure, or nil when the schedule keeps state.
    func closedForm() -> ClosedForm? {
        switch self {
        case .constant(let c): return { _ in c }
        case .time: return { t in t }
        case .negate(let a):
            guard let f = a.closedForm() else { return nil }
            return { t in -f(t) }
        case .apply(let fn, let a):
            guard let f = a.closedForm() else { return nil }
            return { t in fn.apply(f(t)) }
        case .combine(let op, let a, let b):
            guard let f = a.closedForm(), let g = b.closedForm() else { return nil }
            return { t in op.apply(f(t), g(t)) }
        case .primitive(let p, _): return Node.closure(p)
        case .restarts(let r, _):
            guard let body = r.body.closedForm() else { return nil }
            return { t in
                let (k, tau, length) = r.locate(t)
                return r.scaled(body(tau * Double(r.period) / length), cycle: k)
            }
        case .warp(let body, let time):
            guard let f = body.closedForm(), let g = time.closedForm() else { return nil }
            return { t in f(g(t)) }
        case .runningProduct(let factor):
            guard let f = factor.closedForm() else { return nil }
            return { t in
                var p = 1.0, k = 1.0
                while k <= t { p *= f(k); k += 1 }
                return p
            }
        case .single(let body):
            return { t in Double(body.singleValue(at: Float(t), [])) }
        case .reduceOnPlateau: return nil
        case .sequence(let s):
            guard s.isStatic else { return nil }
            let found = s.phases.map { $0.body.closedForm() }
            guard found.allSatisfy({ $0 != nil }) else { return nil }
            let bodies = found.map { $0! }
            return { t in
                let (i, local) = s.position(at: t, [])
                return bodies[i](local)
            }
        }
    }

    /// A primitive's value function with its concrete type known, so the
    /// call is direct.
    private static func closure(_ p: any Primitive) -> ClosedForm {
        switch p {
        case let x as Cosine: return { x.value(at: $0) }
        case let x as Warmup: return { x.value(at: $0) }
        case let x as Linear: return { x.value(at: $0) }
        case let x as Exponential: return { x.value(at: $0) }
        case let x as StepDecay: return { x.value(at: $0) }
        case let x as Polynomial: return { x.value(at: $0) }
        case let x as OneCycle: return { x.value(at: $0) }
        default: return { p.value(at: $0) }
        }
    }
}
