import Foundation
import Testing

@testable import Ramp

/// The Python module from `ramp compile --to python`, run by a real
/// interpreter ($RAMP_PYTHON, default python3) and compared with the Swift
/// scheduler: traces, saved state, resuming, and other bases.
@Suite struct PythonTests {

    /// Every corpus program that checks, every parity case, and 300 generated
    /// programs (nested phases, conditions, momentum), each with its metrics.
    static func programs() throws -> [(name: String, program: CompiledProgram, base: Double?, metrics: [Double?])] {
        var out: [(String, CompiledProgram, Double?, [Double?])] = []
        let curve = metricCurve(240)
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            out.append((p.name, try Compiler.compile(SourceFile(name: p.name, text: p.source)), nil, curve))
        }
        for c in ParityCase.pasted {
            let program = try c.compiled()
            out.append((c.id, program, c.baseLR, c.metrics ?? Array(repeating: nil, count: c.steps)))
        }
        var gen = ProgramGenerator(rng: SeededRandom(seed: 9090))
        for i in 0..<300 {
            let source = gen.program()
            if let program = try? Compiler.compile(SourceFile(name: "generated \(i)", text: source)) {
                out.append(("generated \(i): \(source)", program, nil, curve))
            }
        }
        return out
    }

    struct Job: Encodable {
        var module: String
        var metrics: [Double?]
        /// The base passed to Schedule(base=), nil for the program's own.
        var base: Double?
        /// Where the state is saved and a Swift state is loaded.
        var resumeAt: Int
        var swiftState: String
    }

    struct Result: Decodable {
        var lr: [String]
        var momentum: [String?]
        var finished: [Bool]
        var state: String?
        var resumedLR: [String]?
        var refused: String?
    }

    /// The driver: runs each job's module and prints one JSON line per job,
    /// every float as float.hex() so nothing is lost on the way back.
    static let driver = #"""
        import importlib, json, sys
        sys.path.insert(0, sys.argv[1])
        hexed = lambda x: None if x is None else float.hex(x)
        for line in open(sys.argv[2]):
            job = json.loads(line)
            m = importlib.import_module(job["module"])
            try:
                s = m.Schedule(base=job.get("base"))
            except ValueError as e:
                print(json.dumps({"lr": [], "momentum": [], "finished": [], "refused": str(e)}))
                continue
            out = {"lr": [], "momentum": [], "finished": []}
            k = job["resumeAt"]
            for i, metric in enumerate(job["metrics"]):
                if i == k:
                    out["state"] = json.dumps(s.state_dict())
                out["lr"].append(hexed(s.lr))
                out["momentum"].append(hexed(s.momentum))
                out["finished"].append(s.finished)
                s.step(metric)
            r = m.Schedule(base=job.get("base"))
            r.load_state_dict(json.loads(job["swiftState"]))
            resumed = []
            for metric in job["metrics"][k:]:
                resumed.append(hexed(r.lr))
                r.step(metric)
            out["resumedLR"] = resumed
            print(json.dumps(out))
        """#

    /// Writes each module (as schedule_<i>.py) and the jobs (one JSON line
    /// each) beside a driver script, and runs the driver over them.
    static func runDriver<Job: Encodable>(_ driver: String, modules: [String], jobs: [Job]) throws -> Run {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, text) in modules.enumerated() {
            try text.write(to: dir.appendingPathComponent("schedule_\(i).py"), atomically: true, encoding: .utf8)
        }
        let encoder = JSONEncoder()
        let lines = try jobs.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        try lines.write(to: dir.appendingPathComponent("jobs.jsonl"), atomically: true, encoding: .utf8)
        try driver.write(to: dir.appendingPathComponent("driver.py"), atomically: true, encoding: .utf8)
        return try python([
            dir.appendingPathComponent("driver.py").path, dir.path, dir.appendingPathComponent("jobs.jsonl").path,
        ])
    }

    /// Runs the trace driver and returns its answers in order.
    static func run(_ modules: [String], _ jobs: [Job]) throws -> [Result] {
        let r = try runDriver(driver, modules: modules, jobs: jobs)
        #expect(r.status == 0, "\(r.stderr)")
        let decoder = JSONDecoder()
        return try r.stdout.split(separator: "\n").map { try decoder.decode(Result.self, from: Data($0.utf8)) }
    }

    static func double(_ hex: String?) -> Double? { hex.flatMap { Double($0) } }

    /// JSON texts equal as values (0 and 0.0 alike).
    static func sameJSON(_ a: String, _ b: String) -> Bool {
        guard let x = try? JSONSerialization.jsonObject(with: Data(a.utf8)) as? NSDictionary,
            let y = try? JSONSerialization.jsonObject(with: Data(b.utf8)) as? NSDictionary
        else { return false }
        return x.isEqual(y)
    }

    @Test func traceStateAndResumeMatchSwift() throws {
        let all = try Self.programs()
        var modules: [String] = []
        var jobs: [Job] = []
        var expected: [(lr: [Double], momentum: [Double?], finished: [Bool], state: String, tail: [Double])] = []
        for (i, item) in all.enumerated() {
            let steps = item.metrics.count
            let k = steps / 3
            var s = Scheduler(item.program)
            var lr: [Double] = []
            var momentum: [Double?] = []
            var finished: [Bool] = []
            var state = ""
            for step in 0..<steps {
                if step == k { state = String(decoding: try s.saved.encoded(), as: UTF8.self) }
                lr.append(s.lr)
                momentum.append(s.momentum)
                finished.append(s.finished)
                s.step(metric: item.metrics[step])
            }
            modules.append(try Python.module(item.program))
            jobs.append(Job(module: "schedule_\(i)", metrics: item.metrics, base: nil, resumeAt: k, swiftState: state))
            expected.append((lr, momentum, finished, state, Array(lr[k...])))
        }
        let results = try Self.run(modules, jobs)
        try #require(results.count == all.count)
        var exact = 0
        var values = 0
        for (i, r) in results.enumerated() {
            let name = all[i].name
            let e = expected[i]
            let lr = r.lr.map { Self.double($0)! }
            #expect(lr.count == e.lr.count, "\(name)")
            for (step, (a, b)) in zip(lr, e.lr).enumerated() where !close(a, b) {
                Issue.record("\(name): lr[\(step)] is \(a) in Python, \(b) in Swift")
                break
            }
            for (step, (a, b)) in zip(r.momentum.map(Self.double), e.momentum).enumerated()
            where !(a == nil && b == nil) && !(a.flatMap { x in b.map { close(x, $0) } } ?? false) {
                Issue.record(
                    Comment(
                        rawValue: "\(name): momentum[\(step)] is \(String(describing: a)) in Python, "
                            + "\(String(describing: b)) in Swift"))
                break
            }
            #expect(r.finished == e.finished, "\(name)")
            #expect(
                r.state.map { Self.sameJSON($0, e.state) } == true,
                "\(name): state_dict \(r.state ?? "none") differs from Swift's \(e.state)")
            let tail = (r.resumedLR ?? []).map { Self.double($0)! }
            #expect(
                tail.count == e.tail.count && zip(tail, e.tail).allSatisfy { close($0, $1) },
                "\(name): resumed from Swift's state, the trace differs")
            exact += zip(lr, e.lr).filter { $0.bitPattern == $1.bitPattern }.count
            values += e.lr.count
        }
        print("python: \(all.count) programs, \(values) rates, \(exact) bit-identical to Swift")
        #expect(all.count >= 350)
    }

    /// The runtime's files read their own messages from the table the
    /// diagnostics catalogue writes, which each module carries.
    @Test func runtimeMessagesAreTheCataloguesTable() throws {
        let url = repositoryRoot.appendingPathComponent("Sources/Ramp/Emit/Python/messages.py")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == RuntimeMessages.pythonFile, "messages.py should read:\n\(RuntimeMessages.pythonFile)")
        let module = try Python.module(try Compiler.compile(SourceFile(name: "t.ramp", text: "cosine(T=10)")))
        #expect(module.contains("\n" + RuntimeMessages.pythonTable + "\n"))
        #expect(!module.contains("from messages import"))
    }

    /// Schedule(base=b) gives, bit for bit, what Ramp gives when the program
    /// is checked at base b, at three bases; a base is refused only where
    /// Ramp refuses to rebuild the program there (its shape depends on it).
    @Test func anotherBaseEqualsCheckingAtThatBase() throws {
        let all = try Self.programs()
        var modules: [String] = []
        var jobs: [Job] = []
        var expected: [(name: String, lr: [Double]?, momentum: [Double?]?)] = []
        let factors = [3.0, 0.5, 1.0 / 7.0]
        for (i, item) in all.enumerated() {
            modules.append(try Python.module(item.program))
            for f in factors {
                let base = item.program.settings.base * f
                let rebuilt = try? item.program.rebased(to: base)
                let trace = rebuilt.map { ConformanceCase.trace($0, item.metrics) }
                expected.append((item.name, trace?.lr, trace?.momentum))
                jobs.append(
                    Job(
                        module: "schedule_\(i)", metrics: item.metrics, base: base, resumeAt: 0,
                        swiftState: String(
                            decoding: try Scheduler(rebuilt ?? item.program).state.encoded(), as: UTF8.self)))
            }
        }
        let results = try Self.run(modules, jobs)
        try #require(results.count == jobs.count)
        var equal = 0
        var refused = 0
        for (r, e) in zip(results, expected) {
            if let reason = r.refused {
                #expect(e.lr == nil, "\(e.name): Python refused a base that Ramp accepts: \(reason)")
                refused += 1
                continue
            }
            guard let lr = e.lr else {
                Issue.record("\(e.name): Python accepted a base that Ramp refuses")
                continue
            }
            let same =
                r.lr.map { Self.double($0)!.bitPattern } == lr.map(\.bitPattern)
                && r.momentum.map { Self.double($0)?.bitPattern } == e.momentum!.map { $0?.bitPattern }
            #expect(same, "\(e.name): another base differs from Ramp's")
            if same { equal += 1 }
        }
        print("python: \(equal) runs at another base bit-identical to Ramp's, \(refused) refused as Ramp refuses them")
        #expect(equal >= jobs.count * 9 / 10)
    }

    /// A program whose shape depends on the base refuses another base and
    /// names the place; numbers that follow the base non-linearly follow it exactly.
    @Test(
        arguments: [
            ("base 0.1\nconstant(base * base)", nil),
            ("base 0.1\ncosine(T=40, from=max(base, 0.05))", nil),
            (
                "base 0.1\nwarmup 5 then constant(0.05) for base * 200 steps then cosine(T=10)",
                "p.ramp:2:34: error[R0509]: the duration is 20 at the program's base but 40 at base 0.2, so the "
                    + "schedule's shape depends on the base"
            ),
            (
                "base 0.1\nif(base > 0.15, cosine(T=10), constant(0.01))",
                "p.ramp:2:4: error[R0509]: the comparison is false at the program's base but true at base 0.2, so the "
                    + "schedule's shape depends on the base"
            ),
            (
                "base 0.1\nconstant(0.15 - base)",
                "p.ramp:2:10: error[R0509]: at base 0.2, argument 'value' of 'constant' must not be negative, got "
                    + "-0.05000000000000002"
            ),
        ] as [(String, String?)])
    func aBaseThatChangesTheShapeIsRefused(source: String, reason: String?) throws {
        let program = try Compiler.compile(SourceFile(name: "p.ramp", text: source))
        let state = String(decoding: try Scheduler(program).state.encoded(), as: UTF8.self)
        let metrics = [Double?](repeating: nil, count: 30)
        let results = try Self.run(
            [try Python.module(program)],
            [
                Job(module: "schedule_0", metrics: metrics, base: 0.2, resumeAt: 0, swiftState: state),
                Job(module: "schedule_0", metrics: metrics, base: 0.1, resumeAt: 0, swiftState: state),
            ])
        try #require(results.count == 2)
        if let reason {
            // Ramp's own refusal, word for word.
            #expect(results[0].refused == reason)
            do {
                _ = try program.rebased(to: 0.2)
                Issue.record("Ramp rebuilt the program at base 0.2")
            } catch {
                let d = error.diagnostics[0]
                let loc = program.source.location(of: d.range.start)
                #expect("p.ramp:\(loc.line):\(loc.column): \(d.label): \(d.message)" == reason)
            }
        } else {
            let fresh = try Compiler.compile(SourceFile(name: "p.ramp", text: source), options: CheckOptions(base: 0.2))
            #expect(
                results[0].lr.map { Self.double($0)!.bitPattern } == Table.rows(fresh, steps: 30).map(\.lr.bitPattern))
        }
        let own = Table.rows(program, steps: 30).map(\.lr.bitPattern)
        #expect(results[1].refused == nil)
        #expect(results[1].lr.map { Self.double($0)!.bitPattern } == own)
    }

    /// At another base, Schedule(base=b) checks the rates as `ramp check
    /// --base b` does, and refuses a negative one with the same message.
    @Test(arguments: [
        "base 0.1\nwarmup 5 then linear(T=20, from=base, to=0.12 - base) then constant(0.01)",
        "base 0.1\nmomentum: 0.95 - 5 * base\ncosine(T=10)",
        "base 0.1\ncosine(T=10) then 0.15 - base",
    ])
    func aBadRateAtAnotherBaseIsRefusedAsRampRefusesIt(source: String) throws {
        let program = try Compiler.compile(SourceFile(name: "p.ramp", text: source))
        let state = String(decoding: try Scheduler(program).state.encoded(), as: UTF8.self)
        let metrics = [Double?](repeating: nil, count: 30)
        let results = try Self.run(
            [try Python.module(program)],
            [
                Job(module: "schedule_0", metrics: metrics, base: 0.2, resumeAt: 0, swiftState: state)
            ])
        try #require(results.count == 1)
        let file = SourceFile(name: "p.ramp", text: source)
        var expected = "accepted"
        do { _ = try Compiler.compile(file, options: CheckOptions(base: 0.2)) } catch {
            let d = error.diagnostics[0]
            let loc = file.location(of: d.range.start)
            expected = "p.ramp:\(loc.line):\(loc.column): \(d.label): at base 0.2, \(d.message)"
        }
        #expect(expected != "accepted")
        #expect(results[0].refused == expected)
    }

    static let torchAvailable = pythonCanImport("torch")

    /// The torch driver: each parity case's module under torch_scheduler in a
    /// real training loop (SGD with momentum, and Adam where momentum is
    /// scheduled), saved with torch.save mid-run and loaded into a new
    /// optimizer and scheduler, which must continue identically.
    static let torchDriver = #"""
        import importlib, io, json, sys, warnings
        import torch
        sys.path.insert(0, sys.argv[1])
        warnings.simplefilter("error")
        torch.manual_seed(0)

        def make(m, lr, kind):
            model = torch.nn.Linear(3, 1)
            if kind == "adam":
                opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
            else:
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            return model, opt, m.torch_scheduler(opt)

        def run(m, job, kind):
            lr = job.get("base") or m.BASE
            model, opt, sched = make(m, lr, kind)
            x = torch.randn(8, 3)
            lrs, moms, saved, last_ok = [], [], None, True
            k = len(job["metrics"]) // 2
            for i, metric in enumerate(job["metrics"]):
                if i == k:
                    buf = io.BytesIO()
                    torch.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
                    saved = buf.getvalue()
                group = opt.param_groups[0]
                lrs.append(float.hex(group["lr"]))
                moms.append(float.hex(group["betas"][0] if kind == "adam" else group["momentum"]))
                last_ok = last_ok and sched.get_last_lr() == [group["lr"]]
                loss = model(x).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step(metric) if metric is not None else sched.step()
            # Resume from the checkpoint in a new optimizer and scheduler.
            model2, opt2, sched2 = make(m, lr, kind)
            state = torch.load(io.BytesIO(saved), weights_only=True)
            opt2.load_state_dict(state["opt"])
            sched2.load_state_dict(state["sched"])
            resumed = []
            for metric in job["metrics"][k:]:
                resumed.append(float.hex(opt2.param_groups[0]["lr"]))
                opt2.step()
                sched2.step(metric) if metric is not None else sched2.step()
            return {"lr": lrs, "momentum": moms, "lastLROK": last_ok, "resumedOK": resumed == lrs[k:]}

        with open(sys.argv[2]) as f:
            jobs = [json.loads(line) for line in f]
        for job in jobs:
            m = importlib.import_module(job["module"])
            out = {"sgd": run(m, job, "sgd")}
            if job["momentum"]:
                out["adam"] = run(m, job, "adam")
            print(json.dumps(out))
        """#

    struct TorchJob: Encodable {
        var module: String
        var metrics: [Double?]
        var base: Double?
        var momentum: Bool
    }

    struct TorchRun: Decodable {
        var lr: [String]
        var momentum: [String]
        var lastLROK: Bool
        var resumedOK: Bool
    }

    /// Runs the torch driver; one result per job, each run by optimizer kind.
    static func runTorch(_ modules: [String], _ jobs: [TorchJob]) throws -> [[String: TorchRun]] {
        let r = try runDriver(torchDriver, modules: modules, jobs: jobs)
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        try #require(lines.count == jobs.count)
        return try lines.map { try JSONDecoder().decode([String: TorchRun].self, from: Data($0.utf8)) }
    }

    /// The adapter in real torch training loops reproduces every parity
    /// fixture, momentum included, and resumes from torch.save exactly.
    @Test(
        .enabled(
            if: torchAvailable,
            "torch is not importable by $RAMP_PYTHON (default python3); install torch to run the torch_scheduler test"))
    func torchSchedulerReproducesTheFixtures() throws {
        let cases = ParityCase.pasted
        var modules: [String] = []
        var jobs: [TorchJob] = []
        for (i, c) in cases.enumerated() {
            let program = try c.compiled()
            modules.append(try Python.module(program))
            jobs.append(
                TorchJob(
                    module: "schedule_\(i)", metrics: c.metrics ?? Array(repeating: nil, count: c.steps),
                    base: c.baseLR, momentum: c.momentum != nil))
        }
        var runs = 0
        for (recorded, result) in zip(cases, try Self.runTorch(modules, jobs)) {
            // The run reports the rate and momentum; the weight decay is checked by the other runners.
            var c = recorded
            c.weightDecay = nil
            for (kind, run) in result.sorted(by: { $0.key < $1.key }) {
                let lr = run.lr.map { Double($0)! }
                let momentum = c.momentum == nil ? lr.map { _ in nil } : run.momentum.map { Double($0) }
                if let m = c.mismatch((lr, momentum, lr.map { _ in nil })) {
                    Issue.record("\(c.id) under torch (\(kind)): \(m)")
                }
                #expect(run.lastLROK, "\(c.id) (\(kind)): get_last_lr() differs from the optimizer's lr")
                #expect(run.resumedOK, "\(c.id) (\(kind)): resumed from torch.save, the rates differ")
                runs += 1
            }
        }
        print("torch: \(cases.count) parity cases, \(runs) training runs under torch_scheduler")
    }

    /// The adapter takes its base from the optimizer's lr: at three other
    /// bases per parity case, the rates torch applies equal, bit for bit, the
    /// program checked at that base.
    @Test(
        .enabled(
            if: torchAvailable,
            "torch is not importable by $RAMP_PYTHON (default python3); install torch to run the torch_scheduler test"))
    func torchSchedulerAtAnotherBaseEqualsCheckingAtIt() throws {
        var modules: [String] = []
        var jobs: [TorchJob] = []
        var expected: [(String, [Double], [Double?]?)] = []
        for (i, c) in ParityCase.pasted.enumerated() {
            let program = try c.compiled()
            modules.append(try Python.module(program))
            let metrics = c.metrics ?? Array(repeating: nil, count: c.steps)
            for f in [3.0, 0.5, 1.0 / 7.0] {
                let base = program.settings.base * f
                guard let rebuilt = try? program.rebased(to: base) else { continue }
                let t = ConformanceCase.trace(rebuilt, metrics)
                jobs.append(TorchJob(module: "schedule_\(i)", metrics: metrics, base: base, momentum: false))
                expected.append(("\(c.id) at base \(base)", t.lr, c.momentum == nil ? nil : t.momentum))
            }
        }
        var equal = 0
        for (result, e) in zip(try Self.runTorch(modules, jobs), expected) {
            let run = try #require(result["sgd"])
            let same =
                run.lr.map { Double($0)!.bitPattern } == e.1.map(\.bitPattern)
                && (e.2 == nil || run.momentum.map { Double($0)?.bitPattern } == e.2!.map { $0?.bitPattern })
            #expect(same, "\(e.0): torch_scheduler differs from Ramp at that base")
            if same { equal += 1 }
        }
        print("torch: \(equal) of \(jobs.count) runs at another base bit-identical to Ramp's")
        #expect(equal == jobs.count && jobs.count >= 200)
    }

    /// The PyTorch example in docs/compile.md runs as written against the
    /// card sample's module and stops when the plateau ends the schedule.
    @Test(
        .enabled(
            if: torchAvailable,
            "torch is not importable by $RAMP_PYTHON (default python3); install torch to run the docs' PyTorch example")
    )
    func docsPyTorchExampleRuns() throws {
        let example = try #require(
            try pythonExample(in: "compile.md", startingWith: "import torch"), "docs/compile.md has no PyTorch example")
        #expect(example.split(separator: "\n").count <= 17)
        let program = try Compiler.compile(
            SourceFile(
                name: "card.ramp",
                text: String(contentsOf: samplesDirectory.appendingPathComponent("card.ramp"), encoding: .utf8)))
        let dir = URL(fileURLWithPath: try temporaryFile(try Python.module(program), name: "card_schedule.py"))
            .deletingLastPathComponent()
        try example.write(to: dir.appendingPathComponent("example.py"), atomically: true, encoding: .utf8)
        let r = try python(["example.py"], in: dir)
        let printed = r.stdout
        #expect(r.status == 0, "\(r.stderr)")
        #expect(printed.hasPrefix("stopped after "), "\(printed)")
        #expect(!printed.hasPrefix("stopped after 100 epochs"), "the plateau never ended the schedule: \(printed)")
    }

    static let jaxAvailable = pythonCanImport("jax, optax")

    /// The JAX example in docs/compile.md: optax's update i uses table[i], the
    /// rate Ramp gives at step i, to the bit.
    @Test(
        .enabled(
            if: jaxAvailable,
            Comment(
                rawValue: "jax and optax are not importable by $RAMP_PYTHON (default python3); install them to run "
                    + "the docs' JAX example")
        ))
    func docsJAXExampleUsesTheTable() throws {
        let example = try #require(
            try pythonExample(in: "compile.md", startingWith: "import json\nimport jax"),
            "docs/compile.md has no JAX example")
        let table = try temporaryFile("", name: "bert_table.json")
        #expect(
            try ramp(["compile", "samples/bert.ramp", "--to", "table-json", "--steps", "10000", "-o", table]).status
                == 0)
        let dir = URL(fileURLWithPath: table).deletingLastPathComponent()
        // The example, then plain SGD on a constant gradient, whose update is -lr exactly.
        let check =
            example + """

                sgd = optax.sgd(learning_rate=schedule)
                params = jnp.zeros(1)
                state = sgd.init(params)
                used = []
                for i in range(300):
                    updates, state = sgd.update(jnp.ones(1), state, params)
                    used.append(float(-updates[0]))
                expected = json.load(open("bert_table.json"))["lr"][:300]
                print("same" if used == expected else f"differs: {used[:5]} {expected[:5]}")
                """
        try check.write(to: dir.appendingPathComponent("example.py"), atomically: true, encoding: .utf8)
        let r = try python(["example.py"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "same\n", "\(r.stdout)")
    }

    /// The Python core finds a cycle far in as Swift does: from a mark, to the same bits.
    @Test func restartsFarIntoTheCycles() throws {
        let module = try Python.module(
            try Compiler.compile(SourceFile(name: "t.ramp", text: "restarts(cosine(T=1), period=1)")))
        let dir = URL(fileURLWithPath: try temporaryFile(module, name: "restarts_schedule.py"))
            .deletingLastPathComponent()
        let script = """
            from restarts_schedule import Restarts
            class Line:
                def value(self, t, s):
                    return 1 + (0 - 1) * (min(t, 4.0) / 4.0)
            # Cycle k starts at 4 (2^k - 1), 4 * 2^k steps long; see BoundedWorkTests for the values.
            r = Restarts(Line(), 4, 2.0, 0.5, 0.0, None, "excursion", 1.0)
            print(r.value(7 * 2.0**40 - 4, []) == 2.0**-42, r.value(4 * (2.0**40 - 1), []) == 2.0**-40,
                  r.value(4 * (2.0**40 - 1) - 1, []) == 2.0**-80)
            slow = Restarts(Line(), 1, 1.0000001, 1.0, 0.0, None, "excursion", 1.0)
            def walked(t):
                start, length, k = 0.0, 1.0, 0
                while t >= start + length:
                    start, length, k = start + length, length * 1.0000001, k + 1
                return k, t - start, length
            for t in [0.5, 255.9, 256.0, 99999.5, 100000.0, 50000.0]:
                assert slow._locate(t) == walked(t), t
            # Marks are made as far as the steps asked reach: cycle 0 and every 256th up to step 100,000.
            print(len(slow._marks) == walked(100000.0)[0] // 256 + 1)
            """
        try script.write(to: dir.appendingPathComponent("far.py"), atomically: true, encoding: .utf8)
        let r = try python(["far.py"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "True True True\nTrue\n")
    }
}
