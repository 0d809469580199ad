/// `ramp diff A B`: where two schedules differ, as numbers and as a chart.
extension Commands {
    /// How two schedules compare over the same steps, fed the same events.
    public struct Diff: Sendable {
        /// The largest differences of one output, with the steps they are at.
        public struct OutputDifference: Sendable, Hashable {
            public var name: String
            public var absolute: Double
            public var absoluteAt: Int
            /// |a - b| / max(|a|, |b|): 1 where one of them is 0 and the other is not.
            public var relative: Double
            public var relativeAt: Int
        }
        public var steps: Int
        /// The first step at which any output differs, with that output's two values.
        public var first: (step: Int, output: String, a: Double?, b: Double?)?
        public var outputs: [OutputDifference]
        /// Outputs that only one of the programs schedules.
        public var onlyIn: [(name: String, program: String)]
        public var finished: (a: Int?, b: Int?)
        /// The steps from the first difference to the last.
        public var span: ClosedRange<Int>?

        public var identical: Bool { first == nil && onlyIn.isEmpty && finished.a == finished.b }

        /// The report, one fact a line.
        public func text(_ a: String, _ b: String) -> String {
            guard !identical else { return "\(a) and \(b) give the same schedule over \(steps) steps" }
            var lines: [String] = []
            if let f = first {
                let value = { (v: Double?) in v.map(fmt) ?? "none (finished)" }
                lines.append(
                    "first difference at step \(f.step): \(f.output) is \(value(f.a)) in \(a), \(value(f.b)) in \(b)")
            }
            if let span { lines.append("they differ from step \(span.lowerBound) to step \(span.upperBound)") }
            for o in outputs where o.absolute > 0 || o.absolute.isNaN {
                lines.append(
                    "\(o.name): largest absolute difference \(fmt(o.absolute)) at step \(o.absoluteAt), largest "
                        + "relative \(fmt(o.relative)) at step \(o.relativeAt)"
                )
            }
            for (name, p) in onlyIn { lines.append("\(name) is scheduled only by \(p == "a" ? a : b)") }
            if finished.a != finished.b {
                let end = { (f: Int?) in f.map { "finishes at step \($0)" } ?? "is still running at step \(steps)" }
                lines.append("\(a) \(end(finished.a)); \(b) \(end(finished.b))")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs both programs for `steps` steps, fed the same metrics and signals
    /// (each program the signals it knows), and compares every output they share.
    public static func diff(
        _ a: CompiledProgram, _ b: CompiledProgram, steps: Int, metrics: [Double?] = [],
        signals: [EventLog.SignalEvent] = []
    ) -> Diff {
        func trace(_ p: CompiledProgram) -> (values: [String: [Double?]], finished: Int?) {
            var values: [String: [Double?]] = [:]
            let names = ["lr"] + (p.momentum == nil ? [] : ["momentum"]) + p.outputs.map(\.name)
            let end = Table.generate(
                p, steps: steps, metrics: metrics, signals: signals.filter { p.signals.contains($0.name) }
            ) { row in
                values["lr", default: []].append(row.lr)
                if let m = row.momentum { values["momentum", default: []].append(m) }
                for (o, v) in zip(p.outputs, row.values) { values[o.name, default: []].append(v) }
            }
            // A finished schedule has no value past its end.
            for n in names {
                values[n, default: []] += Array(repeating: nil, count: max(0, steps - (values[n]?.count ?? 0)))
            }
            return (values, end.finishedAt)
        }
        let (ta, tb) = (trace(a), trace(b))
        let shared = ta.values.keys.filter { tb.values[$0] != nil }.sorted {
            ($0 == "lr" ? "" : $0) < ($1 == "lr" ? "" : $1)
        }
        var first: (step: Int, output: String, a: Double?, b: Double?)?
        var last: Int?
        var outputs: [Diff.OutputDifference] = []
        for name in shared {
            let xs = ta.values[name]!
            let ys = tb.values[name]!
            var d = Diff.OutputDifference(name: name, absolute: 0, absoluteAt: 0, relative: 0, relativeAt: 0)
            for i in 0..<steps {
                let x = xs[i]
                let y = ys[i]
                let same = x == y || (x?.isNaN == true && y?.isNaN == true)
                guard !same else { continue }
                if first == nil || i < first!.step { first = (i, name, x, y) }
                last = max(last ?? i, i)
                guard let x, let y else { continue }
                let abs = Swift.abs(x - y)
                let rel = abs / Swift.max(Swift.abs(x), Swift.abs(y))
                if abs > d.absolute || (abs.isNaN && !d.absolute.isNaN) {
                    d.absolute = abs
                    d.absoluteAt = i
                }
                if rel > d.relative {
                    d.relative = rel
                    d.relativeAt = i
                }
            }
            outputs.append(d)
        }
        let onlyIn =
            ta.values.keys.filter { tb.values[$0] == nil }.sorted().map { ($0, "a") }
            + tb.values.keys.filter { ta.values[$0] == nil }.sorted().map { ($0, "b") }
        return Diff(
            steps: steps, first: first, outputs: outputs, onlyIn: onlyIn, finished: (ta.finished, tb.finished),
            span: first.map { $0.step...(last ?? $0.step) })
    }
}
