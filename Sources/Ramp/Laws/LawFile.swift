import Foundation

/// law.json: the law, its parameters, the runs it was fitted on and the fit's residuals.
/// A prediction reads back the range the runs covered, to say when it goes beyond it.
public struct LawFile: Sendable {
    public var law: LossLaw
    public struct Run: Sendable {
        public var program, fingerprint, log: String
        public var firstStep, lastStep, steps: Int
        public var peak: Double
        public var metrics: LawMetrics
        public var residuals: [Double]
    }
    public var runs: [Run]
    public var huber: Double

    public init(_ fit: LawFit) {
        law = fit.law
        huber = fit.huber
        runs = zip(fit.runs, zip(fit.metrics, fit.residuals)).map { run, mr in
            Run(
                program: run.program, fingerprint: run.fingerprint, log: run.log.name,
                firstStep: run.log.steps.first!, lastStep: run.log.steps.last!, steps: run.table.count,
                peak: run.table.peak, metrics: mr.0, residuals: mr.1)
        }
    }

    /// The fitted runs' last step (of their programs, else of their logs), and their highest peak rate.
    public var fittedSteps: Int { runs.map { $0.steps > 0 ? $0.steps - 1 : $0.lastStep }.max() ?? 0 }
    public var fittedPeak: Double { runs.map(\.peak).max() ?? 0 }

    /// Why a prediction of `table` over its steps leaves the fitted range, or nil.
    public func outsideRange(_ table: RateTable) -> String? {
        if runs.isEmpty { return nil }
        var notes: [String] = []
        if table.count - 1 > fittedSteps {
            notes.append("it runs to step \(table.count - 1), past the fitted runs' last step \(fittedSteps)")
        }
        if table.peak > fittedPeak * (1 + 1e-9) {
            notes.append("its peak rate \(table.peak) is above the highest fitted peak \(fittedPeak)")
        }
        return notes.isEmpty ? nil : "outside the range the law was fitted on: " + notes.joined(separator: "; ")
    }

    /// `ramp law predict --format json`: the law, the note when outside its range, and each step's loss.
    public func predictionJSON(_ losses: [Double], note: String?) -> String {
        let rows = losses.enumerated().map { "{\"step\":\($0),\"loss\":\(NonFinite.json($1))}" }
        return "{\"law\":\(JSONValue.quote(law.kind.rawValue)),\"note\":\(note.map(JSONValue.quote) ?? "null"),"
            + "\"losses\":[\n" + rows.joined(separator: ",\n") + "\n]}\n"
    }

    public func render() -> String {
        let names = law.kind.parameterNames
        let doc = JSONValue.object([
            ("law", .string(law.kind.rawValue)),
            ("parameters", .object(zip(names, law.parameters).map { ($0, .number($1)) })),
            ("huber", .number(huber)),
            (
                "runs",
                .array(
                    runs.map { r in
                        .object([
                            ("program", .string(r.program)), ("fingerprint", .string(r.fingerprint)),
                            ("log", .string(r.log)),
                            ("steps", .number(Double(r.steps))), ("first_step", .number(Double(r.firstStep))),
                            ("last_step", .number(Double(r.lastStep))), ("peak", .number(r.peak)),
                            ("r2", .number(r.metrics.r2)), ("mae", .number(r.metrics.mae)),
                            ("rmse", .number(r.metrics.rmse)),
                            ("pred_e", .number(r.metrics.predE)), ("worst_e", .number(r.metrics.worstE)),
                            ("residuals", .array(r.residuals.map { .number($0) })),
                        ])
                    })
            ),
        ])
        return doc.render() + "\n"
    }

    public static func load(path: String) throws(LawError) -> LawFile {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw LawError("\(path): cannot read the file")
        }
        return try parse(text, name: path)
    }

    /// Reads law.json; each error is shown at its place in the file, with its line and a caret.
    public static func parse(_ text: String, name: String) throws(LawError) -> LawFile {
        let doc: JSONValue
        do { doc = try JSONValue.parse(text) } catch {
            throw LawError(located(name, text, offset: error.offset, .lawNotJSON(error.message)))
        }
        guard case .string(let k)? = doc["law"], let kind = LawKind(rawValue: k) else {
            throw LawError(located(name, text, key: "law", .lawKind(LawKind.allCases.map(\.rawValue))))
        }
        var params: [Double] = []
        for p in kind.parameterNames {
            guard let x = doc["parameters"]?[p]?.number, x.isFinite else {
                let at = doc["parameters"]?[p] == nil ? "parameters" : p
                throw LawError(located(name, text, key: at, .lawParameter(p)))
            }
            params.append(x)
        }
        var file = LawFile(law: LossLaw(kind, params), runs: [], huber: doc["huber"]?.number ?? .nan)
        if case .array(let runs)? = doc["runs"] {
            for r in runs {
                func num(_ k: String) -> Double { r[k]?.number ?? .nan }
                func str(_ k: String) -> String { if case .string(let s)? = r[k] { return s } else { return "" } }
                var residuals: [Double] = []
                if case .array(let xs)? = r["residuals"] { residuals = xs.compactMap(\.number) }
                let metrics = LawMetrics(
                    r2: num("r2"), mae: num("mae"), rmse: num("rmse"), predE: num("pred_e"),
                    worstE: num("worst_e"))
                /// A step count as a whole number a run can have; a huge or fractional one is not.
                func step(_ k: String) -> Int? {
                    let x = num(k)
                    return x >= 0 && x <= 1e15 && x == x.rounded() ? Int(x) : nil
                }
                guard let lastStep = step("last_step"), num("peak").isFinite else {
                    throw LawError(located(name, text, key: "runs", .lawRun))
                }
                file.runs.append(
                    Run(
                        program: str("program"), fingerprint: str("fingerprint"), log: str("log"),
                        firstStep: step("first_step") ?? 0, lastStep: lastStep, steps: step("steps") ?? 0,
                        peak: num("peak"), metrics: metrics, residuals: residuals))
            }
        }
        return file
    }

    init(law: LossLaw, runs: [Run], huber: Double) {
        self.law = law
        self.runs = runs
        self.huber = huber
    }
}

extension LawFile {
    /// `ramp diff A B --law`: each schedule's predicted final loss, which is lower and by how much, and a
    /// note for a schedule outside the fitted range.
    public func compareFinalLosses(_ a: (String, CompiledProgram), _ b: (String, CompiledProgram), steps: Int)
        throws(LawError) -> String
    {
        let ta = try RateTable(a.1, steps: steps)
        let tb = try RateTable(b.1, steps: steps)
        let la = law.predict(ta, at: [steps - 1])[0]
        let lb = law.predict(tb, at: [steps - 1])[0]
        let five = { (x: Double) in String(format: "%.5f", x) }
        var lines = ["predicted final loss (step \(steps - 1)): \(a.0) \(five(la)), \(b.0) \(five(lb))"]
        if la == lb {
            lines.append("the same predicted final loss")
        } else {
            lines.append("\(la < lb ? a.0 : b.0) is predicted lower by \(five(abs(la - lb)))")
        }
        for (name, table) in [(a.0, ta), (b.0, tb)] {
            if let note = outsideRange(table) { lines.append("note: \(name): \(note)") }
        }
        return lines.joined(separator: "\n")
    }
}
