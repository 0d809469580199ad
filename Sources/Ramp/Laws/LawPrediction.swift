import Foundation

/// A law's prediction for one schedule: the loss at every step, and why it leaves the range the law was
/// fitted on, if it does. `ramp law predict`, `ramp plot --law`, the REPL's `:law` and the Python package
/// all read it from here, so each says the same thing about the same schedule.
public struct LawPrediction: Sendable, Equatable {
    public var losses: [Double]
    public var note: String?
}

extension LawFile {
    /// The predicted loss at every step of `table`, with the out-of-range note.
    public func predict(_ table: RateTable) -> LawPrediction {
        LawPrediction(losses: law.predictAll(table), note: outsideRange(table))
    }

    /// The predicted loss at every one of `steps` steps of `program`.
    public func predict(_ program: CompiledProgram, steps: Int) throws(LawError) -> LawPrediction {
        predict(try RateTable(program, steps: steps))
    }

    /// The predicted loss at the last of `steps` steps alone (O(the steps where the rate changes)), and the
    /// out-of-range note.
    public func predictFinal(_ program: CompiledProgram, steps: Int) throws(LawError) -> (
        loss: Double, note: String?
    ) {
        let table = try RateTable(program, steps: steps)
        return (law.predict(table, at: [steps - 1])[0], outsideRange(table))
    }

    /// What the REPL shows under a schedule: its predicted final loss over `steps` steps and the note when
    /// it is outside the fitted range, or why there is no prediction.
    public func finalLossLines(_ program: CompiledProgram, steps: Int) -> [String] {
        do {
            let (loss, note) = try predictFinal(program, steps: steps)
            return ["predicted final loss (step \(steps - 1)): " + String(format: "%.5f", loss)]
                + (note.map { ["note: " + $0] } ?? [])
        } catch {
            return ["no predicted loss: \(error.description)"]
        }
    }

    /// The first step a chart draws the prediction from: the fitted runs' first logged step, or without
    /// them the end of the warmup (the first step at the peak rate). Before it, S1 is near 0 and the law's
    /// power term, A·S1^(−α), runs off to infinity: no run was fitted there.
    public func firstDrawnStep(_ rates: [Double]) -> Int {
        if let first = runs.map(\.firstStep).filter({ $0 > 0 }).min() { return first }
        guard let peak = rates.max() else { return 0 }
        return rates.firstIndex(of: peak) ?? 0
    }

    /// One line naming the law, its parameters and the range it was fitted on.
    public var summary: String {
        let params = zip(law.kind.parameterNames, law.parameters).map { "\($0) = \($1)" }.joined(separator: ", ")
        let range =
            runs.isEmpty
            ? "no fitted runs recorded, so no range to check"
            : "fitted on \(runs.count) run\(runs.count == 1 ? "" : "s") up to step \(fittedSteps), "
                + "peak \(fittedPeak)"
        return "\(law.kind.rawValue) law (\(params)); \(range)"
    }
}

extension LawFile {
    /// The error at the byte `offset` of a law file or loss log, as every Ramp error is shown: located, then its
    /// line with a caret under the place.
    static func located(_ name: String, _ text: String, offset: Int, _ message: DiagnosticMessage) -> String {
        let file = SourceFile(name: name, text: text)
        let at = min(max(0, offset), file.bytes.count)
        return DiagnosticPrinter.render(.error(message, at: SourceRange(at, min(at + 1, file.bytes.count))), in: file)
    }

    /// The error at the first `"key"` in `text`, or at its start when it has none.
    static func located(_ name: String, _ text: String, key: String, _ message: DiagnosticMessage) -> String {
        guard let r = text.utf8.firstRange(of: Array(JSONValue.quote(key).utf8)) else {
            return located(name, text, offset: 0, message)
        }
        return located(name, text, offset: text.utf8.distance(from: text.utf8.startIndex, to: r.lowerBound), message)
    }
}

extension LawFile {
    /// `ramp law predict --steps`: at least one step, and no more than a search covers.
    public static func checkSteps(_ steps: Int) throws(LawError) {
        guard (1...ScheduleSearch.maxSteps).contains(steps) else {
            throw LawError(.optionSteps(ScheduleSearch.maxSteps))
        }
    }
}
