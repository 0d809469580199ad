import Foundation

/// A self-contained SVG chart: one or more stacked panels sharing the x axis,
/// with axes, ticks, gridlines, a title, a legend, and dashed vertical lines at
/// phase boundaries.
public struct SVGChart {
    public var width: Int
    public var height: Int
    public var title: String

    public init(width: Int = 900, height: Int = 520, title: String) {
        self.width = max(300, width)
        self.height = max(200, height)
        self.title = title
    }

    /// A suggestion is drawn green and solid, so it stands apart from the grey and red dashed phase lines.
    static func markerColor(_ kind: Marker.Kind) -> String {
        switch kind {
        case .phase: "#777"
        case .plateau: "#d62728"
        case .suggestion: "#2ca02c"
        }
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Panels in a grid of `columns` (1: stacked, the first panel twice as tall).
    public func render(_ panels: [Panel], columns: Int = 1) -> String {
        let top = 44.0
        let bottom = 20.0
        let side = 8.0
        let columns = max(1, min(columns, panels.count))
        let rowCount = (panels.count + columns - 1) / columns
        let cellW = (Double(width) - 2 * side) / Double(columns)
        // Stacked: the first panel gets twice the height of the others.
        let weights = (0..<rowCount).map { $0 == 0 && columns == 1 && rowCount > 1 ? 2.0 : 1.0 }
        let unitH = (Double(height) - top - bottom) / weights.reduce(0, +)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

            """
        let perCurve = columnsPerCurve(panels)
        var y0 = top
        for row in 0..<rowCount {
            let cellH = unitH * weights[row]
            for col in 0..<columns {
                let i = row * columns + col
                guard i < panels.count else { break }
                // Margins inside each cell leave room for tick labels and the panel title.
                svg += drawPanel(
                    panels[i], x: side + Double(col) * cellW + 70, y: y0 + 22,
                    w: cellW - 70 - 16, h: cellH - 22 - 40, columnsPerCurve: perCurve)
            }
            y0 += cellH
        }
        svg += "</svg>\n"
        return svg
    }

    /// The most pixel columns a curve is drawn through: every column of the panel, unless the chart has so many
    /// curves that they would pass `PlotLimits.svgCurveColumns` together, when each is drawn more coarsely.
    func columnsPerCurve(_ panels: [Panel]) -> Int {
        max(1, PlotLimits.svgCurveColumns / max(1, panels.reduce(0) { $0 + $1.series.count }))
    }

    private func drawPanel(
        _ panel: Panel, x: Double, y: Double, w: Double, h: Double, columnsPerCurve: Int
    ) -> String {
        let steps = max(1, panel.steps)
        var s = "<g class=\"panel\">\n"
        guard let (lo, hi) = panel.yRange else {
            return s
                + "<text x=\"\(f(x + w / 2))\" y=\"\(f(y + h / 2))\" text-anchor=\"middle\">nothing to "
                + "plot</text>\n</g>\n"
        }
        // Positions are linear in the axis's unit, which with a scheduled batch size is not linear in steps.
        let xMax = panel.x.value(at: Double(max(1, steps - 1)))
        func ux(_ u: Double) -> Double { x + (steps <= 1 || xMax <= 0 ? 0 : u / xMax) * w }
        func px(_ step: Double) -> Double { ux(panel.x.value(at: step)) }
        func py(_ v: Double) -> Double { y + h - Scale.unit(v, lo, hi, log: panel.logY) * h }
        // Grid and y ticks.
        let ticks = Scale.ticks(lo, hi, count: 5, log: panel.logY)
        let (labels, factor) = Scale.labels(ticks, log: panel.logY)
        for (t, label) in zip(ticks, labels) {
            let yy = f(py(t))
            s +=
                "<line class=\"grid\" x1=\"\(f(x))\" y1=\"\(yy)\" x2=\"\(f(x + w))\" y2=\"\(yy)\" "
                + "stroke=\"#e5e5e5\"/>\n"
            s +=
                "<text x=\"\(f(x - 6))\" y=\"\(yy)\" text-anchor=\"end\" "
                + "dominant-baseline=\"middle\">\(escape(label))</text>\n"
        }

        // x ticks in the axis's unit (steps, epochs, tokens), round in that unit.
        let xTicks = Scale.ticks(0, xMax, count: 8)
            .filter { panel.x.perStep != 1 || !panel.x.isLinear || $0 == $0.rounded() }
        let (xLabels, xFactor) = Scale.labels(xTicks)
        let yTitle = panel.yLabel + (panel.logY ? " (log)" : "") + (factor.map { " (\($0))" } ?? "")
        let xTitle = panel.x.name + (xFactor.map { " (\($0))" } ?? "")
        for (t, label) in zip(xTicks, xLabels) {
            let xx = f(ux(t))
            s +=
                "<line class=\"grid\" x1=\"\(xx)\" y1=\"\(f(y))\" x2=\"\(xx)\" y2=\"\(f(y + h))\" "
                + "stroke=\"#f0f0f0\"/>\n"
            s += "<text x=\"\(xx)\" y=\"\(f(y + h + 16))\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }
        // Axes.
        s += "<line x1=\"\(f(x))\" y1=\"\(f(y + h))\" x2=\"\(f(x + w))\" y2=\"\(f(y + h))\" stroke=\"#333\"/>\n"
        s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x))\" y2=\"\(f(y + h))\" stroke=\"#333\"/>\n"
        s +=
            "<text x=\"\(f(x - 60))\" y=\"\(f(y + h / 2))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(f(x - 60)) \(f(y + h / 2)))\">\(escape(yTitle))</text>\n"
        s +=
            "<text x=\"\(f(x + w / 2))\" y=\"\(f(y + h + 32))\" text-anchor=\"middle\">\(escape(xTitle))</text>\n"
        // The span where the schedules differ.
        if let span = panel.shaded, span.lowerBound < steps {
            let x0 = px(Double(span.lowerBound))
            let x1 = px(Double(Swift.min(span.upperBound + 1, steps)))
            s +=
                "<rect class=\"differs\" x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(Swift.max(1, x1 - x0)))\" "
                + "height=\"\(f(h))\" fill=\"#d62728\" fill-opacity=\"0.08\"/>\n"
        }
        // Phase boundaries and suggestions.
        for m in panel.markers where m.step < steps {
            let xx = f(px(Double(m.step)))
            let color = SVGChart.markerColor(m.kind)
            let dash = m.kind == .suggestion ? "" : " stroke-dasharray=\"5,4\""
            s +=
                "<line class=\"marker \(m.kind.rawValue)\" x1=\"\(xx)\" y1=\"\(f(y))\" x2=\"\(xx)\" "
                + "y2=\"\(f(y + h))\" stroke=\"\(color)\"\(dash)/>\n"
            // Labels near the right edge go on the left of their line.
            let leftSide = px(Double(m.step)) > x + w * 0.7
            s +=
                "<text x=\"\(f(px(Double(m.step)) + (leftSide ? -4 : 4)))\" y=\"\(f(y + 12))\" fill=\"\(color)\" "
                + "font-size=\"11\"\(leftSide ? " text-anchor=\"end\"" : "")>\(escape(m.label))</text>\n"
        }
        // Series.
        for (i, series) in panel.series.enumerated() {
            var d = ""
            var pen = false
            for (step, v) in decimate(series.values, buckets: min(Int(w), columnsPerCurve)) {
                guard let v, v.isFinite, !panel.logY || v > 0 else {
                    pen = false
                    continue
                }
                d += (pen ? "L" : "M") + "\(f(px(Double(step)))),\(f(py(v)))"
                pen = true
            }
            let color = SVGChart.colors[i % SVGChart.colors.count]
            s +=
                "<path class=\"series\" data-name=\"\(escape(series.name))\" d=\"\(d)\" fill=\"none\" "
                + "stroke=\"\(color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n"
        }
        // A suggestion's point, on the first series, over the curves.
        let first = panel.series.first?.values ?? []
        for m in panel.markers where m.kind == .suggestion && m.step < first.count {
            guard let v = first[m.step], v.isFinite, !panel.logY || v > 0 else { continue }
            s +=
                "<circle class=\"suggestion\" cx=\"\(f(px(Double(m.step))))\" cy=\"\(f(py(v)))\" r=\"4.5\" "
                + "fill=\"\(SVGChart.markerColor(.suggestion))\" stroke=\"white\" stroke-width=\"1.5\"/>\n"
        }
        // Title, then the legend on the same line, above the plot.
        s += "<text x=\"\(f(x))\" y=\"\(f(y - 6))\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
        if panel.series.count > 1 || wantsLegend(panel) {
            var lx = x + Double(panel.title.count) * 7.5 + 24
            for (i, series) in panel.series.enumerated() {
                // Entries that would run past the panel are counted instead.
                let reserve = i + 1 < panel.series.count ? 80.0 : 0  // room for "and N more" after it
                if lx + 20 + Double(series.name.count) * 6.8 + reserve > x + w, i > 0 {
                    s +=
                        "<text class=\"legend-more\" x=\"\(f(lx))\" y=\"\(f(y - 6))\">and \(panel.series.count - i) "
                        + "more</text>\n"
                    break
                }
                let color = SVGChart.colors[i % SVGChart.colors.count]
                s +=
                    "<g class=\"legend\"><line x1=\"\(f(lx))\" y1=\"\(f(y - 10))\" x2=\"\(f(lx + 16))\" "
                    + "y2=\"\(f(y - 10))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                s += "<text x=\"\(f(lx + 20))\" y=\"\(f(y - 6))\">\(escape(series.name))</text></g>\n"
                lx += 20 + Double(series.name.count) * 6.8 + 18
            }
        }
        return s + "</g>\n"
    }

    /// A single series gets a legend too when its name says more than the panel's title.
    private func wantsLegend(_ panel: Panel) -> Bool { panel.series.count == 1 && panel.series[0].name != panel.title }

    /// One decimal, as printf's `%.1f` writes it. String(format:) writes the same through Foundation's formatter
    /// at about a microsecond a call, and a chart writes millions.
    private func f(_ v: Double) -> String {
        // The longest %.1f of a double is 312 characters (-1.8e308 written out).
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 320) { buffer in
            _ = withVaList([v]) { vsnprintf(buffer.baseAddress!, 320, "%.1f", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }

    /// At most four points per pixel column (first, lowest, highest, last), so
    /// a million-step schedule draws the same shape in a small file.
    func decimate(_ values: [Double?], buckets: Int) -> [(Int, Double?)] {
        guard values.count > 4 * max(1, buckets) else { return values.enumerated().map { ($0.offset, $0.element) } }
        var out: [(Int, Double?)] = []
        let size = Double(values.count) / Double(buckets)
        for b in 0..<buckets {
            let lo = Int(Double(b) * size)
            let hi = min(values.count, Int(Double(b + 1) * size))
            guard lo < hi else { continue }
            // The bucket's first, lowest, highest and last points, and every gap, in step order, once each.
            var picks = [lo, hi - 1]
            var minI = lo
            var maxI = lo
            for i in lo..<hi {
                guard let v = values[i] else {
                    picks.append(i)
                    continue
                }
                if let m = values[minI], v < m { minI = i }
                if let m = values[maxI], v > m { maxI = i }
            }
            picks += [minI, maxI]
            picks.sort()
            var previous = -1
            for i in picks where i != previous {
                out.append((i, values[i]))
                previous = i
            }
        }
        return out
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A `ramp run --log` file: step, lr, momentum, loss, metric per row.
public struct RunLog: Sendable {
    public var columns: [String: [Double?]]

    public static func parse(_ text: String) -> RunLog? {
        var lines = text.split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
        }
        guard !lines.isEmpty else { return nil }
        let header = lines.removeFirst()
        var cols: [String: [Double?]] = [:]
        for h in header { cols[h] = [] }
        for row in lines {
            for (i, h) in header.enumerated() { cols[h]!.append(i < row.count ? Double(row[i]) : nil) }
        }
        return cols["step"] == nil ? nil : RunLog(columns: cols)
    }
}

extension RunLog {
    /// A column by step: each row's value at its `step`. A log that skips steps (a row every 128 steps) is
    /// drawn as straight lines between its rows, as any plot of it joins them; a log of every step from 0, or
    /// one whose steps do not rise, is drawn row by row as it is.
    public func byStep(_ name: String) -> [Double?]? {
        guard let values = columns[name] else { return nil }
        guard let steps = columns["step"], steps.count == values.count else { return values }
        var points: [(step: Int, value: Double?)] = []
        for (s, v) in zip(steps, values) {
            guard let s, s >= 0, s <= Double(PlotLimits.steps), s == s.rounded() else { return values }
            if let last = points.last, Int(s) <= last.step { return values }
            points.append((Int(s), v))
        }
        guard let last = points.last, last.step + 1 != points.count else { return values }
        var out = [Double?](repeating: nil, count: last.step + 1)
        for (a, b) in zip(points, points.dropFirst()) {
            out[a.step] = a.value
            guard let va = a.value, let vb = b.value else { continue }
            for s in (a.step + 1)..<b.step {
                out[s] = va + (vb - va) * Double(s - a.step) / Double(b.step - a.step)
            }
        }
        out[last.step] = last.value
        return out
    }
}
