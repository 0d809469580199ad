import Foundation

/// The loss-curve laws Ramp fits: both predict the loss at a step from the schedule's partial sums.
public enum LawKind: String, Sendable, CaseIterable {
    /// Luo et al. 2025 (arXiv 2503.12811), seven parameters.
    case multipower
    /// Tissue et al. 2024 (arXiv 2408.11029), four parameters.
    case annealing

    public var parameterNames: [String] {
        switch self {
        case .multipower: return ["L0", "A", "alpha", "B", "C", "beta", "gamma"]
        case .annealing: return ["L0", "A", "alpha", "C"]
        }
    }
}

/// A fitted law: its kind and parameters.
///
/// Multi-power: L(t) = L0 + A·S1(t)^(−α) − B·Σ_{1≤k≤t} (η_{k−1} − η_k)·G(η_k^(−γ)·S_k(t)),
/// G(x) = 1 − (C·x + 1)^(−β), S1(t) = η_0 + … + η_t (warmup included), S_k(t) = η_k + … + η_t,
/// indexed as the paper's repository evaluates it. Annealing: L(t) = L0 + A·S1(t)^(−α) − C·S2(t),
/// S2(t) = Σ_{1≤i≤t} m_i, m_i = λ·m_{i−1} + (η_{i−1} − η_i), λ = 0.999 (the paper's value).
public struct LossLaw: Sendable, Equatable {
    public var kind: LawKind
    public var parameters: [Double]

    /// The annealing law's momentum decay, fixed as its paper fixes it.
    public static let annealingDecay = 0.999

    public init(_ kind: LawKind, _ parameters: [Double]) {
        self.kind = kind
        self.parameters = parameters
    }

    /// The predicted loss at each of `steps` (each in 0..<table.count), exactly: the sum runs over
    /// the steps where the rate changes, so a piecewise-constant schedule costs O(#changes) a step.
    public func predict(_ table: RateTable, at steps: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: steps.count)
        evaluate(table, at: steps) { i, pred, _ in out[i] = pred }
        return out
    }

    /// The predicted loss at every step of the table.
    public func predictAll(_ table: RateTable) -> [Double] {
        switch kind {
        case .annealing: return predict(table, at: Array(0..<table.count))
        case .multipower: return MultiPowerSums(table, law: self, every: true).all()
        }
    }

    /// The prediction and its gradient in the parameters at each step, handed to `body(i, pred, grad)`.
    func evaluate(
        _ table: RateTable, at steps: [Int], gradient: Bool = false,
        _ body: (Int, Double, [Double]) -> Void
    ) {
        switch kind {
        case .multipower: multipower(table, at: steps, gradient: gradient, body)
        case .annealing: annealing(table, at: steps, gradient: gradient, body)
        }
    }

    private func multipower(
        _ table: RateTable, at steps: [Int], gradient: Bool,
        _ body: (Int, Double, [Double]) -> Void
    ) {
        let p = parameters
        let (l0, a, alpha, b, c, beta, gamma) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        let drops = RateDrops(table)
        var grad = [Double](repeating: 0, count: 7)
        for (i, t) in steps.enumerated() {
            let s1 = table.sums[t]
            let power = a * Foundation.pow(s1, -alpha)
            var ld = 0.0
            var dC = 0.0
            var dBeta = 0.0
            var dGamma = 0.0
            var j = 0
            while j < drops.count, drops.step[j] <= t {
                let g = drops.drop[j]
                let eta = drops.rate[j]
                if eta > 0 {
                    let x = Foundation.exp(-gamma * drops.logRate[j]) * (s1 - drops.before[j])
                    let l1p = Foundation.log1p(c * x)
                    let h = Foundation.exp(-beta * l1p)
                    ld += g * (1 - h)
                    if gradient {
                        let q = g * beta * h / (1 + c * x)
                        dC += q * x
                        dBeta += g * h * l1p
                        dGamma -= q * c * x * drops.logRate[j]
                    }
                } else {
                    ld += g
                }
                j += 1
            }
            if gradient {
                grad[0] = 1
                grad[1] = power / a
                grad[2] = -power * Foundation.log(s1)
                grad[3] = -ld
                grad[4] = -b * dC
                grad[5] = -b * dBeta
                grad[6] = -b * dGamma
            }
            body(i, l0 + power - b * ld, grad)
        }
    }

    private func annealing(
        _ table: RateTable, at steps: [Int], gradient: Bool,
        _ body: (Int, Double, [Double]) -> Void
    ) {
        let p = parameters
        let (l0, a, alpha, c) = (p[0], p[1], p[2], p[3])
        let s2 = Self.annealingArea(table)
        var grad = [Double](repeating: 0, count: 4)
        for (i, t) in steps.enumerated() {
            let s1 = table.sums[t]
            let power = a * Foundation.pow(s1, -alpha)
            if gradient {
                grad = [1, power / a, -power * Foundation.log(s1), -s2[t]]
            }
            body(i, l0 + power - c * s2[t], grad)
        }
    }

    /// S2 of the annealing law at every step, by its recurrence (O(steps)).
    static func annealingArea(_ table: RateTable) -> [Double] {
        var s2 = [Double](repeating: 0, count: table.count)
        var m = 0.0
        var acc = 0.0
        for i in stride(from: 1, to: table.count, by: 1) {
            m = annealingDecay * m + (table.rates[i - 1] - table.rates[i])
            acc += m
            s2[i] = acc
        }
        return s2
    }
}

/// The steps where the rate changes (η_{k−1} ≠ η_k), the only terms of the multi-power sum.
struct RateDrops {
    var step: [Int] = []
    var drop: [Double] = []
    var rate: [Double] = []
    var logRate: [Double] = []
    /// S1(k − 1), so that S_k(t) = S1(t) − before.
    var before: [Double] = []

    init(_ table: RateTable) {
        for k in stride(from: 1, to: table.count, by: 1) where table.rates[k - 1] != table.rates[k] {
            step.append(k)
            drop.append(table.rates[k - 1] - table.rates[k])
            rate.append(table.rates[k])
            logRate.append(table.rates[k] > 0 ? Foundation.log(table.rates[k]) : -.infinity)
            before.append(table.sums[k - 1])
        }
    }

    var count: Int { step.count }
}
