import Foundation
import Testing
@testable import Ramp

/// The language-neutral conformance suite in conformance/ (see its README):
/// every program in programs/ with its exact trace in traces/, and every
/// recorded library case in library/. Each implementation of Ramp's
/// semantics is a runner that must reproduce all of it: here the Swift tree
/// walk, the phase kernels, `ramp serve`, the program rebuilt from its IR,
/// and the Python module (through conformance/runners/python_runner.py).
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
    var testDescription: String { name }

    func matches(_ got: Double, _ expected: Double) -> Bool {
        library.map { $0.matches(got, expected) } ?? (got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN))
    }

    /// The first step where a runner's trace departs, if any.
    func mismatch(lr got: [Double], momentum gotMomentum: [Double?], outputs gotOutputs: [String: [Double]] = [:]) -> String? {
        guard got.count == lr.count else { return "\(got.count) rates for \(lr.count) steps" }
        for i in lr.indices where !matches(got[i], lr[i]) { return "lr[\(i)] = \(got[i]), expected \(lr[i])" }
        guard Set(gotOutputs.keys) == Set(outputs.keys) else { return "outputs \(gotOutputs.keys.sorted()), expected \(outputs.keys.sorted())" }
        for (name, values) in outputs.sorted(by: { $0.key < $1.key }) {
            let g = gotOutputs[name]!
            guard g.count == values.count else { return "\(g.count) values of \(name) for \(values.count) steps" }
            for i in values.indices where !matches(g[i], values[i]) { return "\(name)[\(i)] = \(g[i]), expected \(values[i])" }
        }
        guard let momentum else { return nil }
        for i in momentum.indices {
            switch (gotMomentum[i], momentum[i]) {
            case (nil, nil): continue
            case (let a?, let b?) where matches(a, b): continue
            default: return "momentum[\(i)] = \(String(describing: gotMomentum[i])), expected \(String(describing: momentum[i]))"
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
        var finished_at: Int?
    }

    /// The signals raised during step `i`.
    func signals(at i: Int) -> [String] { signals.filter { $0.step == i }.map(\.name) }

    /// The rates and momenta a scheduler gives, one per metric fed: by the
    /// tree walk (the reference) or, with `walkTree: false`, by the kernels.
    static func trace(_ program: CompiledProgram, _ metrics: [Double?], signals: [EventLog.SignalEvent] = [], walkTree: Bool = true)
        -> (lr: [Double], momentum: [Double?], outputs: [String: [Double]], finishedAt: Int?) {
        var s = Scheduler(program, walkTree: walkTree)
        var lr: [Double] = [], momentum: [Double?] = []
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

    /// Every program case. With RAMP_WRITE_TRACES=1 in the environment, a
    /// missing trace file is written from the Swift tree walk (the reference);
    /// an existing one is never rewritten.
    static let programs: [ConformanceCase] = {
        let write = ProcessInfo.processInfo.environment["RAMP_WRITE_TRACES"] == "1"
        var out: [ConformanceCase] = []
        for p in CorpusProgram.all {
            let ex = Expectations(p.source)
            guard ex.errors.isEmpty, let program = try? Compiler.compile(SourceFile(name: p.name, text: p.source), options: CheckOptions(base: ex.base)) else { continue }
            let url = directory.appendingPathComponent("traces/\(p.name).json")
            if write, !FileManager.default.fileExists(atPath: url.path) {
                let steps = max(ex.horizon, 60)
                let metrics = (0..<steps).map { $0 < ex.metrics.count ? ex.metrics[$0] : nil }
                let t = trace(program, metrics, signals: ex.signals)
                let doc = Trace(program: "\(p.name).ramp", base: ex.base, metrics: metrics, signals: ex.signals.isEmpty ? nil : ex.signals, lr: t.lr,
                                momentum: program.momentum == nil ? nil : t.momentum, outputs: t.outputs.isEmpty ? nil : t.outputs,
                                finished_at: t.finishedAt)
                try? StateJSON.encode(doc).write(to: url)
            }
            guard let data = FileManager.default.contents(atPath: url.path), let t = try? StateJSON.decode(data, as: Trace.self) else {
                out.append(ConformanceCase(name: p.name, program: program, base: ex.base, metrics: [], lr: [.nan], momentum: nil, library: nil))
                continue
            }
            out.append(ConformanceCase(name: p.name, program: program, base: ex.base, metrics: t.metrics, signals: t.signals ?? [], lr: t.lr, momentum: t.momentum,
                                       outputs: t.outputs ?? [:], library: nil))
        }
        return out
    }()

    static let library: [ConformanceCase] = ParityCase.pasted.compactMap { c in
        guard let program = try? c.compiled() else { return nil }
        return ConformanceCase(name: c.id, program: program, base: c.base_lr, metrics: (0..<c.steps).map { i in c.metrics.map { $0[i] } },
                               lr: c.lr, momentum: ParityCase.momentumLeftToTheOptimizer.contains(c.id) ? nil : c.momentum.map { $0.map { Optional($0) } },
                               library: c)
    }

    static let all: [ConformanceCase] = programs + library
}

@Suite struct ConformanceTests {
    @Test func suiteIsComplete() throws {
        let traces = try FileManager.default.contentsOfDirectory(atPath: ConformanceCase.directory.appendingPathComponent("traces").path)
        #expect(ConformanceCase.programs.count >= 60)
        #expect(ConformanceCase.programs.allSatisfy { traces.contains("\($0.name).json") }, "a program has no trace file")
        #expect(traces.count == ConformanceCase.programs.count, "a trace file has no program")
        #expect(ConformanceCase.library.count == ParityCase.pasted.count)
    }

    @Test(arguments: ConformanceCase.all)
    func treeWalk(_ c: ConformanceCase) {
        let t = ConformanceCase.trace(c.program, c.metrics, signals: c.signals)
        #expect(c.mismatch(lr: t.lr, momentum: t.momentum, outputs: t.outputs) == nil)
    }

    @Test(arguments: ConformanceCase.all)
    func kernels(_ c: ConformanceCase) {
        let t = ConformanceCase.trace(c.program, c.metrics, signals: c.signals, walkTree: false)
        #expect(c.mismatch(lr: t.lr, momentum: t.momentum, outputs: t.outputs) == nil)
    }

    @Test(arguments: ConformanceCase.all)
    func serve(_ c: ConformanceCase) throws {
        // The case's base as `ramp serve --base` takes it; the program sent as Python's json would send it.
        var session = ServeSession(program: nil, base: c.base)
        let load = try StateJSON.encode(["op": "load_program", "source": c.program.source.text])
        var status = session.handle(String(decoding: load, as: UTF8.self))
        struct Status: Decodable { var lr: Double?; var momentum: Double?; var values: [String: Double]? }
        var lr: [Double] = [], momentum: [Double?] = []
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
            let metric = m.map { $0.isNaN ? "NaN" : $0.isInfinite ? ($0 > 0 ? "Infinity" : "-Infinity") : "\($0)" } ?? "null"
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

    /// The Python runner runs every case's compiled module.
    /// One conformance job for a runner that is not Swift.
    struct ModuleJob: Encodable {
        var name: String, module: String, metrics: [Double?], signals: [EventLog.SignalEvent], lr: [Double], momentum: [Double?]?
        var outputs: [String: [Double]]
        var tolerance: String
    }

    /// Writes the module `make` gives for each case (nil: refused) and runs
    /// `runner` over them; returns how many ran and how many were refused.
    func runModules(_ runner: String, environment: [String: String] = [:],
                    _ make: (ConformanceCase) throws -> (module: String, tolerance: String)?) throws -> (ran: Int, refused: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var jobs: [ModuleJob] = []
        var refused = 0
        for (i, c) in ConformanceCase.all.enumerated() {
            guard let (module, tolerance) = try make(c) else { refused += 1; continue }
            try module.write(to: dir.appendingPathComponent("case_\(i).py"), atomically: true, encoding: .utf8)
            jobs.append(ModuleJob(name: c.name, module: "case_\(i)", metrics: c.metrics, signals: c.signals, lr: c.lr, momentum: c.momentum,
                                  outputs: c.outputs, tolerance: tolerance))
        }
        try StateJSON.encode(jobs).write(to: dir.appendingPathComponent("jobs.json"))
        let r = try python([ConformanceCase.directory.appendingPathComponent("runners/\(runner)").path,
                            dir.path, dir.appendingPathComponent("jobs.json").path], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("\(jobs.count) passed, 0 failed\n"), "\(r.stdout)")
        return (jobs.count, refused)
    }

    @Test func pythonModules() throws {
        let (ran, refused) = try runModules("python_runner.py") { c in
            (try Python.module(c.program), c.library.map { $0.dtype == "float32" ? "float32" : "1e-12" } ?? "exact")
        }
        #expect(refused == 0 && ran == ConformanceCase.all.count)
    }

    static let jaxAvailable = pythonCanImport("jax")

    /// Every case `--to jax` compiles, in double precision: a schedule of the
    /// step evaluated under jit, one with memory stepped in a jitted scan fed
    /// the case's metrics. The rest (parts that are not arithmetic) are
    /// refused with a message, and counted.
    @Test(.enabled(if: jaxAvailable, "jax is not importable by $RAMP_PYTHON (default python3); install jax to run the JAX conformance runner"))
    func jaxModules() throws {
        let (ran, refused) = try runModules("jax_runner.py") { c in
            do { return (try JAX.module(c.program), c.library?.dtype == "float32" ? "float32" : "1e-12") } catch {
                #expect("\(error)".contains("--to jax"), "\(c.name): \(error)")
                return nil
            }
        }
        print("jax: \(ran) conformance cases compiled and matched, \(refused) refused (not arithmetic)")
        #expect(ran >= 150)
    }

    static let kerasAvailable = (try? python(["-c", "import keras"], environment: ["KERAS_BACKEND": "jax"]))?.status == 0

    /// Every case `--to keras` compiles, called as a Keras optimizer calls its
    /// schedule (on the JAX backend), to float32 precision.
    @Test(.enabled(if: kerasAvailable, "keras and jax are not importable by $RAMP_PYTHON (default python3); install them to run the Keras conformance runner"))
    func kerasModules() throws {
        let (ran, refused) = try runModules("keras_runner.py", environment: ["KERAS_BACKEND": "jax"]) { c in
            do { return (try Keras.module(c.program), "float32") } catch {
                #expect("\(error)".contains("--to keras"), "\(c.name): \(error)")
                return nil
            }
        }
        print("keras: \(ran) conformance cases compiled and matched to float32, \(refused) refused")
        #expect(ran >= 60)
    }
}
