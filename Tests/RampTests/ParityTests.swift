import Foundation
import Testing

@testable import Ramp

/// One recorded case from conformance/library/*.json (see its README.md).
struct ParityCase: Decodable, Sendable, CustomTestStringConvertible {
    var id: String
    var call: String
    var baseLR: Double?
    var steps: Int
    var lr: [Double]
    var momentum: [Double]?
    var metrics: [Double]?
    var dtype: String
    /// The run a library's schedule reads: Composer's `max_duration` and
    /// `dataloader_len`, fvcore's `max_iter`, MMEngine's `epoch_length`.
    var maxDuration: String?
    var dataloaderLen: Int?
    var maxIter: Int?
    var epochLength: Int?
    /// MMEngine: `call` is a config's `param_scheduler` list, read by `ramp import`.
    var config: Bool?
    var optimizer: String?
    /// Composer: the rate its Trainer applies, one batch late.
    var lrTrainer: [Double]?
    /// Megatron-LM: the samples an iteration consumes (`samples_per_step`), and the weight decay it schedules.
    var increment: Int?
    var weightDecay: [Double]?
    /// Megatron-LM: the command line the call was derived from, as training.py derives it.
    var megatronArgs: String?
    /// fairseq: the scheduler's config (cfg.lr_scheduler) its flags give, and the updates in an epoch.
    var lrSchedulerCfg: [String: ConfigValue]?
    var updatesPerEpoch: Int?

    /// The recorded files' own field names.
    enum CodingKeys: String, CodingKey {
        case id, call, steps, lr, momentum, metrics, dtype, config, optimizer
        case baseLR = "base_lr"
        case maxDuration = "max_duration"
        case dataloaderLen = "dataloader_len"
        case maxIter = "max_iter"
        case epochLength = "epoch_length"
        case lrTrainer = "lr_trainer"
        case increment
        case weightDecay = "weight_decay"
        case megatronArgs = "megatron_args"
        case lrSchedulerCfg = "lr_scheduler_cfg"
        case updatesPerEpoch = "updates_per_epoch"
    }

    var testDescription: String { id }

    /// The call as a user pastes it: the optimizer argument dropped and the
    /// module path shortened to the namespace, after the settings that give
    /// the run it reads.
    var rampSource: String {
        if let cfg = lrSchedulerCfg { return settings + ParityCase.fairseqCall(cfg) }
        return settings + ParityCase.shortenPath(ParityCase.dropBuild(ParityCase.dropOptimizer(call)))
    }

    /// fairseq's flags as its scheduler's config has them, as a call of the scheduler by the name
    /// --lr-scheduler takes: `fairseq.inverse_sqrt(lr=[0.1], warmup_updates=10)`.
    static func fairseqCall(_ cfg: [String: ConfigValue]) -> String {
        guard case .string(let name)? = cfg["_name"] ?? cfg["lr_scheduler"] else { return "" }
        let args = cfg.filter { $0.key != "_name" && $0.key != "lr_scheduler" }.sorted { $0.key < $1.key }
        return "fairseq.\(name)(" + args.map { "\($0.key)=\($0.value.python)" }.joined(separator: ", ") + ")"
    }

    /// `total 40` and `steps_per_epoch 10` for a Composer run of 40 batches
    /// of 10 an epoch (`3ep` is `total 3 epochs`); `total` for fvcore's
    /// max_iter; `steps_per_epoch` for MMEngine's epoch length.
    var settings: String {
        var lines: [String] = []
        if let n = dataloaderLen ?? epochLength { lines.append("steps_per_epoch \(n)") }
        if let d = maxDuration {
            let value = d.prefix { $0.isNumber || $0 == "." }
            lines.append("total \(value)" + (d.hasSuffix("ep") ? " epochs" : ""))
        }
        if let n = maxIter { lines.append("total \(n)") }
        if let n = increment { lines.append("samples_per_step \(n)") }
        if let n = updatesPerEpoch { lines.append("steps_per_epoch \(n)") }
        if let n = ParityCase.trainingSteps(call) { lines.append("total \(n)") }
        return lines.map { $0 + "\n" }.joined()
    }

    /// torchtitan's `.build(optimizers=optimizers, training_steps=N)`, which Ramp reads as `total N`.
    static let buildSuffix = ".build(optimizers=optimizers, training_steps="

