import Foundation

/// The LR range test (Smith 2017) as fastai's `lr_find` runs it: the rate
/// rises geometrically from `startLR` towards `endLR` over `iterations`
/// steps (step i trains at `start * (end / start) ^ (i / iterations)`), the
/// loss is smoothed with `beta` and debiased, and the test stops once the
/// smoothed loss passes `divergence` times its best. The rise is a Ramp
/// program that ends on the `diverged` signal, which the test raises.
public struct RangeTest: Sendable, Hashable {
    public var startLR: Double
    public var endLR: Double
    public var iterations: Int
    public var beta: Double
    public var divergence: Double

    /// The signal the test raises when the loss diverges; the program waits for it.
    public static let signal = "diverged"
    /// The most steps a test takes: the rise is a sweep, not a training run.
    public static let maxIterations = 100_000

    public init(
        startLR: Double = 1e-7, endLR: Double = 10, iterations: Int = 100, beta: Double = 0.98,
        divergence: Double = 4
    ) {
        self.startLR = startLR
        self.endLR = endLR
        self.iterations = iterations
        self.beta = beta
        self.divergence = divergence
    }

    /// The fewest steps `ramp find-lr --train-steps` writes a schedule for: its 5% warmup is at least a step.
    public static let leastTrainSteps = 20

    /// Why `--train-steps` cannot make a schedule, in words, or nil when it can.
    public static func trainStepsProblem(_ steps: Int) -> String? {
        steps < leastTrainSteps ? DiagnosticMessage.trainSteps(leastTrainSteps).text : nil
    }

    /// Why the settings cannot make a test, in words, or nil when they can.
    public var problem: String? { check?.text }

    /// Why the settings cannot make a test (R0705), or nil when they can.
    var check: DiagnosticMessage? {
        guard startLR > 0, startLR.isFinite else { return .rangeStart(startLR) }
        guard endLR > startLR, endLR.isFinite else { return .rangeEnd(endLR, start: startLR) }
        guard (6...Self.maxIterations).contains(iterations) else {
            return .rangeIterations(iterations, max: Self.maxIterations)
        }
        guard beta >= 0, beta < 1 else { return .rangeBeta(beta) }
        guard divergence > 1, divergence.isFinite else { return .rangeDivergence(divergence) }
        return nil
    }

    /// The rise as a Ramp program: fastai's exponential schedule, ended by the test's signal.
    public var program: String {
        """
        base 1
        signals ["\(Self.signal)"]
        \(startLR) * (\(endLR) / \(startLR)) ^ (t / \(iterations)) for \(iterations) steps \
        until signal("\(Self.signal)")
        """
    }

    /// What a test records: the rate of each step and the smoothed loss after it.
    public struct Record: Sendable, Equatable {
        public var lrs: [Double] = []
        /// The debiased exponential average of the losses, one per step.
        public var losses: [Double] = []
        public var best = Double.infinity
        /// The step at which the smoothed loss passed `divergence` times its best.
        public var divergedAt: Int?
        private var average = 0.0

        public init() {}

        /// Adds a step's rate and loss; true when the smoothed loss has diverged
        /// (fastai: the best is updated first, and the diverging step is kept).
        public mutating func add(lr: Double, loss: Double, _ test: RangeTest) -> Bool {
            // torch.lerp(loss, average, beta), as fastai's AvgSmoothLoss.
            average = loss + test.beta * (average - loss)
            let smoothed = average / (1 - pow(test.beta, Double(losses.count + 1)))
            lrs.append(lr)
            losses.append(smoothed)
            if smoothed < best { best = smoothed }
            guard smoothed > test.divergence * best || smoothed.isNaN else { return false }
            divergedAt = lrs.count - 1
            return true
        }
    }

    /// The suggested peak rates, computed as fastai computes them on the
    /// recorded points with the first `iterations / 10` and the last 5
    /// dropped (and everything from the first NaN).
    public struct Suggestions: Sendable, Equatable {
        /// From the longest valley: fastai's default.
        public var valley: Double
        /// Where the loss falls fastest against log(lr); nil with fewer than two points.
        public var steep: Double?
        /// A tenth of the rate at the lowest loss.
        public var minimum: Double
        /// The index of the valley's rate among all recorded points.
        public var valleyIndex: Int
    }

