import Foundation
import Testing

@testable import Ramp

/// torchtitan's job TOML, read through TOMLKit: `[lr_scheduler]`, `[optimizer] lr` and `[training] steps`.
@Suite struct ImportTorchtitanTests {
    /// Every torchtitan case as the job file a user writes for it: the Config's fields under [lr_scheduler]
    /// (decay_ratio=None left out, as TOML has no None), the rate under [optimizer], the run under [training].
    @Test(arguments: ParityCase.all.filter { $0.id.hasPrefix("torchtitan.") })
    func jobFile(_ c: ParityCase) throws {
        let fields = ImportTests.kwargs(ParityCase.dropBuild(c.call)).filter { $0.1 != "None" }.map {
            "\($0.0) = \($0.1.replacingOccurrences(of: "'", with: "\""))"
        }
        let steps = try #require(ParityCase.trainingSteps(c.call))
        let toml = """
            [job]
            dump_folder = "./outputs"
            description = "Llama 3 debug training"

            [optimizer]
            name = "AdamW"
            lr = \(c.baseLR!)
            eps = 1e-8

            [lr_scheduler]
            \(fields.joined(separator: "\n"))

            [training]
            local_batch_size = 8
            seq_len = 2048
            steps = \(steps)
            """
        let program = try ImportTests.imported(toml, name: "debug_model.toml")
        #expect(c.mismatch(ImportTests.trace(program, c)) == nil, "\(toml)")
    }

