import Foundation
import Testing

@testable import Ramp

/// Megatron-LM and fairseq arguments as launch scripts hold them: bash arrays, quoted strings of options,
/// comments, and `$VARIABLES` the script sets. Each expected program is derived by hand from training.py's
/// get_optimizer_param_scheduler (lengths in samples: iterations times --global-batch-size) or from the
/// fairseq options the flags name.
@Suite struct ImportLaunchScriptTests {
    static func program(_ text: String, _ name: String, stepsPerEpoch: Int? = nil) throws -> [String] {
        let ramp = try Importer.convert(
            SourceFile(name: name, text: text), options: ImportOptions(stepsPerEpoch: stepsPerEpoch))
        return ramp.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("# Megatron-LM") }
    }

    /// A bash array of options with comments, its values in variables set above it; one variable keeps the
    /// default the script gives it. Warmup 0.01 of the decay: 0.01 * 320000 * 16 = 51200 samples.
    @Test func megatronBashArrayWithVariables() throws {
        let script = """
            #!/bin/bash
            GBS=16
            LR=${LR:-3e-4}
            export TRAIN_ITERS=500000

            TRAINING_ARGS=(
                --micro-batch-size 4      # per GPU
                --global-batch-size $GBS
                # --lr 1e-3
                --lr "$LR" --min-lr 3.0e-5
                --train-iters ${TRAIN_ITERS}
                --lr-decay-iters 320000
                --lr-decay-style cosine
                --lr-warmup-fraction .01
                --weight-decay 0.1
                --data-path $DATA_PATH
            )
            torchrun $DISTRIBUTED_ARGS pretrain_gpt.py ${TRAINING_ARGS[@]}
            """
        #expect(
            try Self.program(script, "train.sh") == [
                "# $LR is 3e-4, the default the script gives it (the environment may set another).",
                "# its lengths are samples, and an iteration is --global-batch-size of them.",
                "samples_per_step 16",
                "total 500000",
                "megatron.OptimizerParamScheduler(init_lr=0, max_lr=0.0003, min_lr=3e-05, lr_warmup_steps=51200, "
                    + "lr_decay_steps=5120000, lr_decay_style=\"cosine\", start_wd=0.1, end_wd=0.1, "
                    + "wd_incr_steps=8000000, wd_incr_style=\"constant\")",
            ])
    }

    /// A quoted string of options assigned to a name and passed as `$GPT_ARGS`, with `\` continuations;
    /// sample-based: 1000000 samples of 256 are 3906 iterations, the WSD decay 100000 samples.
    @Test func megatronQuotedOptionString() throws {
        let script = """
            GPT_ARGS="--num-layers 24 \\
                --global-batch-size 256 \\
                --train-samples 1000000 \\
                --lr-warmup-samples 2000 \\
                --lr 6e-4 \\
                --lr-decay-style WSD \\
                --lr-wsd-decay-style minus_sqrt \\
                --lr-wsd-decay-samples 100000 \\
                --fp16"
            python pretrain_gpt.py $GPT_ARGS --save $CHECKPOINT_PATH
            """
        #expect(
            try Self.program(script, "gpt.sh") == [
                "# its lengths are samples, and an iteration is --global-batch-size of them.",
                "samples_per_step 256",
                "total 3906",
                "megatron.OptimizerParamScheduler(init_lr=0, max_lr=0.0006, min_lr=0, lr_warmup_steps=2000, "
                    + "lr_decay_steps=1000000, lr_decay_style=\"WSD\", start_wd=0.01, end_wd=0.01, "
                    + "wd_incr_steps=1000000, wd_incr_style=\"constant\", wsd_decay_steps=100000, "
                    + "lr_wsd_decay_style=\"minus_sqrt\")",
            ])
    }

    /// What a launch script leaves to the shell, or what Megatron-LM itself refuses, is refused at its place.
    @Test func megatronScriptRefusals() {
        let head = "GPT_ARGS=(\n    --global-batch-size 8\n    --lr 3e-4\n"
        #expect(
            ImportConfigTests.refused(head + "    --train-iters $TRAIN_STEPS\n)\n", "a.sh")
                == [
                    "a.sh:4:19: error[R0601]: --train-iters: $TRAIN_STEPS is not set in this file: Ramp reads a "
                        + "launch script as text, without its environment; write the value, or set TRAIN_STEPS=... in "
                        + "the file",
                    "    --train-iters $TRAIN_STEPS",
                    "                  ^~~~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused(head + "    --train-iters $((ITERS / 10))\n)\n", "a.sh")
                == [
                    "a.sh:4:19: error[R0601]: --train-iters: '$((ITERS / 10))' is computed by the shell when the "
                        + "script runs; Ramp reads a launch script without running it: write the number",
                    "    --train-iters $((ITERS / 10))",
                    "                  ^~~~~~~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused("N=10\nN=20\n" + head + "    --train-iters $N\n)\n", "a.sh")
                == [
                    "a.sh:6:19: error[R0601]: --train-iters: $N is set more than once, to an array, or inside an "
                        + "if or a loop: Ramp reads a launch script without running it; write the value",
                    "    --train-iters $N",
                    "                  ^~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused(head + "    --train-samples 8000 --lr_warmup_samples 80\n)\n", "a.sh")
                == [
                    "a.sh:4:26: error[R0601]: --lr_warmup_samples: Megatron-LM's argparse refuses this spelling: "
                        + "the flag is --lr-warmup-samples",
                    "    --train-samples 8000 --lr_warmup_samples 80",
                    "                         ^~~~~~~~~~~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused(head + "    --train-iters 100 --warmup 10\n)\n", "a.sh")
                == [
                    "a.sh:4:23: error[R0601]: --warmup: no longer valid in Megatron-LM, which refuses it; give "
                        + "--lr-warmup-iters, --lr-warmup-samples or --lr-warmup-fraction",
                    "    --train-iters 100 --warmup 10",
                    "                      ^~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused(head + "    --train-iters 100 --lr-decay-samples 400\n)\n", "a.sh")
                == [
                    "a.sh:4:23: error[R0601]: --lr-decay-samples: Megatron-LM refuses it: 'expected "
                        + "iteration-based learning rate decay'",
                    "    --train-iters 100 --lr-decay-samples 400",
                    "                      ^~~~~~~~~~~~~~~~~~",
                ].joined(separator: "\n"))
        let branches = head + "    --train-iters 100\n)\nif [ $LONG ]; then\n  ARGS+=(--train-iters 200)\nfi\n"
        #expect(
            ImportConfigTests.refused(branches, "a.sh")
                == [
                    "a.sh:7:10: error[R0601]: --train-iters: given more than once, to different values, inside "
                        + "an if or a loop: Ramp reads a launch script without running it; give it once",
                    "  ARGS+=(--train-iters 200)",
                    "         ^~~~~~~~~~~~~",
                ].joined(separator: "\n"))
    }

    /// A fairseq README's command: its values in variables set above it, `#` comments after them, quoted
    /// values, and the data directory and other options left alone.
    @Test func fairseqScriptWithVariables() throws {
        let script = """
            TOTAL_NUM_UPDATES=2036  # 10 epochs through RTE for bsz 16
            WARMUP_UPDATES=61       # 6 percent of the number of updates
            LR=1e-05                # Peak LR for polynomial LR scheduler.
            CUDA_VISIBLE_DEVICES=0,1 fairseq-train RTE-bin/ \\
                --restore-file $ROBERTA_PATH \\
                --optimizer adam --adam-betas "(0.9, 0.98)" --adam-eps 1e-06 \\
                --lr-scheduler polynomial_decay --lr $LR --total-num-update $TOTAL_NUM_UPDATES \\
                --warmup-updates $WARMUP_UPDATES \\
                --max-epoch 10
            """
        #expect(
            try Self.program(script, "rte.sh").last
                == "fairseq.polynomial_decay(lr=[1e-05], total_num_update=2036, warmup_updates=61)")
    }

    /// fairseq's default rate when no --lr is given, [0.25]; several rates are refused by the schedulers whose
    /// constructor raises for them, and kept by fixed, which takes one an epoch.
    @Test func fairseqRates() throws {
        #expect(
            try Self.program("fairseq-train data --lr-scheduler inverse_sqrt --warmup-updates 100\n", "a.sh") == [
                "# fairseq config a.sh, imported by ramp import.",
                "# no --lr: fairseq's default, 0.25.",
                "# --lr-scheduler inverse_sqrt, stepped as fairseq's Trainer steps it: every update, and at each "
                    + "epoch's start.",
                "# --lr is the rate, not base.",
                "fairseq.inverse_sqrt(warmup_updates=100, lr=[0.25])",
            ])
        #expect(
            ImportConfigTests.refused("fairseq-train data --lr-scheduler cosine --lr 0.1,0.05\n", "a.sh")
                == [
                    "a.sh:1:47: error[R0601]: --lr: fairseq's cosine refuses several rates: 'Cannot use a fixed "
                        + "learning rate schedule with cosine.'",
                    "fairseq-train data --lr-scheduler cosine --lr 0.1,0.05",
                    "                                              ^~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            try Self.program("fairseq-train data --lr 0.1,0.05 --lr-scheduler fixed\n", "a.sh", stepsPerEpoch: 10)
                .last == "fairseq.fixed(lr=[0.1, 0.05])")
    }
}