    public func suggestions(_ record: Record) -> Suggestions? {
        let lo = iterations / 10
        var hi = record.losses.count - 5
        if let nan = record.losses.firstIndex(where: \.isNaN) { hi = min(hi, nan) }
        guard hi > lo else { return nil }
        let lrs = Array(record.lrs[lo..<hi])
        let losses = Array(record.losses[lo..<hi])
        let v = Self.valley(losses)
        let lowest = losses.indices.min { losses[$0] < losses[$1] }!
        var steep: Double?
        if losses.count >= 2 {
            var best = 0
            var bestSlope = Double.infinity
            for i in 0..<(losses.count - 1) {
                let slope = (losses[i + 1] - losses[i]) / (log(lrs[i + 1]) - log(lrs[i]))
                if slope < bestSlope {
                    bestSlope = slope
                    best = i
                }
            }
            steep = lrs[best]
        }
        return Suggestions(valley: lrs[v], steep: steep, minimum: lrs[lowest] / 10, valleyIndex: lo + v)
    }

    /// fastai's valley: the longest strictly falling run of losses (not
    /// necessarily adjacent) that ends first, and the point a third plus a
    /// sixth of the way along it. The lengths come from patience sorting, so
    /// the search is O(n log n), not fastai's O(n²).
    static func valley(_ losses: [Double]) -> Int {
        var tails: [Double] = []  // tails[k]: the largest last loss of a falling run of length k + 1
        // fastai starts from the first point and moves only for a longer run.
        var end = 0
        var longest = 1
        var start = 0
        for (i, x) in losses.enumerated() {
            // The first k whose tail is not above x: x extends the runs of length k.
            var lo = 0
            var hi = tails.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if tails[mid] > x { lo = mid + 1 } else { hi = mid }
            }
            if lo == tails.count { tails.append(x) } else { tails[lo] = x }
            if lo + 1 > longest {
                longest = lo + 1
                end = i
                start = end - longest
            }
        }
        let third = Double(end - start) / 3
        return start + Int(third) + Int(third / 2)
    }

    /// A schedule to train with at the suggested peak: a 5% warmup, then a cosine over the rest.
    public static func schedule(peak: Double, steps: Int) -> String {
        "base \(peak)\ntotal \(steps)\nwarmup 5% then cosine(T=95%)\n"
    }
}

extension RangeTest {
    /// The smoothed loss against the step, the valley marked: the rate rises
    /// geometrically, so the step axis is a log-rate axis.
    public func panel(_ record: Record, _ suggestions: Suggestions?) -> Panel {
        Panel(
            title: title, yLabel: "smoothed loss",
            series: [Series(name: "loss", values: record.losses.map { $0.isFinite ? $0 : nil })],
            markers: markers(suggestions))
    }

    /// The SVG chart: the smoothed loss above the rate (on a log axis), the valley a line across both and a
    /// point on each curve, drawn by the chart `ramp plot --out` draws.
    public func svg(_ record: Record, _ suggestions: Suggestions?) -> String {
        var loss = panel(record, suggestions)
        loss.title = "smoothed loss"
        loss.series[0].name = "smoothed loss"
        let rate = Panel(
            title: "learning rate", yLabel: "lr", series: [Series(name: "learning rate", values: record.lrs)],
            markers: markers(suggestions), logY: true)
        return SVGChart(title: title).render([loss, rate])
    }

    var title: String {
        "LR range test: \(RangeTestRun.short(startLR)) to \(RangeTestRun.short(endLR)) over \(iterations) steps"
    }

    func markers(_ suggestions: Suggestions?) -> [Marker] {
        guard let s = suggestions else { return [] }
        return [Marker(step: s.valleyIndex, label: "valley \(RangeTestRun.short(s.valley))", kind: .suggestion)]
    }
}