    /// DeepSeek-V3 16B's job file, as torchtitan ships it: 200 warmup steps, then flat until the last
    /// round(1000 * 0.8) = 800 steps decay as a cosine to min_lr_factor 0.1 (stable_steps 1000 + 1 - 200 - 800 = 1,
    /// so the decay's progress at step i is (i + 1 - 201) / 800). Worked out by hand from that formula.
    @Test func deepseekJobFile() throws {
        let toml = """
            [model]
            name = "deepseek_v3"
            flavor = "16B"

            [optimizer]
            name = "AdamW"
            lr = 2.2e-4
            eps = 1e-8

            [lr_scheduler]
            warmup_steps = 200  # lr scheduler warm up, normally 20% of the train steps
            decay_ratio = 0.8  # lr scheduler decay ratio, 80% of the train steps
            decay_type = "cosine"
            min_lr_factor = 0.1

            [training]
            local_batch_size = 4
            seq_len = 4096
            max_norm = 1.0  # grad norm clipping
            steps = 1000
            """
        let rates = Table.rows(try ImportTests.imported(toml, name: "deepseek_v3_16b.toml"), steps: 1000).map(\.lr)
        let expected: [(Int, Double)] = [
            (0, 2.2e-4 / 200), (99, 2.2e-4 * 100 / 200), (199, 2.2e-4), (200, 2.2e-4),
            (201, 2.2e-4 * (0.1 + 0.45 * (1 + cos(Double.pi / 800)))), (600, 2.2e-4 * 0.55),
            (999, 2.2e-4 * (0.1 + 0.45 * (1 - cos(Double.pi / 800)))),
        ]
        for (i, x) in expected { #expect(abs(rates[i] - x) <= 1e-12 * abs(x), "lr[\(i)] = \(rates[i]), expected \(x)") }
    }

    /// A file that says nothing of the schedule runs at torchtitan's defaults: lr 8e-4, 10000 steps, 200 warmup
    /// steps, then a linear decay over the other 9800 ending one step short of 0 (8e-4 / 9800 at the last step).
    @Test func defaults() throws {
        let toml = "[job]\ndescription = \"defaults\"\n\n[lr_scheduler]\n"
        let rates = Table.rows(try ImportTests.imported(toml, name: "train.toml"), steps: 10000).map(\.lr)
        let expected: [(Int, Double)] = [
            (0, 8e-4 / 200), (199, 8e-4), (200, 8e-4), (5100, 8e-4 * 0.5), (9999, 8e-4 / 9800),
        ]
        for (i, x) in expected { #expect(abs(rates[i] - x) <= 1e-12 * abs(x), "lr[\(i)] = \(rates[i]), expected \(x)") }
    }

    /// Lines that start with `[` inside a value spanning lines (an array's rows, a multi-line string) are not
    /// table headers: only a header toml++ would assert on is refused before toml++ reads it (TOMLHeaders), so
    /// these files read as torchtitan's defaults, the same rates as `defaults` above.
    @Test func bracketsInsideValuesAreNotHeaders() throws {
        let toml = """
            [job]
            description = \"\"\"
            [[[ not a header
            [ {a = 1} ]\"\"\"
            rows = [
              [+1, 2],
              [ [1], [2] ],
            # [ a comment ]
              [{ b = 2 }],
            ]

            [lr_scheduler]

            """
        let rates = Table.rows(try ImportTests.imported(toml, name: "train.toml"), steps: 10000).map(\.lr)
        #expect(rates[199] == 8e-4 && rates[5100] == 8e-4 * 0.5)
        // toml++ stops at the first problem: an error above the header is the one reported.
        #expect(
            ImportConfigTests.refused("x = 1 = 2\n[[[\n", "bad.toml") == """
                bad.toml:1:7: error[R0601]: not valid TOML: Error while parsing key-value pair: expected a comment \
                or whitespace, saw '='
                x = 1 = 2
                      ^
                """)
    }

    /// A .toml file, or one with an [lr_scheduler] table, is torchtitan's.
    @Test func detected() {
        #expect(Importer.detect(SourceFile(name: "llama3_8b.toml", text: "[training]\nsteps = 10\n")) == .torchtitan)
        #expect(Importer.detect(SourceFile(name: "job", text: "[lr_scheduler]\nwarmup_steps = 2\n")) == .torchtitan)
        #expect(Importer.isConfig(SourceFile(name: "llama3_8b.toml", text: "[training]\nsteps = 10\n")))
    }

    /// Bad TOML and values torchtitan would not run are refused where they are written.
    @Test func refusals() {
        #expect(
            ImportConfigTests.refused("[optimizer]\nlr = 3e-4\n[lr_scheduler\nwarmup_steps = 2\n", "llama.toml") == """
                llama.toml:3:14: error[R0601]: not valid TOML: Error while parsing table header: expected ']', saw '\\n'
                [lr_scheduler
                             ^
                """)
        // A table header whose name starts with neither a key character nor a quote (toml++ used to assert here
        // and abort the process).
        #expect(
            ImportConfigTests.refused("[optimizer]\nlr = 3e-4\n[[[\n", "llama.toml") == """
                llama.toml:3:3: error[R0601]: not valid TOML: Error while parsing key: expected bare key starting \
                character or string delimiter, saw '['
                [[[
                  ^
                """)
        #expect(
            ImportConfigTests.refused("[lr_scheduler]\nwarmup_steps = 2\nwarmup_ratio = 0.1\n", "llama.toml")
                == [
                    "llama.toml:3:1: error[R0601]: lr_scheduler.warmup_ratio: 'warmup_ratio' is not a field of "
                        + "torchtitan's lr_scheduler (warmup_steps, total_steps, decay_ratio, decay_type, "
                        + "min_lr_factor)",
                    "warmup_ratio = 0.1",
                    "^~~~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused("[lr_scheduler]\ndecay_type = \"exponential\"\n", "llama.toml")
                == [
                    "llama.toml:2:1: error[R0602]: lr_scheduler.decay_type: 'exponential' is not a decay type "
                        + "torchtitan has (linear, sqrt, cosine)",
                    "decay_type = \"exponential\"",
                    "^~~~~~~~~~",
                ].joined(separator: "\n"))
        #expect(
            ImportConfigTests.refused("[training]\nsteps = 1e4\n", "llama.toml") == """
                llama.toml:2:1: error[R0601]: training.steps: expected a whole number
                steps = 1e4
                ^~~~~
                """)
        #expect(
            ImportConfigTests.refused("[training]\nsteps = 0\n", "llama.toml") == """
                llama.toml:2:1: error[R0601]: training.steps: expected a whole number of at least 1
                steps = 0
                ^~~~~
                """)
        #expect(
            ImportConfigTests.refused("[lr_scheduler]\ndecay_ratio = 1.5\n", "llama.toml") == """
                llama.toml:2:1: error[R0601]: lr_scheduler.decay_ratio: expected a number from 0 to 1
                decay_ratio = 1.5
                ^~~~~~~~~~~
                """)
        #expect(
            ImportConfigTests.refused("optimizer = 3\n", "llama.toml") == """
                llama.toml:1:1: error[R0601]: optimizer: expected a table ([section] or key = { ... })
                optimizer = 3
                ^~~~~~~~~
                """)
    }

    /// A job file of the torchtitan of 2024, before [lr_scheduler]: `[training] warmup_steps = 2` over 10 steps.
    /// Its linear_warmup_linear_decay gives lr * (i + 1) / 3 for i < 2, then lr * (1 - (i - 2) / 8), past 0 at
    /// the end (LambdaLR does not clamp). Worked out by hand from that function.
    @Test func jobFileOf2024() throws {
        let toml = """
            [optimizer]
            name = "AdamW"
            lr = 8e-4

            [training]
            batch_size = 8
            seq_len = 2048
            warmup_steps = 2  # lr scheduler warm up, normally 20% of the train steps
            max_norm = 1.0  # grad norm clipping
            steps = 10
            """
        let rates = Table.rows(try ImportTests.imported(toml, name: "debug_model.toml"), steps: 12).map(\.lr)
        let expected: [Double] = [
            1.0 / 3, 2.0 / 3, 1, 7.0 / 8, 6.0 / 8, 5.0 / 8, 4.0 / 8, 3.0 / 8, 2.0 / 8, 1.0 / 8, 0, -1.0 / 8,
        ]
        #expect(rates.count == expected.count)
        for (i, x) in expected.enumerated() {
            #expect(abs(rates[i] - 8e-4 * x) <= 1e-12 * 8e-4, "lr[\(i)] = \(rates[i]), expected \(8e-4 * x)")
        }
        #expect(
            ImportConfigTests.refused("[lr_scheduler]\nwarmup_steps = 2\n[training]\nwarmup_steps = 2\n", "a.toml")
                == [
                    "a.toml:4:1: error[R0601]: training.warmup_steps: the torchtitan of 2024 read warmup_steps here, "
                        + "before it had [lr_scheduler]; with [lr_scheduler], give it there alone",
                    "warmup_steps = 2",
                    "^~~~~~~~~~~~",
                ].joined(separator: "\n"))
    }

    /// A launch command that names the job file and overrides its values (torchtitan's run_train.sh with
    /// `--lr_scheduler.warmup_steps 4 --training.steps=20 --lr_scheduler.decay_type cosine`): the job file's
    /// other fields kept (decay_ratio 0.8, lr 8e-4), the overrides laid over it, and CONFIG_FILE its default.
    @Test func launchCommandOverrides() throws {
        let path = ImportMMEngineTests.fixtures.appendingPathComponent("torchtitan/run_train.sh").path
        let text = try Importer.convert(try SourceFile.load(path: path))
        #expect(
            text.split(separator: "\n").suffix(4) == [
                "# stepped after every training step; [optimizer] lr is base.", "base 0.0008", "total 20",
                "torchtitan.LRSchedulersContainer.Config(warmup_steps=4, decay_ratio=0.8, decay_type=\"cosine\", "
                    + "min_lr_factor=0)",
            ])
        #expect(text.contains("# $CONFIG_FILE is ./train_configs/debug_model.toml, the default the script gives it"))
    }
}
