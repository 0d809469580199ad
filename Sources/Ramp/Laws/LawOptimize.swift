import Foundation

/// The schedule a law predicts the lowest final loss for: a warmup as numpy's linspace(0, peak, W)
/// (step W−1 is the peak), then the best of each common family, and a free non-increasing schedule.
public struct ScheduleSearch: Sendable {
    public var steps: Int
    public var peak: Double
    public var warmup: Int
    public var minimum: Double
    /// The most steps a search or a prediction covers.
    public static let maxSteps = 10_000_000

    public init(steps: Int, peak: Double, warmup: Int, minimum: Double) throws(LawError) {
        guard peak > 0, peak.isFinite else { throw LawError(.optionPeak) }
        guard minimum >= 0, minimum < peak else { throw LawError(.optionMinimum) }
        guard warmup >= 0, warmup != 1 else { throw LawError(.optionWarmup) }
        guard steps >= warmup + 8 else { throw LawError(.optionDecaySteps(8)) }
        guard steps <= Self.maxSteps else { throw LawError(.optionStepLimit(Self.maxSteps)) }
        (self.steps, self.peak, self.warmup, self.minimum) = (steps, peak, warmup, minimum)
    }

    /// Steps after the warmup.
    var decaySteps: Int { steps - warmup }

    func warmupRates() -> [Double] {
        (0..<warmup).map { $0 == warmup - 1 ? peak : Double($0) * (peak / Double(warmup - 1)) }
    }

    /// The program's opening: the warmup phase, so the next phase starts at step W−1 at the peak.
    var warmupSource: String {
        warmup == 0 ? "" : "(\(fmt(peak)) / \(warmup - 1) * t for \(warmup - 1)) then "
    }
}

/// One candidate: a name, its Ramp program, and its predicted final loss.
public struct ScheduleCandidate: Sendable {
    public var family: String
    public var source: String
    public var loss: Double
}

public enum LawOptimizer {
    /// WSD tail shapes and their rate at fraction u of a decay from `p` to `m`, with the Ramp that writes it.
    static let shapes: [(name: String, rate: @Sendable (Double, Double, Double) -> Double)] = [
        ("linear", { u, p, m in p + (m - p) * u }),
        ("cosine", { u, p, m in m + (p - m) * (1 + Foundation.cos(Double.pi * u)) / 2 }),
        ("exponential", { u, p, m in p * Foundation.pow(m / p, u) }),
        ("1-sqrt", { u, p, m in m + (p - m) * (1 - u.squareRoot()) }),
    ]

    static func tailSource(_ shape: String, d: Int, p: Double, m: Double) -> String {
        let (ps, ms) = (fmt(p), fmt(m))
        switch shape {
        case "linear": return "linear(T=\(d), from=\(ps), to=\(ms))"
        case "cosine": return "cosine(T=\(d), from=\(ps), min=\(ms))"
        case "exponential": return "(\(ps) * (\(ms) / \(ps)) ^ (t / \(d)) for \(d))"
        default: return "(\(ms) + (\(ps) - \(ms)) * (1 - sqrt(t / \(d))) for \(d))"
        }
    }

    /// The final loss of a schedule (its rate table), exactly: O(#rate changes).
    static func finalLoss(_ law: LossLaw, _ rates: [Double]) -> Double {
        let table = RateTable(rates)
        return law.predict(table, at: [table.count - 1])[0]
    }

    /// Scores candidates on a search's grid: exactly at every step, or on the coarse grid of a long run,
    /// with one buffer for all of them.
    struct Scorer {
        let law: LossLaw
        let grid: SearchGrid
        /// The warmup on the grid.
        let head: [Double]
        var work: FreeSchedule.Workspace

        init(_ law: LossLaw, grid: SearchGrid, head: [Double], tail: Int) {
            (self.law, self.grid, self.head) = (law, grid, grid.head(head))
            work = FreeSchedule.Workspace(steps: grid.length == 1 ? 0 : self.head.count + grid.blocks(tail))
        }

        /// The predicted final loss of the warmup, then `count` steps at `rate(i)`.
        mutating func loss(_ count: Int, _ rate: (Int) -> Double) -> Double {
            let rates = head + grid.sample(count, rate)
            if grid.length == 1 { return finalLoss(law, rates) }
            return FreeSchedule.gradient(law, rates, block: grid.length, &work, withGradient: false)
        }
    }

