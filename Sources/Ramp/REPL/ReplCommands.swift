import Foundation

/// The REPL's `:` commands.
extension ReplEngine {
    public struct CommandSpec: Sendable {
        public var name: String
        public var usage: String
        public var help: String
    }

    public static let commands: [CommandSpec] = [
        CommandSpec(name: "help", usage: ":help [topic]", help: "this list, or a builtin's parameters (:help cosine)"),
        CommandSpec(name: "at", usage: ":at STEP...", help: "the rate at the given steps, without metrics"),
        CommandSpec(name: "table", usage: ":table A..B [by K]", help: "the rate from step A to B"),
        CommandSpec(name: "plot", usage: ":plot [steps]", help: "a chart of the current schedule"),
        CommandSpec(
            name: "step", usage: ":step [N] [metric M]", help: "advance the live scheduler N steps, feeding M at each"),
        CommandSpec(name: "feed", usage: ":feed m1 m2 ...", help: "advance one step per metric"),
        CommandSpec(
            name: "signal", usage: ":signal NAME",
            help:
                "raise a signal during the live scheduler's current step (a phase `until signal(NAME)` ends when the "
                + "step does)"
        ),
        CommandSpec(name: "reset", usage: ":reset", help: "put the live scheduler back at step 0"),
        CommandSpec(
            name: "explain", usage: ":explain", help: "the phases with resolved parameters, and the native Ramp"),
        CommandSpec(
            name: "compile", usage: ":compile json|csv [steps]|table-json [steps]|python|jax|keras [FILE]",
            help:
                "the current schedule as Ramp IR, a table, or a Python, JAX or Keras module (printed, or written to "
                + "FILE)"
        ),
        CommandSpec(name: "show", usage: ":show", help: "the session's settings, definitions and schedule"),
        CommandSpec(name: "load", usage: ":load FILE", help: "run a .ramp file in the session"),
        CommandSpec(name: "save", usage: ":save FILE", help: "write the session as a .ramp file"),
        CommandSpec(name: "set", usage: ":set NAME VALUE", help: "a setting: base, steps_per_epoch or total"),
        CommandSpec(
            name: "law", usage: ":law [FILE|off]",
            help: "show each schedule's predicted final loss under a law from `ramp law fit` (alone: which law)"),
        CommandSpec(name: "quit", usage: ":quit", help: "leave (Ctrl-D too)"),
    ]

