import Foundation

/// A chart drawn with Unicode braille (2×4 dots per character cell), with
/// labelled axes, markers and a legend. Colour is optional so that pipes and
/// NO_COLOR get plain text.
public struct TerminalChart {
    public var width: Int
    public var height: Int
    public var color: Bool

    public init(width: Int = 72, height: Int = 16, color: Bool = false) {
        self.width = max(20, width)
        self.height = max(4, height)
        self.color = color
    }

    static let palette = ["\u{1B}[36m", "\u{1B}[33m", "\u{1B}[35m", "\u{1B}[32m", "\u{1B}[34m", "\u{1B}[31m"]
    static let reset = "\u{1B}[0m"

    public func render(_ panel: Panel) -> String {
        let steps = panel.steps
        guard steps > 0, let (lo, hi) = panel.yRange else {
            return TerminalText.escaped("\(panel.title): nothing to plot") + "\n"
        }
        let ticks = Scale.ticks(lo, hi, count: max(2, height / 4), log: panel.logY)
        let (labels, factor) = Scale.labels(ticks, log: panel.logY)
        let gutter = (labels.map(\.count).max() ?? 1) + 1
        let cols = max(10, width - gutter - 1)
        let rows = height
        // dots[y][x], y = 0 at the top; the series index + 1 that drew it.
        var dots = Array(repeating: Array(repeating: 0, count: cols * 2), count: rows * 4)
        func dotY(_ v: Double) -> Int {
            let u = Scale.unit(v, lo, hi, log: panel.logY)
            return max(0, min(rows * 4 - 1, Int(((1 - u) * Double(rows * 4 - 1)).rounded())))
        }
        func dotX(_ step: Int) -> Int {
            steps <= 1 ? 0 : Int((Double(step) / Double(steps - 1) * Double(cols * 2 - 1)).rounded())
        }
        for (si, s) in panel.series.enumerated() {
            var previous: (Int, Int)?
            // Every step is visited, so narrow spikes are not lost between columns.
            for (i, v) in s.values.enumerated() {
                guard let v, v.isFinite, !panel.logY || v > 0 else {
                    previous = nil
                    continue
                }
                let p = (dotX(i), dotY(v))
                // Join consecutive points with a straight line (Bresenham).
                var (x, y) = previous ?? p
                let dx = abs(p.0 - x)
                let dy = -abs(p.1 - y)
                let sx = x < p.0 ? 1 : -1
                let sy = y < p.1 ? 1 : -1
                var err = dx + dy
                while true {
                    dots[y][x] = si + 1
                    if x == p.0 && y == p.1 { break }
                    let e2 = 2 * err
                    if e2 >= dy {
                        err += dy
                        x += sx
                    }
                    if e2 <= dx {
                        err += dx
                        y += sy
                    }
                }
                previous = p
            }
        }
        var markerCols: [Int: Marker] = [:]
        for m in panel.markers where m.step < steps { markerCols[dotX(m.step) / 2] = m }
        // The span where the schedules differ, shaded in the empty cells.
        let shadedCols = panel.shaded.map { dotX($0.lowerBound) / 2...dotX(Swift.min($0.upperBound, steps - 1)) / 2 }
        let tickRows = Dictionary(zip(ticks, labels).map { (dotY($0) / 4, $1) }, uniquingKeysWith: { a, _ in a })
        // A shared factor of the tick labels goes with the title.
        var out = TerminalText.escaped(panel.title) + "\(factor.map { "  (\($0))" } ?? "")\n"
        for r in 0..<rows {
            let label = tickRows[r] ?? ""
            out +=
                String(repeating: " ", count: gutter - label.count - 1) + label + " " + (tickRows[r] != nil ? "┤" : "│")
            var lastColor = -1
            for c in 0..<cols {
                var bits = 0
                var owner = 0
                let offsets = [
                    (0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08), (1, 1, 0x10), (1, 2, 0x20), (0, 3, 0x40),
                    (1, 3, 0x80),
                ]
                for (dx, dy, bit) in offsets where dots[r * 4 + dy][c * 2 + dx] != 0 {
                    bits |= bit
                    owner = dots[r * 4 + dy][c * 2 + dx]
                }
                var ch: Character
                if bits != 0 {
                    ch = Character(Unicode.Scalar(0x2800 + bits)!)
                } else if markerCols[c] != nil {
                    ch = markerCols[c]!.kind == .plateau ? "┊" : "┆"
                } else if shadedCols?.contains(c) == true {
                    ch = "·"
                } else {
                    ch = " "
                }
                if color {
                    let want = bits != 0 ? owner - 1 : -1
                    if want != lastColor {
                        out +=
                            want < 0 ? TerminalChart.reset : TerminalChart.palette[want % TerminalChart.palette.count]
                        lastColor = want
                    }
                }
                out.append(ch)
            }
            if color, lastColor >= 0 { out += TerminalChart.reset }
            out += "\n"
        }
        // x axis with step labels at the ends and the middle.
        out += String(repeating: " ", count: gutter) + "└" + String(repeating: "─", count: cols) + "\n"
        var axis = Array(repeating: Character(" "), count: gutter + 1 + cols + 8)
        let ends = [0, (steps - 1) / 2, steps - 1]
        // The three labels in the axis's unit, with their shared factor after its name.
        // Steps exactly; another unit to 3 significant digits (step 125,099 of 1,251 an epoch reads 100).
        let (endLabels, xFactor) = Scale.labels(
            ends.map { step -> Double in
                let v = panel.x.value(at: Double(step))
                return panel.x.perStep == 1 && panel.x.isLinear ? v : Double(String(format: "%.3g", v)) ?? v
            })
        for (step, label) in zip(ends, endLabels) {
            let text = Array(label)
            let at = min(axis.count - text.count, gutter + 1 + dotX(step) / 2 - (step == 0 ? 0 : text.count / 2))
            for (k, ch) in text.enumerated() { axis[at + k] = ch }
        }
        out += String(axis).replacingTrailingSpaces() + "  \(panel.x.name)\(xFactor.map { " (\($0))" } ?? "")\n"
        if panel.series.count > 1 || !panel.markers.isEmpty {
            var legend: [String] = []
            for (i, s) in panel.series.enumerated() {
                let swatch =
                    color ? TerminalChart.palette[i % TerminalChart.palette.count] + "⣿" + TerminalChart.reset : "⣿"
                let name = TerminalText.escaped(s.name)
                legend.append("\(swatch) \(name)" + (color || panel.series.count == 1 ? "" : " (\(i + 1))"))
            }
            for m in panel.markers {
                legend.append("\(m.kind == .plateau ? "┊" : "┆") \(m.step): \(TerminalText.escaped(m.label))")
            }
            out += legend.map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
