import Foundation
import Testing

@testable import Ramp

/// A short program asks for no more work than its meaning needs: counts a
/// user writes (cycles, layers, signals, phases) are summed in closed form,
/// looked up in tables, or refused past a documented limit, naming it.
@Suite struct BoundedWorkTests {
    @Test func restartsWithATrillionCyclesHaveTheirLengthWithoutALoop() throws {
        // 10 steps a cycle, 10^12 cycles: 10^13 steps.
        let equal = try compiled("restarts(cosine(T=10), period=10, limit=1e12)")
        #expect(equal.duration == 10_000_000_000_000)
        // Cycles doubling: past any step count after 60 or so, so the schedule never ends.
        let doubling = try compiled("restarts(cosine(T=10), period=10, mult=2, limit=1e12)")
        #expect(doubling.duration == nil)
        // A few cycles are summed one by one: 10 + 15 + 22.5 = 47.5, rounded.
        #expect(try compiled("restarts(cosine(T=10), period=10, mult=1.5, limit=3)").duration == 48)
        // Two million cycles, each 1e-9 longer than the last: the sum is
        // N + e N (N - 1) / 2 + e^2 N (N - 1) (N - 2) / 6 + ... = 2,000,000 + 1999.999 + 1.333 = 2,002,001.33.
        let slow = try compiled("restarts(cosine(T=1), period=1, mult=1.000000001, limit=2e6)")
        #expect(slow.duration == 2_002_001)
    }

    @Test func aStepFortyCyclesInHasItsExactValue() throws {
        // Cycle k starts at 4 (2^k - 1) and lasts 4 * 2^k steps. Step 7 * 2^40 - 4 is 3 * 2^40 into
        // cycle 40 (of 2^42 steps): the line at 3 of 4, 0.25, its excursion halved 40 times, 2^-42.
        // Its first step: 1 halved 40 times.
        let p = try compiled("restarts(linear(T=4), period=4, mult=2, decay=0.5)")
        #expect(p.lrNode.value(at: 7 * 0x1p40 - 4, p.initialSlots) == 0x1p-42)
        #expect(p.lrNode.value(at: 4 * (0x1p40 - 1), p.initialSlots) == 0x1p-40)
        // The step before cycle 40, 2^41 - 1 into cycle 39: the line at 4 - 2^-39, 2^-41, halved 39 times.
        #expect(p.lrNode.value(at: 4 * (0x1p40 - 1) - 1, p.initialSlots) == 0x1p-80)
    }

    @Test func aCycleIsFoundFromTheLastMarkNotFromCycleZero() throws {
        // Cycles each 1e-7 longer than the last: step 100,000 is in cycle 99,500 or so.
        let cycles = Restarts.Cycles(
            period: 1, mult: 1.0000001, decay: 1, floor: 0, limit: nil, decayMode: .excursion, peak: 1)
        let marks = Restarts.Marks(cycles)
        // Marks every 256 cycles over the first 2^20: 4,096 of them. Before the second, none is read.
        #expect(marks.starts.count == 4096)
        #expect(cycles.firstMark == marks.starts[1])
        // The definition: cycle lengths summed one by one from cycle 0.
        func walked(_ t: Double) -> (k: Int, tau: Double, length: Double) {
            var (start, length, k) = (0.0, 1.0, 0)
            while t >= start + length {
                start += length
                length *= 1.0000001
                k += 1
            }
            return (k, t - start, length)
        }
        for t in [0.0, 0.5, 1, 255.9, 256, 99_999.5, 100_000, 3_000_000, 9_000_000.25] {
            let located = cycles.locate(t, marks: marks)
            let expected = walked(t)
            #expect(located.k == expected.k && located.tau == expected.tau && located.length == expected.length)
            // The walk resumes from a mark at most 255 cycles before the step's; past the marked cycles
            // (2^20 of them end near step 1,100,000), from the last mark.
            let mark = marks.last(atOrBefore: t)
            if t < 1_000_000 {
                #expect(mark.k <= located.k && located.k - mark.k < 256)
            } else {
                #expect(mark.k == (1 << 20) - 256 && located.k > mark.k)
            }
        }
        // A limit bounds the marks: 1,000 cycles, marks at 0, 256, 512 and 768.
        let limited = Restarts.Cycles(
            period: 1, mult: 1.0000001, decay: 1, floor: 0, limit: 1000, decayMode: .excursion, peak: 1)
        #expect(Restarts.Marks(limited).starts.count == 4)
        #expect(limited.locate(5000, marks: Restarts.Marks(limited)).k == 999)
        // 256 cycles or fewer: no mark past cycle 0, so every step is found by the walk from cycle 0.
        let short = Restarts.Cycles(
            period: 1, mult: 1.0000001, decay: 1, floor: 0, limit: 256, decayMode: .excursion, peak: 1)
        #expect(Restarts.Marks(short).starts.count == 1 && short.firstMark == .infinity)
        #expect(short.locate(5000, marks: Restarts.Marks(short)).k == 255)
        // Equal cycles need no marks.
        let equal = Restarts.Cycles(period: 3, mult: 1, decay: 1, floor: 0, limit: nil, decayMode: .excursion, peak: 1)
        #expect(Restarts.Marks(equal).starts.isEmpty && equal.firstMark == .infinity)
    }

