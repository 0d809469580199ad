import Foundation
import Testing

@testable import Ramp

/// The law's tools: `ramp plot --law`, the REPL's `:law`, law.json's located errors, and the note a
/// prediction outside the fitted range carries everywhere. Expected losses are the README's, from the
/// paper's published 25M parameters: 3.31519 for cosine_24000 and 3.26626 for wsd_20000_24000 at step 23,999.
enum PublishedLaw {
    static let parameters = """
        "parameters": {"L0": 3.04045406, "A": 0.52468604, "alpha": 0.50786857, "B": 363.78751622,
          "C": 2.06560812, "beta": 0.58279013, "gamma": 0.64142257}
        """
    /// The published 25M law, as fitted on runs up to step 23,999 at peak 3e-4 (as the paper's three were).
    static let json = """
        {"law": "multipower", \(parameters),
         "runs": [{"program": "cosine_24000.ramp", "steps": 24000, "last_step": 23936, "peak": 0.0003}]}
        """

    static var file: LawFile { get throws { try LawFile.parse(json, name: "law.json") } }

    /// law.json written to a fresh temporary path.
    static func written(_ text: String = json, name: String = "law.json") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-law-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func programPath(_ name: String) -> String { "\(LossCurves.directory)/programs/\(name).ramp" }
}

@Suite struct LawPlotTests {
    @Test func plotAddsThePredictedLossUnderTheRate() throws {
        let programs = try ["cosine_24000", "wsd_20000_24000"].map { (name: $0, program: try LossCurves.program($0)) }
        let plot = Commands.plot(programs, steps: 24000, law: try PublishedLaw.file)
        #expect(plot.panels.map(\.title) == ["learning rate", "predicted loss"])
        let loss = plot.panels[1]
        #expect(loss.series.map(\.name) == ["cosine_24000", "wsd_20000_24000"])
        #expect(loss.series.map { rounded($0.values[23999]!, 5) } == [3.31519, 3.26626])
        #expect(loss.series.allSatisfy { $0.values.count == 24000 })
        #expect(plot.lawNotes.isEmpty)
        // The panel is the law's prediction of the drawn rates, step for step.
        let table = try LossCurves.table("wsd_20000_24000")
        // Drawn from the end of the warmup (step 2159, the first at the peak), where the fitted rows begin.
        let all = (try PublishedLaw.file).law.predictAll(table)
        #expect(loss.series[1].values.prefix(2159).allSatisfy { $0 == nil })
        #expect(loss.series[1].values.dropFirst(2159).map { $0! } == Array(all.dropFirst(2159)))
        #expect(plot.svg().contains(">predicted loss<"))
        #expect(plot.terminal(width: 72, height: 8, color: false).contains("predicted loss"))
    }

