import Foundation

/// What a chart may be asked for. A chart is drawn in memory, one cell or
/// pixel column at a time, and every step is computed: without bounds a
/// one-line request (`--width 100000 --height 100000`, `--steps 1e12`)
/// would take gigabytes or hours. Each limit is far above any chart a
/// person reads, and a request past one is refused, naming it.
public enum PlotLimits {
    public static let steps = 10_000_000
    public static let terminalWidth = 20...1_000
    public static let terminalHeight = 4...500
    public static let svgSize = 100...10_000
    /// Curves times pixel columns in one SVG chart: each curve draws up to four points a column, and a
    /// million points take about a second to write, some 13 MB of SVG. A chart of more curves draws each
    /// through fewer columns (SVGChart.columnsPerCurve).
    public static let svgCurveColumns = 250_000

    /// Why a request was refused, in the words `--help` uses.
    public struct Exceeded: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    /// Refuses steps, a width or a height past the limits (`svg`: the sizes are pixels, not characters).
    public static func check(steps: Int?, width: Int?, height: Int?, svg: Bool) throws(Exceeded) {
        if let steps, steps > Self.steps {
            throw Exceeded(
                description: "--steps is at most 10,000,000 for a chart (got \(steps)); use ramp table for more")
        }
        let (w, h, unit) = svg ? (svgSize, svgSize, "pixels") : (terminalWidth, terminalHeight, "characters")
        if let width, !w.contains(width) {
            throw Exceeded(description: "--width is \(w.lowerBound) to \(w.upperBound) \(unit) (got \(width))")
        }
        let rows = svg ? "pixels" : "rows"
        if let height, !h.contains(height) {
            throw Exceeded(
                description: "--height is \(h.lowerBound) to \(h.upperBound) \(svg ? unit : rows) (got \(height))")
        }
    }

    /// The steps to chart: those asked for, or else the longest of the
    /// schedules' own horizons, at most `steps` (saying so through `note`).
    public static func defaultSteps(_ asked: Int?, horizons: [Int], note: (String) -> Void) -> Int? {
        if let asked { return asked }
        guard let longest = horizons.max() else { return nil }
        guard longest > steps else { return longest }
        note("note: the schedule runs \(longest) steps; the chart shows the first 10,000,000, the most --steps allows")
        return steps
    }

    /// A chart's title for a program given as text: its lines joined, shortened to 40 characters.
    public static func title(of source: String) -> String {
        let oneLine = source.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        return oneLine.count <= 40 ? oneLine : String(oneLine.prefix(39)) + "…"
    }
}
