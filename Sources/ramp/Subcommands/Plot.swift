import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot schedules: in the terminal, or as SVG with --out.",
            discussion: "Several programs are overlaid. Phase boundaries come from the scheduler; with --metrics, the step where a plateau ended a phase is marked.")

        @Argument(help: "Program files to overlay.")
        var files: [String] = []

        @Option(name: [.customShort("e"), .customLong("expression")], help: "Program source given inline (repeatable).")
        var sources: [String] = []

        @Option(help: "How many steps to plot (default: the schedule's length, or 100).")
        var steps: Int?

        @Option(help: "A file with one metric per line; line i is observed at the end of step i.")
        var metrics: String?

        @Option(help: "Write an SVG chart here instead of drawing in the terminal.")
        var out: String?

        @Option(name: .customLong("run"), help: "A `ramp run --log` CSV: adds a panel with its loss and metric.")
        var runLog: String?

        @Flag(help: "Logarithmic y axis.")
        var logY = false

        @Option(help: "Width: characters in the terminal, pixels in SVG.")
        var width: Int?

        @Option(help: "Height: rows in the terminal, pixels in SVG.")
        var height: Int?

        @Option(help: "Override the programs' base learning rate.")
        var base: Double?

        func validate() throws {
            if files.isEmpty && sources.isEmpty && runLog == nil { throw ValidationError("give at least one FILE, -e SOURCE or --run LOG") }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        }

        func run() throws {
            var inputs: [(String, ProgramText)] = []
            for path in files { inputs.append((path, try ProgramFile.load(path))) }
            for (i, src) in sources.enumerated() {
                inputs.append((src.count <= 40 ? src : "expression \(i + 1)", .source(SourceFile(name: "<expression>", text: src))))
            }
            let metricValues = try metrics.map(Metrics.read) ?? []
            var runs: [ChartData.Run] = []
            for (name, file) in inputs {
                let program = try ProgramFile.compile(file, base: base)
                let n = steps ?? program.suggestedHorizon
                runs.append(ChartData.run(program, name: name, steps: n, metrics: metricValues))
            }
            var panels: [Panel] = []
            var columns = 1
            let lengths = runs.map(\.lr.count).filter { $0 > 0 }
            if runs.count > 1, let lo = lengths.min(), let hi = lengths.max(), hi > 4 * lo {
                // Lengths too different to share an axis: one small panel each.
                panels = runs.map { r in
                    Panel(title: r.name, yLabel: "lr", series: [Series(name: r.name, values: r.lr)], markers: r.markers, logY: logY)
                }
                columns = runs.count <= 4 ? 2 : 3
            } else if !runs.isEmpty {
                let markers = runs.count == 1 ? runs[0].markers : []
                panels.append(Panel(title: "learning rate", yLabel: "lr", series: runs.map { Series(name: $0.name, values: $0.lr) },
                                    markers: markers, logY: logY))
                let withMomentum = runs.filter { $0.momentum != nil }
                if !withMomentum.isEmpty {
                    panels.append(Panel(title: "momentum", yLabel: "momentum",
                                        series: withMomentum.map { Series(name: $0.name, values: $0.momentum!) }, markers: markers))
                }
            }
            if let run = runLog {
                guard let data = FileManager.default.contents(atPath: run), let log = RunLog.parse(String(decoding: data, as: UTF8.self)) else {
                    Stderr.print("\(run): error: not a `ramp run --log` CSV (it needs a `step` column)")
                    throw ExitCode(1)
                }
                let series = ["loss", "metric"].compactMap { c in log.columns[c].map { Series(name: c, values: $0) } }
                if runs.isEmpty, let lr = log.columns["lr"] { panels.append(Panel(title: "learning rate", yLabel: "lr", series: [Series(name: run, values: lr)], logY: logY)) }
                panels.append(Panel(title: "loss and metric", yLabel: "value", series: series, logY: logY))
            }
            let names = inputs.count <= 3 ? inputs.map(\.0).joined(separator: " vs ") : "\(inputs.count) schedules"
            let title = names + (runLog.map { inputs.isEmpty ? $0 : " (\($0))" } ?? "")
            if let out {
                let rows = (panels.count + columns - 1) / columns
                let chart = SVGChart(width: width ?? (columns > 1 ? 1200 : 900),
                                     height: height ?? (columns > 1 ? 60 + 260 * rows : panels.count > 1 ? 640 : 480), title: title)
                let svg = chart.render(panels, columns: columns)
                do { try AtomicFile.write(svg, to: out) } catch {
                    Stderr.print("\(error)")
                    throw ExitCode(1)
                }
                for r in runs where r.finishedAt != nil {
                    Stderr.print("note: \(r.name) finished at step \(r.finishedAt!)")
                }
                return
            }
            let color = isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            let chart = TerminalChart(width: width ?? terminalColumns(), height: height ?? 14, color: color)
            print(panels.map { chart.render($0) }.joined(separator: "\n"), terminator: "")
        }

        private func terminalColumns() -> Int {
            var w = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return min(Int(w.ws_col), 160) }
            return 72
        }
    }
}
