import Foundation

/// The REPL without a terminal: lines in, text out. The command-line tool
/// puts a line reader in front of it (libedit on a terminal, plain lines on a
/// pipe); tests drive it directly.
public struct ReplEngine {
    /// What one complete input produced.
    public struct Reply: Sendable, Equatable {
        public var output: String
        public var isError: Bool

        /// Text for the terminal: a control character in it (from a name, a
        /// string or a loaded file) is shown as its escape, never obeyed.
        init(output: String, isError: Bool) {
            self.output = TerminalText.escaped(output)
            self.isError = isError
        }

        /// A chart: its colours are its own, and it escapes its labels itself.
        init(chart: String) {
            output = chart
            isError = false
        }
    }

    /// A session statement (setting, `let` or `def`) and the name it defines.
    struct Definition {
        var key: String
        var source: String
    }

    var definitions: [Definition] = []
    /// The current schedule's source, and the program it checked into.
    var scheduleSource: String?
    public internal(set) var program: CompiledProgram?
    /// The live scheduler that `:step` and `:feed` advance.
    public internal(set) var live: Scheduler?
    var pending = ""
    /// The loss-curve law `:law` loaded, and its path: each schedule shown gets its predicted final loss.
    public internal(set) var law: (path: String, file: LawFile)?
    let color: Bool
    let baseOverride: Double?
    public internal(set) var wantsQuit = false

    public init(color: Bool = false, base: Double? = nil) {
        self.color = color
        self.baseOverride = base
    }

    public var prompt: String { pending.isEmpty ? "ramp> " : "  ... " }

    /// The names the session has defined.
    public var sessionNames: [String] {
        definitions.map(\.key).filter { !$0.hasPrefix("setting:") && !$0.hasPrefix("output:") }
    }

