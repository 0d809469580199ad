import Foundation

/// One run a law is fitted on: the program's rates and its logged losses.
public struct LawRun: Sendable {
    public var program: String
    public var fingerprint: String
    public var table: RateTable
    public var log: LossLog

    /// The run's rates over its log (or its own length), and the rows inside them.
    public init(program: String, compiled: CompiledProgram, log: LossLog) throws(LawError) {
        let steps = compiled.duration ?? ((log.steps.last ?? 0) + 1)
        let table = try RateTable(compiled, steps: steps)
        self.program = program
        fingerprint = compiled.fingerprint
        self.table = table
        self.log = log.truncated(to: steps)
        if self.log.steps.first == 0 {
            self.log = LossLog(
                name: log.name, steps: Array(self.log.steps.dropFirst()),
                losses: Array(self.log.losses.dropFirst()))
        }
        if self.log.steps.isEmpty { throw LawError(.runOutsideLog(log.name, steps: steps)) }
    }
}

extension LawRun {
    /// A run as a command line names it, `PROGRAM:LOG`, split at its last colon.
    public static func split(_ spec: String) throws(LawError) -> (program: String, log: String) {
        guard let colon = spec.lastIndex(of: ":") else { throw LawError(.runSpec(spec)) }
        return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }
}

/// A law fitted to runs, with its residuals (log loss − log prediction) and figures on each run.
public struct LawFit: Sendable {
    public var law: LossLaw
    public var runs: [LawRun]
    public var residuals: [[Double]]
    public var metrics: [LawMetrics]
    public var huber: Double
}

/// Fits a law by minimising the Huber loss (δ = 1e-3) of log loss − log prediction, as the paper does.
/// Deterministic. The multi-power law is fitted by the paper's own procedure (`MultiPowerFit`); the
/// annealing law by Levenberg–Marquardt on iteratively reweighted least squares from fixed starts.
public enum LawFitter {
    public static let delta = 1e-3

    public static func fit(_ kind: LawKind, runs: [LawRun]) throws(LawError) -> LawFit {
        if runs.isEmpty { throw LawError(.lawNoRuns) }
        let parameters: [Double]
        switch kind {
        case .multipower:
            parameters = try MultiPowerFit.fit(runs)
        case .annealing:
            let problem = Problem(kind: kind, runs: runs)
            var best: (u: [Double], f: Double)?
            for start in problem.annealingStarts() {
                let u = minimize(from: start, losses: problem.losses, model: problem.predictions)
                let f = problem.objective(u)
                if f.isFinite, best == nil || f < best!.f { best = (u, f) }
            }
            guard let best else { throw LawError(.lawNotConverged) }
            parameters = problem.parameters(best.u)
        }
        let law = LossLaw(kind, parameters)
        var residuals: [[Double]] = []
        var metrics: [LawMetrics] = []
        for run in runs {
            let pred = law.predict(run.table, at: run.log.steps)
            residuals.append(zip(run.log.losses, pred).map { Foundation.log($0) - Foundation.log($1) })
            metrics.append(LawMetrics(predicted: pred, actual: run.log.losses))
        }
        return LawFit(
            law: law, runs: runs, residuals: residuals, metrics: metrics,
            huber: residuals.joined().map(huber).reduce(0, +))
    }

    static func huber(_ r: Double) -> Double {
        abs(r) <= delta ? 0.5 * r * r : delta * (abs(r) - 0.5 * delta)
    }

    /// The Huber loss's derivative in r.
    static func huberSlope(_ r: Double) -> Double { abs(r) <= delta ? r : (r > 0 ? delta : -delta) }

    /// The Huber objective of predictions against losses; infinite when a prediction is not above 0.
    static func objective(_ losses: [Double], _ pred: [Double]) -> Double {
        var f = 0.0
        for (y, p) in zip(losses, pred) {
            guard p > 0, p.isFinite else { return .infinity }
            f += huber(Foundation.log(y) - Foundation.log(p))
        }
        return f
    }

    /// The fit in its coordinates: with `logPositive`, A, B and C by their logarithms, so they stay positive.
    struct Problem {
        var kind: LawKind
        var runs: [LawRun]
        var logPositive: [Bool]

        init(kind: LawKind, runs: [LawRun], logCoordinates: Bool = true) {
            self.kind = kind
            self.runs = runs
            let positive: [Bool] =
                kind == .multipower ? [false, true, false, true, true, false, false] : [false, true, false, false]
            logPositive = logCoordinates ? positive : positive.map { _ in false }
        }

        func parameters(_ u: [Double]) -> [Double] {
            zip(u, logPositive).map { $1 ? Foundation.exp($0) : $0 }
        }

        /// L0 near the lowest loss, A and α from a line through log(loss − min) against log S1.
        func annealingStarts() -> [[Double]] {
            let lowest = runs.flatMap(\.log.losses).min()!
            let line = MultiPowerFit.powerLine(runs)
            let (a, alpha) = (max(line.a, 1e-3), min(max(line.alpha, 0.05), 2))
            return [lowest - 0.3, lowest - 0.1].map { [$0, Foundation.log(a), alpha, 0.3] }
        }

