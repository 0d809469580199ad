import Foundation

/// The multi-power law at every step, fast. The sum over past drops is O(t) a step, O(t²) a curve,
/// too slow for a smooth decay over 72,000 steps. Far enough back, a block of drops whose rates and
/// sums are close acts on S1(t) as one smooth function: its terms are expanded to third order
/// around the block's centre, from moments kept per block, and the error is bounded by the ratio ρ
/// of the block's spread to its distance (≤ 0.03, so ρ⁴ ≈ 1e-6 of the block's own small share).
/// Near blocks, steep drops and zero rates are summed exactly. Tests hold it to the exact sum.
struct MultiPowerSums {
    let table: RateTable
    let drops: RateDrops
    let l0, a, alpha, b: Double
    var c, beta: Double
    /// η_k^(−γ) for each drop.
    let scale: [Double]
    var nodes: [Node] = []
    /// Each node's moments, Σ g·Δa^j·c^l for j + l ≤ 3, ten a node in the order (j, l) =
    /// (0,0) (0,1) (1,0) (0,2) (1,1) (2,0) (0,3) (1,2) (2,1) (3,0); Δa and Δp from the block's means,
    /// c = ā·Δp + Δa·Δp.
    var moments: [Double] = []

    static let leaf = 8
    static let limit = 0.03

    struct Node {
        var lo, hi: Int
        var left = -1, right = -1
        /// Whether the block can be expanded at all (every rate in it above 0).
        var expandable = true
        var meanScale = 0.0, meanBefore = 0.0, spreadScale = 0.0, spreadBefore = 0.0
    }

    init(_ table: RateTable, law: LossLaw) {
        self.table = table
        drops = RateDrops(table)
        let p = law.parameters
        (l0, a, alpha, b, c, beta) = (p[0], p[1], p[2], p[3], p[4], p[5])
        let gamma = p[6]
        scale = drops.logRate.map { Foundation.exp(-gamma * $0) }
        if drops.count > 0 { _ = build(0, drops.count) }
    }

    private mutating func build(_ lo: Int, _ hi: Int) -> Int {
        var n = Node(lo: lo, hi: hi)
        let count = Double(hi - lo)
        for k in lo..<hi {
            if !(drops.rate[k] > 0) { n.expandable = false }
            n.meanScale += scale[k] / count
            n.meanBefore += drops.before[k] / count
        }
        let index = nodes.count
        moments.append(contentsOf: repeatElement(0, count: 10))
        if n.expandable {
            for k in lo..<hi {
                let da = scale[k] - n.meanScale
                let dp = drops.before[k] - n.meanBefore
                let cc = n.meanScale * dp + da * dp
                n.spreadScale = max(n.spreadScale, abs(da))
                n.spreadBefore = max(n.spreadBefore, abs(dp))
                let g = drops.drop[k]
                let m = index * 10
                moments[m] += g
                moments[m + 1] += g * cc
                moments[m + 2] += g * da
                moments[m + 3] += g * cc * cc
                moments[m + 4] += g * da * cc
                moments[m + 5] += g * da * da
                moments[m + 6] += g * cc * cc * cc
                moments[m + 7] += g * da * cc * cc
                moments[m + 8] += g * da * da * cc
                moments[m + 9] += g * da * da * da
            }
        }
        nodes.append(n)
        if hi - lo > Self.leaf {
            let mid = (lo + hi) / 2
            let l = build(lo, mid)
            let r = build(mid, hi)
            nodes[index].left = l
            nodes[index].right = r
        }
        return index
    }

    /// The loss at every step.
    func all() -> [Double] { at(Array(0..<table.count)).loss }

    /// The loss and the loss-drop sum Σ g·G at each of `steps` (increasing).
    func at(_ steps: [Int]) -> (loss: [Double], drop: [Double]) {
        let drop = drops(at: steps, c: c, beta: beta)
        let loss = zip(steps, drop).map { t, d in l0 + a * Foundation.pow(table.sums[t], -alpha) - b * d }
        return (loss, drop)
    }

    /// The loss-drop sum at `steps` for another C and β: the blocks depend on γ alone, so a fit's
    /// differences in C and β reuse them.
    func drops(at steps: [Int], c: Double, beta: Double) -> [Double] {
        var q = self
        q.c = c
        q.beta = beta
        var drop = [Double](repeating: 0, count: steps.count)
        var upTo = 0
        for (i, t) in steps.enumerated() {
            while upTo < drops.count, drops.step[upTo] <= t { upTo += 1 }
            drop[i] = upTo == 0 ? 0 : q.sum(0, upTo, table.sums[t])
        }
        return drop
    }

    /// Σ g·G over the drops in node `i` below `upTo`, at S1 = s1.
    private func sum(_ i: Int, _ upTo: Int, _ s1: Double) -> Double {
        let n = nodes[i]
        if n.lo >= upTo { return 0 }
        if n.hi <= upTo, n.expandable {
            let w = s1 - n.meanBefore
            if w > 0 {
                let ra = n.spreadScale / n.meanScale
                let rho = ra + n.spreadBefore / w * (1 + ra)
                if rho <= Self.limit { return expanded(n, i * 10, w) }
            }
        }
        if n.left < 0 {
            var total = 0.0
            for k in n.lo..<min(n.hi, upTo) {
                let g = drops.drop[k]
                if drops.rate[k] > 0 {
                    let x = scale[k] * (s1 - drops.before[k])
                    total += g * (1 - Foundation.exp(-beta * Foundation.log1p(c * x)))
                } else {
                    total += g
                }
            }
            return total
        }
        return sum(n.left, upTo, s1) + sum(n.right, upTo, s1)
    }

    /// Σ g·(1 − h) over a block, h = (z + ε)^(−β) expanded in ε/z to third order.
    private func expanded(_ n: Node, _ at: Int, _ w: Double) -> Double {
        let m = moments[at..<(at + 10)]
        let z = 1 + c * n.meanScale * w
        // Σ g·ε^k with ε = C·(Δa·w − c).
        let e1 = c * (w * m[at + 2] - m[at + 1])
        let e2 = c * c * (w * w * m[at + 5] - 2 * w * m[at + 4] + m[at + 3])
        let e3 = c * c * c * (w * w * w * m[at + 9] - 3 * w * w * m[at + 8] + 3 * w * m[at + 7] - m[at + 6])
        let k1 = -beta
        let k2 = beta * (beta + 1) / 2
        let k3 = -beta * (beta + 1) * (beta + 2) / 6
        let series = m[at] + k1 * e1 / z + k2 * e2 / (z * z) + k3 * e3 / (z * z * z)
        return m[at] - Foundation.exp(-beta * Foundation.log(z)) * series
    }
}
