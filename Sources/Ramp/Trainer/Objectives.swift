import Foundation

/// A function to minimise, with an analytic gradient, a known optimum and a
/// documented starting point.
public enum ObjectiveKind: String, Sendable, Codable, CaseIterable {
    /// 0.5 * Σ λ_i x_i², λ_i from 1 to 100 (condition number 100); start x_i = 1; optimum 0 at x = 0.
    case quadratic
    /// Σ 100 (x_{i+1} - x_i²)² + (1 - x_i)²; start (-1.2, 1, -1.2, 1, ...); optimum 0 at x = 1.
    case rosenbrock
    /// 10 n + Σ x_i² - 10 cos(2π x_i); start x_i = 3.5; many local minima; optimum 0 at x = 0.
    case rastrigin
    /// -20 exp(-0.2 sqrt(mean x²)) - exp(mean cos 2π x) + 20 + e; start x_i = 2.5; optimum 0 at x = 0.
    case ackley
    /// Logistic regression on the Breast Cancer Wisconsin data (standardised,
    /// 455 training and 114 validation samples); start at 0; the metric is the validation loss.
    case logistic

    public var summary: String {
        switch self {
        case .quadratic: return "ill-conditioned quadratic (condition number 100), start at 1"
        case .rosenbrock: return "Rosenbrock, start at (-1.2, 1, ...), minimum at 1"
        case .rastrigin: return "Rastrigin (many local minima), start at 3.5, minimum at 0"
        case .ackley: return "Ackley (many local minima), start at 2.5, minimum at 0"
        case .logistic: return "logistic regression on Breast Cancer Wisconsin; metric: validation loss"
        }
    }
}

public struct Objective: Sendable {
    public let kind: ObjectiveKind
    public let dimension: Int
    let data: LogisticData?

    public init(_ kind: ObjectiveKind, dimension: Int = 10) throws {
        self.kind = kind
        switch kind {
        case .logistic:
            let d = try LogisticData.load()
            data = d
            self.dimension = d.features + 1
        case .rosenbrock:
            data = nil
            self.dimension = max(2, dimension)
        default:
            data = nil
            self.dimension = dimension
        }
    }

    public var start: [Double] {
        switch kind {
        case .quadratic: return Array(repeating: 1, count: dimension)
        case .rosenbrock: return (0..<dimension).map { $0 % 2 == 0 ? -1.2 : 1 }
        case .rastrigin: return Array(repeating: 3.5, count: dimension)
        case .ackley: return Array(repeating: 2.5, count: dimension)
        case .logistic: return Array(repeating: 0, count: dimension)
        }
    }

    public var optimum: Double { 0 }

    /// Training examples per epoch (mini-batches are drawn from them).
    public var trainingSize: Int? { data?.trainCount }

    /// The loss and its gradient at `x`; for the logistic objective, over the
    /// given training rows (all of them when `batch` is nil).
    public func lossAndGradient(_ x: [Double], into g: inout [Double], batch: [Int]? = nil) -> Double {
        let n = dimension
        switch kind {
        case .quadratic:
            var f = 0.0
            for i in 0..<n {
                let l = lambda(i)
                f += 0.5 * l * x[i] * x[i]
                g[i] = l * x[i]
            }
            return f
        case .rosenbrock:
            var f = 0.0
            for i in 0..<n { g[i] = 0 }
            for i in 0..<(n - 1) {
                let a = x[i + 1] - x[i] * x[i]
                let b = 1 - x[i]
                f += 100 * a * a + b * b
                g[i] += -400 * a * x[i] - 2 * b
                g[i + 1] += 200 * a
            }
            return f
        case .rastrigin:
            var f = 10 * Double(n)
            for i in 0..<n {
                f += x[i] * x[i] - 10 * cos(2 * .pi * x[i])
                g[i] = 2 * x[i] + 20 * .pi * sin(2 * .pi * x[i])
            }
            return f
        case .ackley:
            var sq = 0.0
            var cs = 0.0
            for i in 0..<n {
                sq += x[i] * x[i]
                cs += cos(2 * .pi * x[i])
            }
            let dn = Double(n)
            let r = (sq / dn).squareRoot()
            let e1 = exp(-0.2 * r)
            let e2 = exp(cs / dn)
            for i in 0..<n {
                // d/dx of -20 e^{-0.2 r} is 4 e^{-0.2 r} x / (n r); at r = 0 the limit is 0.
                let radial = r > 0 ? 4 * e1 * x[i] / (dn * r) : 0
                g[i] = radial + e2 * 2 * .pi * sin(2 * .pi * x[i]) / dn
            }
            return -20 * e1 - e2 + 20 + M_E
        case .logistic:
            return data!.lossAndGradient(x, into: &g, rows: batch)
        }
    }

