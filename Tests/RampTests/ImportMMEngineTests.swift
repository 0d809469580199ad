import Foundation
import Testing

@testable import Ramp

/// MMEngine configs as the OpenMMLab repositories write them (Fixtures/Import): `_base_` files merged
/// as `Config._merge_a_into_b` merges them, `read_base()` imports, names and arithmetic between
/// assignments, the Runner's default `end`, `T_max = end - begin`, and a `param_name` scheduler as
/// its own output; timm's float decay period and `--lr-noise`. Expected rates are worked out by hand.
@Suite struct ImportMMEngineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/Import")

    static func program(_ path: String, stepsPerEpoch: Int? = nil) throws -> (text: String, program: CompiledProgram) {
        let file = try SourceFile.load(path: fixtures.appendingPathComponent(path).path)
        let text = try Importer.convert(file, options: ImportOptions(stepsPerEpoch: stepsPerEpoch))
        return (text, try Compiler.compile(SourceFile(name: path, text: text)))
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(a), abs(b)) }

    /// mmdet's retinanet 2x: the 1x schedule file inherited, its train_cfg merged key by key
    /// (max_epochs 24 from a name), param_scheduler replaced, and lr=0.01 * 2 merged into the SGD optimizer.
    @Test func baseFilesMerged() throws {
        let (text, _) = try Self.program("mmdet/retinanet/retinanet_r50_fpn_2x_coco.py", stepsPerEpoch: 100)
        #expect(
            text.hasSuffix(
                """
                base 0.02
                steps_per_epoch 100
                total 24 epochs
                # param_scheduler[0] LinearLR (steps 0-499); \
                param_scheduler[1] MultiStepLR (steps 0-2399, once an epoch)
                (span(base * (0.001 + (1 - 0.001) * (min(t, 499) / 499)), begin=0, end=500) * \
                span(base * at(multistep(milestones=[16, 22], gamma=0.1, from=1), floor(t / 100)), \
                begin=0, end=2400)) / base

                """))
    }

    /// `_delete_=True` replaces the inherited optimizer; the cosine without `end` runs to max_epochs 12,
    /// converted to iterations from epoch 1, so T_max = end - begin = 1100 iterations.
    @Test func deleteAndRunnerDefaults() throws {
        let (_, p) = try Self.program("mmdet/retinanet/retinanet_r50_fpn_adamw_cosine_1x_coco.py", stepsPerEpoch: 100)
        let lr = Table.rows(p, steps: 1200).map(\.lr)
        #expect(lr.count == 1200)
        #expect(Self.close(lr[0], 1e-4 * 0.001))
        // Iteration 600: the warmup done, the cosine 500 of its 1100 iterations in.
        #expect(Self.close(lr[600], 1e-4 * (1 + cos(Double.pi * 500 / 1100)) / 2))
        // Iteration 300: both at once, as MMEngine chains them.
        let warm = 0.001 + 0.999 * 300 / 499
        #expect(Self.close(lr[300], 1e-4 * warm * (1 + cos(Double.pi * 200 / 1100)) / 2))
    }

    /// The new style: `with read_base()`, names (`end=warmup_epochs`, `eta_min=base_lr * 0.05`,
    /// `optimizer=optimizer`), `.update(...)`, and a weight-decay schedule read as that output.
    @Test func readBaseNamesAndWeightDecay() throws {
        let (text, p) = try Self.program("mmpretrain/swin_cosine_weight_decay.py", stepsPerEpoch: 10)
        #expect(text.contains("\nbase 0.004\nsteps_per_epoch 10\ntotal 30 epochs\n"))
        let rows = Table.rows(p, steps: 300)
        #expect(p.outputs.map(\.name) == ["weight_decay"])
        let lr = rows.map(\.lr)
        let wd = rows.map { $0.values[0] }
        #expect(Self.close(lr[0], 0.004 * 0.01))
        // The cosine starts at iteration 50 from 0.004, to eta_min 0.0002 over T_max = 300 - 50.
        #expect(Self.close(lr[150], 0.0002 + (0.004 - 0.0002) * (1 + cos(Double.pi * 100 / 250)) / 2))
        // weight_decay from the optimizer's 0.05 toward eta_min 0.5, once an epoch over the 30 epochs.
        #expect(Self.close(wd[0], 0.05))
        #expect(Self.close(wd[155], 0.5 + (0.05 - 0.5) * (1 + cos(Double.pi * 15 / 30)) / 2))
    }

    /// The mmpretrain base file on its own: CosineAnnealingLR without T_max or end gets
    /// end = max_epochs 300 and T_max = 300 - 20 epochs.
    @Test func cosineWithoutTMax() throws {
        let (_, p) = try Self.program("mmpretrain/_base_/schedules/imagenet_bs1024_adamw_swin.py", stepsPerEpoch: 10)
        let lr = Table.rows(p, steps: 3000).map(\.lr)
        // 5e-4 * 1024 / 512 = 0.001; epoch 160 is 140 of the 280 epochs in.
        #expect(Self.close(lr[1600], 1e-5 + (0.001 - 1e-5) * (1 + cos(Double.pi * 140 / 280)) / 2))
    }

    /// timm keeps `--decay-epochs 2.4` a float: the rate halves at epochs 3, 5 and 8 (t // 2.4), not every 2.
    @Test func timmFloatDecayAndNoise() throws {
        let args = "--sched step --epochs 10 --lr 0.1 --decay-epochs 2.4 --decay-rate 0.5 --warmup-epochs 0\n"
        let ramp = try Importer.convert(SourceFile(name: "timm.args", text: args))
        let lr = Table.rows(try Compiler.compile(SourceFile(name: "t", text: ramp)), steps: 10).map(\.lr)
        #expect(lr == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125])
        let noisy = SourceFile(name: "n.args", text: "--sched cosine --epochs 10 --lr 0.1 \\\n  --lr-noise 0.42 0.9\n")
        do {
            _ = try Importer.convert(noisy)
            Issue.record("--lr-noise was imported")
        } catch {
            #expect(
                DiagnosticPrinter.render(error.diagnostics, in: noisy) == """
                    n.args:2:3: error[R0602]: --lr-noise: timm adds noise drawn from torch's generator \
                    (seeded noise_seed + t, \
                    redrawn while beyond --lr-noise-pct), which Ramp does not reproduce; remove --lr-noise to \
                    import the schedule without it
                      --lr-noise 0.42 0.9
                      ^~~~~~~~~~
                    """)
        }
    }

    /// A `_base_` dataset file whose pipeline holds a list comprehension over several lines (mmpretrain's
    /// imagenet_bs64_swin_224.py): the schedule does not need it, so the config is read. The cosine's T_max is
    /// end - begin = 100: lr 5e-4 * 1024 / 512 = 1e-3 at iteration 0, halfway to eta_min 1e-5 at iteration 50.
    @Test func unreadablePipelineInABase() throws {
        let (_, p) = try Self.program("mmpretrain/deit-small_randaug.py")
        let lr = Table.rows(p, steps: 100).map(\.lr)
        #expect(Self.close(lr[0], 1e-3))
        #expect(Self.close(lr[50], 1e-5 + (1e-3 - 1e-5) * (1 + cos(Double.pi / 2)) / 2))
    }
}
