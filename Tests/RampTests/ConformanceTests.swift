import Foundation
import Testing

@testable import Ramp

/// The language-neutral conformance suite in conformance/ (see its README):
/// every program in programs/ with its exact trace in traces/, and every
/// recorded library case in library/. Each implementation of Ramp's
/// semantics is a runner that must reproduce all of it: here the Swift tree
/// walk, the phase kernels, `ramp serve`, the program rebuilt from its IR,
/// and the runners in conformance/runners, which read the suite themselves
/// and compile each case with the built `ramp` (Python, JAX, Keras).
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    var name: String
    var program: CompiledProgram
    /// The base the program is checked at, as `--base` gives it (nil: its own).
    var base: Double?
    var metrics: [Double?]
    /// Signals raised during given steps.
    var signals: [EventLog.SignalEvent] = []
    var lr: [Double]
    var momentum: [Double?]?
    /// The program's other outputs, by name (empty for most).
    var outputs: [String: [Double]] = [:]
    /// nil: exact, bit for bit; otherwise a library's recorded trace, to its tolerance.
    var library: ParityCase?
    /// The first step at which a program's trace has finished (nil: it runs on, or a library case).
    var finishedAt: Int?
    var testDescription: String { name }

    func matches(_ got: Double, _ expected: Double) -> Bool {
        library.map { $0.matches(got, expected) }
            ?? (got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN))
    }

    /// The first step where a runner's trace departs, if any.
    func mismatch(lr got: [Double], momentum gotMomentum: [Double?], outputs gotOutputs: [String: [Double]] = [:])
        -> String?
    {
        guard got.count == lr.count else { return "\(got.count) rates for \(lr.count) steps" }
        for i in lr.indices where !matches(got[i], lr[i]) { return "lr[\(i)] = \(got[i]), expected \(lr[i])" }
        guard Set(gotOutputs.keys) == Set(outputs.keys) else {
            return "outputs \(gotOutputs.keys.sorted()), expected \(outputs.keys.sorted())"
        }
        for (name, values) in outputs.sorted(by: { $0.key < $1.key }) {
            let g = gotOutputs[name]!
            guard g.count == values.count else { return "\(g.count) values of \(name) for \(values.count) steps" }
            for i in values.indices where !matches(g[i], values[i]) {
                return "\(name)[\(i)] = \(g[i]), expected \(values[i])"
            }
        }
        guard let momentum else { return nil }
        for i in momentum.indices {
            switch (gotMomentum[i], momentum[i]) {
            case (nil, nil): continue
            case (let a?, let b?) where matches(a, b): continue
            default:
                return
                    "momentum[\(i)] = \(String(describing: gotMomentum[i])), expected "
                    + "\(String(describing: momentum[i]))"
            }
        }
        return nil
    }

    static let directory = repositoryRoot.appendingPathComponent("conformance")

    /// A program's trace file: how many steps, the metrics fed, and the
    /// values, every float in its shortest exact form.
    struct Trace: Codable {
        var program: String
        var base: Double?
        var metrics: [Double?]
        var signals: [EventLog.SignalEvent]?
        var lr: [Double]
        var momentum: [Double?]?
        var outputs: [String: [Double]]?
        var finishedAt: Int?

        /// The suite's own field names.
        enum CodingKeys: String, CodingKey {
            case program, base, metrics, signals, lr, momentum, outputs
            case finishedAt = "finished_at"
        }
    }

    /// The signals raised during step `i`.
    func signals(at i: Int) -> [String] { signals.filter { $0.step == i }.map(\.name) }

    /// The rates and momenta a scheduler gives, one per metric fed: by the
    /// tree walk (the reference) or, with `walkTree: false`, by the kernels.
    static func trace(
        _ program: CompiledProgram, _ metrics: [Double?], signals: [EventLog.SignalEvent] = [], walkTree: Bool = true
    )
        -> (lr: [Double], momentum: [Double?], outputs: [String: [Double]], finishedAt: Int?)
    {
        var s = Scheduler(program, walkTree: walkTree)
        var lr: [Double] = []
        var momentum: [Double?] = []
        var outputs: [String: [Double]] = Dictionary(uniqueKeysWithValues: program.outputs.map { ($0.name, []) })
        var finishedAt: Int?
        for (i, m) in metrics.enumerated() {
            if finishedAt == nil, s.finished { finishedAt = i }
            lr.append(s.lr)
            momentum.append(s.momentum)
            for (o, v) in zip(program.outputs, s.values) { outputs[o.name]!.append(v) }
            for e in signals where e.step == i { try! s.signal(e.name) }
            s.step(metric: m)
        }
        return (lr, momentum, outputs, finishedAt)
    }

    /// Every program case, with its trace: an expectation worked out by hand
    /// or recorded from a library, which no runner writes (conformance/README.md).
    static let programs: [ConformanceCase] = {
        var out: [ConformanceCase] = []
        for p in CorpusProgram.all {
            let ex = Expectations(p.source)
            let file = SourceFile(name: p.name, text: p.source)
            guard ex.errors.isEmpty, let program = try? Compiler.compile(file, options: CheckOptions(base: ex.base))
            else { continue }
            let url = directory.appendingPathComponent("traces/\(p.name).json")
            guard let data = FileManager.default.contents(atPath: url.path),
                let t = try? StateJSON.decode(data, as: Trace.self)
            else {
                out.append(
                    ConformanceCase(
                        name: p.name, program: program, base: ex.base, metrics: [], lr: [.nan], momentum: nil,
                        library: nil))
                continue
            }
            out.append(
                ConformanceCase(
                    name: p.name, program: program, base: ex.base, metrics: t.metrics,
                    signals: t.signals ?? [], lr: t.lr, momentum: t.momentum,
                    outputs: t.outputs ?? [:], library: nil, finishedAt: t.finishedAt))
        }
        return out
    }()

    static let library: [ConformanceCase] = ParityCase.pasted.compactMap { c in
        guard let program = try? c.compiled() else { return nil }
        return ConformanceCase(
            name: c.id, program: program, base: c.baseLR, metrics: (0..<c.steps).map { i in c.metrics.map { $0[i] } },
            lr: c.lr,
            momentum: ParityCase.momentumLeftToTheOptimizer.contains(c.id)
                ? nil : c.momentum.map { $0.map { Optional($0) } },
            outputs: c.weightDecay.map { ["weight_decay": $0] } ?? [:],
            library: c)
    }

    static let all: [ConformanceCase] = programs + library
}