    static func trainingSteps(_ call: String) -> Int? {
        guard let r = call.range(of: buildSuffix) else { return nil }
        return Int(call[r.upperBound...].dropLast())
    }

    static func dropBuild(_ call: String) -> String {
        guard let r = call.range(of: buildSuffix) else { return call }
        return String(call[..<r.lowerBound])
    }

    static func dropOptimizer(_ call: String) -> String {
        guard let open = call.range(of: "(SGD(") else { return call }
        var depth = 0
        var i = call.index(after: open.lowerBound)
        while i < call.endIndex {
            if call[i] == "(" { depth += 1 }
            if call[i] == ")" {
                depth -= 1
                if depth == 0 { break }
            }
            i = call.index(after: i)
        }
        var rest = call[call.index(after: i)...]
        while let f = rest.first, f == "," || f == " " { rest = rest.dropFirst() }
        return String(call[...open.lowerBound]) + rest
    }

    static func shortenPath(_ s: String) -> String {
        var s = s
        for (long, short) in [
            ("torch.optim.lr_scheduler.", "torch."), ("transformers.optimization.", "transformers."),
            ("timm.scheduler.", "timm."), ("keras.optimizers.schedules.", "keras."),
            ("deepspeed.runtime.lr_schedules.", "deepspeed."), ("composer.optim.", "composer."),
            ("fvcore.common.param_scheduler.", "fvcore."), ("mmengine.optim.scheduler.", "mmengine."),
            ("mmengine.optim.", "mmengine."), ("megatron.core.optimizer_param_scheduler.", "megatron."),
            ("torchtitan.components.optimizer.lr_scheduler.", "torchtitan."),
            ("nemo.core.optim.lr_scheduler.", "nemo."),
            ("paddle.optimizer.lr.", "paddle."),
        ] {
            s = s.replacingOccurrences(of: long, with: short)
        }
        return s
    }

    static let libraries = [
        "torch", "transformers", "timm", "optax", "keras", "deepspeed", "composer", "fvcore", "mmengine", "megatron",
        "torchtitan", "nemo", "paddle", "fairseq",
    ]

    static let all: [ParityCase] = {
        struct File: Decodable { var cases: [ParityCase] }
        return libraries.flatMap { lib -> [ParityCase] in
            let url = repositoryRoot.appendingPathComponent("conformance/library/\(lib).json")
            return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
        }
    }()

    /// The cases a user pastes as a call (MMEngine's configs are read by `ramp import`), but for those Ramp refuses.
    static let pasted: [ParityCase] = all.filter { $0.config != true && notReproduced[$0.id] == nil }

