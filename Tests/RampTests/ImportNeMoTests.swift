import Foundation
import Testing

@testable import Ramp

/// NeMo Hydra YAMLs of the shapes NeMo's own example configs have, read as ModelPT.setup_optimization and
/// prepare_lr_scheduler read them. Expected rates are worked out by hand from nemo/core/optim/lr_scheduler.py.
@Suite struct ImportNeMoTests {
    static func yaml(trainer: String, sched: String, lr: String = "1e-3") -> String {
        """
        trainer:
          devices: 8
        \(trainer)
        model:
          optim:
            name: fused_adam
            lr: \(lr)
            sched:
        \(sched)
        """
    }

    static func rates(_ text: String, steps: Int, stepsPerEpoch: Int? = nil) throws -> [Double] {
        let program = try ImportTests.imported(text, name: "megatron_gpt_config.yaml", stepsPerEpoch: stepsPerEpoch)
        return Table.rows(program, steps: steps).map(\.lr)
    }

    static func expectClose(_ rates: [Double], _ expected: [Double]) {
        #expect(rates.count == expected.count)
        for (i, x) in expected.enumerated() where i < rates.count {
            #expect(abs(rates[i] - x) <= 1e-12 * max(abs(x), 1e-300), "lr[\(i)] = \(rates[i]), expected \(x)")
        }
    }

    /// CosineAnnealing with constant_steps as large as the run (megatron_gpt_config_hyena.yaml: warmup 636,
    /// constant_steps 100000, max_steps 100000): decay_steps = 10 - (10 + 4) = -4, so after the warmup
    /// (lr * step / 4, up to step 4) every step is past warmup_steps + decay_steps and the rate is min_lr.
    @Test func cosineConstantStepsAsLongAsTheRun() throws {
        let sched = "      name: CosineAnnealing\n      warmup_steps: 4\n      constant_steps: 10\n      min_lr: 1e-4"
        let text = Self.yaml(trainer: "  max_steps: 10", sched: sched)
        Self.expectClose(try Self.rates(text, steps: 8), [0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-4, 1e-4, 1e-4])
    }

    /// A warmup longer than the run, without constant_steps: (step + 1) / 7 of lr up to step 6, then min_lr.
    @Test func cosineWarmupLongerThanTheRun() throws {
        let sched = "      name: CosineAnnealing\n      warmup_steps: 6\n      min_lr: 0"
        let text = Self.yaml(trainer: "  max_steps: 4", sched: sched)
        let warm = (1...7).map { 1e-3 * Double($0) / 7 }
        Self.expectClose(try Self.rates(text, steps: 9), warm + [0, 0])
    }

    /// trainer.max_steps replaces the scheduler's own (megatron_retro_config.yaml: 100000 against 750000), as
    /// ModelPT.setup_optimization writes it into the sched config.
    @Test func trainerMaxStepsReplacesTheSchedulers() throws {
        let sched = "      name: CosineAnnealing\n      max_steps: 750\n      min_lr: 1e-5"
        let program = try Importer.convert(
            SourceFile(name: "retro.yaml", text: Self.yaml(trainer: "  max_steps: 100", sched: sched)))
        #expect(program.contains("\ntotal 100\n"))
        #expect(program.hasSuffix("nemo.CosineAnnealing(min_lr=1e-05, max_steps=100)\n"))
    }

    /// A run given by max_epochs: NeMo's compute_max_steps makes it max_epochs times the optimizer steps of an
    /// epoch, which --steps-per-epoch gives (5 * 20 = 100: the cosine reaches min_lr 0 at step 100).
    @Test func maxEpochsThroughStepsPerEpoch() throws {
        let sched = "      name: CosineAnnealing\n      min_lr: 0"
        let text = Self.yaml(trainer: "  max_steps: -1\n  max_epochs: 5", sched: sched)
        let rates = try Self.rates(text, steps: 101, stepsPerEpoch: 20)
        Self.expectClose([rates[0], rates[50], rates[100]], [1e-3, 5e-4, 0])
        #expect(
            ImportConfigTests.refused(text, "asr.yaml")
                == [
                    "asr.yaml:4:3: error[R0601]: trainer.max_epochs: NeMo derives max_steps from max_epochs and the "
                        + "dataloader, ceil(batches / accumulate_grad_batches) an epoch; give --steps-per-epoch, the "
                        + "optimizer steps of an epoch",
                    "  max_epochs: 5",
                    "  ^~~~~~~~~~",
                ].joined(separator: "\n"))
    }

    /// The scheduler's max_steps -1 with no trainer.max_steps: prepare_lr_scheduler builds no scheduler, so the
    /// rate stays the optimizer's.
    @Test func noSchedulerWhenItsMaxStepsIsMinusOne() throws {
        let sched = "      name: CosineAnnealing\n      max_steps: -1\n      warmup_steps: 10"
        let text = Self.yaml(trainer: "  max_steps: -1\n  max_epochs: 200", sched: sched)
        Self.expectClose(try Self.rates(text, steps: 3), [1e-3, 1e-3, 1e-3])
    }

    /// The torch schedulers of NeMo's AVAILABLE_SCHEDULERS (maxine_bnr.yaml's StepLR, the audio codecs'
    /// ExponentialLR): StepLR is stepped every optimizer step, ExponentialLR at each epoch's end; neither takes
    /// max_steps, so a run of max_epochs -1 builds them too. gamma 0.5 halves the rate every 2 steps here.
    @Test func torchSchedulersOfNeMo() throws {
        let halving: [Double] = [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4]
        let stepLR = "      name: StepLR\n      step_size: 2\n      gamma: 0.5\n      last_epoch: -1"
        Self.expectClose(try Self.rates(Self.yaml(trainer: "  max_steps: 6", sched: stepLR), steps: 6), halving)
        let exponential = "      name: ExponentialLR\n      gamma: 0.5"
        let endless = Self.yaml(trainer: "  max_steps: -1\n  max_epochs: -1", sched: exponential)
        Self.expectClose(try Self.rates(endless, steps: 6, stepsPerEpoch: 2), halving)
        #expect(
            ImportConfigTests.refused(endless, "codec.yaml")
                == [
                    "codec.yaml:10:7: error[R0601]: model.optim.sched.name: NeMo's ExponentialLR is stepped by epoch, "
                        + "and a config does not say how many steps an epoch has: give --steps-per-epoch (the "
                        + "dataloader's length in optimizer steps)",
                    "      name: ExponentialLR",
                    "      ^~~~",
                ].joined(separator: "\n"))
        let vits = Self.yaml(
            trainer: "  max_steps: -1\n  max_epochs: -1", sched: "      name: ExponentialLR\n      lr_decay: 0.9")
        #expect(
            ImportConfigTests.refused(vits, "vits.yaml", stepsPerEpoch: 2)
                == [
                    "vits.yaml:9:5: error[R0601]: model.optim.sched: ExponentialLR needs gamma, which is not given "
                        + "here",
                    "    sched:",
                    "    ^~~~~",
                ].joined(separator: "\n"))
    }
}
