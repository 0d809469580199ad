import Foundation
import Testing

@testable import Ramp

/// Feeds lines to a fresh engine and returns each complete reply.
func repl(_ lines: [String], engine: inout ReplEngine) -> [ReplEngine.Reply] {
    lines.compactMap { engine.feed($0) }
}

@Suite struct ReplEngineTests {
    @Test func expressionPrintsPhasesSparklineAndRates() {
        var e = ReplEngine()
        let r = repl(["base 0.1", "warmup 5 then cosine(T=50) until plateau(patience 3)"], engine: &e)
        #expect(r.map(\.isError) == [false, false])
        #expect(r[0].output == "base 0.1")
        let lines = r[1].output.split(separator: "\n").map(String.init)
        #expect(lines[0] == "2 phases: warmup(T=5) → cosine(T=50) until plateau")
        #expect(lines[1].hasPrefix("▁▂▄▅▇"))
        #expect(lines[1].hasSuffix("steps 0–54, finished at 55"))
        #expect(
            lines[2] == "lr[0] = 0  lr[13] = 0.0938153  lr[27] = 0.0593691  lr[41] = 0.0181288  lr[54] = 9.86636e-05")
        #expect(lines[3] == "metric-driven: feed metrics with :step or :feed")
    }

    @Test func letAndDefPersistAndCanBeRedefined() {
        var e = ReplEngine()
        let r = repl(
            ["let w = 5", "def wc(T) = warmup w then cosine(T=T)", "wc(10)", "let w = 2", ":at 1 2"], engine: &e)
        #expect(r[0].output == "w = 5")
        #expect(r[1].output == "defined wc")
        #expect(r[2].output.hasPrefix("2 phases: warmup(T=5) → cosine(T=10)"))
        // Redefining w re-checks the current schedule with the new value.
        #expect(r[4].output == "lr[1] = 0.5\nlr[2] = 1")
        #expect(e.sessionNames == ["wc", "w"])
    }

    @Test func errorsShowACaretUnderTheInputAndKeepTheSession() {
        var e = ReplEngine()
        let r = repl(["let a = 1", "cosine(T=5, mn=0)", "a"], engine: &e)
        #expect(r[1].isError)
        #expect(
            r[1].output == """
                <repl>:1:13: error[R0301]: 'cosine' has no parameter 'mn'; did you mean 'min'?
                cosine(T=5, mn=0)
                            ^~
                """)
        #expect(!r[2].isError)
        #expect(r[2].output.hasPrefix("1\n"))
    }

    @Test func multiLineInputContinues() {
        var e = ReplEngine()
        #expect(e.feed("warmup 5 then") == nil)
        #expect(e.prompt == "  ... ")
        #expect(e.feed("cosine(T=10,") == nil)
        let r = e.feed("  min=0.1)")
        #expect(r?.output.hasPrefix("2 phases: warmup(T=5) → cosine(T=10, min=0.1)") == true)
        #expect(e.prompt == "ramp> ")
        // An empty line ends an unfinished input, with the error it has.
        #expect(e.feed("(1 +") == nil)
        #expect(e.feed("")?.isError == true)
        e.cancel()
    }

    @Test func atTableAndSet() {
        var e = ReplEngine()
        let r = repl(["cosine(T=4)", ":at 0 2 10", ":table 0..4 by 2", ":set base 2", ":at 0"], engine: &e)
        #expect(
            r[1].output
                == "lr[0] = 1\nlr[2] = 0.5\nlr[10] = 0.146447\nnote: the schedule finishes at step 4; step 10 shows "
                + "its last rate"
        )
        #expect(r[2].output == "step,lr\n0,1.0\n2,0.5\n4,0.14644660940672627")
        #expect(r[3].output == "base 2")
        #expect(r[4].output == "lr[0] = 2")
    }

    @Test func stepFeedAndReset() {
        var e = ReplEngine()
        _ = e.feed("1 until plateau(patience 1) then 0.5")
        let a = e.feed(":step 2 metric 1")!
        #expect(a.output == "step 2: lr = 1")
        let b = e.feed(":feed 1 1")!
        #expect(b.output == "phase 1 ended at step 3: its condition held\nstep 4: lr = 0.5")
        #expect(e.feed(":reset")!.output == "reset to step 0: step 0: lr = 1")
        #expect(e.feed(":feed x")!.output == "error: 'x' is not a number")
        #expect(e.feed(":step 0")!.isError)
    }

    @Test func explainPlotShowHelp() {
        var e = ReplEngine()
        #expect(e.feed(":plot")!.output == "error: no schedule yet: type one, such as cosine(T=100)")
        _ = e.feed("onecycle(total=20, max=1)")
        #expect(e.feed(":explain")!.output.contains("as native Ramp:"))
        let plot = e.feed(":plot 20")!.output
        #expect(plot.hasPrefix("learning rate\n"))
        #expect(plot.contains("momentum\n"))
        #expect(e.feed(":show")!.output == "onecycle(total=20, max=1)")
        #expect(e.feed(":help")!.output.contains(":table A..B [by K]"))
        #expect(e.feed(":help warmup")!.output.hasPrefix("warmup(T, from=0, to=next phase's start, shape=\"linear\")"))
        #expect(
            e.feed(":help torch.StepLR")!.output.hasPrefix(
                "torch.StepLR(step_size: integer >= 1, gamma: number > 0 = 0.1)"))
        #expect(e.feed(":plto")!.output == "error: unknown command ':plto'; did you mean 'plot'?; try :help")
    }

    @Test func compileCommand() {
        var e = ReplEngine()
        _ = e.feed("cosine(T=2)")
        #expect(e.feed(":compile csv 2")!.output == "step,lr\n0,1.0\n1,0.5")
        #expect(e.feed(":compile json")!.output.hasPrefix("{\n  \"ramp_ir\": 3,"))
        let module = e.feed(":compile python")!
        #expect(!module.isError)
        #expect(module.output.hasPrefix("\"\"\"A learning-rate schedule compiled by Ramp"))
        // The shape's arithmetic is written out, its Ramp above it.
        #expect(
            module.output.contains(
                """
                    # cosine(T=2, from=1, min=0, exponent=1, k=1, periodic=false)
                    def lr_1(t):
                        return (0.0 + (base - 0.0) * (0.5 * (1 + math.cos(math.pi * ((2.0 if 2.0 < t else t) / 2.0)))))

                    lr = Sequence([
                        Phase(Arith(lr_1), length=2, at="<repl>:1:1"),
                    ], starts=[0])
                """))
        #expect(
            e.feed(":compile table-json 2")!.output
                == "{\n  \"steps\": 2,\n  \"lr\": [1, 0.5],\n  \"momentum\": null\n}")
        #expect(
            e.feed(":compile yaml")!.output
                == "error: usage: :compile json|csv [steps]|table-json [steps]|python|jax|keras [FILE]")
    }

    /// An output other than the rate joins the session; a new schedule keeps it.
    @Test func outputsJoinTheSession() {
        var e = ReplEngine()
        _ = e.feed("base 0.1")
        #expect(
            e.feed("weight_decay: linear(T=10, from=0.1, to=0.2)")!.output
                == "weight_decay: linear(T=10, from=0.1, to=0.2)  (type a learning-rate schedule to run it with)")
        let summary = e.feed("cosine(T=10)")!.output
        #expect(
            summary.hasSuffix(
                "weight_decay[0] = 0.1  weight_decay[2] = 0.12  weight_decay[5] = 0.15  weight_decay[7] = "
                    + "0.17  weight_decay[9] = 0.19"
            ))
        #expect(e.feed(":at 5")!.output == "lr[5] = 0.05  weight_decay = 0.15")
        #expect(e.feed(":step")!.output == "step 1: lr = 0.0975528, weight_decay = 0.11")
        _ = e.feed("warmup 2 then 0.1")
        #expect(e.feed(":at 1")!.output == "lr[1] = 0.05  weight_decay = 0.11")
        #expect(e.sessionNames.isEmpty)
    }

    @Test func compilePythonToAFile() throws {
        var e = ReplEngine()
        _ = e.feed("cosine(T=2)")
        let path = try temporaryFile("", name: "cosine_schedule.py")
        #expect(e.feed(":compile python \(path)")!.output == "wrote \(path): `from cosine_schedule import Schedule`")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == e.feed(":compile python")!.output + "\n")
        let denied = e.feed(":compile python /nonexistent/dir/s.py")!
        #expect(denied.isError && denied.output.hasPrefix("error: cannot write /nonexistent/dir/s.py"))
    }

    /// The JAX and Keras modules, as `ramp compile --to jax|keras` writes them.
    @Test func compileJAXAndKeras() throws {
        var e = ReplEngine()
        _ = e.feed("cosine(T=2)")
        let jax = try temporaryFile("", name: "jax_schedule.py")
        #expect(e.feed(":compile jax \(jax)")!.output == "wrote \(jax): `from jax_schedule import schedule`")
        #expect(try String(contentsOfFile: jax, encoding: .utf8) == e.feed(":compile jax")!.output + "\n")
        #expect(
            e.feed(":compile jax")!.output.contains(
                "return (0.0 + (base - 0.0) * (0.5 * (1 + jnp.cos(jnp.pi * (jnp.where(2.0 < t, 2.0, t) / 2.0)))))"))
        #expect(e.feed(":compile keras")!.output.contains("keras.saving.register_keras_serializable"))
        _ = e.feed("running_product(0.99) for 10 then 0.01")
        #expect(e.feed(":compile jax")!.output.contains("return _running_product(t, "))
        _ = e.feed("float32(running_product(0.99)) for 10 then 0.01")
        #expect(
            e.feed(":compile jax")!.output == "error: `float32(running_product(0.99))` is not arithmetic "
                + "of the step, which is all `--to jax` compiles yet (parts with memory are not, nor a running "
                + "product or cycle in `float32(...)` or as the time of `at`)")
    }

    @Test func saveAndLoadRoundTrip() throws {
        var e = ReplEngine()
        _ = repl(["base 0.3", "let w = 3", "warmup w then cosine(T=7)"], engine: &e)
        let path = try temporaryFile("", name: "session.ramp")
        #expect(e.feed(":save \(path)")!.output == "saved \(path)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "base 0.3\nlet w = 3\nwarmup w then cosine(T=7)\n")
        var f = ReplEngine()
        let r = f.feed(":load \(path)")!
        #expect(r.output.hasPrefix("loaded \(path)\n2 phases: warmup(T=3) → cosine(T=7)"))
        #expect(f.feed(":load /nonexistent.ramp")!.output == "/nonexistent.ramp: error: no such file")
        #expect(f.feed(":quit")!.output == "")
        #expect(f.wantsQuit)
    }

    @Test func saveWritesFormattedSource() throws {
        var e = ReplEngine()
        _ = repl(["base=0.3", "let w=3", "warmup w then cosine( T=7 )"], engine: &e)
        let path = try temporaryFile("", name: "session.ramp")
        #expect(e.feed(":save \(path)")!.output == "saved \(path)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "base 0.3\nlet w = 3\nwarmup w then cosine(T=7)\n")
    }

    @Test func completion() {
        var e = ReplEngine()
        _ = e.feed("let warm_len = 5")
        #expect(e.completions(line: "cos", cursor: 3).candidates == ["cosine", "cosine_periods"])
        #expect(e.completions(line: "cosine(T=5, mi", cursor: 14) == (12, ["min=", "milestone_values", "min"]))
        #expect(e.completions(line: "warm", cursor: 4).candidates == ["warm_len", "warmup"])
        #expect(e.completions(line: "torch.Ste", cursor: 9).candidates == ["torch.StepLR"])
        #expect(e.completions(line: "torch.StepLR(ga", cursor: 15).candidates == ["gamma="])
        #expect(e.completions(line: ":pl", cursor: 3).candidates == [":plot"])
        #expect(e.completions(line: "warmup 5 th", cursor: 11).candidates == ["then"])
        let files = e.completions(line: ":load sam", cursor: 9)
        #expect(files.start == 6)
    }

    @Test func hostileLinesNeverEndTheSession() {
        var e = ReplEngine()
        var seed: UInt64 = 7
        let pieces = [
            "cosine(", ")", "warmup", " then ", "5", "epochs", "%", ":at", ":table", "..", "\u{0}", "\u{7}", "\u{1B}[A",
            "é", "let", "def", "=", "lambda", ":", "metric", "1e400", "-", "*", "(", "[", "{", "\"", "'", "until",
            "plateau",
            ":step", ":feed", "nan", "inf", ":load", ":set base", "0", "999999999999", "\t", "\r",
        ]
        for _ in 0..<2000 {
            var line = ""
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for k in 0..<Int(seed >> 60) {
                line += pieces[Int((seed >> UInt64(k * 5 % 58)) % UInt64(pieces.count))]
            }
            _ = e.feed(line)
            #expect(!e.wantsQuit)
        }
        e.cancel()
        #expect(e.feed("cosine(T=3)")?.isError == false)
    }
}
