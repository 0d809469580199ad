import Foundation

/// One curve on a chart.
public struct Series: Sendable {
    public var name: String
    /// Values by step; `nil` where the curve has no value (after it finished).
    public var values: [Double?]
    public init(name: String, values: [Double?]) {
        self.name = name
        self.values = values
    }
}

/// A vertical marker: a phase boundary, the step where a plateau ended a phase, or a suggested point (the range
/// test's valley), which an SVG also marks with a dot on the panel's first series.
public struct Marker: Sendable, Hashable {
    public enum Kind: String, Sendable { case phase, plateau, suggestion }
    public var step: Int
    public var label: String
    public var kind: Kind
}

/// A panel: several series sharing axes.
/// What the x axis counts: steps, or epochs, samples or tokens at a fixed
/// number per step, or samples or tokens counted through a scheduled batch
/// size (`before`), where the axis is linear in the unit and not in steps.
public struct XAxis: Sendable, Hashable {
    public var name: String
    public var perStep: Double
    /// The samples or tokens trained on before each step, when a step is not
    /// a fixed number of them; `plot` fills it from the program's batch sizes.
    public var before: [Double]?
    /// The unit `before` counts, until it is filled.
    public var counts: DurationUnit?

    public static let steps = XAxis(name: "step", perStep: 1)

    public init(name: String, perStep: Double, counts: DurationUnit? = nil) {
        self.name = name
        self.perStep = perStep
        self.counts = counts
    }

    /// The axis's value at a step (fractional steps interpolate between counts).
    public func value(at step: Double) -> Double {
        guard let before, !before.isEmpty else { return step * perStep }
        let i = Swift.max(0, Swift.min(Double(before.count - 1), step))
        let lo = Int(i.rounded(.down))
        let hi = Swift.min(lo + 1, before.count - 1)
        return before[lo] + (before[hi] - before[lo]) * (i - Double(lo))
    }

    /// True when the axis is linear in steps.
    public var isLinear: Bool { before == nil }
}

public struct Panel: Sendable {
    public var title: String
    public var yLabel: String
    public var series: [Series]
    public var markers: [Marker]
    public var logY: Bool
    public var x: XAxis = .steps
    /// Steps drawn shaded: where two schedules differ (`ramp diff`).
    public var shaded: ClosedRange<Int>?

    public init(title: String, yLabel: String, series: [Series], markers: [Marker] = [], logY: Bool = false) {
        self.title = title
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.logY = logY
    }

    /// The steps covered by any series, and by a marker where a schedule ended.
    public var steps: Int {
        max(series.map(\.values.count).max() ?? 0, (markers.map(\.step).max() ?? -1) + 1)
    }

    /// The y range of all finite values (positive ones on a log axis).
    public var yRange: (Double, Double)? {
        var lo = Double.infinity
        var hi = -Double.infinity
        for s in series {
            for case let v? in s.values where v.isFinite && (!logY || v > 0) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        guard lo.isFinite else { return nil }
        if lo == hi {
            if logY { return (lo / 2, hi * 2) }
            return lo == 0 ? (0, 1) : (min(0, lo), max(0, hi) * 1.1)
        }
        return (lo, hi)
    }
}

/// The rate (and momentum) of programs over their steps, with phase boundaries
/// and plateau endings read from the scheduler itself.
public enum ChartData {
    public struct Run: Sendable {
        public var name: String
        public var lr: [Double]
        public var momentum: [Double]?
        /// The program's other outputs, by name, in its order.
        public var outputs: [(name: String, values: [Double])] = []
        public var markers: [Marker]
        /// Where the schedule finished, if within the steps.
        public var finishedAt: Int?
    }

