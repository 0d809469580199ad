import Foundation
import Testing

@testable import Ramp

/// Published training recipes, written as samples, against the arrays their
/// own code computes, every iteration, to 1e-12 relative.
@Suite struct RecipeTests {
    /// DINO's `utils.cosine_scheduler(base_value, final_value, epochs,
    /// niter_per_ep, warmup_epochs, start_warmup_value)`, as numpy computes it:
    /// `np.linspace` for the warmup (`i * step + start`, the last set to the
    /// peak), then `final + 0.5 * (base - final) * (1 + cos(pi * i / len))`.
    static func dinoCosineScheduler(
        _ base: Double, _ final: Double, epochs: Int, perEpoch: Int,
        warmupEpochs: Int = 0, start: Double = 0
    ) -> [Double] {
        let warmupIters = warmupEpochs * perEpoch
        var out: [Double] = []
        if warmupIters > 0 {
            let step = (base - start) / Double(warmupIters - 1)
            for i in 0..<warmupIters { out.append(Double(i) * step + start) }
            out[warmupIters - 1] = base
        }
        let n = epochs * perEpoch - warmupIters
        for i in 0..<n { out.append(final + 0.5 * (base - final) * (1 + cos(Double.pi * Double(i) / Double(n)))) }
        return out
    }

    static func close(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b)) }

    @Test func dinoEqualsItsCosineScheduler() throws {
        let url = repositoryRoot.appendingPathComponent("samples/dino.ramp")
        let program = try Compiler.compile(
            SourceFile(name: "dino.ramp", text: try String(contentsOf: url, encoding: .utf8)))
        // main_dino.py's defaults: lr 0.0005 per 256 images at 1,024, min_lr 1e-6, 100 epochs, 10 of warmup;
        // weight decay 0.04 to 0.4; teacher momentum 0.996 to 1. 1,251 iterations an epoch.
        let perEpoch = 1251
        let lr = Self.dinoCosineScheduler(0.0005 * 1024 / 256, 1e-6, epochs: 100, perEpoch: perEpoch, warmupEpochs: 10)
        let wd = Self.dinoCosineScheduler(0.04, 0.4, epochs: 100, perEpoch: perEpoch)
        let ema = Self.dinoCosineScheduler(0.996, 1, epochs: 100, perEpoch: perEpoch)
        #expect(program.outputs.map(\.name) == ["weight_decay", "ema"])
        var s = Scheduler(program)
        var worst = 0.0
        for i in 0..<lr.count {
            let got = [s.lr, s.value(of: "weight_decay")!, s.value(of: "ema")!]
            let want = [lr[i], wd[i], ema[i]]
            for (g, w) in zip(got, want) {
                if !Self.close(g, w) {
                    Issue.record("iteration \(i): \(g), DINO gives \(w)")
                    return
                }
                worst = max(worst, abs(g - w) / max(abs(w), .leastNormalMagnitude))
            }
            #expect(!s.finished)
            s.step()
        }
        #expect(s.finished && program.duration == lr.count)
        print("dino: \(lr.count) iterations of lr, weight_decay and ema within \(worst) relative of DINO's arrays")
    }

    /// BEiT's fine-tuning: every parameter group's rate is the schedule times
    /// its layer's scale, `layer_decay ** (num_layers + 1 - i)` for the 14
    /// groups of a 12-block ViT, as run_class_finetuning.py assigns them.
    @Test func beitEqualsItsSchedulerTimesTheLayerScales() throws {
        let url = repositoryRoot.appendingPathComponent("samples/beit.ramp")
        let program = try Compiler.compile(
            SourceFile(name: "beit.ramp", text: try String(contentsOf: url, encoding: .utf8)))
        let lr = Self.dinoCosineScheduler(4e-3, 1e-6, epochs: 100, perEpoch: 1251, warmupEpochs: 20)
        let scales = (0..<14).map { pow(0.65, Double(12 + 1 - $0)) }
        #expect(program.outputs.map(\.name) == ["weight_decay"] + (0..<14).map { "lr[\($0)]" })
        var s = Scheduler(program)
        for i in 0..<lr.count {
            for (g, scale) in scales.enumerated() {
                let got = s.value(of: "lr[\(g)]")!
                let want = lr[i] * scale
                if !Self.close(got, want) {
                    Issue.record("iteration \(i), group \(g): \(got), BEiT gives \(want)")
                    return
                }
            }
            if !Self.close(s.lr, lr[i]) || s.value(of: "weight_decay") != 0.05 {
                Issue.record("iteration \(i): \(s.lr)")
                return
            }
            s.step()
        }
        #expect(s.finished && program.duration == lr.count)
    }

    /// GPT-3 175B from its paper's numbers, counted in tokens: sequences of
    /// 2,048; the batch in stairs of 16 sequences from 16 to 1,536 over 7,631
    /// steps; warmup to 0.6e-4 over the first steps to pass 375M tokens; a
    /// cosine to 10% over the steps after it that pass 260B more; 10% to 300B.
    @Test func gpt3CountsItsWarmupAndDecayInTokensThroughTheGrowingBatch() throws {
        let url = repositoryRoot.appendingPathComponent("samples/gpt3.ramp")
        let program = try Compiler.compile(
            SourceFile(name: "gpt3.ramp", text: try String(contentsOf: url, encoding: .utf8)))
        let ramp = 7631
        let peak = 0.6e-4
        let final = 0.1 * 0.6e-4
        func batch(_ i: Int) -> Int { i < ramp ? 16 * (1 + 95 * i / ramp) : 1536 }
        var tokens = [0]  // tokens[n]: the tokens in steps 0..<n
        while tokens.last! < 300_000_000_000 { tokens.append(tokens.last! + 2048 * batch(tokens.count - 1)) }
        let warmup = tokens.firstIndex { $0 >= 375_000_000 }!
        let decayEnd = tokens.firstIndex { $0 - tokens[warmup] >= 260_000_000_000 }!
        #expect(tokens[ramp] >= 12_000_000_000 && tokens[ramp - 1] < 12_000_000_000)
        #expect(program.settings.total == tokens.count - 1)
        var s = Scheduler(program)
        for i in 0..<(tokens.count - 1) {
            let want =
                i < warmup
                ? peak * Double(i) / Double(warmup)
                : i < decayEnd
                    ? final + 0.5 * (peak - final)
                        * (1 + cos(Double.pi * Double(i - warmup) / Double(decayEnd - warmup)))
                    : final
            if !Self.close(s.lr, want) || s.value(of: "batch_size") != Double(batch(i)) {
                Issue.record(
                    "step \(i): lr \(s.lr) and batch \(s.value(of: "batch_size")!), GPT-3 gives \(want) and \(batch(i))"
                )
                return
            }
            s.step()
        }
        // Explain gives each phase's steps and the tokens they train on.
        let text = Explain.text(program)
        #expect(text.contains("phase 1: steps 0-\(warmup - 1) (\(warmup) steps; tokens 0-375,455,744)"))
        #expect(text.contains("phase 1: steps 0-7630 (7631 steps; tokens 0-12,000,985,088)"))
        print(
            "gpt3: \(tokens.count - 1) steps; warmup \(warmup) steps, decay \(decayEnd - warmup) steps, counted in "
                + "tokens"
        )
    }
}