    @Test func plotSaysWhenAScheduleIsOutsideTheFittedRange() throws {
        let longer = (name: "cosine_72000", program: try LossCurves.program("cosine_72000"))
        let higher = (
            name: "high", program: try ProgramText.source(SourceFile(name: "high", text: "constant(6e-4)")).compile()
        )
        let plot = Commands.plot([longer, higher], steps: 72000, law: try PublishedLaw.file)
        #expect(
            plot.lawNotes == [
                "note: cosine_72000: outside the range the law was fitted on: it runs to step 71999, past the fitted "
                    + "runs' last step 23999",
                "note: high: outside the range the law was fitted on: it runs to step 71999, past the fitted runs' "
                    + "last step 23999; its peak rate 0.0006 is above the highest fitted peak 0.0003",
            ])
    }

    /// A log every 128 steps, as the shared curves are, is drawn at its steps, joined by straight lines.
    @Test func aSparseLogIsDrawnAtItsSteps() {
        let sparse = RunLog.parse("step,lr,loss\n2,0.1,4\n4,0.1,3\n8,0.1,1\n")!
        #expect(sparse.byStep("loss") == [nil, nil, 4, 3.5, 3, 2.5, 2, 1.5, 1])
        #expect(RunLog.parse("step,loss\n0,4\n1,3\n")!.byStep("loss") == [4, 3])
        #expect(RunLog.parse("step,loss\n5,1\n3,2\n")!.byStep("loss") == [1, 2])
        #expect(RunLog.parse("step,loss\n2,1\n")!.byStep("metric") == nil)
    }

    @Test func theLoggedLossIsDrawnBesideThePrediction() throws {
        let text = try String(contentsOfFile: "\(LossCurves.directory)/csv_25/cosine_24000.csv", encoding: .utf8)
        let plot = Commands.plot(
            [(name: "cosine_24000", program: try LossCurves.program("cosine_24000"))], steps: 24000,
            runLog: (name: "cosine_24000.csv", log: RunLog.parse(text)!), law: try PublishedLaw.file)
        #expect(plot.panels.map(\.title) == ["learning rate", "predicted loss"])
        let logged = plot.panels[1].series[1]
        #expect(logged.name == "cosine_24000.csv loss")
        // The file's rows: 4.1114 at step 2160, 4.0342 at 2288, 3.3044 at its last, 23920.
        #expect(logged.values.count == 23921 && logged.values.prefix(2160).allSatisfy { $0 == nil })
        #expect(logged.values[2160] == 4.1114 && logged.values[2288] == 4.0342 && logged.values[23920] == 3.3044)
        #expect(abs(logged.values[2224]! - (4.1114 + 4.0342) / 2) <= 1e-15)
    }

    @Test func cliPlotDrawsThePanelAndPrintsTheNote() throws {
        let law = try PublishedLaw.written()
        let svg = try ramp(["plot", PublishedLaw.programPath("cosine_72000"), "--law", law, "--out", "-"])
        #expect(svg.status == 0)
        #expect(svg.stdout.contains(">predicted loss<"))
        #expect(
            svg.stderr
                == "note: \(PublishedLaw.programPath("cosine_72000")): outside the range the law was fitted on: it "
                + "runs to step 71999, past the fitted runs' last step 23999\n")
        let bad = try ramp(["plot", "-e", "constant(1)", "--law", "/nonexistent/law.json"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: /nonexistent/law.json: cannot read the file\n")
    }
}

@Suite struct LawFileErrorTests {
    @Test func errorsAreLocatedInTheFile() {
        // Each error as every Ramp error is shown: its code, its line, and a caret under the place.
        let noA =
            "law.json:1:23: error[R0703]: the parameter `A` is missing or not a finite number\n"
            + #"{"law": "multipower", "parameters": {"L0": 1}}"# + "\n" + String(repeating: " ", count: 22) + "^"
        #expect(throws: LawError(noA)) {
            try LawFile.parse(#"{"law": "multipower", "parameters": {"L0": 1}}"#, name: "law.json")
        }
        let alpha =
            "law.json:2:3: error[R0703]: the parameter `alpha` is missing or not a finite number\n"
            + #"  "alpha": "x", "C": 1}}"# + "\n  ^"
        #expect(throws: LawError(alpha)) {
            try LawFile.parse(
                "{\"law\": \"annealing\", \"parameters\": {\"L0\": 1, \"A\": 1,\n  \"alpha\": \"x\", \"C\": 1}}",
                name: "law.json")
        }
        let kind =
            "law.json:1:10: error[R0703]: `law` must be one of multipower, annealing\n"
            + #"{"x": 1, "law": "cubic"}"# + "\n         ^"
        #expect(throws: LawError(kind)) {
            try LawFile.parse(#"{"x": 1, "law": "cubic"}"#, name: "law.json")
        }
        #expect(throws: LawError("law.json:2:8: error[R0703]: not JSON: unexpected character\n\"law\": }\n       ^")) {
            try LawFile.parse("{\n\"law\": }", name: "law.json")
        }
        // A step too large to be a step is refused, not trapped on.
        let huge =
            "{\"law\": \"multipower\", \(PublishedLaw.parameters),\n \"runs\": [{\"last_step\": 1e300, \"peak\": 1}]}"
        #expect(
            throws: LawError(
                "law.json:3:2: error[R0703]: each run needs its `last_step` (a whole number from 0) and `peak`\n"
                    + #" "runs": [{"last_step": 1e300, "peak": 1}]}"# + "\n ^")
        ) { try LawFile.parse(huge, name: "law.json") }
    }
}

