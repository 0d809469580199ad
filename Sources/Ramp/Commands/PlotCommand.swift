/// `ramp plot` and the REPL's `:plot`: which panels a set of schedules (and a
/// training log) make, laid out once, so the terminal, SVG and the REPL draw
/// the same chart.
extension Commands {
    /// A chart ready to draw: its panels in a grid, its title, and the runs
    /// they came from (for their notes).
    /// The x axis `unit` asks for ("steps", "epochs", "samples", "tokens"), from
    /// the programs' settings, which must agree; or why it cannot be drawn.
    public static func xAxis(_ unit: String, _ programs: [CompiledProgram]) throws(Failure) -> XAxis {
        let (name, setting, per): (String, String, (Settings) -> Int?)
        switch unit {
        case "steps", "step": return .steps
        case "epochs", "epoch": (name, setting, per) = ("epoch", "steps_per_epoch", { $0.stepsPerEpoch })
        case "samples": (name, setting, per) = ("samples", "samples_per_step", { $0.samplesPerStep })
        case "tokens": (name, setting, per) = ("tokens", "tokens_per_step", { $0.tokensPerStep })
        default: throw Failure(description: "--x takes steps, epochs, samples or tokens, got '\(unit)'")
        }
        // A scheduled batch size: the axis counts through its running sum, the same for every program.
        /// A program's static batch-size schedule, as text to compare.
        func batch(_ p: CompiledProgram) -> String? {
            guard p.batchCounts != nil, let b = p.outputs.first(where: { $0.name == "batch_size" }) else { return nil }
            return Describe.node(.sequence(b.sequence))
        }
        if name != "epoch", let first = programs.first, let firstBatch = batch(first) {
            let unitName: DurationUnit = name == "tokens" ? .tokens : .samples
            for p in programs {
                guard batch(p) == firstBatch, p.settings.sequenceLength == first.settings.sequenceLength else {
                    throw Failure(description: "--x \(unit): the programs schedule batch_size differently")
                }
            }
            if unitName == .tokens, first.settings.sequenceLength == nil {
                throw Failure(
                    description: "--x tokens needs the program to set sequence_length, since batch_size is scheduled")
            }
            return XAxis(name: name, perStep: 1, counts: unitName)
        }
        let values = Set(programs.map { per($0.settings) })
        guard values.count == 1, let n = values.first ?? nil else {
            throw Failure(
                description: values.count > 1
                    ? "--x \(unit): the programs set \(setting) differently"
                    : "--x \(unit) needs the program to set \(setting)")
        }
        return unit.hasPrefix("epoch")
            ? XAxis(name: name, perStep: 1 / Double(n)) : XAxis(name: name, perStep: Double(n))
    }

    public struct Plot: Sendable {
        public var title: String
        public var panels: [Panel]
        /// Panels per row: one, or two or three small panels when the
        /// schedules' lengths are too different to share an axis.
        public var columns: Int
        public var runs: [ChartData.Run]
        /// Notes on the predicted loss: a schedule outside the range the law was fitted on, or without a prediction.
        public var lawNotes: [String] = []

        /// The SVG document; the default size fits the grid.
        public func svg(width: Int? = nil, height: Int? = nil) -> String {
            let rows = (panels.count + columns - 1) / columns
            let chart = SVGChart(
                width: width ?? (columns > 1 ? 1200 : 900),
                height: height ?? (columns > 1 ? 60 + 260 * rows : panels.count > 1 ? 640 : 480), title: title)
            return chart.render(panels, columns: columns)
        }

        /// The panels drawn one under the other with terminal characters.
        public func terminal(width: Int, height: Int, color: Bool) -> String {
            let chart = TerminalChart(width: width, height: height, color: color)
            return panels.map { chart.render($0) }.joined(separator: "\n")
        }

        /// One note per schedule that finished before the plotted steps ran out.
        public var finishedNotes: [String] {
            runs.compactMap { r in r.finishedAt.map { "note: \(r.name) finished at step \($0)" } }
        }
    }

