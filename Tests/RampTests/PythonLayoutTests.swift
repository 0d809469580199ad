import Foundation
import Testing

@testable import Ramp

/// A module that imports its runtime from the `ramp` package carries the
/// schedule alone, and steps, saves and loads as the standalone one does.
@Suite(.serialized) struct PythonLayoutTests {
    /// The card example, its module in both layouts, and a folder holding
    /// them beside a `ramp` package made of the runtime module.
    private func cardModules() throws -> (program: CompiledProgram, standalone: String, imported: String, dir: URL) {
        let text = try String(contentsOf: samplesDirectory.appendingPathComponent("card.ramp"), encoding: .utf8)
        let program = try Compiler.compile(SourceFile(name: "card.ramp", text: text))
        let standalone = try Python.module(program)
        let imported = try Python.module(program, layout: .imported)
        let dir = URL(fileURLWithPath: try temporaryFile(standalone, name: "card_standalone.py"))
            .deletingLastPathComponent()
        try imported.write(to: dir.appendingPathComponent("card_imported.py"), atomically: true, encoding: .utf8)
        let package = dir.appendingPathComponent("ramp")
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try "".write(to: package.appendingPathComponent("__init__.py"), atomically: true, encoding: .utf8)
        try Python.runtimeModule().write(
            to: package.appendingPathComponent("_runtime.py"), atomically: true, encoding: .utf8)
        return (program, standalone, imported, dir)
    }

    /// Runs `save` in one process and `load` in another: what the first
    /// prints after saving, the second prints twice, once per way it loaded.
    private func savesAndLoads(_ save: String, _ load: String, in dir: URL) throws {
        try save.write(to: dir.appendingPathComponent("save.py"), atomically: true, encoding: .utf8)
        try load.write(to: dir.appendingPathComponent("load.py"), atomically: true, encoding: .utf8)
        let first = try python(["save.py", dir.path], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try python(["load.py", dir.path], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!first.stdout.isEmpty)
        #expect(second.stdout == first.stdout + first.stdout)
    }

    @Test func cardModuleCarriesTheScheduleOnly() throws {
        let (_, standalone, imported, _) = try cardModules()
        let lines = imported.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lines <= 400, "the card example's module is \(lines) lines")
        #expect(imported.contains("from ramp._runtime import *"))
        #expect(!imported.contains("class _Schedule"))
        #expect(standalone.contains("class _Schedule"))
        #expect(!standalone.contains("ramp._runtime"))
    }