@Suite struct ConformanceTests {
    @Test func suiteIsComplete() throws {
        let traces = try FileManager.default.contentsOfDirectory(
            atPath: ConformanceCase.directory.appendingPathComponent("traces").path)
        #expect(ConformanceCase.programs.count >= 60)
        #expect(
            ConformanceCase.programs.allSatisfy { traces.contains("\($0.name).json") }, "a program has no trace file")
        #expect(traces.count == ConformanceCase.programs.count, "a trace file has no program")
        #expect(ConformanceCase.library.count == ParityCase.pasted.count)
    }

    @Test(arguments: ConformanceCase.all)
    func treeWalk(_ c: ConformanceCase) {
        let t = ConformanceCase.trace(c.program, c.metrics, signals: c.signals)
        #expect(c.mismatch(lr: t.lr, momentum: t.momentum, outputs: t.outputs) == nil)
        if c.library == nil { #expect(t.finishedAt == c.finishedAt) }
    }

    @Test(arguments: ConformanceCase.all)
    func kernels(_ c: ConformanceCase) {
        let t = ConformanceCase.trace(c.program, c.metrics, signals: c.signals, walkTree: false)
        #expect(c.mismatch(lr: t.lr, momentum: t.momentum, outputs: t.outputs) == nil)
        if c.library == nil { #expect(t.finishedAt == c.finishedAt) }
    }

    @Test(arguments: ConformanceCase.all)
    func serve(_ c: ConformanceCase) throws {
        // The case's base as `ramp serve --base` takes it; the program sent as Python's json would send it.
        var session = ServeSession(program: nil, base: c.base)
        let load = try StateJSON.encode(["op": "load_program", "source": c.program.source.text])
        var status = session.handle(String(decoding: load, as: UTF8.self))
        struct Status: Decodable {
            var lr: Double?
            var momentum: Double?
            var values: [String: Double]?
        }
        var lr: [Double] = []
        var momentum: [Double?] = []
        var outputs: [String: [Double]] = [:]
        for (i, m) in c.metrics.enumerated() {
            let s = try StateJSON.decode(Data(status.utf8), as: Status.self)
            for name in c.signals(at: i) {
                let answer = session.handle("{\"op\":\"signal\",\"name\":\(JSONValue.quote(name))}")
                #expect(!answer.contains("\"error\""), "\(answer)")
            }
            lr.append(s.lr ?? .nan)
            momentum.append(s.momentum)
            for (k, v) in s.values ?? [:] { outputs[k, default: []].append(v) }
            // Metrics as Python's json.dumps writes them (NaN, Infinity).
            let metric =
                m.map { $0.isNaN ? "NaN" : $0.isInfinite ? ($0 > 0 ? "Infinity" : "-Infinity") : "\($0)" } ?? "null"
            status = session.handle("{\"op\":\"step\",\"metric\":\(metric)}")
        }
        #expect(c.mismatch(lr: lr, momentum: momentum, outputs: outputs) == nil)
    }

    @Test(arguments: ConformanceCase.all)
    func irRoundTrip(_ c: ConformanceCase) throws {
        let rebuilt = try IR.load(IR.document(c.program).render(), name: c.name)
        let t = ConformanceCase.trace(rebuilt, c.metrics, signals: c.signals)
        #expect(c.mismatch(lr: t.lr, momentum: t.momentum, outputs: t.outputs) == nil)
    }

    /// Runs a runner in conformance/runners over the suite with the built
    /// `ramp`, with extra arguments (another `--suite`, `--only CASE`).
    static func runner(_ name: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> Run {
        let script = ConformanceCase.directory.appendingPathComponent("runners/\(name)").path
        let binary = repositoryRoot.appendingPathComponent(".build/debug/ramp").path
        return try python([script, "--ramp", binary] + arguments, environment: environment)
    }

    /// The Python runner reads the whole suite itself: every program's
    /// diagnostics through `ramp check`, every other program and library case
    /// through `ramp compile --to python`, stepped in Python.
    @Test func pythonRunner() throws {
        let r = try Self.runner("python_runner.py")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // Every program, every pasted library case, and every case it checks is refused as not_reproduced.txt lists.
        let count = CorpusProgram.all.count + ParityCase.pasted.count + ParityCase.notReproduced.count
        #expect(r.stdout == "\(count) passed, 0 failed\n", "\(r.stdout)")
    }

    /// A copy of the suite, to change.
    static func copyOfTheSuite() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-suite-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ConformanceCase.directory, to: dir)
        return dir
    }

    static func replace(_ old: String, with new: String, in file: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(old), "\(file.lastPathComponent) has no \(old)")
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
    }

    /// The runner compares with the files: a trace one bit off at step 3, a
    /// message a program expects that `ramp check` does not give, and a trace
    /// without its program each fail, with the case, step, expected and got.
    @Test func pythonRunnerReportsEachDeparture() throws {
        let suite = try Self.copyOfTheSuite()
        defer { try? FileManager.default.removeItem(at: suite) }
        let trace = suite.appendingPathComponent("traces/cosine_min.json")
        try Self.replace("0.8145033635316129", with: "0.8145033635316128", in: trace)
        try Self.replace(
            "did you mean 'linear'?", with: "did you mean 'line'?",
            in: suite.appendingPathComponent("programs/err_bad_choice.ramp"))
        try FileManager.default.copyItem(at: trace, to: suite.appendingPathComponent("traces/orphan.json"))
        let only = ["cosine_min", "err_bad_choice", "orphan", "card"].flatMap { ["--only", $0] }
        let r = try Self.runner("python_runner.py", ["--suite", suite.path] + only)
        let message =
            #"2:17: error[R0306]: argument 'shape' of 'warmup' must be one of \"linear\", \"exp\", "#
            + #"\"constant\"; got \"lin\"; did you mean"#
        #expect(r.status == 1)
        #expect(
            r.stdout == """
                FAIL orphan: traces/orphan.json has no program (programs/orphan.ramp)
                FAIL err_bad_choice: diagnostics differ; expected but not reported: ["\(message) 'line'?"]; \
                reported but not expected: ["\(message) 'linear'?"]
                FAIL cosine_min: step 3: lr is 0.8145033635316129, expected 0.8145033635316128
                1 passed, 3 failed

                """, "\(r.stdout)\(r.stderr)")
    }

    static let jaxAvailable = pythonCanImport("jax")

    /// Every case `--to jax` compiles matches its trace in double precision (a
    /// schedule of the step under jit, one with memory in a jitted scan fed
    /// the case's metrics and signals); every other one is refused as
    /// conformance/refusals/jax.txt lists, with its reason.
    @Test(.enabled(if: jaxAvailable, "jax is not importable by $RAMP_PYTHON (default python3)"))
    func jaxRunner() throws {
        let r = try Self.runner("jax_runner.py")
        print(String(r.stdout.prefix { $0 != "\n" }))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // A case not_reproduced.txt lists passes when it is refused with its reason, as in the Python runner.
        let count = ConformanceCase.all.count + ParityCase.notReproduced.count
        #expect(r.stdout.hasSuffix("\n\(count) passed, 0 failed\n"), "\(r.stdout)")
    }

    /// A listed refusal that compiles, and a refusal that is not listed, each fail the JAX run.
    @Test(.enabled(if: jaxAvailable, "jax is not importable by $RAMP_PYTHON (default python3)"))
    func jaxRunnerHoldsTheRefusalsToTheirList() throws {
        let suite = try Self.copyOfTheSuite()
        defer { try? FileManager.default.removeItem(at: suite) }
        let list = suite.appendingPathComponent("refusals/jax.txt")
        var lines = try String(contentsOf: list, encoding: .utf8).split(separator: "\n")
        lines.append("torch.CyclicLR.0: it is refused")
        try (lines.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        // A program `--to jax` refuses, in place of one it compiles.
        try Self.replace(
            "cyclic(low=0.001, high=0.1, up=10)", with: "float32(running_product(0.99))",
            in: suite.appendingPathComponent("programs/cyclic_triangular.ramp"))
        let only = ["cyclic_triangular", "torch.CyclicLR.0"].flatMap { ["--only", $0] }
        let r = try Self.runner("jax_runner.py", ["--suite", suite.path] + only)
        #expect(r.status == 1)
        #expect(
            r.stdout.contains(
                """
                FAIL torch.CyclicLR.0: `ramp compile --to jax` compiles it, but refusals/jax.txt lists it as refused \
                (it is refused); remove its line
                """), "\(r.stdout)")
        #expect(
            r.stdout.contains(
                """
                FAIL cyclic_triangular: `ramp compile --to jax` refused it, and refusals/jax.txt does not list it: \
                `float32(running_product(0.99))` is not arithmetic of the step
                """), "\(r.stdout)")
        #expect(r.stdout.hasSuffix("0 passed, 2 failed\n"), "\(r.stdout)")
    }

    static let kerasAvailable =
        (try? python(["-c", "import keras"], environment: ["KERAS_BACKEND": "jax"]))?.status == 0

    /// Every case `--to keras` compiles, called as a Keras optimizer calls its
    /// schedule (on the JAX backend), matches its trace to float32 precision;
    /// every other one is refused as conformance/refusals/keras.txt lists.
    @Test(.enabled(if: kerasAvailable, "keras and jax are not importable by $RAMP_PYTHON (default python3)"))
    func kerasRunner() throws {
        let r = try Self.runner("keras_runner.py", environment: ["KERAS_BACKEND": "jax"])
        print(String(r.stdout.prefix { $0 != "\n" }))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // A case not_reproduced.txt lists passes when it is refused with its reason, as in the Python runner.
        let count = ConformanceCase.all.count + ParityCase.notReproduced.count
        #expect(r.stdout.hasSuffix("\n\(count) passed, 0 failed\n"), "\(r.stdout)")
    }
}