    public static func run(
        _ program: CompiledProgram, name: String, steps: Int, metrics: [Double?] = [],
        signals: [EventLog.SignalEvent] = []
    ) -> Run {
        var lr: [Double] = []
        var mom: [Double] = []
        var others = Array(repeating: [Double](), count: program.outputs.count)
        let known = signals.filter { program.signals.contains($0.name) }
        let end = Table.generate(program, steps: steps, metrics: metrics, signals: known) { row in
            lr.append(row.lr)
            if let m = row.momentum { mom.append(m) }
            for (i, v) in row.values.enumerated() { others[i].append(v) }
        }
        var markers: [Marker] = []
        let phases = program.lr.phases
        for tr in end.transitions where tr.step <= lr.count {
            let next = tr.phase + 1 < phases.count ? "phase \(tr.phase + 2)" : "end"
            if tr.reason == .condition {
                let why = phases[tr.phase].condition.map(shortLabel) ?? "condition"
                markers.append(Marker(step: tr.step, label: "\(why) → \(next)", kind: .plateau))
            } else if tr.phase + 1 < phases.count {
                markers.append(Marker(step: tr.step, label: next, kind: .phase))
            }
        }
        return Run(
            name: name, lr: lr, momentum: program.momentum == nil ? nil : mom,
            outputs: zip(program.outputs, others).map { ($0.name, $1) }, markers: markers, finishedAt: end.finishedAt)
    }
}

/// A few words for a condition, short enough for a chart.
func shortLabel(_ c: Condition) -> String {
    switch c {
    case .plateau: return "plateau"
    case .signal(let name): return "signal \(name)"
    case .elapsed(let n): return "\(n) steps"
    case .compare: return Describe.condition(c)
    case .all, .any, .not: return "condition"
    }
}

/// Axis arithmetic shared by the terminal and SVG charts.
public enum Scale {
    /// About `count` round tick values covering [lo, hi]. Each is an integer
    /// number of steps divided by a power of ten, so 0.6 is 0.6 and not the
    /// sum 0.2 + 0.2 + 0.2.
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 5, log: Bool = false) -> [Double] {
        if log {
            let a = Foundation.floor(log10(lo))
            let b = Foundation.ceil(log10(hi))
            let stride = Swift.max(1, ((b - a) / Double(count)).rounded(.up))
            return Swift.stride(from: a, through: b, by: stride).map { power(Int($0)) }.filter {
                $0 >= lo * 0.999 && $0 <= hi * 1.001
            }
        }
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let exponent = Int(Foundation.floor(log10(raw)))
        // The step is `mantissa` (tenths: 10, 20, 25, 50, 100) times 10^(exponent - 1).
        let mantissa = [10.0, 20, 25, 50, 100].first { $0 * power(exponent - 1) >= raw } ?? 100
        let unit = exponent - 1
        func value(_ k: Double) -> Double { unit < 0 ? k * mantissa / power(-unit) : k * mantissa * power(unit) }
        var k = (lo / value(1)).rounded(.up)
        var out: [Double] = []
        while value(k) <= hi + value(1) * 1e-9 {
            out.append(value(k) == 0 ? 0 : value(k))
            k += 1
        }
        return out
    }

    /// 10^e, exact for the exponents an axis meets.
    static func power(_ e: Int) -> Double {
        e >= 0 ? (0..<e).reduce(1.0) { a, _ in a * 10 } : 1 / (0..<(-e)).reduce(1.0) { a, _ in a * 10 }
    }

    /// Labels for an axis's ticks, in the notation people read: decimals
    /// (`0.1`, `0.05`, `2.5`) for ticks between 0.001 and 100,000; otherwise
    /// mantissas and one shared factor (`2`, `4`, ... and `×10⁻⁴`). A log
    /// axis labels each power of ten on its own (`1e-4`, `0.001`, `0.1`).
    public static func labels(_ ticks: [Double], log: Bool = false) -> (labels: [String], factor: String?) {
        let peak = ticks.map(abs).max() ?? 0
        if log {
            return (
                ticks.map { v in
                    if v >= 1e-3 && v < 1e5 { return decimals([v])[0] }
                    let e = Int(Foundation.floor(log10(v)))
                    let m = decimals([v * power(-e)])[0]
                    return "\(m)e\(e)"
                }, nil
            )
        }
        if peak == 0 || (peak >= 1e-3 && peak < 1e5) { return (decimals(ticks), nil) }
        let e = Int(Foundation.floor(log10(peak)))
        let scaled = ticks.map { e < 0 ? $0 * power(-e) : $0 / power(e) }
        return (decimals(scaled), "×10" + superscript(e))
    }

    /// Each number with as few decimals as the set needs (at most 12), trailing zeros dropped.
    static func decimals(_ xs: [Double]) -> [String] {
        let span = Swift.max(xs.map(abs).max() ?? 0, 1e-300)
        var digits = 0
        while digits < 12,
            xs.contains(where: { abs((($0 * power(digits)).rounded()) / power(digits) - $0) > span * 1e-9 })
        {
            digits += 1
        }
        return xs.map { x in
            var s = String(format: "%.\(digits)f", x)
            if s.contains(".") {
                while s.hasSuffix("0") { s.removeLast() }
                if s.hasSuffix(".") { s.removeLast() }
            }
            return s == "-0" ? "0" : s
        }
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
            "-": "⁻",
        ]
        return String(String(n).map { digits[$0]! })
    }

    /// Position of `v` in [0, 1] along an axis.
    public static func unit(_ v: Double, _ lo: Double, _ hi: Double, log: Bool) -> Double {
        if log { return (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) }
        return hi == lo ? 0.5 : (v - lo) / (hi - lo)
    }
}
