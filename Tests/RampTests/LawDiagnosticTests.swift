import Foundation
import Testing

@testable import Ramp

/// Every refusal of `ramp law` from the catalogue, as the command prints it: its code, then its words.
@Suite struct LawDiagnosticTests {
    /// A file of `text` named `name` in a fresh temporary directory.
    static func written(_ text: String, name: String) throws -> String {
        try PublishedLaw.written(text, name: name)
    }

    static let annealing = #"{"law": "annealing", "parameters": {"L0": 3, "A": 0.5, "alpha": 0.5, "C": 2}}"#

    @Test func optionsOutOfRangeAreR0705() throws {
        let law = try PublishedLaw.written()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).ramp").path
        let optimize = ["law", "optimize", "--law", law, "-o", out]
        let cases: [([String], String)] = [
            (["--steps", "100", "--peak", "0"], "--peak must be a number above 0"),
            (["--steps", "100", "--peak", "1", "--min", "1"], "--min must be at least 0 and below --peak"),
            (["--steps", "100", "--peak", "1", "--warmup", "1"], "--warmup must be 0 or at least 2 steps"),
            (
                ["--steps", "17", "--peak", "1", "--warmup", "10"],
                "--steps must leave at least 8 steps after the warmup"
            ),
            (["--steps", "10000001", "--peak", "1"], "--steps is limited to 10,000,000"),
        ]
        for (args, words) in cases {
            let r = try ramp(optimize + args)
            #expect(r.status == 64 && r.stdout == "")
            #expect(r.stderr == "error[R0705]: \(words)\n")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        let predict = try ramp(["law", "predict", "-e", "constant(1)", "--law", law, "--steps", "0"])
        #expect(predict.status == 64 && predict.stdout == "")
        #expect(predict.stderr == "error[R0705]: --steps must be 1 to 10,000,000\n")
        let fit = try ramp(["law", "fit", "cosine.ramp", "-o", out])
        #expect(fit.status == 64)
        #expect(fit.stderr == "error[R0705]: a run is PROGRAM:LOG, got 'cosine.ramp'\n")
    }

    /// `ramp find-lr`'s settings are R0705 too; the command refuses them as every misused option, with its usage.
    @Test func rangeTestSettingsAreR0705() throws {
        #expect(RangeTest(iterations: 5).check == .rangeIterations(5, max: 100_000))
        #expect(RangeTest(startLR: 0).check?.kind.code == "R0705")
        #expect(RangeTest().check == nil)
        let r = try ramp(["find-lr", "--objective", "quadratic", "--train-steps", "19"])
        #expect(r.status == 64 && r.stdout == "")
        #expect(r.stderr.hasPrefix("Error: --train-steps must be at least 20\n"))
        #expect(DiagnosticMessage.trainSteps(20).kind.code == "R0705")
    }

    @Test func aFitWithoutRunsOrThatDoesNotConvergeIsR0706() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).json").path
        // The command needs a run; the library says why it cannot fit none.
        #expect(throws: LawError(.lawNoRuns)) { try LawFitter.fit(.multipower, runs: []) }
        #expect(LawError(.lawNoRuns).printed == "error[R0706]: no runs to fit")
        // At rate 0 every partial sum is 0, so the law's power term, A·S1^(−α), has no finite value to fit.
        let program = try Self.written("constant(0) for 10\n", name: "zero.ramp")
        let log = try Self.written("step,loss\n1,4\n2,3.5\n3,3.2\n5,3\n", name: "zero.csv")
        for kind in ["multipower", "annealing"] {
            let r = try ramp(["law", "fit", "\(program):\(log)", "--law", kind, "-o", out])
            #expect(r.status == 1 && r.stdout == "")
            #expect(r.stderr == "error[R0706]: the fit did not converge on these runs\n")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func aLogOutsideItsProgramIsR0707() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).json").path
        let program = try Self.written("constant(0.1) for 10\n", name: "short.ramp")
        let late = try Self.written("step,loss\n10,3\n20,2.5\n", name: "late.csv")
        let r = try ramp(["law", "fit", "\(program):\(late)", "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr == "error[R0707]: \(late): no row after step 0 falls within the program's 10 steps\n")
        // A row at step 0 alone leaves nothing to fit either (the fit reads steps from 1).
        let first = try Self.written("step,loss\n0,3\n", name: "first.csv")
        let only = try ramp(["law", "fit", "\(program):\(first)", "-o", out])
        #expect(only.stderr == "error[R0707]: \(first): no row after step 0 falls within the program's 10 steps\n")
    }

    @Test func aScheduleALawCannotReadIsR0708() throws {
        let law = try PublishedLaw.written()
        let metric = try ramp(
            ["law", "predict", "-e", "cosine(T=50) until plateau(patience 3)", "--law", law, "--steps", "100"])
        #expect(metric.status == 1 && metric.stdout == "")
        #expect(
            metric.stderr
                == "error[R0708]: this schedule reacts to a metric, so its rates are not known ahead of training\n")
        let short = try ramp(["law", "predict", "-e", "constant(0.1) for 10", "--law", law, "--steps", "100"])
        #expect(short.status == 1)
        #expect(short.stderr == "error[R0708]: the schedule finishes at step 10, before the 100 steps asked for\n")
        // A checked program's rates are finite and at least 0 (R0508), so this one guards the library's own callers.
        #expect(
            LawError(.ratesBad(at: 1, -1)).printed
                == "error[R0708]: the rate at step 1 is -1.0; a law needs finite rates of at least 0")
    }

    @Test func optimizeRefusesTheAnnealingLawWithR0709() throws {
        let law = try Self.written(Self.annealing, name: "annealing.json")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).ramp").path
        let r = try ramp(["law", "optimize", "--law", law, "--steps", "100", "--peak", "0.001", "-o", out])
        #expect(r.status == 1 && r.stdout == "")
        #expect(
            r.stderr
                == "error[R0709]: optimize needs the multi-power law: under the annealing law the final loss falls "
                + "without bound as the rate stays high and then drops\n")
    }

    /// The optimizer writes only programs that check; one that did not would be reported, not trusted.
    @Test func anOptimizedProgramThatDoesNotCheckIsR0710() {
        let why = "<optimized>:1:1: error[R0104]: unknown name 'nosuch'\nnosuch(1)\n^~~~~~"
        #expect(throws: LawError(.optimizedDoesNotCheck(why))) { try LawOptimizer.compile("nosuch(1)") }
        #expect(
            LawError(.optimizedDoesNotCheck(why)).printed
                == "error[R0710]: the optimized program does not check: <optimized>:1:1: error[R0104]: unknown name "
                + "'nosuch'\nnosuch(1)\n^~~~~~")
    }

    @Test func aLogWithoutRowsIsR0704AtItsHeader() throws {
        #expect(throws: LawError("a.csv:1:1: error[R0704]: no rows\nstep,loss\n^")) {
            try LossLog.parse("step,loss\n", name: "a.csv")
        }
        let program = try Self.written("constant(0.1) for 10\n", name: "p.ramp")
        let log = try Self.written("step,loss\n", name: "empty.csv")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).json").path
        let r = try ramp(["law", "fit", "\(program):\(log)", "-o", out])
        #expect(r.status == 1 && r.stderr == "\(log):1:1: error[R0704]: no rows\nstep,loss\n^\n")
    }
}