    /// Fed the card's metrics, the imported module gives `ramp table`'s rates to the bit.
    @Test func importedModuleStepsAsRampDoes() throws {
        let (program, _, _, dir) = try cardModules()
        let metrics = try String(
            contentsOf: samplesDirectory.appendingPathComponent("card.metrics"), encoding: .utf8
        ).split(separator: "\n").map { Double($0)! }
        var expected: [String] = []
        Table.generate(program, steps: 60, metrics: metrics) { row in expected.append(row.lr.description) }
        let script = """
            import sys
            sys.path.insert(0, sys.argv[1])
            import card_imported
            metrics = [float(x) for x in open(sys.argv[2]).read().split()]
            s = card_imported.Schedule()
            out = []
            for m in metrics:
                if s.finished:
                    break
                out.append(repr(s.lr))
                s.step(m)
            print("\\n".join(out))
            """
        let path = dir.appendingPathComponent("run.py")
        try script.write(to: path, atomically: true, encoding: .utf8)
        let r = try python(
            [path.path, dir.path, samplesDirectory.appendingPathComponent("card.metrics").path], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let got = r.stdout.split(separator: "\n").map { Double(String($0))!.description }
        #expect(expected.count > 10)
        #expect(got == expected)
    }

    /// A pickled schedule and its saved state load in a new process and go on as the first would.
    @Test func importedModulePicklesAcrossProcesses() throws {
        let (_, _, _, dir) = try cardModules()
        let save = """
            import json, pickle, sys
            sys.path.insert(0, sys.argv[1])
            import card_imported
            s = card_imported.Schedule()
            for m in [1.0, 0.9, 0.95, 0.97, 0.99, 1.2, 1.3]:
                s.step(m)
            pickle.dump(s, open("schedule.pickle", "wb"))
            json.dump(s.state_dict(), open("state.json", "w"))
            s.step(1.4)
            print(s.t, repr(s.lr))
            """
        let load = """
            import json, pickle, sys
            sys.path.insert(0, sys.argv[1])
            s = pickle.load(open("schedule.pickle", "rb"))
            import card_imported
            r = card_imported.Schedule()
            r.load_state_dict(json.load(open("state.json")))
            s.step(1.4)
            r.step(1.4)
            print(s.t, repr(s.lr))
            print(r.t, repr(r.lr))
            """
        try savesAndLoads(save, load, in: dir)
    }

    /// A torch scheduler saved whole, and its state_dict, with torch.save load in a new process.
    @Test(.enabled(if: PythonTests.torchAvailable, "torch is not importable by $RAMP_PYTHON (default python3)"))
    func importedTorchSchedulerSavesAcrossProcesses() throws {
        let (_, _, _, dir) = try cardModules()
        let save = """
            import sys, torch
            sys.path.insert(0, sys.argv[1])
            import card_imported
            opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            s = card_imported.torch_scheduler(opt, follow_optimizer=False)
            for m in [1.0, 0.9, 0.95, 0.97, 0.99, 1.2, 1.3]:
                s.step(m)
            torch.save(s.state_dict(), "state.pt")
            torch.save(s, "scheduler.pt")
            s.step(1.4)
            print(s.last_epoch, repr(opt.param_groups[0]["lr"]))
            """
        let load = """
            import sys, torch
            sys.path.insert(0, sys.argv[1])
            import card_imported
            opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            r = card_imported.torch_scheduler(opt, follow_optimizer=False)
            r.load_state_dict(torch.load("state.pt"))
            r.step(1.4)
            print(r.last_epoch, repr(opt.param_groups[0]["lr"]))
            s = torch.load("scheduler.pt", weights_only=False)
            s.step(1.4)
            print(s.last_epoch, repr(s.optimizer.param_groups[0]["lr"]))
            """
        try savesAndLoads(save, load, in: dir)
    }

    /// Without the package, or with another release's runtime, importing the module says what to do.
    @Test func importedModuleNamesWhatItNeeds() throws {
        let (_, _, _, dir) = try cardModules()
        let check = """
            import sys
            sys.path.insert(0, sys.argv[1])
            try:
                import card_imported
            except ImportError as e:
                print(e)
            """
        try check.write(to: dir.appendingPathComponent("check.py"), atomically: true, encoding: .utf8)
        let runtime = dir.appendingPathComponent("ramp").appendingPathComponent("_runtime.py")
        let text = try String(contentsOf: runtime, encoding: .utf8)
        try text.replacingOccurrences(of: "RUNTIME_ID = \"", with: "RUNTIME_ID = \"0")
            .write(to: runtime, atomically: true, encoding: .utf8)
        let other = try python(["check.py", dir.path], in: dir)
        #expect(
            other.stdout
                == "this module was compiled by another release of Ramp than the installed `ramp` package; "
                + "compile it again, or with `ramp compile --standalone`\n")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("ramp"))
        let missing = try python(["check.py", dir.path], in: dir)
        #expect(
            missing.stdout
                == "this module runs on the runtime of the `ramp` package (pip install ramp-schedules); "
                + "`ramp compile --standalone` writes one that needs nothing\n")
    }

    /// Plain Python modules carry the core's decisions written out: a
    /// `B.where` becomes the conditional, a `B.select` the one call, a
    /// `B.at` the index, nested and across lines alike, and nothing else moves.
    @Test func plainRuntimeWritesTheBackendOut() {
        let code = """
            x = B.where(a[0] > f(b, c), "(,)", B.where(done, held,
                                                       t - start))
            y = B.select(i, (f, g), u + 1) + AB.where(1, 2, 3) + jnp.where(c, 1, 2) + B.at(lasts, k - 1)
            """
        #expect(
            PythonRuntime.plain(code) == """
                x = ("(,)" if a[0] > f(b, c) else (held if done else t - start))
                y = ((f, g))[i](u + 1) + AB.where(1, 2, 3) + jnp.where(c, 1, 2) + (lasts)[k - 1]
                """)
    }

    /// A one-line helper of the core is written out where plain Python calls it over
    /// `_Plain`, its arguments in place of its parameters (not of attributes, strings or
    /// other names that contain them); a call over another backend, a helper with more
    /// than a return, and an argument that is not a bare name but would be read twice stay calls.
    @Test func plainRuntimeWritesOneLineHelpersOut() {
        let core = """
            def _held(done, held, t, B):
                \"\"\"The step held, or t.\"\"\"
                return B.where(done, held, t - o.t + len("t"))


            def _twice(a, B):
                return a * a


            def _long(a, B):
                b = a
                return b
            """
        let helpers = PythonHelper.all(in: [PythonRuntime.plain(core)])
        #expect(helpers.map(\.name) == ["_held", "_twice"])
        let calls = """
            x = _held(st["held"] is not None, st["held"], t + 1, _Plain)
            y = _held(d, h, t, _Arrays) + _twice(n, _Plain) + _twice(n + 1, _Plain) + _long(n, _Plain)
            z = _twice(_held(d, h, t, _Plain), _Plain)
            """
        #expect(
            PythonRuntime.plain(calls, helpers: helpers) == """
                x = (((st["held"]) if (st["held"] is not None) else (t + 1) - o.t + len("t")))
                y = _held(d, h, t, _Arrays) + ((n) * (n)) + _twice(n + 1, _Plain) + _long(n, _Plain)
                z = _twice((((h) if (d) else (t) - o.t + len("t"))), _Plain)
                """)
    }

    /// The array modules take the core's sections by name: one the core lacks is refused, not trapped on.
    @Test func aMissingCoreSectionIsRefused() throws {
        #expect(try JAX.core(["locate"]).contains("def "))
        do {
            _ = try JAX.core(["locate", "no_such_section"])
            Issue.record("expected a refusal")
        } catch {
            #expect(
                error.description
                    == "the Python core's section 'no_such_section', which compiled modules are made of, is missing "
                    + "from this installation of Ramp")
        }
    }
}
