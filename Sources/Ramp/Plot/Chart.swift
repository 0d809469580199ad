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

/// A vertical marker: a phase boundary, or the step where a plateau ended a phase.
public struct Marker: Sendable, Hashable {
    public enum Kind: String, Sendable { case phase, plateau }
    public var step: Int
    public var label: String
    public var kind: Kind
}

/// A panel: several series sharing axes.
public struct Panel: Sendable {
    public var title: String
    public var yLabel: String
    public var series: [Series]
    public var markers: [Marker]
    public var logY: Bool

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
        var lo = Double.infinity, hi = -Double.infinity
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
        public var markers: [Marker]
        /// Where the schedule finished, if within the steps.
        public var finishedAt: Int?
    }

    public static func run(_ program: CompiledProgram, name: String, steps: Int, metrics: [Double?] = []) -> Run {
        var lr: [Double] = [], mom: [Double] = []
        let end = Table.generate(program, steps: steps, metrics: metrics) { row in
            lr.append(row.lr)
            if let m = row.momentum { mom.append(m) }
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
        return Run(name: name, lr: lr, momentum: program.momentum == nil ? nil : mom, markers: markers, finishedAt: end.finishedAt)
    }
}

/// A few words for a condition, short enough for a chart.
func shortLabel(_ c: Condition) -> String {
    switch c {
    case .plateau: return "plateau"
    case .elapsed(let n): return "\(n) steps"
    case .compare: return Describe.condition(c)
    case .all, .any, .not: return "condition"
    }
}

/// Axis arithmetic shared by the terminal and SVG charts.
public enum Scale {
    /// About `count` round tick values covering [lo, hi].
    public static func ticks(_ lo: Double, _ hi: Double, count: Int = 5, log: Bool = false) -> [Double] {
        if log {
            let a = Foundation.floor(log10(lo)), b = Foundation.ceil(log10(hi))
            let stride = Swift.max(1, ((b - a) / Double(count)).rounded(.up))
            return Swift.stride(from: a, through: b, by: stride).map { pow(10, $0) }.filter { $0 >= lo * 0.999 && $0 <= hi * 1.001 }
        }
        guard hi > lo else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, Foundation.floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let first = (lo / step).rounded(.up) * step
        var out: [Double] = []
        var v = first
        while v <= hi + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// Engineering notation: the exponent a multiple of 3, up to 3 significant digits.
    public static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let e = Int(Foundation.floor(log10(abs(v)) / 3)) * 3
        let m = v / pow(10, Double(e))
        var s = String(format: "%.3g", m)
        if s.contains("e") { s = String(format: "%.0f", m) }
        return e == 0 ? s : "\(s)e\(e)"
    }

    /// Position of `v` in [0, 1] along an axis.
    public static func unit(_ v: Double, _ lo: Double, _ hi: Double, log: Bool) -> Double {
        if log { return (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) }
        return hi == lo ? 0.5 : (v - lo) / (hi - lo)
    }
}