    /// Runs a `:` command.
    mutating func command(_ line: String) -> Reply {
        let words = line.dropFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = words.first else { return error("an empty command; try :help") }
        let args = Array(words.dropFirst())
        let rest = line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        switch name {
        case "help", "h", "?": return Reply(output: help(args.first), isError: false)
        case "quit", "q", "exit":
            wantsQuit = true
            return Reply(output: "", isError: false)
        case "load": return load(rest)
        case "law": return loadLaw(rest)
        case "save": return save(rest)
        case "set":
            guard args.count >= 2 else { return error("usage: :set NAME VALUE, such as :set base 0.1") }
            guard Builtins.statementNames.settings.contains(args[0]) else {
                return error(
                    "'\(args[0])' is not a "
                        + "setting\(suggestion(for: args[0], among: Array(Builtins.statementNames.settings))); the "
                        + "settings are base, steps_per_epoch and total"
                )
            }
            return evaluate(args.joined(separator: " "), name: "<repl>")
        case "show":
            let lines = definitions.map(\.source) + (scheduleSource.map { [$0] } ?? [])
            return Reply(output: lines.isEmpty ? "(empty session)" : lines.joined(separator: "\n"), isError: false)
        default: break
        }
        guard let program else {
            if ReplEngine.commands.contains(where: { $0.name == name }) {
                return error("no schedule yet: type one, such as cosine(T=100)")
            }
            return unknown(name)
        }
        switch name {
        case "at": return at(args, program)
        case "table": return table(args, program)
        case "plot":
            let steps = args.first.flatMap { Int($0) } ?? program.suggestedHorizon
            guard steps >= 1, steps <= 10_000_000 else {
                return error(":plot takes a number of steps from 1 to 10000000")
            }
            do { try StepLimit.check(steps: steps, of: [program], asked: ":plot \(steps)") } catch {
                return self.error(error.description)
            }
            // The legend names the schedule as `ramp plot -e` does.
            let name = scheduleSource.flatMap { $0.count <= 40 ? $0 : nil } ?? "schedule"
            let plot = Commands.plot([(name: name, program: program)], steps: steps, law: law?.file)
            return Reply(chart: plot.terminal(width: 72, height: 12, color: color).replacingTrailingNewline())
        case "step": return step(args)
        case "signal":
            guard args.count == 1 else { return error("usage: :signal NAME, such as :signal cooldown") }
            guard var s = live else { return error("no schedule yet") }
            do throws(UnknownSignal) { try s.signal(args[0]) } catch { return self.error(error.description) }
            live = s
            return Reply(
                output: "raised '\(args[0])' during step \(s.step); it is seen when the step ends (:step)",
                isError: false)
        case "feed":
            var metrics: [Double] = []
            for a in args {
                guard let m = ReplEngine.parseNumber(a) else { return error("'\(a)' is not a number") }
                metrics.append(m)
            }
            guard !metrics.isEmpty else { return error("usage: :feed m1 m2 ..., one metric per step") }
            return advance(metrics.map { Optional($0) })
        case "reset":
            live = Scheduler(program)
            return Reply(output: "reset to step 0: " + state(), isError: false)
        case "explain": return Reply(output: Explain.text(program), isError: false)
        case "compile":
            switch args.first {
            case "json": return compiled(.json, steps: 0)
            case "csv", "table-json":
                let steps = args.count > 1 ? Int(args[1]) : program.suggestedHorizon
                guard let steps, steps >= 0, steps <= 100_000 else {
                    return error(":compile \(args[0]) takes a number of steps up to 100000")
                }
                guard !program.usesMetric else {
                    return error("this schedule reacts to a metric; its table depends on the metrics fed (see :step)")
                }
                do { try StepLimit.check(steps: steps, of: [program], asked: ":compile \(args[0]) \(steps)") } catch {
                    return self.error(error.description)
                }
                return compiled(Commands.CompileTarget(rawValue: args[0])!, steps: steps)
            case "python", "jax", "keras":
                let target = Commands.CompileTarget(rawValue: args[0])!
                let reply = compiled(target, steps: 0)
                guard !reply.isError else { return reply }
                let module = reply.output + "\n"
                guard args.count > 1 else { return Reply(output: module.replacingTrailingNewline(), isError: false) }
                let path = rest.dropFirst(args[0].count).trimmingCharacters(in: .whitespaces)
                do {
                    try AtomicFile.write(module, to: path)
                } catch {
                    return self.error("cannot write \(path): \((error as? AtomicFile.Failure)?.reason ?? "\(error)")")
                }
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                return Reply(
                    output: "wrote \(path): `from \(name) import \(target == .jax ? "schedule" : "Schedule")`",
                    isError: false)
            default: return error("usage: :compile json|csv [steps]|table-json [steps]|python|jax|keras [FILE]")
            }
        default: return unknown(name)
        }
    }

    func error(_ message: String) -> Reply { Reply(output: "error: " + message, isError: true) }

    /// `:compile`: what `ramp compile --to TARGET` writes, shown without its last newline.
    func compiled(_ target: Commands.CompileTarget, steps: Int) -> Reply {
        guard let program else { return error("no schedule yet: type one, such as cosine(T=100)") }
        var out = Output.inMemory()
        do { try Commands.compile(program, to: target, steps: steps, into: &out) } catch {
            return self.error("\(error)")
        }
        return Reply(output: out.text.replacingTrailingNewline(), isError: false)
    }

    func unknown(_ name: String) -> Reply {
        error("unknown command ':\(name)'\(suggestion(for: name, among: ReplEngine.commands.map(\.name))); try :help")
    }

    static func parseNumber(_ s: String) -> Double? {
        if s.lowercased() == "nan" { return .nan }
        return Double(s)
    }

