import Foundation

/// The free non-increasing schedule after the warmup, as the paper optimizes it: the law's final loss
/// as the objective, its gradient analytic in every rate. The rates are a linear interpolation through
/// 64 knots (0 at the peak, denser toward the end, where the decay happens), kept non-increasing by
/// writing them as the peak minus cumulative drops, each drop ≥ 0; projected Adam from the best family.
enum FreeSchedule {
    static let knotCount = 64

    /// Knot positions in the decay phase's own steps, 0 (the peak, step W−1) to `d0`.
    static func knots(_ d0: Int) -> [Int] {
        var xs = [0]
        for i in 1..<knotCount {
            let u = Double(i) / Double(knotCount - 1)
            let x = max(xs.last! + 1, Int((Double(d0) * (1 - (1 - u) * (1 - u))).rounded()))
            xs.append(min(x, d0))
        }
        xs[knotCount - 1] = d0
        var out: [Int] = []
        for x in xs where out.last.map({ x > $0 }) ?? true { out.append(x) }
        return out
    }

    /// Rates at phase steps 1...d0 through the knots.
    static func rates(_ xs: [Int], _ vs: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: xs.last!)
        write(xs, vs, into: &out, at: 0)
        return out
    }

    /// The rates through the knots written into `rates` from index `offset` (phase step t at offset + t − 1),
    /// so the optimizer rewrites one buffer each iteration.
    static func write(_ xs: [Int], _ vs: [Double], into rates: inout [Double], at offset: Int) {
        for i in 1..<xs.count {
            let (x0, x1) = (xs[i - 1], xs[i])
            for t in (x0 + 1)...x1 {
                rates[offset + t - 1] = vs[i - 1] + (vs[i] - vs[i - 1]) * Double(t - x0) / Double(x1 - x0)
            }
        }
    }

    /// The buffers one gradient fills, kept from one iteration of the optimizer to the next: allocating five
    /// arrays of every step each time was most of the search's time over a long run.
    struct Workspace {
        var sums: [Double]
        var oneMinusH: [Double]
        var q: [Double]
        var sk: [Double]
        var grad: [Double]

        init(steps n: Int) {
            sums = [Double](repeating: 0, count: n)
            (oneMinusH, q, sk, grad) = (sums, sums, sums, sums)
        }
    }

    /// The multi-power law's final loss and its gradient in every rate (O(steps)).
    static func gradient(_ law: LossLaw, _ rates: [Double], block: Int = 1) -> (loss: Double, grad: [Double]) {
        var work = Workspace(steps: rates.count)
        let loss = gradient(law, rates, block: block, &work)
        return (loss, work.grad)
    }

    /// The final loss, with its gradient in every rate left in `work.grad` unless `withGradient` is false.
    ///
    /// With `block` b > 1, each rate stands for b steps at that rate: a long run searched on a coarse grid.
    /// The sums then count b steps a rate, so S1, the drops' S_k and the power term scale by b, and the
    /// gradient's terms through S1 and S_k (the power term and the prefix of q) carry a factor b. At b = 1
    /// every product by b is by 1.0, so the fine search is unchanged to the bit.
    static func gradient(
        _ law: LossLaw, _ rates: [Double], block: Int = 1, _ work: inout Workspace, withGradient: Bool = true
    ) -> Double {
        let p = law.parameters
        let (l0, a, alpha, b, c, beta, gamma) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
        let width = Double(block)
        let n = rates.count
        let last = n - 1
        var acc = 0.0
        for i in 0..<n {
            acc += rates[i]
            work.sums[i] = acc * width
        }
        let total = work.sums[last]
        var ld = 0.0
        for k in stride(from: 1, to: n, by: 1) {
            let g = rates[k - 1] - rates[k]
            let eta = rates[k]
            work.sk[k] = total - work.sums[k - 1]
            guard eta > 0 else {
                work.oneMinusH[k] = 1
                work.q[k] = 0
                ld += g
                continue
            }
            // A rate that holds adds nothing to the loss, and only its 1 − h to the gradient.
            if g == 0 && !withGradient { continue }
            let ak = Foundation.exp(-gamma * Foundation.log(eta))
            let x = ak * work.sk[k]
            let h = Foundation.exp(-beta * Foundation.log1p(c * x))
            work.oneMinusH[k] = 1 - h
            ld += g * (1 - h)
            work.q[k] = g * beta * c * h * ak / (1 + c * x)
        }
        let loss = l0 + a * Foundation.pow(total, -alpha) - b * ld
        guard withGradient else { return loss }
        let dPower = -alpha * a * Foundation.pow(total, -alpha - 1) * width
        var prefix = 0.0
        for j in 0..<n {
            prefix += work.q[j]
            var dDrop = prefix * width
            if j >= 1 {
                dDrop -= work.oneMinusH[j]
                if rates[j] > 0 { dDrop -= work.q[j] * gamma * work.sk[j] / rates[j] }
            }
            if j + 1 <= last { dDrop += work.oneMinusH[j + 1] }
            work.grad[j] = dPower - b * dDrop
        }
        return loss
    }

    /// Optimizes the knots' values from `start` (the rates at phase steps 1...d0), each rate standing for
    /// `block` steps; returns the values.
    static func optimize(
        _ law: LossLaw, head: [Double], peak: Double, floor: Double, d0: Int,
        start: [Double], block: Int = 1, iterations: Int = 1500
    ) -> (xs: [Int], vs: [Double], loss: Double) {
        let xs = knots(d0)
        let m = xs.count
        var vs = xs.map { $0 == 0 ? peak : max(floor, start[$0 - 1]) }
        for i in 1..<m { vs[i] = min(vs[i], vs[i - 1]) }
        // Drops δ_i = v_{i−1} − v_i ≥ 0 for i ≥ 1.
        var drops = (0..<m).map { $0 == 0 ? 0 : vs[$0 - 1] - vs[$0] }
        var mean = [Double](repeating: 0, count: m)
        var second = mean
        let (b1, b2, eps) = (0.9, 0.999, 1e-30)
        var best = (vs: vs, loss: Double.infinity)
        var rates = head + FreeSchedule.rates(xs, vs)
        var work = Workspace(steps: rates.count)
        var dv = [Double](repeating: 0, count: m)
        let offset = head.count
        for it in 0..<iterations {
            // The rates through the knots, written over the last iteration's (the warmup stays).
            write(xs, vs, into: &rates, at: offset)
            let loss = gradient(law, rates, block: block, &work)
            if loss < best.loss { best = (vs, loss) }
            // ∂L/∂v_i through the interpolation, then ∂L/∂δ_i = −Σ_{j≥i} ∂L/∂v_j.
            for i in 0..<m { dv[i] = 0 }
            for i in 1..<m {
                let (x0, x1) = (xs[i - 1], xs[i])
                for t in (x0 + 1)...x1 {
                    let w = Double(t - x0) / Double(x1 - x0)
                    let gr = work.grad[offset + t - 1]
                    dv[i - 1] += gr * (1 - w)
                    dv[i] += gr * w
                }
            }
            var acc = 0.0
            let lr = peak * 2e-3 * (1 - Double(it) / Double(iterations))
            for i in stride(from: m - 1, through: 1, by: -1) {
                acc += dv[i]
                let g = -acc
                mean[i] = b1 * mean[i] + (1 - b1) * g
                second[i] = b2 * second[i] + (1 - b2) * g * g
                let mh = mean[i] / (1 - Foundation.pow(b1, Double(it + 1)))
                let vh = second[i] / (1 - Foundation.pow(b2, Double(it + 1)))
                drops[i] = max(0, drops[i] - lr * mh / (vh.squareRoot() + eps))
            }
            var v = peak
            for i in 1..<m {
                v -= drops[i]
                if v < floor {
                    drops[i] += v - floor
                    v = floor
                }
                vs[i] = v
            }
        }
        return (xs, best.vs, best.loss)
    }
}