    /// Recorded cases that Ramp refuses rather than reproduces, with part of the refusal's message:
    /// conformance/library/not_reproduced.txt, one `CASE: REASON` a line, which every runner reads.
    static let notReproduced: [String: String] = {
        let url = repositoryRoot.appendingPathComponent("conformance/library/not_reproduced.txt")
        let lines = try! String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        var out: [String: String] = [:]
        for line in lines {
            guard let colon = line.range(of: ": ") else { continue }
            out[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...])
        }
        return out
    }()

    /// Where the library leaves momentum to the optimizer and Ramp schedules it
    /// as the call asks (DeepSpeed turns OneCycle's cycle_momentum off for an
    /// optimizer without betas): conformance/library/momentum_left_to_the_optimizer.txt,
    /// one `CASE: REASON` a line, which every runner reads. The rates must match.
    static let momentumLeftToTheOptimizer: Set<String> = {
        let url = repositoryRoot.appendingPathComponent("conformance/library/momentum_left_to_the_optimizer.txt")
        let lines = try! String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        return Set(lines.compactMap { $0.split(separator: ":").first.map(String.init) })
    }()

    /// A program (the case's own call by default) checked with the case's base.
    /// A recorded base_lr of 0 (Paddle's LinearWarmup, whose rate is its own argument) is not a rate Ramp
    /// takes, and such a schedule does not read base: it is checked at the default.
    func compiled(_ source: String? = nil) throws -> CompiledProgram {
        try Compiler.compile(
            SourceFile(name: id, text: source ?? rampSource), options: CheckOptions(base: baseLR == 0 ? nil : baseLR))
    }

    /// Runs a program under this case's protocol.
    func trace(_ source: String) throws -> (lr: [Double], momentum: [Double?], weightDecay: [Double?]) {
        let program = try compiled(source)
        var s = Scheduler(program)
        var lrs: [Double] = []
        var moms: [Double?] = []
        var wds: [Double?] = []
        for i in 0..<steps {
            lrs.append(s.lr)
            moms.append(s.momentum)
            wds.append(s.value(of: "weight_decay"))
            s.step(metric: metrics.map { $0[i] })
        }
        return (lrs, moms, wds)
    }

    /// 1e-12 relative; a library that computes in float32 (keras) to float32
    /// precision: 2e-6 relative, or 1e-6 of the trace's peak where a
    /// difference such as `1 + cos` is small.
    func matches(_ a: Double, _ b: Double) -> Bool {
        if dtype == "float32" { return abs(a - b) <= 2e-6 * max(abs(a), abs(b)) || abs(a - b) <= 1e-6 * peak }
        return close(a, b)
    }

    /// The largest rate in the recorded trace.
    var peak: Double { lr.map(abs).max() ?? 0 }

    /// The first step where `trace` departs from the recording, if any.
    func mismatch(_ got: (lr: [Double], momentum: [Double?], weightDecay: [Double?])) -> String? {
        for i in 0..<steps where !matches(got.lr[i], lr[i]) {
            return "lr[\(i)] = \(got.lr[i]), expected \(lr[i])"
        }
        if let momentum, !ParityCase.momentumLeftToTheOptimizer.contains(id) {
            for i in 0..<steps where !(got.momentum[i].map { matches($0, momentum[i]) } ?? false) {
                return "momentum[\(i)] = \(String(describing: got.momentum[i])), expected \(momentum[i])"
            }
        }
        if let weightDecay {
            for i in 0..<steps where !(got.weightDecay[i].map { matches($0, weightDecay[i]) } ?? false) {
                return "weight_decay[\(i)] = \(String(describing: got.weightDecay[i])), expected \(weightDecay[i])"
            }
        }
        return nil
    }
}

/// A value of a recorded config (fairseq's `lr_scheduler_cfg`), written back as Python writes it.
enum ConfigValue: Decodable, Sendable {
    case bool(Bool)
    case number(Double)
    case numbers([Double])
    case string(String)

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let x = try? c.decode(Double.self) {
            self = .number(x)
        } else if let xs = try? c.decode([Double].self) {
            self = .numbers(xs)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    var python: String {
        switch self {
        case .bool(let b): return b ? "True" : "False"
        case .number(let x): return "\(x)"
        case .numbers(let xs): return "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]"
        case .string(let s): return "\"\(s)\""
        }
    }
}

/// Programs written natively, without a compatibility namespace, that must
/// give the same trace as the library: the language can say it all itself.
let nativeParity: [String: String] = [
    "torch.StepLR.0": "step(size=30, gamma=0.1)",
    "torch.OneCycleLR.0": "onecycle(total=100, max=0.1)",
    "torch.SequentialLR.0": "warmup(5, from=0.01, to=0.1) then cosine(T=45, periodic=true)",
    "torch.ReduceLROnPlateau.1":
        "reduce_on_plateau(factor=0.5, patience=3, threshold=0.001, threshold_mode=\"abs\", cooldown=2, min=1e-4)",
    "torch.LambdaLR.1": "base * min((t + 1) / 10, (10 / (t + 1)) ^ 0.5)",
    "transformers.get_linear_schedule_with_warmup.0": "warmup 10 then linear(T=90) then 0",
    "transformers.get_cosine_schedule_with_warmup.0": "warmup 10 then cosine(T=90, periodic=true)",
    "transformers.get_reduce_on_plateau_schedule.0": "reduce_on_plateau(factor=0.5, patience=4)",
    "timm.CosineLRScheduler.1":
        "warmup(3, from=1e-4, to=base) then restarts(cosine(T=10, min=1e-5), period=10, mult=2, decay=0.5, floor=1e-5, "
        + "limit=3, decay_mode=\"peak\") then constant(1e-5)",
    "timm.StepLRScheduler.0": "warmup(2, from=0.001) then step(size=7, gamma=0.5)",
    "optax.warmup_cosine_decay_schedule.0": "warmup 10 then cosine(T=90, from=0.1, min=0.0001) then 0.0001",
    "optax.exponential_decay.0": "exponential(gamma=0.5, from=0.1, every=10, staircase=true)",
    "optax.contrib.reduce_on_plateau.0":
        "reduce_on_plateau(factor=0.5, patience=2, threshold=1e-4, cooldown=2, min=0.001, eps=0)",
    "keras.ExponentialDecay.0": "exponential(gamma=0.6, from=0.1, every=10)",
    "keras.CosineDecay.1": "warmup 10 then float32(0.1 * (0.5 * (1 + cos(pi * min(t, 40) / 40))))",
]

@Suite struct ParityTests {
    @Test func everyFixtureCaseIsLoaded() {
        #expect(ParityCase.all.count == 252)
        #expect(ParityCase.pasted.count == 247)
    }

