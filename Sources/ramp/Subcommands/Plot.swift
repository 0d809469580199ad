import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot schedules: in the terminal, or as SVG with --out.",
            discussion:
                "Several programs are overlaid. Phase boundaries come from the scheduler; with --metrics, the step "
                + "where a plateau ended a phase is marked.\n\nExit status: 0; 1 a program, run log or metrics "
                + "file cannot be read or checked, or the chart cannot be written; 64 a misused option."
        )

        @Argument(help: "Program files to overlay.")
        var files: [String] = []

        @Option(
            name: [.customShort("e"), .customLong("expression")], help: "Program source given inline (repeatable).")
        var sources: [String] = []

        @Option(
            help: ArgumentHelp(
                "How many steps to plot (default: the schedule's length, or 100; at most 10,000,000, and at most "
                    + "10,000,000 values: steps times the parts of the schedules)."))
        var steps: Int?

        @Option(help: "A file with one metric per line; line i is observed at the end of step i.")
        var metrics: String?

        @Option(
            name: .customLong("signal"),
            help: "Raise a signal during a step: NAME@STEP, such as cooldown@40 (repeatable).")
        var signals: [String] = []

        @Option(help: "Write an SVG chart here instead of drawing in the terminal; - writes it to standard output.")
        var out: String?

        @Option(name: .customLong("run"), help: "A `ramp run --log` CSV: adds a panel with its loss and metric.")
        var runLog: String?

        @Option(help: "A law from `ramp law fit`: adds a panel with each schedule's predicted loss.")
        var law: String?

        @Flag(help: "Logarithmic y axis.")
        var logY = false

        @Option(
            name: .customLong("x"),
            help: "What the x axis counts: steps, epochs, samples or tokens (from the program's settings).")
        var xUnit = "steps"

        @Option(
            help: ArgumentHelp(
                "Width: characters in the terminal (20 to 1,000), pixels in SVG (100 to 10,000; a chart of "
                    + "many curves draws each through fewer columns, 250,000 in all)."))
        var width: Int?

        @Option(help: "Height: rows in the terminal (4 to 500), pixels in SVG (100 to 10,000).")
        var height: Int?

        @Option(help: "Override the programs' base learning rate.")
        var base: Double?

        func validate() throws {
            if files.isEmpty && sources.isEmpty && runLog == nil {
                throw ValidationError("give at least one FILE, -e SOURCE or --run LOG")
            }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
            do { try PlotLimits.check(steps: steps, width: width, height: height, svg: out != nil) } catch {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            var inputs: [(String, ProgramText)] = []
            for path in files { inputs.append((path, try ProgramFile.load(path))) }
            for src in sources {
                inputs.append((PlotLimits.title(of: src), .source(SourceFile(name: "<expression>", text: src))))
            }
            let metricValues = try metrics.map(Metrics.read) ?? []
            var programs: [(name: String, program: CompiledProgram)] = []
            for (name, file) in inputs { programs.append((name, try ProgramFile.compile(file, base: base))) }
            var log: (name: String, log: RunLog)?
            if let run = runLog {
                guard let data = FileManager.default.contents(atPath: run),
                    let parsed = RunLog.parse(String(decoding: data, as: UTF8.self))
                else {
                    Stderr.print("\(run): error: not a `ramp run --log` CSV (it needs a `step` column)")
                    throw ExitCode(1)
                }
                log = (run, parsed)
            }
            let axis: XAxis
            do { axis = try Commands.xAxis(xUnit, programs.map(\.program)) } catch {
                Stderr.print("error: \(error.description)")
                throw ExitCode(1)
            }
            let raised = try SignalOption.parse(signals, for: programs.map(\.program))
            if let steps {
                do { try StepLimit.check(steps: steps, of: programs.map(\.program)) } catch {
                    Stderr.print("error: \(error.description)")
                    throw ExitCode.validationFailure
                }
            }
            let steps = PlotLimits.defaultSteps(steps, horizons: programs.map(\.program.suggestedHorizon)) {
                Stderr.print($0)
            }.map { StepLimit.capped($0, of: programs.map(\.program)) { Stderr.print($0) } }
            var lawFile: LawFile?
            if let law {
                do { lawFile = try LawFile.load(path: law) } catch {
                    Stderr.print(error.printed)
                    throw ExitCode(1)
                }
            }
            let plot = Commands.plot(
                programs, steps: steps, metrics: metricValues, signals: raised, runLog: log, logY: logY, x: axis,
                law: lawFile)
            for note in plot.lawNotes { Stderr.print(note) }
            if let out {
                let svg = plot.svg(width: width, height: height)
                if out == "-" {
                    print(svg, terminator: "")
                } else {
                    do { try AtomicFile.write(svg, to: out) } catch {
                        Stderr.print("\(error)")
                        throw ExitCode(1)
                    }
                }
                for note in plot.finishedNotes { Stderr.print(note) }
                return
            }
            let color = isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            print(plot.terminal(width: width ?? terminalColumns(), height: height ?? 14, color: color), terminator: "")
        }

        private func terminalColumns() -> Int {
            var w = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return min(Int(w.ws_col), 160) }
            return 72
        }
    }
}