    /// The best member of every family, and of the free schedule, by predicted final loss.
    static func search(_ law: LossLaw, _ s: ScheduleSearch, grid: SearchGrid) -> [ScheduleCandidate] {
        let d0 = s.decaySteps
        let p = s.peak
        var scorer = Scorer(law, grid: grid, head: s.warmupRates(), tail: d0)
        let floor = max(s.minimum, p * 1e-4)
        let ends = [s.minimum, floor, p * 1e-3, p * 3e-3, p * 0.01, p * 0.03, p * 0.1, p * 0.2]
            .map { Double(String(format: "%.6g", $0))! }.filter { $0 >= s.minimum && $0 < p }
        let fractions = stride(from: 0.025, through: 0.6, by: 0.025).map { $0 }
        var out: [ScheduleCandidate] = []
        for shape in shapes {
            var best: (loss: Double, d: Int, m: Double)?
            for m in ends where !(shape.name == "exponential" && m <= 0) {
                for f in fractions {
                    let d = max(1, Int((f * Double(d0)).rounded()))
                    let loss = scorer.loss(d0) { wsdRate($0, d0: d0, d: d, p: p, m: m, shape.rate) }
                    if loss.isFinite, best == nil || loss < best!.loss { best = (loss, d, m) }
                }
            }
            guard let b = best else { continue }
            let source =
                s.warmupSource + "constant(\(fmt(p))) for \(d0 - b.d + (s.warmup > 0 ? 1 : 0)) then "
                + tailSource(shape.name, d: b.d, p: p, m: b.m)
            let name = "wsd \(shape.name), decay \(b.d) steps (\(percent(Double(b.d) / Double(d0)))) to \(fmt(b.m))"
            out.append(ScheduleCandidate(family: name, source: source, loss: b.loss))
        }
        var bestCosine: (loss: Double, m: Double)?
        for m in ends + [p * 0.3, p * 0.5].map({ Double(String(format: "%.6g", $0))! }) where m < p {
            let loss = scorer.loss(d0) { shapes[1].rate(Double($0) / Double(d0), p, m) }
            if loss.isFinite, bestCosine == nil || loss < bestCosine!.loss { bestCosine = (loss, m) }
        }
        if let c = bestCosine {
            let source =
                s.warmupSource + (s.warmup > 0 ? "constant(\(fmt(p))) for 1 then " : "")
                + "cosine(T=\(d0), from=\(fmt(p)), min=\(fmt(c.m)))"
            out.append(ScheduleCandidate(family: "cosine to \(fmt(c.m))", source: source, loss: c.loss))
        }
        return out
    }

    /// The rate at step i of a WSD phase of `d0` steps whose last `d` decay from `p` to `m`.
    static func wsdRate(
        _ i: Int, d0: Int, d: Int, p: Double, m: Double, _ rate: (Double, Double, Double) -> Double
    ) -> Double {
        i < d0 - d ? p : rate(Double(i - (d0 - d)) / Double(d), p, m)
    }

    static func percent(_ x: Double) -> String { "\((x * 1000).rounded() / 10)%" }
}

extension LawOptimizer {
    /// The written choice: the best family when within `tolerance` of the free optimum, else the free
    /// schedule through its knots. Every loss is the law's prediction for the program as written.
    public struct Result: Sendable {
        public var families: [ScheduleCandidate]
        public var free: ScheduleCandidate
        public var chosen: ScheduleCandidate
    }

    public static let tolerance = 0.0005

    public static func optimize(_ law: LossLaw, _ s: ScheduleSearch) throws(LawError) -> Result {
        try optimize(law, s, grid: SearchGrid(steps: s.steps))
    }

    static func optimize(_ law: LossLaw, _ s: ScheduleSearch, grid: SearchGrid) throws(LawError) -> Result {
        guard law.kind == .multipower else {
            throw LawError(.optimizeNeedsMultipower)
        }
        var families = search(law, s, grid: grid)
        for i in families.indices { families[i].loss = try programLoss(law, families[i].source, steps: s.steps) }
        let head = s.warmup > 0 ? s.warmupRates() : [s.peak]
        let d0 = s.steps - head.count
        let floor = max(s.minimum, 1e-10)
        let seed = families.filter { $0.family.hasPrefix("wsd") }.min { $0.loss < $1.loss }!
        let seedRates = try Array(RateTable(compile(seed.source), steps: s.steps).rates.dropFirst(head.count))
        let opt = FreeSchedule.optimize(
            law, head: grid.head(head), peak: s.peak, floor: floor, d0: grid.blocks(d0),
            start: grid.sample(d0) { seedRates[$0] }, block: grid.length)
        let values = opt.vs.map { Double(String(format: "%.6g", $0))! }
        let source =
            (s.warmup > 0 ? s.warmupSource : "") + "interpolate(["
            + opt.xs.map { String(grid.step($0, of: d0)) }.joined(separator: ", ") + "], ["
            + values.map(fmt).joined(separator: ", ") + "]) for \(d0 + 1)"
        let free = ScheduleCandidate(
            family: "free (\(opt.xs.count) knots)", source: source,
            loss: try programLoss(law, source, steps: s.steps))
        let best = families.min { $0.loss < $1.loss }!
        return Result(families: families, free: free, chosen: best.loss <= free.loss + tolerance ? best : free)
    }

    static func compile(_ source: String) throws(LawError) -> CompiledProgram {
        do { return try ProgramText.source(SourceFile(name: "<optimized>", text: source)).compile() } catch {
            throw LawError(.optimizedDoesNotCheck(error.description))
        }
    }

    /// The law's final loss for `source` as Ramp runs it.
    static func programLoss(_ law: LossLaw, _ source: String, steps: Int) throws(LawError) -> Double {
        let table = try RateTable(compile(source), steps: steps)
        return law.predict(table, at: [steps - 1])[0]
    }
}

extension LawOptimizer {
    /// A written schedule, checked.
    public static func compiled(_ source: String) throws(LawError) -> CompiledProgram { try compile(source) }
}
