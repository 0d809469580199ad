import Foundation
import Testing

@testable import Ramp

/// fairseq's legacy `manual` scheduler (ManualSchedule), its rates worked out by hand from fairseq's code: keys
/// parsed as parse_manuallr_args parses them, the rate of the largest key at or before the epoch (set by
/// step_begin_epoch) or the update (set by step_update, which the trainer calls right after, so it wins).
@Suite struct FairseqManualTests {
    static func rates(_ program: String, _ steps: Int) throws -> [Double] {
        try ImportConfigTests.rates(program, steps)
    }

    /// A later key overrides a range: '1-10' gives epochs 1 to 10 0.1, then '5' gives epoch 5 0.2; past epoch 10
    /// the largest key is 10, so 0.1 holds. Two updates an epoch.
    @Test func laterKeysOverrideARange() throws {
        let got = try Self.rates(
            "steps_per_epoch 2\nfairseq.manual(lr=[0.5], epoch2lr=\"{'1-10': 0.1, '5': 0.2}\")", 24)
        #expect(got == Array(repeating: 0.1, count: 8) + [0.2, 0.2] + Array(repeating: 0.1, count: 14))
    }

    /// With '1' in update2lr the constructor starts from its rate, and update 0 (no key at or before it) keeps it.
    @Test func updateKeyOneStartsTheRun() throws {
        let got = try Self.rates("fairseq.manual(lr=[0.5], update2lr=\"{'1': 0.3, '4': 0.05}\")", 6)
        #expect(got == [0.3, 0.3, 0.3, 0.3, 0.05, 0.05])
    }

    /// Before any key, lr[0]; epoch2lr from its first key's epoch (2: updates 2 and on, two an epoch) until
    /// update2lr has a key at or before the update (3), from which update2lr holds, whatever the epoch says.
    @Test func epochsUntilUpdatesTakeOver() throws {
        let got = try Self.rates(
            "steps_per_epoch 2\nfairseq.manual(lr=[0.5], epoch2lr=\"{'2': 0.2, '4': 0.7}\", update2lr=\"{'3': 0.05}\")",
            10)
        #expect(got == [0.5, 0.5, 0.2, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05])
    }

    /// `a,b` keys give each listed update the rate; between them the largest key before holds.
    @Test func listedKeys() throws {
        let got = try Self.rates("fairseq.manual(lr=[0.1], update2lr=\"{'0': 0.08, '2,5': 0.02, '3': 0.06}\")", 7)
        #expect(got == [0.08, 0.08, 0.02, 0.06, 0.06, 0.02, 0.02])
    }

    /// A dict fairseq cannot read is refused at its flag; epochs without their length at the call.
    @Test func refusals() {
        #expect(
            ImportConfigTests.refused("--lr-scheduler manual --epoch2lr '{1: 0.1}' --lr 0.1\n", "train.args")
                == [
                    "train.args:1:23: error[R0409]: --epoch2lr: '{1: 0.1}' is not a dict of rates as fairseq's "
                        + "--epoch2lr and --update2lr take: a key is not a quoted string",
                    "--lr-scheduler manual --epoch2lr '{1: 0.1}' --lr 0.1",
                    "                      ^~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused("--lr-scheduler manual --update2lr \"{'1-2-3': 0.1}\" --lr 0.1\n", "t.args")
                == [
                    "t.args:1:23: error[R0409]: --update2lr: '{'1-2-3': 0.1}' is not a dict of rates as fairseq's "
                        + "--epoch2lr and --update2lr take: '1-2-3' is not a range a-b",
                    "--lr-scheduler manual --update2lr \"{'1-2-3': 0.1}\" --lr 0.1",
                    "                      ^~~~~~~~~~~",
                ].joined(separator: "\n"))
        let file = SourceFile(name: "m.ramp", text: "fairseq.manual(lr=[0.1], epoch2lr=\"{'1': 0.1, '3': 0.2}\")\n")
        do {
            _ = try Compiler.compile(file)
            Issue.record("compiled without steps_per_epoch")
        } catch {
            #expect(
                DiagnosticPrinter.render(error.diagnostics, in: file)
                    == [
                        "m.ramp:1:1: error[R0105]: in 'fairseq.manual': epoch2lr's epochs need 'steps_per_epoch', "
                            + "the updates in an epoch",
                        "fairseq.manual(lr=[0.1], epoch2lr=\"{'1': 0.1, '3': 0.2}\")",
                        "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
                    ].joined(separator: "\n"))
        }
    }
}