    /// A recorded case that Ramp does not reproduce is refused, saying why, never run to other numbers.
    @Test(arguments: ParityCase.notReproduced.keys.sorted())
    func aCaseNotReproducedIsRefused(_ id: String) throws {
        let c = try #require(ParityCase.all.first { $0.id == id })
        do {
            _ = try c.compiled()
            Issue.record("\(id) compiles; remove it from not_reproduced.txt")
        } catch let error as DiagnosticError {
            #expect(error.diagnostics.map(\.message).contains { $0.contains(ParityCase.notReproduced[id]!) })
        }
    }

    @Test(arguments: ParityCase.pasted)
    func compatCallReproducesTheLibrary(_ c: ParityCase) throws {
        let got = try c.trace(c.rampSource)
        #expect(c.mismatch(got) == nil, "\(c.rampSource)")
    }

    /// fairseq's cases are flags, not a call: their call is the scheduler's config (rampSource).
    @Test(arguments: ParityCase.pasted.filter { $0.lrSchedulerCfg == nil })
    func libraryModulePathIsAccepted(_ c: ParityCase) throws {
        // As written in the case, with only the optimizer argument dropped.
        let got = try c.trace(c.settings + ParityCase.dropBuild(ParityCase.dropOptimizer(c.call)))
        #expect(c.mismatch(got) == nil)
    }