    /// Lays out `programs`, each run for `steps` steps (default: its own
    /// suggested horizon) and fed `metrics`, along `x` (steps by default), with an optional training log's
    /// loss and metric in a panel of their own.
    public static func plot(
        _ programs: [(name: String, program: CompiledProgram)], steps: Int? = nil,
        metrics: [Double?] = [], signals: [EventLog.SignalEvent] = [], runLog: (name: String, log: RunLog)? = nil,
        logY: Bool = false, x: XAxis = .steps, law: LawFile? = nil
    ) -> Plot {
        let runs = programs.map { p in
            ChartData.run(
                p.program, name: p.name, steps: steps ?? p.program.suggestedHorizon, metrics: metrics, signals: signals)
        }
        var panels: [Panel] = []
        var columns = 1
        let lengths = runs.map(\.lr.count).filter { $0 > 0 }
        if runs.count > 1, let lo = lengths.min(), let hi = lengths.max(), hi > 4 * lo {
            // Lengths too different to share an axis: one small panel each.
            panels = runs.map { r in
                Panel(
                    title: r.name, yLabel: "lr", series: [Series(name: r.name, values: r.lr)], markers: r.markers,
                    logY: logY)
            }
            columns = runs.count <= 4 ? 2 : 3
        } else if !runs.isEmpty {
            let markers = runs.count == 1 ? runs[0].markers : []
            /// A parameter group's output (`lr[backbone]`) is drawn in its output's panel, with a legend entry of its
            /// own.
            func groupSeries(_ base: String) -> [Series] {
                runs.flatMap { r in
                    r.outputs.filter { $0.name.hasPrefix(base + "[") }
                        .map { Series(name: runs.count == 1 ? $0.name : "\(r.name) \($0.name)", values: $0.values) }
                }
            }
            panels.append(
                Panel(
                    title: "learning rate", yLabel: "lr",
                    series: runs.map { Series(name: $0.name, values: $0.lr) } + groupSeries("lr"), markers: markers,
                    logY: logY))
            let withMomentum = runs.filter { $0.momentum != nil }
            if !withMomentum.isEmpty || !groupSeries("momentum").isEmpty {
                panels.append(
                    Panel(
                        title: "momentum", yLabel: "momentum",
                        series: withMomentum.map { Series(name: $0.name, values: $0.momentum!) }
                            + groupSeries("momentum"),
                        markers: markers))
            }
            // A panel per other output, on a scale of its own, each program that has it drawn in it.
            var names: [String] = []
            for r in runs {
                for o in r.outputs {
                    let base = Builtins.baseOutput(of: o.name)
                    if base != "lr", base != "momentum", !names.contains(base) { names.append(base) }
                }
            }
            for name in names {
                let series = runs.compactMap { r in
                    r.outputs.first { $0.name == name }.map { Series(name: r.name, values: $0.values) }
                }
                panels.append(Panel(title: name, yLabel: name, series: series + groupSeries(name), markers: markers))
            }
        }
        var lawNotes: [String] = []
        if let law, !runs.isEmpty {
            var (panel, notes) = lossPanel(runs, law: law)
            // The logged loss beside the prediction, to read one against the other.
            if let (name, log) = runLog, let loss = log.byStep("loss") {
                panel.series.append(Series(name: "\(name) loss", values: loss))
            }
            // Under the rate when the schedules share an axis; after the small panels when they do not.
            panels.insert(panel, at: columns == 1 && !panels.isEmpty ? 1 : panels.count)
            lawNotes = notes
        }
        if let (name, log) = runLog {
            // The loss is drawn beside the prediction when there is one; the metric (and a range test's smoothed
            // loss) keep a panel of their own.
            let beside = law != nil && !runs.isEmpty
            let shown = beside ? ["smoothed_loss", "metric"] : ["loss", "smoothed_loss", "metric"]
            let series = shown.compactMap { c in log.byStep(c).map { Series(name: c, values: $0) } }
            if runs.isEmpty, let lr = log.byStep("lr") {
                panels.append(
                    Panel(title: "learning rate", yLabel: "lr", series: [Series(name: name, values: lr)], logY: logY))
            }
            if !beside || !series.isEmpty {
                panels.append(
                    Panel(
                        title: beside ? "metric" : "loss and metric", yLabel: "value", series: series, logY: logY))
            }
        }
        var x = x
        if let unit = x.counts, let first = programs.first {
            x.before = first.program.trained(unit, steps: max(1, panels.map(\.steps).max() ?? 1))
        }
        for i in panels.indices { panels[i].x = x }
        let names = programs.count <= 3 ? programs.map(\.name).joined(separator: " vs ") : "\(programs.count) schedules"
        let title = names + (runLog.map { programs.isEmpty ? $0.name : " (\($0.name))" } ?? "")
        return Plot(title: title, panels: panels, columns: columns, runs: runs, lawNotes: lawNotes)
    }

    /// The loss `law` predicts for each run from the rates drawn above it, from the law's first drawn step (the
    /// end of the warmup), and a note for each run outside the law's fitted range or without a prediction.
    static func lossPanel(_ runs: [ChartData.Run], law: LawFile) -> (Panel, [String]) {
        var series: [Series] = []
        var notes: [String] = []
        for r in runs where !r.lr.isEmpty {
            if let bad = r.lr.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
                notes.append("note: \(r.name): no predicted loss: the rate at step \(bad) is \(r.lr[bad])")
                continue
            }
            let prediction = law.predict(RateTable(r.lr))
            let first = law.firstDrawnStep(r.lr)
            series.append(
                Series(
                    name: r.name, values: prediction.losses.enumerated().map { $0.offset < first ? nil : $0.element }))
            if let note = prediction.note { notes.append("note: \(r.name): \(note)") }
        }
        let markers = runs.count == 1 ? runs[0].markers : []
        return (Panel(title: "predicted loss", yLabel: "loss", series: series, markers: markers), notes)
    }
}