    func help(_ topic: String?) -> String {
        if let topic {
            if let b = Builtins.lookup(topic) {
                return
                    ([b.signature, "  " + b.doc] + b.params.map { "  \($0.name): \($0.type.description); \($0.doc)" })
                    .joined(separator: "\n")
            }
            if let d = Prelude.definition(topic) {
                return Prelude.signature(d.name, d.params) + (d.doc.isEmpty ? "" : "\n  " + d.doc)
            }
            if let c = ReplEngine.commands.first(where: { $0.name == topic || ":" + $0.name == topic }) {
                return "\(c.usage)\n  \(c.help)"
            }
            let names = Builtins.all.map(\.name) + Prelude.definitions.map(\.name)
            return "no help for '\(topic)'\(suggestion(for: topic, among: names))"
        }
        var lines = [
            "Type a schedule to make it current, such as:",
            "  warmup 5 then cosine(T=50) until plateau(patience 3)",
            "`let` and `def` stay for the session. Tab completes names, parameters and commands.",
            "Commands:",
        ]
        let width = ReplEngine.commands.map(\.usage.count).max() ?? 0
        for c in ReplEngine.commands {
            lines.append("  " + c.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + c.help)
        }
        lines.append(":help NAME shows a builtin's parameters; `ramp list` lists them all.")
        return lines.joined(separator: "\n")
    }

    func at(_ args: [String], _ program: CompiledProgram) -> Reply {
        var steps: [Int] = []
        for a in args {
            guard let n = Int(a), n >= 0 else { return error("'\(a)' is not a step (a whole number from 0)") }
            steps.append(n)
        }
        guard let last = steps.max() else { return error("usage: :at STEP..., such as :at 0 100 10000") }
        guard last <= 100_000_000 else { return error("steps up to 100000000 only") }
        var out: [String] = []
        let alone = program.momentum == nil && program.outputs.isEmpty
        if program.isClosedForm && alone {
            for s in steps { out.append("lr[\(s)] = \(ReplEngine.number(program.value(at: s)))") }
        } else {
            var sched = Scheduler(program)
            var values: [Int: (Double, Double?, [Double], Bool)] = [:]
            let wanted = Set(steps)
            for i in 0...last {
                if wanted.contains(i) { values[i] = (sched.lr, sched.momentum, sched.values, sched.finished) }
                sched.step()
            }
            for s in steps {
                let (lr, m, others, done) = values[s]!
                var line = "lr[\(s)] = \(ReplEngine.number(lr))"
                if let m { line += "  momentum = \(ReplEngine.number(m))" }
                for (o, v) in zip(program.outputs, others) { line += "  \(o.name) = \(ReplEngine.number(v))" }
                if done { line += "  (the schedule has finished; this is its last rate)" }
                out.append(line)
            }
        }
        if let d = program.duration, let over = steps.first(where: { $0 >= d }), program.isClosedForm, alone {
            out.append("note: the schedule finishes at step \(d); step \(over) shows its last rate")
        }
        if program.usesMetric { out.append("note: without metrics; use :step or :feed to drive it") }
        return Reply(output: out.joined(separator: "\n"), isError: false)
    }

    func table(_ args: [String], _ program: CompiledProgram) -> Reply {
        guard let range = args.first else { return error("usage: :table A..B [by K]") }
        let bounds = range.components(separatedBy: "..")
        guard bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a >= 0, b >= a else {
            return error("'\(range)' is not a range such as 0..100")
        }
        var by = 1
        if args.count >= 3, args[1] == "by" {
            guard let k = Int(args[2]), k >= 1 else { return error("'by' takes a whole number of at least 1") }
            by = k
        } else if args.count > 1 {
            return error("usage: :table A..B [by K]")
        }
        guard (b - a) / by < 10_000 else { return error("that is more than 10000 rows; use `by` or `ramp table`") }
        guard b <= 100_000_000 else { return error("steps up to 100000000 only") }
        do { try StepLimit.check(steps: b + 1, of: [program], asked: ":table \(range) (\(b + 1) steps)") } catch {
            return self.error(error.description)
        }
        var out = [TableRow.csvHeader(program)]
        var s = Scheduler(program)
        for i in 0...b {
            if i >= a, (i - a) % by == 0 {
                out.append(TableRow(step: i, lr: s.lr, momentum: s.momentum, values: s.values).csv)
            }
            s.step()
        }
        return Reply(output: out.joined(separator: "\n"), isError: false)
    }

