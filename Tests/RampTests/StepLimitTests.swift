import Foundation
import Testing

@testable import Ramp

/// A table, chart or CSV computes at most `StepLimit.values` values (steps
/// times the parts of the schedules), so a short program answers within a
/// second or is refused, naming the limit and the most steps it allows.
@Suite struct StepLimitTests {
    /// A thousand parameter groups in one line: each group's rate is the schedule (a sequence of one cosine,
    /// two parts) times its factor, inside a sequence of its own: five parts. 1,001 groups and the rate itself
    /// are 5,007 parts a step, and 10,000,000 values are 1,997 steps of them.
    static let groups = "cosine(T=100000)\nlayer_decay(0.65, layers=1000)"

    @Test func theWorkIsTheStepsTimesTheParts() throws {
        // constant(1): a sequence of one phase, two parts a step; 10,000,000 values are 5,000,000 steps.
        let constant = try compiled("constant(1)")
        #expect(StepLimit.perStep(constant) == 2)
        #expect(StepLimit.maxSteps([constant]) == 5_000_000)
        #expect(throws: Never.self) { try StepLimit.check(steps: 5_000_000, of: [constant]) }
        #expect(
            throws: StepLimit.Exceeded(
                description: "--steps 5000001 asks for 10,000,002 values (2 a step, the parts of the schedule), "
                    + "more than the 10,000,000 one command computes; ask for at most 5,000,000 steps")
        ) { try StepLimit.check(steps: 5_000_001, of: [constant]) }
        let groups = try compiled(Self.groups)
        #expect(StepLimit.perStep(groups) == 5_007)
        #expect(StepLimit.maxSteps([groups, constant]) == 1_996)
    }

    @Test func tableCompileAndPlotRefuseAskingForMore() throws {
        let refused =
            "error: --steps 100000 asks for 500,700,000 values (5,007 a step, the parts of the schedule), more than "
            + "the 10,000,000 one command computes; ask for at most 1,997 steps\n"
        for command in [["table"], ["compile", "--to", "csv"], ["plot", "--out", "-"]] {
            let r = try ramp(command + ["-e", Self.groups, "--steps", "100000"])
            #expect(r.status == 64, "\(command)")
            #expect(r.stderr.hasPrefix(refused), "\(command): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(command)")
        }
        // A trillion steps of the shortest program: refused before a row is printed.
        let far = try ramp(["table", "-e", "constant(1)", "--steps", "1000000000000"])
        #expect(far.status == 64)
        #expect(
            far.stderr.hasPrefix(
                "error: --steps 1000000000000 asks for 2,000,000,000,000 values (2 a step, the parts of the "
                    + "schedule), more than the 10,000,000 one command computes; ask for at most 5,000,000 steps\n"))
    }

    @Test func aChartOfALongScheduleShowsWhatTheLimitAllowsWithANote() throws {
        let r = try ramp(["plot", "-e", Self.groups, "--out", "-"])
        #expect(r.status == 0)
        #expect(
            r.stderr
                == "note: the schedule runs 100000 steps; the chart shows the first 1,997, the most 10,000,000 values "
                + "allow at 5,007 a step\n")
        #expect(r.stdout.hasPrefix("<svg"))
    }

    @Test func theReplRefusesToo() {
        var e = ReplEngine()
        _ = e.feed(Self.groups)
        let plot = e.feed(":plot 100000")!
        #expect(plot.isError)
        #expect(
            plot.output
                == "error: :plot 100000 asks for 500,700,000 values (5,007 a step, the parts of the schedule), more "
                + "than the 10,000,000 one command computes; ask for at most 1,997 steps")
        let table = e.feed(":table 0..100000 by 100")!
        #expect(
            table.output
                == "error: :table 0..100000 (100001 steps) asks for 500,705,007 values (5,007 a step, the parts of the "
                + "schedule), more than the 10,000,000 one command computes; ask for at most 1,997 steps")
    }
}