    /// The loss without a gradient.
    public func loss(_ x: [Double]) -> Double {
        var g = Array(repeating: 0.0, count: dimension)
        return lossAndGradient(x, into: &g)
    }

    /// The metric a plateau watches: the validation loss for the logistic
    /// objective, the full loss otherwise.
    public func metric(_ x: [Double]) -> Double {
        if let data { return data.validationLoss(x) }
        return loss(x)
    }

    private func lambda(_ i: Int) -> Double { dimension == 1 ? 1 : pow(100, Double(i) / Double(dimension - 1)) }
}

/// The bundled Breast Cancer Wisconsin data, standardised with the training
/// set's mean and deviation, split 455/114 by a fixed shuffle.
struct LogisticData: Sendable {
    let features: Int
    let trainX: [Double], trainY: [Double]
    let validX: [Double], validY: [Double]
    var trainCount: Int { trainY.count }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "the bundled breast_cancer.csv is missing from the Ramp resources" }
    }

    static func load() throws -> LogisticData {
        guard let url = Bundle.module.url(forResource: "breast_cancer", withExtension: "csv"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw Missing() }
        var rows: [[Double]] = []
        for line in text.split(separator: "\n").dropFirst() {
            let values = line.split(separator: ",").compactMap { Double($0) }
            if values.count == 31 { rows.append(values) }
        }
        var rng = SeededRandom(seed: 20_260_101)
        rows.shuffle(using: &rng)
        let split = rows.count * 4 / 5
        let features = 30
        var mean = Array(repeating: 0.0, count: features)
        var sd = Array(repeating: 0.0, count: features)
        for r in rows[..<split] { for j in 0..<features { mean[j] += r[j] } }
        for j in 0..<features { mean[j] /= Double(split) }
        for r in rows[..<split] { for j in 0..<features { sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) } }
        for j in 0..<features { sd[j] = max(1e-12, (sd[j] / Double(split)).squareRoot()) }
        func matrix(_ part: ArraySlice<[Double]>) -> ([Double], [Double]) {
            var x: [Double] = []
            var y: [Double] = []
            for r in part {
                for j in 0..<features { x.append((r[j] - mean[j]) / sd[j]) }
                y.append(r[features])
            }
            return (x, y)
        }
        let (tx, ty) = matrix(rows[..<split])
        let (vx, vy) = matrix(rows[split...])
        return LogisticData(features: features, trainX: tx, trainY: ty, validX: vx, validY: vy)
    }

    /// Mean binary cross-entropy; parameters are 30 weights then a bias.
    func lossAndGradient(_ w: [Double], into g: inout [Double], rows: [Int]?) -> Double {
        for j in 0...features { g[j] = 0 }
        let idx = rows ?? Array(0..<trainCount)
        var loss = 0.0
        for r in idx {
            let (l, p) = example(w, trainX, r)
            loss += l
            let err = p - trainY[r]
            for j in 0..<features { g[j] += err * trainX[r * features + j] }
            g[features] += err
        }
        let scale = 1 / Double(idx.count)
        for j in 0...features { g[j] *= scale }
        return loss * scale
    }

    func validationLoss(_ w: [Double]) -> Double {
        var loss = 0.0
        for r in 0..<validY.count { loss += example(w, validX, r, labels: validY).0 }
        return loss / Double(validY.count)
    }

    /// The loss of one example and its predicted probability, computed stably.
    private func example(_ w: [Double], _ x: [Double], _ r: Int, labels: [Double]? = nil) -> (Double, Double) {
        var z = w[features]
        for j in 0..<features { z += w[j] * x[r * features + j] }
        let y = (labels ?? trainY)[r]
        // log(1 + e^z) - y z, without overflow.
        let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
        let p = 1 / (1 + exp(-z))
        return (softplus - y * z, p)
    }
}
