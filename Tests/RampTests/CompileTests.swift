import Foundation
import Testing
@testable import Ramp

@Suite struct CompileTests {
    /// Source → IR → the IR's native program gives the same trace, bit for bit,
    /// for every corpus program and every parity case.
    @Test func irRoundTripGivesTheSameTrace() throws {
        var programs: [(String, CompiledProgram)] = []
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            programs.append((p.name, try Compiler.compile(SourceFile(name: p.name, text: p.source))))
        }
        for c in ParityCase.all {
            programs.append((c.id, try c.compiled()))
        }
        let metrics = metricCurve(300)
        for (name, program) in programs {
            let document = IR.document(program).render()
            #expect(IR.isDocument(document))
            let rebuilt = try Compiler.compile(SourceFile(name: name, text: try IR.nativeSource(document)))
            let a = Table.rows(program, steps: 300, metrics: metrics)
            let b = Table.rows(rebuilt, steps: 300, metrics: metrics)
            #expect(a.map(\.lr.bitPattern) == b.map(\.lr.bitPattern), "\(name)")
            #expect(a.map { $0.momentum?.bitPattern } == b.map { $0.momentum?.bitPattern }, "\(name)")
        }
        #expect(programs.count >= 150)
    }

    /// Every corpus program's IR validates against grammar/ramp-ir.schema.json.
    @Test func irMatchesItsSchema() throws {
        guard pythonCanImport("jsonschema") else {
            print("note: skipping the IR schema test: \(pythonInterpreter) cannot import jsonschema (pip install jsonschema)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-ir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var count = 0
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            let program = try Compiler.compile(SourceFile(name: p.name, text: p.source))
            try IR.document(program).render().write(to: dir.appendingPathComponent("\(p.name).json"), atomically: true, encoding: .utf8)
            count += 1
        }
        let validate = try python(["-c", """
            import glob, json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            files = sorted(glob.glob(sys.argv[2] + "/*.json"))
            for f in files:
                jsonschema.validate(json.load(open(f)), schema)
            print(len(files))
            """, repositoryRoot.appendingPathComponent("grammar/ramp-ir.schema.json").path, dir.path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(Int(validate.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == count)
    }

    @Test func compileCommand() throws {
        let csv = try ramp(["compile", "-e", "cosine(T=4)", "--to", "csv", "--steps", "3"])
        #expect(csv.stdout == "step,lr\n0,1.0\n1,0.8535533905932737\n2,0.5\n")
        let table = try ramp(["compile", "samples/onecycle.ramp", "--to", "table-json", "--steps", "2"])
        #expect(table.stdout == "{\n  \"steps\": 2,\n  \"lr\": [0.004, 0.0043210702341137126],\n  \"momentum\": [0.95, 0.9496655518394649]\n}\n")
        let metric = try ramp(["compile", "samples/card.ramp", "--to", "csv", "--steps", "3"])
        #expect(metric.status == 1)
        #expect(metric.stderr.contains("reacts to a metric"))
        #expect(metric.stderr.contains("ramp serve"))
        // The IR goes back into `ramp table`.
        let ir = try temporaryFile("", name: "card.json")
        #expect(try ramp(["compile", "samples/card.ramp", "--to", "json", "-o", ir]).status == 0)
        let fromIR = try ramp(["table", ir, "--steps", "60", "--metrics", "samples/card.metrics"])
        let fromSource = try ramp(["table", "samples/card.ramp", "--steps", "60", "--metrics", "samples/card.metrics"])
        #expect(fromIR.stdout == fromSource.stdout)
        #expect(fromIR.stderr == fromSource.stderr)
        // Every command that takes a program file reads the IR too.
        #expect(try ramp(["check", ir]).status == 0)
        #expect(try ramp(["explain", ir]).stdout == (try ramp(["explain", "samples/card.ramp"])).stdout)
        #expect(try ramp(["plot", ir, "--steps", "10", "--width", "40", "--height", "4"]).status == 0)
        let bad = try temporaryFile("{\"ramp_ir\": 9, \"native\": \"0.1\"}", name: "bad.json")
        let r = try ramp(["table", bad, "--steps", "1"])
        #expect(r.status == 1)
        #expect(r.stderr == "\(bad): error: IR version 9 is not supported (this Ramp reads 1)\n")
    }

    /// Every format on every sample: json and python reproduce `ramp table`
    /// (the Python module run by python3 prints the same CSV, byte for byte,
    /// and stops where the table stops, when the schedule finishes),
    /// and csv/table-json either tabulate or, for a metric-driven sample,
    /// point to python and serve.
    @Test(arguments: samplePaths())
    func everyFormatOnEverySample(_ name: String) throws {
        let path = "samples/" + name
        let metrics = ["--metrics", "samples/card.metrics"]
        let program = try Compiler.compile(SourceFile(name: name, text: String(contentsOf: samplesDirectory.appendingPathComponent(name), encoding: .utf8)))
        let steps = String(min(program.suggestedHorizon, 2000))
        let expected = try ramp(["table", path, "--steps", steps] + metrics)
        #expect(expected.status == 0)

        let ir = try temporaryFile("", name: "ir.json")
        #expect(try ramp(["compile", path, "--to", "json", "-o", ir]).status == 0)
        #expect(try ramp(["table", ir, "--steps", steps] + metrics).stdout == expected.stdout)

        let module = try temporaryFile("", name: "sample_schedule.py")
        #expect(try ramp(["compile", path, "--to", "python", "-o", module]).status == 0)
        let script = """
            import sys
            sys.path.insert(0, sys.argv[1])
            from sample_schedule import Schedule
            metrics = [None if l.strip() in ("", "-") else float(l) for l in open(sys.argv[2]).read().split("\\n")]
            s = Schedule()
            print("step,lr" + (",momentum" if s.momentum is not None else ""))
            for i in range(int(sys.argv[3])):
                if s.finished:
                    break
                print(f"{i},{s.lr!r}" + (f",{s.momentum!r}" if s.momentum is not None else ""))
                s.step(metrics[i] if i < len(metrics) else None)
            """
        let r = try python(["-c", script, URL(fileURLWithPath: module).deletingLastPathComponent().path,
                             repositoryRoot.appendingPathComponent("samples/card.metrics").path, steps])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == expected.stdout, "\(name): the Python module's table differs from ramp table")

        for format in ["csv", "table-json"] {
            let r = try ramp(["compile", path, "--to", format, "--steps", "5"])
            if program.usesMetric {
                #expect(r.status == 1)
                #expect(r.stderr.contains("--to python") && r.stderr.contains("ramp serve"), "\(r.stderr)")
            } else {
                #expect(r.status == 0 && !r.stdout.isEmpty, "\(name) --to \(format): \(r.stderr)")
            }
        }
    }
}