    @Test func aRunningProductInsideChainedIsCheckedInOneReplay() throws {
        // Without a total, the checker samples a million steps; each used to replay the product from step 0.
        let p = try compiled("chained([base * running_product(0.9)])")
        let rows = Table.rows(p, steps: 4)
        #expect(rows.map(\.lr) == [1, 0.9, 0.9 * 0.9, 0.9 * 0.9 * 0.9])
        #expect(p.lrNode.value(at: 3, p.initialSlots) == 0.9 * 0.9 * 0.9)
    }

    /// Twelve periodic cosines chained would be replayed at each of a million steps, 13 parts a step: past the
    /// 10,000,000 values one check samples, a native chain is refused where it stands, and torch's (whose rate
    /// the library passes on unchecked) is accepted with the same words as a warning.
    @Test func aReplayPastTheMostOneCheckSamplesStopsThere() throws {
        let message =
            "checking stopped here: the schedule needs more than 10,000,000 values sampled, the most one check "
            + "samples (a replayed `chained` or running product counts each of its parts at every step)"
        let native = (3..<15).map { "chainable(cosine(T=\($0), min=0.01, periodic=true), 0.01)" }
        let refused = rendered("base 0.1\nchained([\(native.joined(separator: ", "))])")
        #expect(refused.split(separator: "\n").first == "t.ramp:2:1: error[R0712]: \(message)"[...])
        let torch = (3..<15).map { "torch.CosineAnnealingLR(T_max=\($0), eta_min=0.01)" }
        let p = try compiled("base 0.1\ntorch.ChainedScheduler([\(torch.joined(separator: ", "))])")
        #expect(p.warnings.map(\.kind) == [.checkLimit])
        #expect(p.warnings.map(\.message) == [message])
        #expect(p.warnings.first?.range.start == 9)
        // Each layer's rate is the same chain: once the library's rate has stopped at the budget, with its
        // warning, the layers after it are not sampled, nor refused.
        let layered = try compiled(
            "base 0.1\nlayer_decay(0.5, layers=2)\ntorch.ChainedScheduler([\(torch.joined(separator: ", "))])")
        #expect(layered.warnings.map(\.kind) == [.checkLimit])
        // Two members are replayed over their million steps, well within it.
        #expect(throws: Never.self) {
            try compiled(
                "base 0.3\ntorch.ChainedScheduler([torch.CosineAnnealingLR(T_max=10, eta_min=0.01), "
                    + "torch.ExponentialLR(gamma=0.9)])")
        }
    }

    @Test func layerDecayHasAtMostAThousandLayers() throws {
        #expect(
            rendered("layer_decay(0.65, layers=100000)\ncosine(T=10)") == """
                t.ramp:1:26: error[R0307]: argument 'layers' of 'layer_decay' must be between 1 and 1000, got 100000
                layer_decay(0.65, layers=100000)
                                         ^~~~~~
                """)
        let p = try compiled("layer_decay(0.5, layers=1000)\ncosine(T=10)")
        #expect(p.outputs.count == 1001)
        #expect(p.outputs.first?.name == "lr[0]")
        #expect(p.outputs.last?.name == "lr[1000]")
        // A group scheduled twice still points at the first.
        #expect(
            rendered("layer_decay(0.5, layers=3)\ngroup 2 lr *= 0.1\ncosine(T=10)") == """
                t.ramp:2:1: error[R0501]: lr[2] is already scheduled
                group 2 lr *= 0.1
                ^~~~~~~~~~~~~~~~~
                t.ramp:1:1: note: first scheduled here
                layer_decay(0.5, layers=3)
                ^~~~~~~~~~~~~~~~~~~~~~~~~~
                """)
    }

    @Test func aHundredThousandSignalsAreEachDeclaredOnce() throws {
        let names = (0..<100_000).map { "\"s\($0)\"" }.joined(separator: ", ")
        let p = try compiled("signals [\(names)]\nconstant(base) until signal(\"s99999\")")
        #expect(p.settings.signals?.count == 100_000)
        #expect(p.settings.signals?.last == "s99999")
        #expect(
            rendered("signals [\"a\", \"b\", \"a\"]\nconstant(base)") == """
                t.ramp:1:9: error[R0408]: signals must be a list of different names, each an identifier, such as \
                `signals ["cooldown"]`
                signals ["a", "b", "a"]
                        ^~~~~~~~~~~~~~~
                """)
    }

    @Test func columnsOnALongLineAreCountedInScalars() {
        // 3,000 two-byte scalars, then ASCII: the marks every 1,024 bytes fall inside and between scalars.
        let text = String(repeating: "é", count: 3000) + "abc" + String(repeating: "x", count: 2000) + "\nlinear"
        let file = SourceFile(name: "t.ramp", text: text)
        #expect(file.location(of: 0) == SourceLocation(line: 1, column: 1))
        #expect(file.location(of: 2) == SourceLocation(line: 1, column: 2))
        #expect(file.location(of: 1024) == SourceLocation(line: 1, column: 513))
        #expect(file.location(of: 6000) == SourceLocation(line: 1, column: 3001))
        #expect(file.location(of: 6002) == SourceLocation(line: 1, column: 3003))
        #expect(file.location(of: 8003) == SourceLocation(line: 1, column: 5004))
        #expect(file.location(of: 8004) == SourceLocation(line: 2, column: 1))
        #expect(file.location(of: 8007) == SourceLocation(line: 2, column: 4))
    }

    @Test func languageServerPositionsOnALongLineAreCountedInTheClientsUnits() {
        // 600 four-byte scalars (two UTF-16 units each), then ASCII, then a second line.
        let file = SourceFile(name: "t.ramp", text: String(repeating: "😀", count: 600) + "abc\nx")
        let utf16 = LineIndex(file, encoding: .utf16)
        #expect(utf16.position(1024) == (0, 512))
        #expect(utf16.position(2400) == (0, 1200))
        #expect(utf16.position(2402) == (0, 1202))
        #expect(utf16.position(2404) == (1, 0))
        #expect(utf16.position(2405) == (1, 1))
        #expect(LineIndex(file, encoding: .utf32).position(2402) == (0, 602))
        #expect(LineIndex(file, encoding: .utf8).position(2402) == (0, 2402))
    }

    @Test func aCheckUnderABudgetStopsAtThePhaseItWouldPassItAt() throws {
        // Each phase is a tree of one node. The warmup is sampled at its 5 steps; the cosine of 1,000
        // steps at 0 ... 256 (257 steps), then at gaps growing by half: 384, 576, 864. 5 + 260 = 265.
        let file = SourceFile(name: "t.ramp", text: "warmup 5 then cosine(T=1000)")
        let fits = CheckBudget(limit: 265)
        #expect(throws: Never.self) { try fits.run { () throws(DiagnosticError) in try Compiler.compile(file) } }
        #expect(fits.spent == 265)
        #expect(!fits.isExhausted)
        let short = CheckBudget(limit: 264)
        do {
            _ = try short.run { () throws(DiagnosticError) in try Compiler.compile(file) }
            Issue.record("the check went past its budget")
        } catch let error as DiagnosticError {
            #expect(
                DiagnosticPrinter.render(error.diagnostics, in: file) == """
                    t.ramp:1:15: error[R0702]: checking stopped here: the schedule needs more than 264 values sampled, \
                    the language server's budget for one check; `ramp check` samples up to 10,000,000
                    warmup 5 then cosine(T=1000)
                                  ^~~~~~~~~~~~~~
                    """)
        }
        #expect(short.isExhausted)
        // Under the budget of any other check (`ramp check`, the compiler), 10,000,000 values, nothing stops.
        #expect(throws: Never.self) { try Compiler.compile(file) }
    }

    @Test func aLowerLimitPerCheckGivesEachCheckItsOwn() throws {
        // The program samples 265 values (above). Under a limit of 265 a check passes, and the next check passes
        // too: the limit is each check's, not spent across them. Under 264 the check stops where it would pass
        // it, with R0712, the error of a check that is not the language server's.
        let file = SourceFile(name: "t.ramp", text: "warmup 5 then cosine(T=1000)")
        try CheckBudget.$perCheck.withValue(265) {
            #expect(throws: Never.self) { try Compiler.compile(file) }
            #expect(throws: Never.self) { try Compiler.compile(file) }
        }
        try CheckBudget.$perCheck.withValue(264) {
            do {
                _ = try Compiler.compile(file)
                Issue.record("the check went past its limit")
            } catch let error as DiagnosticError {
                #expect(
                    DiagnosticPrinter.render(error.diagnostics, in: file) == """
                        t.ramp:1:15: error[R0712]: checking stopped here: the schedule needs more than 264 values \
                        sampled, the most one check samples (a replayed `chained` or running product counts each of \
                        its parts at every step)
                        warmup 5 then cosine(T=1000)
                                      ^~~~~~~~~~~~~~
                        """)
            }
        }
        // Outside the scope, a check has the 10,000,000 values again.
        #expect(CheckBudget.perCheck == 10_000_000)
        #expect(throws: Never.self) { try Compiler.compile(file) }
    }

    @Test func theLanguageServerSaysWhereItsCheckStopped() throws {
        // Without a total, a chained running product is replayed over a million steps: past the budget.
        var lsp = LSPSession.started()
        let published = lsp.open("base 0.1\nchained([base * running_product(0.9)])\n")
        let diagnostics = published["params"]?["diagnostics"]?.items ?? []
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?["severity"]?.number == 2)
        #expect(diagnostics.first?["code"]?.text == "R0702")
        #expect(
            diagnostics.first?["message"]?.text
                == "checking stopped here: the schedule needs more than 2,000,000 values sampled, the language "
                + "server's budget for one check; `ramp check` samples up to 10,000,000")
        let hover = lsp.at("textDocument/hover", 1, 2)
        let text = hover.result?["contents"]?["value"]?.text ?? ""
        #expect(
            text.hasSuffix(
                "\n\n---\n\nNot checked whole: checking stopped here: the schedule needs more than 2,000,000 "
                    + "values sampled, the language server's budget for one check; `ramp check` samples up to "
                    + "10,000,000"))
        // With a total the horizon is short, and the program is checked whole.
        let bounded = lsp.open(
            "base 0.1\ntotal 1000\nchained([base * running_product(0.9)])\n", uri: "file:///w/b.ramp")
        #expect(bounded["params"]?["diagnostics"]?.items.isEmpty == true)
    }
}