        /// Predictions at every run's rows, and their derivatives in u when asked.
        func predictions(_ u: [Double], jacobian: Bool) -> (pred: [Double], jac: [[Double]]) {
            let p = parameters(u)
            var pred: [Double] = []
            var jac: [[Double]] = []
            for run in runs {
                switch kind {
                case .annealing:
                    LossLaw(kind, p).evaluate(run.table, at: run.log.steps, gradient: jacobian) { _, y, g in
                        pred.append(y)
                        if jacobian { jac.append(zip(g, zip(p, logPositive)).map { $1.1 ? $0 * $1.0 : $0 }) }
                    }
                case .multipower:
                    let sums = MultiPowerSums(run.table, law: LossLaw(kind, p))
                    let base = sums.at(run.log.steps)
                    pred += base.loss
                    guard jacobian else { continue }
                    // C, β, γ by central differences of the fast sums; L0, A, α, B analytically.
                    var columns: [[Double]] = []
                    for k in 4...6 {
                        let h = 1e-4 * max(1, abs(u[k]))
                        var up = u
                        var down = u
                        up[k] += h
                        down[k] -= h
                        let (pu, pd) = (parameters(up), parameters(down))
                        let a: [Double]
                        let b: [Double]
                        if k == 6 {
                            let steps = run.log.steps
                            a = MultiPowerSums(run.table, law: LossLaw(kind, pu)).drops(at: steps, c: p[4], beta: p[5])
                            b = MultiPowerSums(run.table, law: LossLaw(kind, pd)).drops(at: steps, c: p[4], beta: p[5])
                        } else {
                            a = sums.drops(at: run.log.steps, c: pu[4], beta: pu[5])
                            b = sums.drops(at: run.log.steps, c: pd[4], beta: pd[5])
                        }
                        columns.append(zip(a, b).map { -p[3] * ($0 - $1) / (2 * h) })
                    }
                    for (i, s) in run.log.steps.enumerated() {
                        let s1 = run.table.sums[s]
                        let power = p[1] * Foundation.pow(s1, -p[2])
                        jac.append([
                            1, logPositive[1] ? power : power / p[1], -power * Foundation.log(s1),
                            logPositive[3] ? -p[3] * base.drop[i] : -base.drop[i],
                            columns[0][i], columns[1][i], columns[2][i],
                        ])
                    }
                }
            }
            return (pred, jac)
        }

        var losses: [Double] { runs.flatMap(\.log.losses) }

        func objective(_ u: [Double]) -> Double {
            LawFitter.objective(losses, predictions(u, jacobian: false).pred)
        }
    }

    /// Levenberg–Marquardt on the Huber loss of log `losses` − log prediction, by iteratively reweighted
    /// least squares; `project` keeps a trial inside the parameters' bounds. Deterministic.
    static func minimize(
        from start: [Double], losses y: [Double], iterations: Int = 80,
        model: ([Double], Bool) -> (pred: [Double], jac: [[Double]]),
        project: ([Double]) -> [Double] = { $0 }
    ) -> [Double] {
        var u = start
        var f = objective(y, model(u, false).pred)
        if !f.isFinite { return u }
        var lambda = 1e-3
        let n = u.count
        for _ in 0..<iterations {
            let (pred, jac) = model(u, true)
            // IRLS: the Huber loss's weights; r = log y − log pred, ∂r/∂u = −∂pred/∂u / pred.
            var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            var g = [Double](repeating: 0, count: n)
            for i in 0..<y.count {
                let r = Foundation.log(y[i]) - Foundation.log(pred[i])
                let w = abs(r) <= delta ? 1 : delta / abs(r)
                let row = jac[i].map { -$0 / pred[i] }
                for a in 0..<n {
                    g[a] += w * r * row[a]
                    for b in 0...a { h[a][b] += w * row[a] * row[b] }
                }
            }
            for a in 0..<n { for b in 0..<a { h[b][a] = h[a][b] } }
            var improved = false
            while lambda < 1e12 {
                var m = h
                for a in 0..<n { m[a][a] += lambda * max(h[a][a], 1e-12) }
                guard let step = solve(m, g.map { -$0 }) else {
                    lambda *= 10
                    continue
                }
                let trial = project(zip(u, step).map(+))
                let ft = objective(y, model(trial, false).pred)
                if ft < f {
                    let gain = f - ft
                    u = trial
                    f = ft
                    lambda = max(lambda / 3, 1e-9)
                    improved = gain > 1e-9 * max(f, 1e-12)
                    break
                }
                lambda *= 4
            }
            if !improved { break }
        }
        return u
    }

    /// Solves m·x = v by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ m: [[Double]], _ v: [Double]) -> [Double]? {
        var a = m
        var b = v
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            if !(abs(a[p][c]) > 1e-300) { return nil }
            a.swapAt(c, p)
            b.swapAt(c, p)
            for r in (c + 1)..<n {
                let f = a[r][c] / a[c][c]
                for k in c..<n { a[r][k] -= f * a[c][k] }
                b[r] -= f * b[c]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<n { s -= a[r][k] * x[k] }
            x[r] = s / a[r][r]
        }
        return x
    }
}
