import Foundation
import Testing

@testable import Ramp

/// Configs as people write them: YAML read by a real parser, JSON and Python
/// duplicates read as the library reads them, MMEngine's `_base_` files and
/// Runner defaults, timm's float epochs. Expectations are worked out by hand
/// from each library's source.
@Suite struct ImportConfigTests {
    static func convert(_ text: String, _ name: String, stepsPerEpoch: Int? = nil) throws -> String {
        try Importer.convert(SourceFile(name: name, text: text), options: ImportOptions(stepsPerEpoch: stepsPerEpoch))
    }

    static func refused(_ text: String, _ name: String, stepsPerEpoch: Int? = nil) -> String {
        let file = SourceFile(name: name, text: text)
        do {
            _ = try Importer.convert(file, options: ImportOptions(stepsPerEpoch: stepsPerEpoch))
            return "imported"
        } catch {
            return DiagnosticPrinter.render(error.diagnostics, in: file)
        }
    }

    static func rates(_ ramp: String, _ steps: Int) throws -> [Double] {
        Table.rows(try Compiler.compile(SourceFile(name: "t", text: ramp)), steps: steps).map(\.lr)
    }

    /// Flow maps far from the schedule, an anchor and its alias, `yes`, `.nan` and CRLF line ends.
    @Test func composerYAMLAsYAML() throws {
        let yaml =
            "max_duration: 20ba\r\noptimizers:\r\n  decoupled_adamw: {lr: &lr 0.001, betas: [0.9, 0.95]}\r\n"
            + "callbacks:\r\n  lr_monitor: {}\r\nschedulers:\r\n  - cosine_decay: {t_max: 1dur, alpha_f: 0.1}\r\n"
            + "save_lr: *lr\r\ndeterministic: yes\r\nloss_cap: .nan\r\n"
        #expect(
            try Self.convert(yaml, "composer.yaml") == """
                # Composer config composer.yaml, imported by ramp import.
                # Multipliers of the optimizer's rate, a function of the batch. Composer's Trainer
                # applies each rate one batch late; this is the schedule's own.
                # The optimizer's lr is base.
                base 0.001
                total 20
                composer.CosineAnnealingScheduler(t_max="1dur", alpha_f=0.1)

                """)
        let aliased =
            "max_duration: 10ba\nlr: &x 0.002\noptimizer:\n  name: decoupled_adamw\n  lr: *x\n"
            + "schedulers:\n  - constant\n"
        #expect(try Self.convert(aliased, "a.yaml").contains("\nbase 0.002\n"))
    }

    /// `schedulers:` as a map of names to arguments, and LLM Foundry's `sp` and `tok` durations through
    /// `global_train_batch_size` and `max_seq_len` (an OmegaConf interpolation of `variables:`).
    @Test func composerSchedulersAsAMapAndSamplesAndTokens() throws {
        let map = """
            max_duration: 100ba
            optimizer:
              name: decoupled_adamw
              lr: 6.0e-4
            schedulers:
              linear_decay_with_warmup:
                t_warmup: 10ba
                alpha_f: 0.1
            """
        #expect(
            try Self.convert(map, "map.yaml").hasSuffix(
                """
                base 0.0006
                total 100
                composer.LinearWithWarmupScheduler(t_warmup="10ba", alpha_f=0.1)

                """))
        let samples = """
            variables:
              max_seq_len: 2048
            max_seq_len: ${variables.max_seq_len}
            scheduler:
              name: cosine_with_warmup
              t_warmup: 25600sp
              alpha_f: 0.1
            optimizer:
              name: decoupled_adamw
              lr: 6.0e-4
            max_duration: 286720000sp
            global_train_batch_size: 256
            """
        // 286720000 / 256 = 1120000 batches; the warmup 25600 / 256 = 100 batches.
        #expect(
            try Self.convert(samples, "foundry.yaml").hasSuffix(
                """
                # global_train_batch_size: 256 samples a batch.
                samples_per_step 256
                total 286720000 samples
                composer.CosineAnnealingWithWarmupScheduler(t_warmup="100ba", alpha_f=0.1)

                """))
        let tokens = samples.replacingOccurrences(of: "286720000sp", with: "5242880000tok")
            .replacingOccurrences(of: "t_warmup: 25600sp", with: "t_warmup: 0.01dur")
        // 256 samples of 2048 tokens: 524288 tokens a batch, 10000 batches.
        let program = try Compiler.compile(SourceFile(name: "t", text: try Self.convert(tokens, "foundry.yaml")))
        #expect(program.settings.total == 10_000)
        #expect(
            Self.refused(samples.replacingOccurrences(of: "286720000sp", with: "286720001sp"), "f.yaml") == """
                f.yaml:11:1: error[R0602]: max_duration: '286720001sp' is not a whole number of batches of \
                256 samples: \
                Composer's last batch would end past it, and its fractions of the run would not fall on batches
                max_duration: 286720001sp
                ^~~~~~~~~~~~
                """)
    }

    /// Hostile YAML: refused at its place, quickly, never by the stack.
    @Test func hostileYAMLIsRefusedWhereItIs() {
        let deep = "a: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        #expect(
            Self.refused(deep, "deep.yaml").hasPrefix(
                "deep.yaml:1:203: error[R0601]: nests deeper than 200 levels, the limit of configs read"))
        let dashes = "x: " + String(repeating: "- ", count: 10_000) + "1\n"
        #expect(
            Self.refused(dashes, "dashes.yaml").hasPrefix(
                "dashes.yaml:1:402: error[R0601]: nests deeper than 200 levels"))
        var laughs = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
        for i in 1..<9 {
            laughs.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]")
        }
        #expect(
            Self.refused(laughs.joined(separator: "\n") + "\n", "laughs.yaml").contains(
                "error[R0601]: stands for more than 100000 values once its aliases are expanded"))
        #expect(
            Self.refused("max_duration: 10ba\nschedulers:\n  lr: 0.1\n  lr: 0.2\n", "d.yaml") == """
                d.yaml:3:3: error[R0601]: the key 'lr' is given twice in one map: OmegaConf refuses it and \
                PyYAML keeps the last; write it once
                  lr: 0.1
                  ^
                """)
    }

    /// YAML's `.nan` and `.inf`, and JSON's `1e999`, are numbers to a reader. As a rate, or NaN as an argument,
    /// they are refused at their line, not in the Ramp the import writes; one the schedule does not read
    /// (`loss_cap: .nan`, above) is left alone.
    @Test func nonFiniteNumbersAreRefusedWhereTheyAre() {
        let cases: [(name: String, yaml: String, refusal: String)] = [
            (
                "n.yaml", "max_duration: 10ba\noptimizers:\n  adamw:\n    lr: .nan\nschedulers:\n  - constant\n",
                """
                n.yaml:4:5: error[R0601]: optimizers.adamw.lr: expected a finite number, got nan
                    lr: .nan
                    ^~
                """
            ),
            (
                "nemo.yaml",
                "model:\n  optim:\n    name: adamw\n    lr: .inf\n    sched:\n      name: CosineAnnealing\n"
                    + "      warmup_steps: 10\ntrainer:\n  max_steps: 100\n",
                """
                nemo.yaml:4:5: error[R0601]: model.optim.lr: expected a finite number, got inf
                    lr: .inf
                    ^~
                """
            ),
            (
                "c.yaml",
                "max_duration: 10ba\noptimizers:\n  adamw: {lr: 0.001}\nschedulers:\n"
                    + "  - cosine_decay: {t_max: 1dur, alpha_f: .nan}\n",
                """
                c.yaml:5:33: error[R0601]: schedulers[0].cosine_decay.alpha_f: expected a finite number, got nan
                  - cosine_decay: {t_max: 1dur, alpha_f: .nan}
                                                ^~~~~~~
                """
            ),
            (
                "ds.json", #"{"optimizer": {"params": {"lr": 1e999}}, "scheduler": {"type": "WarmupLR"}}"#,
                """
                ds.json:1:28: error[R0601]: optimizer.params.lr: expected a finite number, got inf
                {"optimizer": {"params": {"lr": 1e999}}, "scheduler": {"type": "WarmupLR"}}
                                           ^~
                """
            ),
        ]
        for c in cases { #expect(Self.refused(c.yaml, c.name) == c.refusal) }
    }

    /// A key given twice in JSON is read as `json.load` reads it: the last value.
    @Test func jsonDuplicatesKeepTheLast() throws {
        let config =
            #"{"optimizer": {"type": "Adam", "params": {"lr": 0.1, "lr": 0.05}}, "scheduler": {"type": "WarmupLR", "#
            + #""params": {"warmup_max_lr": 0.001, "warmup_num_steps": 10, "warmup_num_steps": 20}}}"#
        let ramp = try Self.convert(config, "ds_config.json")
        #expect(
            ramp.contains("\nbase 0.05\n")
                && ramp.contains("deepspeed.WarmupLR(warmup_max_lr=0.001, warmup_num_steps=20"))
    }

    /// DeepSpeed's OneCycle cycles momentum only for an optimizer whose defaults hold betas.
    @Test func deepspeedOneCycleMomentumFollowsTheOptimizer() throws {
        func config(_ optimizer: String) -> String {
            #"{"optimizer": {"type": "\#(optimizer)", "params": {"lr": 0.01}}, "#
                + #""scheduler": {"type": "OneCycle", "params": "#
                + #"{"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 4}}}"#
        }
        let sgd = try Compiler.compile(SourceFile(name: "t", text: try Self.convert(config("SGD"), "ds.json")))
        #expect(Scheduler(sgd).momentum == nil)
        var adam = Scheduler(
            try Compiler.compile(SourceFile(name: "t", text: try Self.convert(config("AdamW"), "ds.json"))))
        // DeepSpeed sets cycle_min_mom (0.8) at construction, then cycles it.
        #expect(adam.momentum == 0.8)
        adam.step(metric: nil)
        #expect(adam.momentum != nil && adam.momentum != 0.8)
        #expect(
            Self.refused(config("Shampoo"), "ds.json").hasPrefix(
                "ds.json:1:17: error[R0602]: optimizer.type: 'Shampoo': Ramp cannot tell whether its defaults "
                    + "hold betas"
            ))
    }

    /// MMEngine's Python: a name assigned twice keeps the last value; a keyword given twice is refused,
    /// as Python refuses it.
    @Test func pythonDuplicates() throws {
        let config = """
            optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
            optim_wrapper = dict(optimizer={'type': 'SGD', 'lr': 0.3, 'lr': 0.2})
            param_scheduler = [dict(type='ConstantLR', factor=0.5, by_epoch=False, begin=0, end=10)]
            """
        #expect(try Self.convert(config, "cfg.py").contains("\nbase 0.2\n"))
        let twice = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, lr=0.2))\nparam_scheduler = []\n"
        #expect(
            Self.refused(twice, "k.py") == """
                k.py:1:57: error[R0601]: optim_wrapper: keyword argument repeated: lr (Python refuses the file)
                optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, lr=0.2))
                                                                        ^
                """)
        #expect(
            Self.refused("param_scheduler = [dict(type='LinearLR', end=warmup)]\n", "n.py") == """
                n.py:1:46: error[R0601]: param_scheduler: 'warmup' is not assigned before this point in the \
                config or its _base_ files
                param_scheduler = [dict(type='LinearLR', end=warmup)]
                                                             ^
                """)
    }

    /// Metrics files with CRLF line ends, or a lone CR; a line that is not a metric is refused at its place.
    @Test func crlfMetrics() throws {
        #expect(try Table.parseMetrics("0.5\r\n-\r\n0.25\r\n", name: "m.txt") == [0.5, nil, 0.25])
        #expect(try Table.parseMetrics("0.5\r\r 0.25\t\n\n", name: "m.txt") == [0.5, nil, 0.25])
        let error = #expect(throws: MetricsError.self) {
            try Table.parseMetrics("0.5\r\n-\r\n  x 1\r\n0.2\r\n", name: "m.txt")
        }
        #expect(
            error?.description == """
                m.txt:3:3: error[R0711]: expected a number, a blank line or `-` (no metric), found 'x 1'
                  x 1
                  ^~~
                """)
        // A lone CR ends a line where the error is placed too.
        let lone = #expect(throws: MetricsError.self) { try Table.parseMetrics("0.5\rabc\r", name: "m.txt") }
        #expect(
            lone?.description == """
                m.txt:2:1: error[R0711]: expected a number, a blank line or `-` (no metric), found 'abc'
                abc
                ^~~
                """)
    }

    /// LLM Foundry's finetuning YAMLs (7b_dolly_sft.yaml) warm up over `0ba`: Composer's warmup branch is never
    /// taken (`timestamp < t_warmup` is false), so the schedule is the decay from the first batch:
    /// lr * (1 - i / 10) for the linear one, lr * (1 + cos(pi * i / 10)) / 2 for the cosine, over max_duration 10ba.
    @Test func composerZeroWarmup() throws {
        for (name, factor) in [
            ("linear_decay_with_warmup", { (i: Double) in 1 - i / 10 }),
            ("cosine_with_warmup", { (i: Double) in (1 + cos(Double.pi * (i / 10))) / 2 }),
        ] {
            let yaml = """
                max_duration: 10ba
                optimizer:
                  name: decoupled_adamw
                  lr: 1.0e-5
                scheduler:
                  name: \(name)
                  t_warmup: 0ba
                  alpha_f: 0
                """
            let rates = try Self.rates(try Self.convert(yaml, "7b_dolly_sft.yaml"), 11)
            for i in 0...10 {
                let x = 1e-5 * factor(Double(i))
                #expect(
                    abs(rates[i] - x) <= 1e-12 * max(abs(x), 1e-20), "\(name) lr[\(i)] = \(rates[i]), expected \(x)")
            }
        }
    }
}
