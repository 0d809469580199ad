import Foundation
import Testing

@testable import Ramp

/// Phases built when they start (`current`, `elapsed`): what explain says
/// of them, how they behave where their values are not finite, and that the
/// IR, another base and the targets that cannot run them treat them as the
/// checked program does. Their traces are in the conformance suite
/// (`conformance/programs/entry_*.ramp`), which every runner runs.
@Suite struct EntryTests {
    static func compile(_ text: String, base: Double? = nil) throws -> CompiledProgram {
        try Compiler.compile(SourceFile(name: "p.ramp", text: text), options: CheckOptions(base: base))
    }

    @Test func explainSaysWhatIsFixedAtEntryAndTheRangeChecked() throws {
        let p = try Self.compile(
            "base 0.1\ntotal 200\nsignals [\"cooldown\"]\nwarmup 5 then 0.1 until signal(\"cooldown\") then "
                + "cosine(T=0.2 * elapsed, from=current)"
        )
        let text = Explain.text(p)
        #expect(
            text.contains(
                """
                  phase 3
                    cosine(T=0.2 * elapsed, from=current, min=0, exponent=1, k=1, periodic=false)
                    fixed at entry: current (the rate at the step before it; checked for 0.1), elapsed (the step it \
                starts at; checked for 6 to 199)
                    ends: after its length, fixed at entry
                """), "\(text)")
        #expect(
            text.hasSuffix(
                "warmup(T=5, from=0, to=0.1, shape=\"linear\") then 0.1 until signal(\"cooldown\") then cosine(T=0.2 * "
                    + "elapsed, from=current, min=0, exponent=1, k=1, periodic=false)"
            ))
        // The native program checks again to the same program.
        let native = Explain.nativeSource(p)
        let again = try Self.compile(native)
        #expect(Explain.nativeSource(again) == native)
    }

    @Test func aRiseIntoAPhaseFromCurrentIsFixedWhenTheWarmupStarts() throws {
        let p = try Self.compile("cosine(T=10) until plateau(patience 1) then warmup 2 then cosine(T=4, from=current)")
        let text = Explain.text(p)
        // The cosine's lowest value before the plateau is at its last step, 9.
        #expect(
            text.contains(
                """
                  phase 2
                    warmup(T=2, from=0, shape="linear")
                    fixed when it starts, for it and the phase it rises to: current (the rate at the step before it; \
                checked for 0.024471741852423234 to 1)
                    ends: after 2 steps
                  phase 3
                    cosine(T=4, from=current, min=0, exponent=1, k=1, periodic=false)
                    fixed when the warmup before it starts: current (the rate at the step before it; checked for \
                0.024471741852423234 to 1)
                    ends: after 4 steps
                """), "\(text)")
        let native = Explain.nativeSource(p)
        #expect(Explain.nativeSource(try Self.compile(native)) == native)
        let ir = IR.document(p).renderCompact()
        #expect(ir.contains(#""entry":{"output":"lr","role":"warmup","length":null}"#))
        #expect(ir.contains(#""entry":{"output":"lr","role":"after_warmup","length":null}"#))
        #expect(ir.contains(#""from":{"value":1,"base":{"op":"current","output":"lr"}}"#), "\(ir)")
    }

    /// The editor's phase summaries and the REPL's say what fixes a length, not the template's.
    @Test func editorsAndTheReplShowWhatFixesALength() throws {
        let text =
            "signals [\"c\"]\n0.1 until signal(\"c\") then linear(T=0.5 * elapsed, from=current, to=0) then current "
            + "for elapsed then linear(T=3, from=current, to=0)"
        let doc = DocumentAnalysis(uri: "file:///p.ramp", version: 1, text: text, encoding: .utf16)
        #expect(
            doc.phases.map(\.summary) == [
                "phase 1: from step 0, ends on signal(\"c\")",
                "phase 2: after phase 1 ends, ends after its length, fixed at entry",
                "phase 3: after phase 2 ends, ends after elapsed steps, fixed at entry",
                "phase 4: after phase 3 ends, ends after 3 steps",
            ])
        let summary = ReplEngine().summary(try Self.compile(text))
        #expect(
            summary.hasPrefix(
                "4 phases: 0.1 until signal c → linear(T=0.5 * elapsed, from=current, to=0) → current for elapsed → "
                    + "linear(T=3, from=current, to=0)\n"
            ), "\(summary)")
    }

    /// A number fixed at entry that is not finite holds the phase at the
    /// value it started from, for its written length or until its condition.
    @Test func aPhaseWhoseValuesAreNotFiniteHoldsWhereItStarted() throws {
        let p = try Self.compile("signals [\"c\"]\n1 until signal(\"c\") then linear(T=2, from=current, to=0) then 0.5")
        let e = try #require(p.lr.enter(1, at: 3, StepContext(metric: nil, lr: .nan), previous: nil))
        #expect(e.held && e.length == nil)
        #expect(e.values.elapsed == 4 && e.values.current["lr"]!.isNaN)
        let fine = try #require(p.lr.enter(1, at: 3, StepContext(metric: nil, lr: 0.8), previous: nil))
        #expect(!fine.held && fine.length == 2 && fine.values == EntryValues(elapsed: 4, current: ["lr": 0.8]))
        let written = try Self.compile(
            "signals [\"c\"]\n1 until signal(\"c\") then linear(T=2, from=current, to=0) for 0.5 * elapsed then 0.5")
        let held = try #require(written.lr.enter(1, at: 9, StepContext(metric: nil, lr: .infinity), previous: nil))
        #expect(held.held && held.length == 5)
    }

    /// Built again from its IR, and at another base, a program with phases
    /// built at entry runs as the checked program does.
    @Test func theIRAndAnotherBaseKeepThePhasesBuiltAtEntry() throws {
        let source =
            "base 0.1\nsignals [\"cooldown\"]\nwarmup 2 then constant(base) until signal(\"cooldown\") then "
            + "linear(T=0.5 * elapsed, from=current - 0.25 * base, to=0)"
        func trace(_ p: CompiledProgram) -> [Double] {
            var s = Scheduler(p)
            var out: [Double] = []
            for step in 0..<20 {
                out.append(s.lr)
                if step == 9 { try! s.signal("cooldown") }
                s.step()
            }
            return out
        }
        let p = try Self.compile(source)
        #expect(
            trace(try IR.load(IR.document(p).render(), name: "p.ramp")).map(\.bitPattern) == trace(p).map(\.bitPattern))
        #expect(
            trace(try p.rebased(to: 0.2)).map(\.bitPattern)
                == trace(try Self.compile(source, base: 0.2)).map(\.bitPattern))
        // The cooldown starts at step 10 from 0.1 - 0.025, over 5 steps, and holds its last value once finished.
        let from = 0.1 - 0.25 * 0.1
        #expect(
            Array(trace(p)[10...15]) == [
                from, from + (0 - from) * (1.0 / 5), from + (0 - from) * (2.0 / 5), from + (0 - from) * (3.0 / 5),
                from + (0 - from) * (4.0 / 5), from + (0 - from) * (4.0 / 5),
            ])
    }

    /// `--to jax` builds an arithmetic phase at entry under jit (the
    /// conformance runner checks its traces); a phase that is not arithmetic,
    /// and Keras' schedule of the step alone, are refused, saying why.
    /// An IR document whose phases built at entry are not as the checker
    /// plans them is refused, naming the phase: it would otherwise run a
    /// template, or read a phase that is not there.
    @Test func anIRDocumentWithMisplannedEntriesIsRefused() throws {
        let p = try Self.compile("cosine(T=10) until plateau(patience 1) then warmup 2 then cosine(T=4, from=current)")
        let doc = IR.document(p).renderCompact()
        func refusal(_ from: String, _ to: String) -> String {
            let edited = doc.replacingOccurrences(of: from, with: to)
            #expect(edited != doc, "\(from) is not in the document")
            do {
                _ = try IR.load(edited, name: "p.json")
                return "loaded"
            } catch { return error.description }
        }
        #expect(
            refusal(#""entry":{"output":"lr","role":"after_warmup","length":null}"#, #""entry":null"#)
                == "p.json: error: outputs.lr: phases.1: an entry of role \"warmup\" is a warmup rising to the next "
                + "phase, whose role is \"after_warmup\""
        )
        #expect(
            refusal(#""role":"warmup""#, #""role":"own""#)
                == "p.json: error: outputs.lr: phases.2: an entry of role \"after_warmup\" follows one of role "
                + "\"warmup\""
        )
        #expect(
            refusal(#""role":"after_warmup""#, #""role":"own""#)
                == "p.json: error: outputs.lr: phases.1: an entry of role \"warmup\" is a warmup rising to the next "
                + "phase, whose role is \"after_warmup\""
        )
        let plain = IR.document(
            try Self.compile("cosine(T=10) until plateau(patience 1) then linear(T=4, from=current, to=0)")
        ).renderCompact()
        let withoutPlan = plain.replacingOccurrences(
            of: #","entry":{"output":"lr","role":"own","length":null}"#, with: "")
        #expect(withoutPlan != plain)
        do {
            _ = try IR.load(withoutPlan, name: "p.json")
            Issue.record("loaded a phase reading entry values without its plan")
        } catch {
            #expect(
                error.description
                    == "p.json: error: outputs.lr: phases.1: its numbers read `current` or `elapsed`, but it has no "
                    + "\"entry\""
            )
        }
    }

    @Test func targetsThatCannotRunThemSaySo() throws {
        let p = try Self.compile("cosine(T=10) until plateau(patience 1) then linear(T=4, from=current, to=0)")
        let module = try JAX.module(p)
        #expect(module.contains("_sequence_state(_entry_state((\"lr\",)))"))
        let restarts = try Self.compile(
            "cosine(T=10) until plateau(patience 1) then restarts(cosine(T=5, from=current), period=5)")
        do {
            _ = try JAX.module(restarts)
            Issue.record("compiled --to jax")
        } catch {
            #expect(
                "\(error)" == "`restarts(cosine(T=5, from=current, min=0, exponent=1, k=1...` "
                    + "is built when its phase starts, and `--to jax` compiles such a phase only when it is "
                    + "arithmetic of the step")
        }
        // A cycle is arithmetic of the step; the momentum it moves would be held in the state.
        let cyclic = try Self.compile("cosine(T=10) until plateau(patience 1) then cyclic(low=0, high=current, up=2)")
        do {
            _ = try JAX.module(cyclic)
            Issue.record("compiled --to jax")
        } catch {
            #expect(
                "\(error)".hasPrefix(
                    "the momentum this schedule moves with its rate (one-cycle, cyclic) is not compiled `--to jax` yet")
            )
        }
        do {
            _ = try Keras.module(p)
            Issue.record("compiled --to keras")
        } catch {
            #expect(
                "\(error)".hasPrefix(
                    "this schedule fixes values when a phase starts (`current`, `elapsed`), which a `--to keras` "
                        + "LearningRateSchedule never sees"
                ))
        }
    }
}
