import Foundation

/// The optimizers, following torch.optim's documented update rules. Each
/// reads the rate (and momentum or beta1, when scheduled) at every step and
/// updates contiguous Double buffers in place, allocating nothing per step.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    case sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad
}

public struct OptimizerConfig: Sendable, Codable, Hashable {
    public var kind: OptimizerKind
    /// SGD's momentum, RMSprop's momentum; for Adam this is beta1. A scheduled momentum replaces it.
    public var momentum: Double
    public var beta2: Double = 0.999
    public var eps: Double
    public var weightDecay: Double = 0
    /// RMSprop's smoothing constant.
    public var alpha: Double = 0.99

    public init(kind: OptimizerKind, weightDecay: Double = 0) {
        self.kind = kind
        self.weightDecay = weightDecay
        switch kind {
        case .sgd:
            momentum = 0
            eps = 0
        case .momentum, .nesterov:
            momentum = 0.9
            eps = 0
        case .adam, .adamw:
            momentum = 0.9
            eps = 1e-8
        case .rmsprop:
            momentum = 0
            eps = 1e-8
        case .adagrad:
            momentum = 0
            eps = 1e-10
        }
        if kind == .adamw, weightDecay == 0 { self.weightDecay = 0.01 }
    }
}

/// An optimizer's buffers: everything a checkpoint needs to continue exactly.
public struct Optimizer: Sendable, Codable, Equatable {
    public var config: OptimizerConfig
    public var step = 0
    /// SGD's momentum buffer, Adam's first moment, RMSprop's momentum buffer.
    public var first: [Double]
    /// Adam's second moment, RMSprop's square average, Adagrad's sum of squares.
    public var second: [Double]

    public init(_ config: OptimizerConfig, dimension: Int) {
        self.config = config
        first = Array(repeating: 0, count: dimension)
        second = Array(repeating: 0, count: dimension)
    }

    /// One update of `params` against `grads`.
    public mutating func update(_ params: inout [Double], _ grads: [Double], lr: Double, momentum scheduled: Double?) {
        step += 1
        let c = config
        let mu = scheduled ?? c.momentum
        let wd = c.weightDecay
        let n = params.count
        let t = Double(step)
        params.withUnsafeMutableBufferPointer { p in
            grads.withUnsafeBufferPointer { g in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        switch c.kind {
                        case .sgd, .momentum, .nesterov:
                            for i in 0..<n {
                                var d = g[i] + wd * p[i]
                                if mu != 0 {
                                    m[i] = step == 1 ? d : mu * m[i] + d
                                    d = c.kind == .nesterov ? d + mu * m[i] : m[i]
                                }
                                p[i] -= lr * d
                            }
                        case .adam, .adamw:
                            let b1 = mu
                            let b2 = c.beta2
                            let eps = c.eps
                            let bias1 = 1 - pow(b1, t)
                            let bias2Root = (1 - pow(b2, t)).squareRoot()
                            let stepSize = lr / bias1
                            let decay = c.kind == .adamw ? 1 - lr * wd : 1
                            let l2 = c.kind == .adam ? wd : 0
                            for i in 0..<n {
                                let d = g[i] + l2 * p[i]
                                let mi = b1 * m[i] + (1 - b1) * d
                                let vi = b2 * v[i] + (1 - b2) * d * d
                                m[i] = mi
                                v[i] = vi
                                p[i] = p[i] * decay - stepSize * mi / (vi.squareRoot() / bias2Root + eps)
                            }
                        case .rmsprop:
                            for i in 0..<n {
                                let d = g[i] + wd * p[i]
                                v[i] = c.alpha * v[i] + (1 - c.alpha) * d * d
                                let avg = v[i].squareRoot() + c.eps
                                if mu > 0 {
                                    m[i] = mu * m[i] + d / avg
                                    p[i] -= lr * m[i]
                                } else {
                                    p[i] -= lr * d / avg
                                }
                            }
                        case .adagrad:
                            for i in 0..<n {
                                let d = g[i] + wd * p[i]
                                v[i] += d * d
                                p[i] -= lr * d / (v[i].squareRoot() + c.eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
