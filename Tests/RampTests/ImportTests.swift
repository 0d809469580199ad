import Foundation
import Testing

@testable import Ramp

/// `ramp import`: configs written from the recorded cases' own arguments, as
/// each library documents its config, give the recorded traces.
@Suite struct ImportTests {
    /// `k=v, ...` of a recorded call, the optimizer argument dropped.
    static func kwargs(_ call: String) -> [(String, String)] {
        let inner = ParityCase.dropOptimizer(call)
        let open = inner.firstIndex(of: "(")!
        let body = inner[inner.index(after: open)..<inner.index(before: inner.endIndex)]
        var parts: [String] = []
        var depth = 0
        var current = ""
        for ch in body {
            if ch == "[" || ch == "(" { depth += 1 }
            if ch == "]" || ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current) }
        return parts.compactMap { p in
            guard let eq = p.firstIndex(of: "=") else { return nil }
            return (
                p[..<eq].trimmingCharacters(in: .whitespaces),
                p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            )
        }
    }

    /// A Python value as JSON: `'log'` → `"log"`, `True` → `true`.
    static func json(_ v: String) -> String {
        if v.hasPrefix("'") { return "\"" + v.dropFirst().dropLast() + "\"" }
        return ["True": "true", "False": "false", "None": "null"][v] ?? v
    }

    static func imported(_ text: String, name: String, stepsPerEpoch: Int? = nil) throws -> CompiledProgram {
        let ramp = try Importer.convert(
            SourceFile(name: name, text: text), options: ImportOptions(stepsPerEpoch: stepsPerEpoch))
        return try Compiler.compile(SourceFile(name: name, text: ramp))
    }

    static func trace(_ p: CompiledProgram, _ c: ParityCase) -> (
        lr: [Double], momentum: [Double?], weightDecay: [Double?]
    ) {
        var s = Scheduler(p)
        var lrs: [Double] = []
        var moms: [Double?] = []
        var wds: [Double?] = []
        for i in 0..<c.steps {
            lrs.append(s.lr)
            moms.append(s.momentum)
            wds.append(s.value(of: "weight_decay"))
            s.step(metric: c.metrics.map { $0[i] })
        }
        return (lrs, moms, wds)
    }

    /// Every DeepSpeed case as the `scheduler` section of a config, with
    /// `optimizer.params.lr` as the optimizer's rate.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("deepspeed.") })
    func deepspeedConfig(_ c: ParityCase) throws {
        let type = c.call.split(separator: "(")[0].split(separator: ".").last!
        let params = Self.kwargs(c.call).map { "\"\($0.0)\": \(Self.json($0.1))" }.joined(separator: ", ")
        let config = """
            {"train_batch_size": 16, "optimizer": {"type": "Adam", "params": {"lr": \(c.baseLR!)}},
             "scheduler": {"type": "\(type)", "params": {\(params)}}}
            """
        #expect(c.mismatch(Self.trace(try Self.imported(config, name: "ds_config.json"), c)) == nil, "\(config)")
    }

    /// Hugging Face TrainingArguments that make Trainer build each transformers case.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("transformers.") })
    func huggingFaceArguments(_ c: ParityCase) throws {
        let types = [
            "get_linear_schedule_with_warmup": "linear", "get_cosine_schedule_with_warmup": "cosine",
            "get_cosine_with_hard_restarts_schedule_with_warmup": "cosine_with_restarts",
            "get_polynomial_decay_schedule_with_warmup": "polynomial",
            "get_constant_schedule_with_warmup": "constant_with_warmup",
            "get_inverse_sqrt_schedule": "inverse_sqrt", "get_reduce_on_plateau_schedule": "reduce_lr_on_plateau",
            "get_cosine_with_min_lr_schedule_with_warmup": "cosine_with_min_lr",
            "get_wsd_schedule": "warmup_stable_decay",
        ]
        let function = String(c.id.split(separator: ".")[1])
        let type = try #require(types[function])
        let args = Self.kwargs(c.call)
        let warmup = args.first { $0.0 == "num_warmup_steps" }?.1 ?? "0"
        let training = args.first { $0.0 == "num_training_steps" }?.1 ?? String(c.steps)
        let rest = args.filter { !["num_warmup_steps", "num_training_steps"].contains($0.0) }.map {
            "\"\($0.0)\": \(Self.json($0.1))"
        }
        let config = """
            {"learning_rate": \(c.baseLR!), "lr_scheduler_type": "\(type)", "warmup_steps": \(warmup), "max_steps": \
            \(training),
             "num_train_epochs": 3.0, "lr_scheduler_kwargs": {\(rest.joined(separator: ", "))}}
            """
        #expect(c.mismatch(Self.trace(try Self.imported(config, name: "training_args.json"), c)) == nil, "\(config)")
    }

    /// timm's train.py arguments for the cases its create_scheduler_v2 can build.
    @Test(
        arguments: ParityCase.all.filter {
            ["timm.CosineLRScheduler", "timm.StepLRScheduler", "timm.MultiStepLRScheduler", "timm.PolyLRScheduler"]
                .contains(String($0.id.split(separator: ".").prefix(2).joined(separator: ".")))
        })
    func timmArguments(_ c: ParityCase) throws {
        let sched = [
            "CosineLRScheduler": "cosine", "StepLRScheduler": "step", "MultiStepLRScheduler": "multistep",
            "PolyLRScheduler": "poly",
        ][String(c.id.split(separator: ".")[1])]!
        var flags = ["--sched \(sched)", "--lr \(c.baseLR!)", "--warmup-epochs 0", "--warmup-lr 0"]
        // train.py passes warmup_prefix=False unless --warmup-prefix; StepLRScheduler and MultiStepLRScheduler
        // default it to True.
        if ["step", "multistep"].contains(sched), !Self.kwargs(c.call).contains(where: { $0.0 == "warmup_prefix" }) {
            flags.append("--warmup-prefix")
        }
        let names = [
            "t_initial": "epochs", "lr_min": "min-lr", "cycle_mul": "lr-cycle-mul", "cycle_decay": "lr-cycle-decay",
            "cycle_limit": "lr-cycle-limit", "warmup_t": "warmup-epochs", "warmup_lr_init": "warmup-lr",
            "k_decay": "lr-k-decay",
            "decay_rate": "decay-rate", "power": "decay-rate",
        ]
        for (k, v) in Self.kwargs(c.call) {
            if k == "warmup_prefix" {
                if v == "True" { flags.append("--warmup-prefix") }
                continue
            }
            if k == "decay_t" {
                flags.append(
                    sched == "multistep"
                        ? "--decay-milestones " + v.dropFirst().dropLast().replacingOccurrences(of: ",", with: "")
                        : "--decay-epochs \(v)")
                continue
            }
            flags.append("--\(try #require(names[k], "\(k)")) \(v)")
        }
        let config = flags.joined(separator: " ")
        #expect(c.mismatch(Self.trace(try Self.imported(config, name: "timm.args"), c)) == nil, "\(config)")
    }

    /// Every MMEngine config case, as the config file a user has.
    @Test(arguments: ParityCase.all.filter { $0.config == true })
    func mmengineConfig(_ c: ParityCase) throws {
        // mmengine.optim.OptimWrapper(torch.optim.AdamW(lr=..., betas=(...)))
        let optimizer = try #require(c.optimizer)
        let open = try #require(optimizer.range(of: "torch.optim."))
        let rest = optimizer[open.upperBound...]
        let type = rest.prefix { $0 != "(" }
        let args = rest.dropFirst(type.count + 1).dropLast(2)
        let config = """
            # a schedule from the recorded case \(c.id)
            optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='\(type)', \(args)))
            param_scheduler = \(c.call)
            train_cfg = dict(by_epoch=True, max_epochs=\(c.steps / c.epochLength!), val_interval=1)
            """
        let program = try Self.imported(config, name: "schedule.py", stepsPerEpoch: c.epochLength)
        #expect(c.mismatch(Self.trace(program, c)) == nil, "\(config)")
    }

    /// Every Composer case as a trainer YAML: its max_duration, the
    /// optimizer's lr, and the scheduler under its registry name.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("composer.") })
    func composerYAML(_ c: ParityCase) throws {
        let type = String(c.id.split(separator: ".")[1])
        let name = try #require(ConfigReader.composerNames.filter { $0.value == type }.keys.sorted().first)
        let args = Self.kwargs(c.call).map { k, v in
            "      \(k): " + v.replacingOccurrences(of: "'", with: "")
        }
        let yaml = """
            # composer trainer config
            max_duration: \(c.maxDuration!)
            optimizers:
              decoupled_sgdw:
                lr: \(c.baseLR!)
                momentum: 0.9
            schedulers:
              - \(name):\(args.isEmpty ? " {}" : "")
            \(args.joined(separator: "\n"))
            """.replacingOccurrences(of: ": {}", with: ":")
        let program = try Self.imported(yaml, name: "composer.yaml", stepsPerEpoch: c.dataloaderLen)
        #expect(c.mismatch(Self.trace(program, c)) == nil, "\(yaml)")
    }

    /// Every Megatron-LM case as the arguments a launch script passes, one a line with its continuation, which
    /// `ramp import` derives as training.py does (samples through --global-batch-size): the rate and the weight decay.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("megatron.") })
    func megatronArguments(_ c: ParityCase) throws {
        let args = try #require(c.megatronArgs).replacingOccurrences(of: " --", with: " \\\n    --")
        let script = "torchrun pretrain_gpt.py \\\n    " + args + "\n"
        let text = String(script.drop { $0 != "-" })
        let program = try Self.imported(text, name: "pretrain_gpt.args")
        #expect(c.mismatch(Self.trace(program, c)) == nil, "\(text)")
    }

    /// Every fairseq case as the fairseq-train command line it records, with --steps-per-epoch its updates an
    /// epoch; those Ramp refuses are refused from the command line too.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("fairseq.") })
    func fairseqArguments(_ c: ParityCase) throws {
        let text = "fairseq-train data-bin/wmt16 --arch transformer_wmt_en_de \\\n    " + c.call + "\n"
        do {
            let program = try Self.imported(text, name: "train.args", stepsPerEpoch: c.updatesPerEpoch)
            #expect(ParityCase.notReproduced[c.id] == nil, "\(c.id) is listed as refused")
            #expect(c.mismatch(Self.trace(program, c)) == nil, "\(text)")
        } catch let error as DiagnosticError {
            let reason = try #require(ParityCase.notReproduced[c.id], "\(error.diagnostics)")
            let refusal = try #require(error.diagnostics.first?.message)
            #expect(refusal.contains(reason), "\(refusal)")
        }
    }

    /// A fairseq scheduler Ramp does not read is refused at --lr-scheduler, naming those it reads.
    @Test func fairseqRefusal() {
        #expect(
            ImportConfigTests.refused("--lr-scheduler pass_through --lr 0.1\n", "train.args")
                == [
                    "train.args:1:1: error[R0602]: --lr-scheduler: 'pass_through' is not a fairseq scheduler Ramp "
                        + "reads (inverse_sqrt, tri_stage, polynomial_decay, cosine, triangular, fixed, step, "
                        + "reduce_lr_on_plateau, manual)",
                    "--lr-scheduler pass_through --lr 0.1",
                    "^~~~~~~~~~~~~~",
                ].joined(separator: "\n"))
    }

    /// Every NeMo case as a model's Hydra YAML: the policy under model.optim.sched with its params (and the
    /// keys Lightning reads, which the policy does not take), the optimizer's lr, and trainer.max_steps.
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("nemo.") })
    func nemoYAML(_ c: ParityCase) throws {
        let name = String(c.id.split(separator: ".")[1])
        let kwargs = Self.kwargs(c.call)
        let maxSteps = try #require(kwargs.first { $0.0 == "max_steps" }?.1)
        let params = kwargs.filter { $0.0 != "max_steps" }.map { "      \($0.0): \($0.1.lowercased())" }
        let yaml = """
            trainer:
              devices: 8
              max_steps: \(maxSteps)
            model:
              optim:
                name: adamw
                lr: \(c.baseLR!)
                betas: [0.9, 0.98]
                sched:
                  name: \(name)
            \(params.joined(separator: "\n"))
                  last_epoch: -1
                  monitor: val_loss
                  reduce_on_plateau: false
            """
        let program = try Self.imported(yaml, name: "megatron_gpt_config.yaml")
        #expect(c.mismatch(Self.trace(program, c)) == nil, "\(yaml)")
    }

    /// A NeMo policy Ramp does not read is refused at its name, naming those it reads.
    @Test func nemoRefusal() {
        let yaml = """
            trainer:
              max_steps: 1000
            model:
              optim:
                lr: 0.001
                sched:
                  name: T5InverseSquareRootAnnealing
            """
        #expect(
            ImportConfigTests.refused(yaml, "conformer.yaml") == """
                conformer.yaml:7:7: error[R0602]: model.optim.sched.name: 'T5InverseSquareRootAnnealing' is not a NeMo \
                scheduler Ramp reads (WarmupPolicy, WarmupHoldPolicy, SquareAnnealing, SquareRootAnnealing, \
                CosineAnnealing, NoamAnnealing, NoamHoldAnnealing, WarmupAnnealing, InverseSquareRootAnnealing, \
                PolynomialDecayAnnealing, PolynomialHoldDecayAnnealing)
                      name: T5InverseSquareRootAnnealing
                      ^~~~
                """)
    }

    /// A Megatron-LM command line Ramp cannot read is refused at its place, saying why.
    @Test func megatronRefusals() {
        #expect(
            ImportConfigTests.refused("--lr 3e-4 --train-iters 1000 --lr-decay-style cosine\n", "gpt.args") == """
                gpt.args:1:1: error[R0601]: no --global-batch-size: Megatron-LM counts its schedule in samples, \
                --global-batch-size of them an iteration
                --lr 3e-4 --train-iters 1000 --lr-decay-style cosine
                ^
                """)
        #expect(
            ImportConfigTests.refused(
                "--lr 3e-4 --global-batch-size 512 --train-iters 1000 --lr-decay-style noam\n", "gpt.args") == """
                    gpt.args:1:54: error[R0602]: --lr-decay-style: 'noam' is not a decay style Megatron-LM has \
                    (constant, linear, cosine, inverse-square-root, WSD)
                    --lr 3e-4 --global-batch-size 512 --train-iters 1000 --lr-decay-style noam
                                                                         ^~~~~~~~~~~~~~~~
                    """)
    }

    /// A restart period that is not a whole number of batches: `t_0: 1ep` with `t_mult: 1.5` over 7 batches an
    /// epoch. Composer lengthens each interval to int(t_mult * previous) batches (7, 10, 15, 22, 33), and within
    /// one the rate is (1 + cos(pi * (batch - start) / length)) / 2 of the optimizer's; worked out here from that
    /// formula, with the first rates of each interval by hand.
    @Test func composerRestartPeriodTruncatedToWholeBatches() throws {
        let yaml = """
            max_duration: 60ba
            optimizers:
              decoupled_sgdw:
                lr: 0.1
            schedulers:
              - cosine_warmrestart:
                  t_0: 1ep
                  t_mult: 1.5
            """
        let program = try Self.imported(yaml, name: "composer.yaml", stepsPerEpoch: 7)
        let got = Table.rows(program, steps: 60).map(\.lr)
        var want: [Double] = []
        var (start, length) = (0, 7)
        for batch in 0..<60 {
            if batch >= start + length { (start, length) = (start + length, Int(1.5 * Double(length))) }
            want.append(0.1 * (1 + cos(Double(batch - start) / Double(length) * Double.pi)) / 2)
        }
        #expect(got.count == 60 && zip(got, want).allSatisfy { close($0, $1) }, "\(got)")
        // Each restart at the optimizer's rate: batches 7, 17, 32 and 54 (7, 10, 15 and 22 batches long).
        #expect([0, 7, 17, 32, 54].map { got[$0] } == [0.1, 0.1, 0.1, 0.1, 0.1])
        // The last batch of the second interval: 9/10 of its way, 0.1 * (1 + cos(0.9 pi)) / 2.
        #expect(close(got[16], 0.0024471741852423234))
    }

    /// LLM Foundry's `scheduler:` with a `name`, and two stacked schedulers, which multiply.
    @Test func composerForms() throws {
        let foundry = """
            max_duration: 100ba
            optimizer:
              name: decoupled_adamw
              lr: 6.0e-4
            scheduler:
              name: cosine_with_warmup
              t_warmup: 10ba
              alpha_f: 0.1
            """
        let direct = try Compiler.compile(
            SourceFile(
                name: "t",
                text:
                    "base 6.0e-4\ntotal 100\ncomposer.CosineAnnealingWithWarmupScheduler(t_warmup='10ba', alpha_f=0.1)")
        )
        let imported = try Self.imported(foundry, name: "foundry.yaml")
        #expect(Table.rows(imported, steps: 100).map(\.lr) == Table.rows(direct, steps: 100).map(\.lr))
        let stacked = """
            max_duration: 20ba
            schedulers:
              - constant_with_warmup:
                  t_warmup: 4ba
              - step:
                  step_size: 10ba
                  gamma: 0.5
            """
        let rates = Table.rows(try Self.imported(stacked, name: "stacked.yaml"), steps: 20).map(\.lr)
        #expect(rates[2] == 0.5 && rates[5] == 1 && rates[12] == 0.5)
    }

    /// What `ramp import` prints for DeepSpeed's documented WarmupLR example.
    @Test func deepspeedDocumentedExample() throws {
        let config = """
            {
              "train_batch_size": 8,
              "optimizer": {"type": "Adam", "params": {"lr": 0.001, "betas": [0.8, 0.999], "eps": 1e-8, \
            "weight_decay": 3e-7}},
              "scheduler": {"type": "WarmupLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 0.001, \
            "warmup_num_steps": 1000}}
            }
            """
        #expect(
            try Importer.convert(SourceFile(name: "ds_config.json", text: config)) == """
                # DeepSpeed config ds_config.json, imported by ramp import.
                # scheduler WarmupLR, stepped after every optimizer step.
                # The optimizer's rate (optimizer.params.lr) is base.
                base 0.001
                deepspeed.WarmupLR(warmup_min_lr=0, warmup_max_lr=0.001, warmup_num_steps=1000)

                """)
    }

    /// A config Ramp cannot express is refused, naming its key, in the config.
    @Test func refusalsNameTheKey() {
        func refused(_ text: String, _ name: String, stepsPerEpoch: Int? = nil) -> String {
            ImportConfigTests.refused(text, name, stepsPerEpoch: stepsPerEpoch)
        }
        #expect(
            refused("{\"scheduler\": {\"type\": \"WarmupLR\", \"params\": {\"warmup_max_lr\": \"auto\"}}}", "ds.json")
                == """
                ds.json:1:48: error[R0602]: scheduler.params.warmup_max_lr: "auto" is filled in at run time by the \
                Hugging Face Trainer; give the number it stands for
                {"scheduler": {"type": "WarmupLR", "params": {"warmup_max_lr": "auto"}}}
                                                               ^~~~~~~~~~~~~
                """)
        #expect(
            refused("{\"scheduler\": {\"type\": \"CosineLR\"}}", "ds.json") == """
                ds.json:1:17: error[R0602]: scheduler.type: 'CosineLR' is not one of DeepSpeed's schedulers (WarmupLR, \
                WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest)
                {"scheduler": {"type": "CosineLR"}}
                                ^~~~
                """)
        #expect(
            refused("{\"lr_scheduler_type\": \"cosine\", \"num_train_epochs\": 3}", "args.json") == """
                args.json:1:34: error[R0601]: num_train_epochs: max_steps is not set, so the training steps are \
                num_train_epochs epochs, and a config does not say how many steps an epoch has: give --steps-per-epoch \
                (the dataloader's length in optimizer steps)
                {"lr_scheduler_type": "cosine", "num_train_epochs": 3}
                                                 ^~~~~~~~~~~~~~~~
                """)
        let overlapping = """
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, eta_min=0.01, by_epoch=False, begin=0, end=10),
                               dict(type='PolyLR', eta_min=0.001, by_epoch=False, begin=5, end=20)]
            """
        #expect(
            refused(overlapping, "cfg.py") == """
                cfg.py:3:20: error[R0602]: param_scheduler[1]: overlaps param_scheduler[0] at step 5; Ramp reads \
                overlapping schedulers only when each scales the value by a factor (a cosine or poly to 0, linear, \
                constant, step, multistep, exponential)
                                   dict(type='PolyLR', eta_min=0.001, by_epoch=False, begin=5, end=20)]
                                   ^~~~
                """)
        #expect(
            refused("param_scheduler = [build_scheduler(x)]\n", "cfg.py") == """
                cfg.py:1:20: error[R0601]: param_scheduler: 'build_scheduler(...)' is a call, which a config read as \
                data cannot make
                param_scheduler = [build_scheduler(x)]
                                   ^
                """)
    }
}