    mutating func step(_ args: [String]) -> Reply {
        var n = 1
        var metric: Double?
        var i = 0
        if i < args.count, let k = Int(args[i]) {
            guard k >= 1, k <= 10_000_000 else { return error(":step takes from 1 to 10000000 steps") }
            n = k
            i += 1
        }
        if i < args.count {
            guard args[i] == "metric", i + 1 < args.count, let m = ReplEngine.parseNumber(args[i + 1]),
                i + 2 == args.count
            else {
                return error("usage: :step [N] [metric M]")
            }
            metric = m
        }
        return advance(Array(repeating: metric, count: n))
    }

    /// Steps the live scheduler, one metric (or none) per step, and reports.
    mutating func advance(_ metrics: [Double?]) -> Reply {
        guard var s = live else { return error("no schedule yet") }
        // The one reference while stepping: a second would make every step copy the growing log.
        live = nil
        let before = s.transitions.count
        for m in metrics { s.step(metric: m) }
        live = s
        var out: [String] = []
        for tr in s.transitions.dropFirst(before) {
            let why = tr.reason == .condition ? "its condition held" : "it ran its length"
            out.append("phase \(tr.phase + 1) ended at step \(tr.step): \(why)")
        }
        out.append(state())
        return Reply(output: out.joined(separator: "\n"), isError: false)
    }

    /// "step 12: lr = 0.093, momentum = 0.9"
    func state() -> String {
        guard let s = live else { return "" }
        var line = "step \(s.step): lr = \(ReplEngine.number(s.lr))"
        if let m = s.momentum { line += ", momentum = \(ReplEngine.number(m))" }
        for (o, v) in zip(s.program.outputs, s.values) { line += ", \(o.name) = \(ReplEngine.number(v))" }
        if s.finished { line += " (finished)" }
        return line
    }

    mutating func load(_ path: String) -> Reply {
        guard !path.isEmpty else { return error("usage: :load FILE") }
        let file: SourceFile
        do {
            let program = try ProgramText.load(path: path)
            if case .source(let f) = program {
                file = f
            } else {
                file = SourceFile(name: path, text: program.editableText)
            }
        } catch { return Reply(output: error.description, isError: true) }
        if let bad = file.invalidUTF8 {
            return Reply(output: DiagnosticPrinter.render(.error(.invalidUTF8, at: bad), in: file), isError: true)
        }
        let reply = evaluate(file.text, name: path)
        return reply.isError
            ? reply
            : Reply(output: "loaded \(path)" + (reply.output.isEmpty ? "" : "\n" + reply.output), isError: false)
    }

    /// `:law FILE` loads a law (a bad file leaves the session as it was), `:law off` drops it, `:law` names it.
    mutating func loadLaw(_ arg: String) -> Reply {
        switch arg {
        case "":
            guard let law else {
                return Reply(output: "no law loaded; :law FILE loads one (from ramp law fit)", isError: false)
            }
            return Reply(output: "law \(law.path): \(law.file.summary)", isError: false)
        case "off":
            let had = law != nil
            law = nil
            return Reply(
                output: had ? "law dropped: schedules are shown without a predicted loss" : "no law was loaded",
                isError: false)
        default:
            let file: LawFile
            do { file = try LawFile.load(path: arg) } catch { return Reply(output: error.printed, isError: true) }
            law = (arg, file)
            var lines = ["law \(arg): \(file.summary)"]
            if let program {
                let steps = max(1, ReplEngine.trace(program, steps: max(1, program.suggestedHorizon)).lr.count)
                lines += file.finalLossLines(program, steps: steps)
            }
            return Reply(output: lines.joined(separator: "\n"), isError: false)
        }
    }

    func save(_ path: String) -> Reply {
        guard !path.isEmpty else { return error("usage: :save FILE") }
        let raw = (definitions.map(\.source) + (scheduleSource.map { [$0] } ?? [])).joined(separator: "\n") + "\n"
        // Saved as `ramp fmt` lays it out; each part was checked when entered, so it parses.
        let text = (try? Formatter.format(SourceFile(name: path, text: raw))) ?? raw
        do {
            try AtomicFile.write(text, to: path)
        } catch {
            return self.error("cannot write \(path): \((error as? AtomicFile.Failure)?.reason ?? "\(error)")")
        }
        return Reply(output: "saved \(path)", isError: false)
    }
}

extension String {
    func replacingTrailingNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}