    /// Composer's Trainer applies each rate one batch late: what it recorded
    /// is the schedule's own rate, shifted.
    /// A library's value outside its output's range passes with a warning, as
    /// the library passes it: DeepSpeed's momentum decay grows past 1.
    @Test func aLibrarysValueOutsideItsRangeIsAWarning() throws {
        let c = try #require(ParityCase.all.first { $0.id == "deepspeed.OneCycle.1" })
        let program = try c.compiled()
        #expect(
            program.warnings.map(\.message) == [
                "the momentum is above 1 (1.0008000000000001) at step 96; the library allows it, so it is passed on as "
                    + "it is"
            ])
        #expect(program.libraryOutputs == ["lr", "momentum"])
        // Bounded to the run when its length is known; native Ramp keeps its check.
        #expect(try c.compiled("total 70\n" + c.rampSource).warnings.isEmpty)
        #expect(throws: DiagnosticError.self) {
            try c.compiled("momentum: linear(T=200, from=0.9, to=1.1)\ncosine(T=10)")
        }
    }

    /// What optax accepts, Ramp takes as optax gives it: no transition or a
    /// zero decay rate is the constant init_value; a negative rate or a growth
    /// that overflows long after the run is a warning, not a refusal.
    @Test func optaxEdgeCases() throws {
        func rates(_ source: String, _ n: Int = 12) throws -> (lr: [Double], warnings: [String]) {
            let p = try Compiler.compile(SourceFile(name: "t", text: source))
            return (Table.rows(p, steps: n).map(\.lr), p.warnings.map(\.message))
        }
        for source in [
            "optax.exponential_decay(0.1, 0, 0.5)", "optax.exponential_decay(0.1, -3, 0.5)",
            "optax.exponential_decay(0.1, 10, 0)",
            "optax.polynomial_schedule(0.1, 0.0, 2, 0)", "optax.linear_schedule(0.1, 0.0, 0)",
        ] {
            let r = try rates(source)
            #expect(r.lr == Array(repeating: 0.1, count: 12) && r.warnings.isEmpty, "\(source)")
        }
        let falling = try rates("optax.linear_schedule(0.1, -0.1, 10)")
        #expect(
            falling.lr[10] == -0.1
                && falling.warnings == [
                    "the rate is negative (-0.01999999999999999) at step 6; the library allows it, so it is passed on "
                        + "as it is"
                ])
        let growing = try rates("optax.exponential_decay(0.1, 10, 2.0)")
        #expect(
            growing.lr[10] == 0.2
                && growing.warnings == [
                    "the rate is infinite at step 10240; the library allows it, so it is passed on as it is"
                ])
        #expect(try rates("total 50\noptax.exponential_decay(0.1, 10, 2.0)").warnings.isEmpty)
    }

    /// timm's TanhLRScheduler without warmup leaves epoch 0 at the
    /// optimizer's rate (its constructor sets nothing, and the curve's value
    /// at 0 is not the rate, since tanh(lb) is not -1); from epoch 1 it is
    /// lr_min + (base - lr_min) / 2 * (1 - tanh(lb (1 - t/T) + ub t/T)).
    @Test func timmTanhWithoutWarmupStartsAtTheRate() throws {
        let p = try Compiler.compile(
            SourceFile(name: "t", text: "timm.TanhLRScheduler(t_initial=30, lr_min=1e-5)"),
            options: CheckOptions(base: 0.1))
        let got = Table.rows(p, steps: 35).map(\.lr)
        var want = [0.1]
        for e in 1..<35 {
            let tr = Double(e) / 30
            want.append(e < 30 ? 1e-5 + 0.5 * (0.1 - 1e-5) * (1 - tanh(-7 * (1 - tr) + 3 * tr)) : 1e-5)
        }
        #expect(zip(got, want).allSatisfy { close($0, $1) } && got.count == 35, "\(got)")
    }

    /// torch takes one-cycle and cyclic momentum bounds above 1, and so does
    /// its namespace, with a warning; native Ramp refuses them.
    @Test func momentumBoundsAboveOneAreTheLibrarys() throws {
        let torch = try Compiler.compile(
            SourceFile(
                name: "t", text: "torch.OneCycleLR(max_lr=0.1, total_steps=10, base_momentum=0.9, max_momentum=1.05)"))
        #expect(
            torch.warnings.map(\.message) == [
                "the momentum is above 1 (1.05) at step 0; the library allows it, so it is passed on as it is"
            ])
        #expect(Table.rows(torch, steps: 3).map(\.momentum) == [1.05, 0.9750000000000001, 0.9])
        #expect(
            diagnostics("onecycle(total=10, max=0.1, momentum_high=1.05)").map(\.message) == [
                "the momentum is above 1 (1.05) at step 0"
            ])
    }

    @Test func composersTrainerLagsOneBatch() {
        let cases = ParityCase.all.filter { $0.lrTrainer != nil }
        #expect(cases.count == 29)
        for c in cases { #expect(c.lrTrainer! == [c.lr[0]] + c.lr.dropLast(), "\(c.id)") }
    }

    @Test func nativeProgramsCoverEveryLibrary() {
        for lib in ["torch.", "transformers.", "timm.", "optax.", "keras."] {
            #expect(nativeParity.keys.contains { $0.hasPrefix(lib) }, "no native program for \(lib)")
        }
    }

    @Test(arguments: nativeParity.keys.sorted())
    func nativeProgramReproducesTheLibrary(_ id: String) throws {
        let c = try #require(ParityCase.all.first { $0.id == id })
        let got = try c.trace(nativeParity[id]!)
        #expect(c.mismatch(got) == nil, "\(nativeParity[id]!)")
    }
}

@Suite struct MigrationTests {
    /// `ramp explain` prints the native Ramp a compatibility call stands for;
    /// pasted back, it must give the library's numbers too.
    @Test(arguments: ParityCase.pasted)
    func explainedNativeProgramGivesTheSameTrace(_ c: ParityCase) throws {
        let program = try c.compiled()
        let native = Explain.nativeSource(program)
        for namespace in ParityCase.libraries { #expect(!native.contains(namespace + "."), "\(native)") }
        let got = try c.trace(native)
        #expect(c.mismatch(got) == nil, "\(native)")
    }
}