@Suite struct LawReplTests {
    @Test func lawShowsEachSchedulesPredictedFinalLoss() throws {
        let path = try PublishedLaw.written()
        var e = ReplEngine()
        #expect(e.feed(":law")!.output == "no law loaded; :law FILE loads one (from ramp law fit)")
        let loaded = e.feed(":law \(path)")!
        #expect(!loaded.isError)
        #expect(
            loaded.output
                == "law \(path): multipower law (L0 = 3.04045406, A = 0.52468604, alpha = 0.50786857, "
                + "B = 363.78751622, C = 2.06560812, beta = 0.58279013, gamma = 0.64142257); fitted on 1 run up to "
                + "step 23999, peak 0.0003")
        let cosine = e.feed(":load \(PublishedLaw.programPath("cosine_24000"))")!.output
        #expect(cosine.hasSuffix("\npredicted final loss (step 23999): 3.31519"))
        let wsd = e.feed(":load \(PublishedLaw.programPath("wsd_20000_24000"))")!.output
        #expect(wsd.hasSuffix("\npredicted final loss (step 23999): 3.26626"))
        let longer = e.feed(":load \(PublishedLaw.programPath("cosine_72000"))")!.output.split(separator: "\n").map(
            String.init)
        #expect(longer[longer.count - 2].hasPrefix("predicted final loss (step 71999): 3."))
        #expect(
            longer.last
                == "note: outside the range the law was fitted on: it runs to step 71999, past the fitted runs' last "
                + "step 23999")
        let metric = e.feed("cosine(T=50) until plateau(patience 3)")!.output
        #expect(
            metric.hasSuffix(
                "\nno predicted loss: this schedule reacts to a metric, so its rates are not known ahead of training"
                    + "\nmetric-driven: feed metrics with :step or :feed"))
    }

    @Test func aBadLawFileLeavesTheSessionAsItWas() throws {
        let good = try PublishedLaw.written()
        let bad = try PublishedLaw.written(#"{"law": "multipower", "parameters": {"L0": 1}}"#, name: "bad.json")
        var e = ReplEngine()
        _ = e.feed(":law \(good)")
        _ = e.feed(":load \(PublishedLaw.programPath("cosine_24000"))")
        let reply = e.feed(":law \(bad)")!
        #expect(reply.isError)
        #expect(
            reply.output
                == "\(bad):1:23: error[R0703]: the parameter `A` is missing or not a finite number\n"
                + #"{"law": "multipower", "parameters": {"L0": 1}}"# + "\n" + String(repeating: " ", count: 22) + "^")
        #expect(e.law?.path == good)
        #expect(e.feed(":law")!.output.hasPrefix("law \(good): multipower law (L0 = 3.04045406,"))
        let missing = e.feed(":law /nonexistent/law.json")!
        #expect(missing.isError && missing.output == "error: /nonexistent/law.json: cannot read the file")
        #expect(e.law?.path == good)
        #expect(e.feed(":law off")!.output == "law dropped: schedules are shown without a predicted loss")
        #expect(!e.feed(":load \(PublishedLaw.programPath("cosine_24000"))")!.output.contains("predicted"))
        #expect(e.feed(":law off")!.output == "no law was loaded")
    }
}

@Suite struct LawPredictCLITests {
    /// `ramp law predict` over 72,000 steps: every step's loss, and the note outside the fitted range.
    @Test func predictSaysWhenOutsideTheFittedRange() throws {
        let law = try PublishedLaw.written()
        let r = try ramp(["law", "predict", PublishedLaw.programPath("cosine_72000"), "--law", law, "--steps", "72000"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 72001 && lines[0] == "step,loss")
        #expect(
            r.stderr
                == "note: outside the range the law was fitted on: it runs to step 71999, past the fitted runs' last "
                + "step 23999\n")
        let inside = try ramp(
            ["law", "predict", PublishedLaw.programPath("cosine_24000"), "--law", law, "--steps", "24000"])
        #expect(inside.stderr == "")
        #expect(
            inside.stdout.split(separator: "\n").last.map { rounded(Double($0.split(separator: ",")[1])!, 5) }
                == 3.31519)
    }
}