    /// Takes one line. Returns nil while a multi-line input is incomplete.
    public mutating func feed(_ line: String) -> Reply? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix(":") {
            // A command ends an unfinished input, which is checked first: its
            // error is shown, never swallowed into the next lines.
            guard let open = finish() else { return command(trimmed) }
            var both = command(trimmed)
            // Both parts are already as the terminal shows them.
            both.output = [open.output, both.output].filter { !$0.isEmpty }.joined(separator: "\n")
            both.isError = open.isError || both.isError
            return both
        }
        pending += (pending.isEmpty ? "" : "\n") + line
        // An empty line ends an unfinished input, so an error can always be reached.
        if !line.trimmingCharacters(in: .whitespaces).isEmpty, ReplEngine.isIncomplete(pending) { return nil }
        let text = pending
        pending = ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return Reply(output: "", isError: false) }
        return evaluate(text, name: "<repl>")
    }

    /// Abandons a half-typed multi-line input (Ctrl-C).
    public mutating func cancel() { pending = "" }

    /// Checks an input left open (at the end of piped input, or before a
    /// command), so that what is wrong with it is said; nil when none is open.
    public mutating func finish() -> Reply? {
        guard !pending.isEmpty else { return nil }
        let text = pending
        pending = ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return nil }
        return evaluate(text, name: "<repl>")
    }

    /// True when the text so far cannot be a whole input: an open bracket, or
    /// a trailing `then`, operator or comma.
    public static func isIncomplete(_ text: String) -> Bool {
        guard let tokens = try? Lexer.tokenize(SourceFile(name: "", text: text)) else {
            return false
        }
        var depth = 0
        for t in tokens {
            switch t.kind {
            case .symbol(.lparen), .symbol(.lbracket), .symbol(.lbrace): depth += 1
            case .symbol(.rparen), .symbol(.rbracket), .symbol(.rbrace): depth -= 1
            default: break
            }
        }
        if depth > 0 { return true }
        guard let last = tokens.last(where: { $0.kind != .newline && $0.kind != .eof }) else { return false }
        switch last.kind {
        case .keyword(let k): return [.then, .until, .for, .and, .or, .not, .lambda, .let, .def].contains(k)
        case .symbol(let s):
            return [
                .plus, .minus, .star, .slash, .caret, .starStar, .comma, .assign, .colon,
                .less, .lessEqual, .greater, .greaterEqual, .equalEqual, .notEqual, .bar,
            ].contains(s)
        default: return false
        }
    }

    // MARK: - evaluation

    var sessionSource: String { definitions.map(\.source).joined(separator: "\n") }

    /// Checks `text` in the session: its definitions join the session, its
    /// schedule becomes the current one.
    mutating func evaluate(_ text: String, name: String) -> Reply {
        let input = SourceFile(name: name, text: text)
        let parsed: Program
        do {
            parsed = try Parser.parse(input, names: Builtins.statementNames)
        } catch {
            return Reply(output: DiagnosticPrinter.render(error, in: input), isError: true)
        }
        var added: [Definition] = []
        var schedule: String?
        for st in parsed.statements {
            let source = input.slice(st.range)
            switch st.kind {
            case .setting(let n, _): added.append(Definition(key: "setting:" + n, source: source))
            case .binding(let n, _), .definition(let n, _, _): added.append(Definition(key: n, source: source))
            // An output other than the rate joins the session beside the schedule, which a new one replaces.
            case .output(let n, _) where n != "lr": added.append(Definition(key: "output:" + n, source: source))
            case .group(let key, let n, _, _): added.append(Definition(key: "output:\(n)[\(key)]", source: source))
            case .output, .expression: schedule = source
            }
        }
        // A name defined again replaces its old definition.
        let replaced = Set(added.map(\.key))
        let kept = definitions.filter { !replaced.contains($0.key) }
        let prefix = kept.map(\.source).joined(separator: "\n")
        let offset = prefix.isEmpty ? 0 : prefix.utf8.count + 1
        let combined = SourceFile(name: name, text: prefix.isEmpty ? text : prefix + "\n" + text)
        do {
            if schedule != nil {
                let p = try Compiler.compile(combined, options: CheckOptions(base: baseOverride))
                definitions = kept + added
                scheduleSource = schedule
                program = p
                live = Scheduler(p)
                return Reply(output: summary(p), isError: false)
            }
            _ = try Compiler.checkStatements(combined, options: CheckOptions(base: baseOverride))
        } catch {
            // The line typed is shown as itself; notes may point into earlier definitions.
            func show(_ d: Diagnostic) -> String {
                d.range.start >= offset
                    ? DiagnosticPrinter.single(d.shifted(by: -offset), in: input)
                    : DiagnosticPrinter.single(d, in: combined)
            }
            let shown = error.diagnostics.flatMap { ([$0] + $0.notes).map(show) }
            return Reply(output: shown.joined(separator: "\n"), isError: true)
        }
        definitions = kept + added
        var out = added.map { describeDefinition($0) }
        if let s = scheduleSource {
            // Settings and definitions may change the current schedule.
            do {
                let p = try Compiler.compile(
                    SourceFile(name: name, text: sessionSource + "\n" + s), options: CheckOptions(base: baseOverride))
                program = p
                live = Scheduler(p)
            } catch {
                out.append("note: the current schedule no longer checks: \(error.diagnostics.first?.message ?? "")")
            }
        }
        return Reply(output: out.joined(separator: "\n"), isError: false)
    }

    func describeDefinition(_ d: Definition) -> String {
        if d.key.hasPrefix("setting:") { return d.source }
        if d.key.hasPrefix("output:") {
            return scheduleSource == nil ? "\(d.source)  (type a learning-rate schedule to run it with)" : d.source
        }
        return d.source.hasPrefix("def ")
            ? "defined \(d.key)"
            : "\(d.key) = "
                + (d.source.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
                    ?? "")
    }

    // MARK: - summaries

    /// Phases, a sparkline over the schedule's horizon, and the rate at a few steps.
    public func summary(_ p: CompiledProgram) -> String {
        var lines: [String] = []
        let phases = p.lr.phases.map { ph -> String in
            var s = ReplEngine.short(Describe.compact(ph.body, base: p.settings.base, own: ph.entry?.output), 56)
            if let l = ph.entry?.length {
                s += " for " + Describe.expr(l, own: ph.entry?.output)
            } else if ph.explicitBound, let b = ph.bound {
                s += " for \(b)"
            }
            if let c = ph.condition { s += " until " + shortLabel(c) }
            return s
        }
        lines.append(phases.count == 1 ? phases[0] : "\(phases.count) phases: " + phases.joined(separator: " → "))
        let horizon = max(1, p.suggestedHorizon)
        let trace = ReplEngine.trace(p, steps: horizon)
        lines.append(
            ReplEngine.sparkline(trace.lr, width: 48) + "  steps 0–\(trace.lr.count - 1)"
                + (trace.finishedAt.map { ", finished at \($0)" } ?? ""))
        let n = trace.lr.count
        let picks = Array(Set([0, n / 4, n / 2, 3 * n / 4, n - 1])).sorted()
        lines.append(picks.map { "lr[\($0)] = \(ReplEngine.number(trace.lr[$0]))" }.joined(separator: "  "))
        if let m = trace.momentum {
            lines.append(picks.map { "momentum[\($0)] = \(ReplEngine.number(m[$0]))" }.joined(separator: "  "))
        }
        if !p.outputs.isEmpty {
            let rows = Table.rows(p, steps: n)
            for (i, o) in p.outputs.enumerated() where rows.count == n {
                lines.append(
                    picks.map { "\(o.name)[\($0)] = \(ReplEngine.number(rows[$0].values[i]))" }.joined(separator: "  "))
            }
        }
        if let law { lines += law.file.finalLossLines(p, steps: n) }
        if p.readsMetric { lines.append("metric-driven: feed metrics with :step or :feed") }
        if !p.signals.isEmpty {
            lines.append(
                "waits for " + p.signals.map { "'\($0)'" }.joined(separator: ", ")
                    + ": raise one with :signal NAME, then :step")
        }
        return lines.joined(separator: "\n")
    }

    /// The rates without metrics, up to `steps` or until the schedule finishes.
    static func trace(_ p: CompiledProgram, steps: Int) -> (lr: [Double], momentum: [Double]?, finishedAt: Int?) {
        let rows = Table.rows(p, steps: steps)
        let end = rows.count < steps ? rows.count : nil
        // A schedule that finishes at once still shows the rate it holds.
        if rows.isEmpty {
            let s = Scheduler(p)
            return ([s.lr], s.momentum.map { [$0] }, end)
        }
        return (rows.map(\.lr), p.momentum == nil ? nil : rows.compactMap(\.momentum), end)
    }

    static func sparkline(_ values: [Double], width: Int) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        guard let lo = values.min(), let hi = values.max(), !values.isEmpty else { return "" }
        let cells = min(width, values.count)
        return String(
            (0..<cells).map { c -> Character in
                let a = c * values.count / cells
                let b = max(a + 1, (c + 1) * values.count / cells)
                let v = values[a..<b].max()!
                let u = hi > lo ? (v - lo) / (hi - lo) : 0.5
                return bars[min(7, Int(u * 7.999))]
            })
    }

    static func number(_ x: Double) -> String {
        if x == 0 { return "0" }
        return String(format: "%.6g", x)
    }

    static func short(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
