import Foundation
import Testing

@testable import Ramp

@Suite struct CompileTests {
    /// Every corpus program and parity case, with what it was checked at.
    static func allPrograms() throws -> [(name: String, source: SourceFile, base: Double?, program: CompiledProgram)] {
        var out: [(String, SourceFile, Double?, CompiledProgram)] = []
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            let file = SourceFile(name: p.name, text: p.source)
            let base = Expectations(p.source).base
            out.append((p.name, file, base, try Compiler.compile(file, options: CheckOptions(base: base))))
        }
        for c in ParityCase.pasted {
            let file = SourceFile(name: c.id, text: c.rampSource)
            out.append((c.id, file, c.baseLR, try c.compiled()))
        }
        return out
    }

    static func sameTrace(_ a: CompiledProgram, _ b: CompiledProgram, steps: Int = 300) -> Bool {
        let metrics = metricCurve(steps)
        let x = Table.rows(a, steps: steps, metrics: metrics)
        let y = Table.rows(b, steps: steps, metrics: metrics)
        return x.map(\.lr.bitPattern) == y.map(\.lr.bitPattern)
            && x.map { $0.momentum?.bitPattern } == y.map { $0.momentum?.bitPattern }
    }

    /// Source → IR → program → IR: the program is rebuilt from the tree alone
    /// (its `native` text deleted), gives the same trace bit for bit, and
    /// writes the same IR byte for byte.
    @Test func irRoundTripRebuildsFromTheTree() throws {
        let programs = try CompileTests.allPrograms()
        for (name, _, _, program) in programs {
            let document = IR.document(program)
            let text = document.render()
            #expect(IR.isDocument(text))
            guard case .object(let fields) = document else {
                Issue.record("not an object")
                continue
            }
            let withoutNative = JSONValue.object(fields.filter { $0.0 != "native" }).render()
            let rebuilt = try IR.load(withoutNative, name: name)
            let same = CompileTests.sameTrace(program, rebuilt)
            #expect(same, "\(name)")
            #expect(IR.document(rebuilt).render() == text, "\(name)")
            // An emitter reads its own checked program's tree without sampling its rates again: the same program.
            let read = try IR.program(from: document, name: name, checkingRanges: false)
            #expect(IR.document(read).render() == text, "\(name)")
            #expect(CompileTests.sameTrace(program, read), "\(name)")
        }
        #expect(programs.count >= 150)
    }

    /// At another base, the program rebuilt from its IR equals a fresh check
    /// of its source at that base, bit for bit; where the fresh check fails,
    /// so does the rebuild; a rebuild is refused only for a decision that
    /// really changes (a length, count or comparison on the base).
    @Test func anotherBaseEqualsAFreshCheck() throws {
        var equal = 0
        var refusedBoth = 0
        var shapeRefused: [String] = []
        for (name, source, base, program) in try CompileTests.allPrograms() {
            let own = program.settings.base
            for factor in [0.5, 3.0, 1.0 / 7.0] {
                let b = own * factor
                let fresh = try? Compiler.compile(source, options: CheckOptions(base: b))
                let rebased: CompiledProgram
                do {
                    rebased = try program.rebased(to: b)
                } catch {
                    let kinds = error.diagnostics.map(\.kind)
                    if fresh == nil {
                        refusedBoth += 1
                    } else {
                        #expect(
                            kinds.allSatisfy { $0 == .baseDependent },
                            "\(name) at \(b): \(error.diagnostics.map(\.message))")
                        shapeRefused.append("\(name) at \(b)")
                    }
                    continue
                }
                guard let fresh else {
                    Issue.record("\(name) at \(b): a fresh check fails but the rebuild succeeded")
                    continue
                }
                let same = CompileTests.sameTrace(rebased, fresh)
                #expect(same, "\(name) at base \(b)")
                let sameIR = IR.document(rebased).render() == IR.document(fresh).render()
                #expect(sameIR, "\(name) at base \(b)")
                equal += 1
            }
            _ = base
        }
        print(
            "rebased: \(equal) equal to a fresh check, \(refusedBoth) refused by both, \(shapeRefused.count) refused "
                + "for a base-dependent shape: \(shapeRefused)"
        )
        #expect(equal >= 400)
    }

    @Test func baseDependentShapesAreRefusedPrecisely() throws {
        func refusal(_ source: String, at b: Double) throws -> [String] {
            let file = SourceFile(name: "t.ramp", text: source)
            let p = try Compiler.compile(file)
            do {
                _ = try p.rebased(to: b)
                return []
            } catch {
                return error.diagnostics.flatMap { ([$0] + $0.notes).map { DiagnosticPrinter.brief($0, in: file) } }
            }
        }
        // The length follows the base: refused at the place it is written.
        #expect(
            try refusal("base 0.1\nconstant(0.1) for base * 200 steps then 0.01", at: 0.2) == [
                "2:19: error[R0509]: the duration is 20 at the program's base but 40 at base 0.2, so the schedule's "
                    + "shape depends on the base"
            ])
        // The same length at the other base is fine.
        #expect(
            try refusal(
                "base 0.1\nconstant(0.1) for round_base then 0.01".replacingOccurrences(
                    of: "round_base", with: "floor(base * 2) + 5"), at: 0.2) == [])
        // A comparison decided on the base must decide the same way.
        #expect(
            try refusal("base 0.1\nif(base > 0.05, cosine(T=10), 0.01)", at: 0.02) == [
                "2:4: error[R0509]: the comparison is true at the program's base but false at base 0.02, so the "
                    + "schedule's shape depends on the base"
            ])
        #expect(try refusal("base 0.1\nif(base > 0.05, cosine(T=10), 0.01)", at: 0.3) == [])
        // A range check: the rate would go negative.
        #expect(
            try refusal("base 0.1\nlinear(T=10, to=0.15 - base)", at: 0.2) == [
                "2:1: error[R0508]: the rate is negative (-0.024999999999999994) at step 9"
            ])
        // Numbers that follow the base take the new one exactly.
        let p = try Compiler.compile(
            SourceFile(name: "t", text: "base 0.1\nwarmup 5 then cosine(T=50, min=base / 100)"))
        let q = try p.rebased(to: 3e-4)
        let fresh = try Compiler.compile(
            SourceFile(name: "t", text: "base 0.1\nwarmup 5 then cosine(T=50, min=base / 100)"),
            options: CheckOptions(base: 3e-4))
        #expect(CompileTests.sameTrace(q, fresh))
        #expect(q.value(at: 5) == 3e-4)
    }

    /// A condition in an IR document that reads an output the program does not schedule is refused.
    @Test func aConditionReadsOnlyScheduledOutputs() throws {
        let p = try Compiler.compile(
            SourceFile(name: "u.ramp", text: "lr: 0.1 until ema > 0.995 then 0.01\nema: linear(T=10, from=0.99, to=1)"))
        let text = IR.document(p).render().replacingOccurrences(of: "\"output\": \"ema\"", with: "\"output\": \"emma\"")
        #expect(text.contains("emma"))
        do {
            _ = try IR.load(text, name: "u.json")
            Issue.record("expected an error")
        } catch {
            guard case .diagnostics(let d, let file) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(
                DiagnosticPrinter.render(d.diagnostics, in: file).hasPrefix(
                    "u.json:1:5: error[R0104]: a condition reads emma, which the program does not schedule"))
        }
    }

    /// A version-1 document is read through its native program.
    @Test func versionOneIsRead() throws {
        let v1 = #"{"ramp_ir": 1, "native": "base 0.1\ncosine(T=4)"}"#
        let p = try IR.load(v1, name: "old.json")
        #expect(Table.rows(p, steps: 3, metrics: []).map(\.lr) == [0.1, 0.08535533905932738, 0.05])
        do {
            _ = try IR.load(
                #"{"ramp_ir": 2, "source": "", "settings": {"base": 0.1}, "outputs": {"lr": {"kind": "sequence", "#
                    + #""phases": [{"body": {"kind": "cosin"}}]}}}"#,
                name: "bad.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "bad.json: error: outputs.lr.phases.0.body: unknown kind \"cosin\"")
        }
    }

    /// Every corpus program's IR validates against Sources/Ramp/IR/ramp-ir.schema.json.
    @Test func irMatchesItsSchema() throws {
        guard pythonCanImport("jsonschema") else {
            print(
                "note: skipping the IR schema test: \(pythonInterpreter) cannot import jsonschema (pip install "
                    + "jsonschema)"
            )
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-ir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var count = 0
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            let program = try Compiler.compile(SourceFile(name: p.name, text: p.source))
            try IR.document(program).render().write(
                to: dir.appendingPathComponent("\(p.name).json"), atomically: true, encoding: .utf8)
            count += 1
        }
        let validate = try python([
            "-c",
            """
            import glob, json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            files = sorted(glob.glob(sys.argv[2] + "/*.json"))
            for f in files:
                jsonschema.validate(json.load(open(f)), schema)
            print(len(files))
            """, repositoryRoot.appendingPathComponent("Sources/Ramp/IR/ramp-ir.schema.json").path, dir.path,
        ])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(Int(validate.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == count)
    }

    @Test func compileCommand() throws {
        let csv = try ramp(["compile", "-e", "cosine(T=4)", "--to", "csv", "--steps", "3"])
        #expect(csv.stdout == "step,lr\n0,1.0\n1,0.8535533905932737\n2,0.5\n")
        let table = try ramp(["compile", "samples/onecycle.ramp", "--to", "table-json", "--steps", "2"])
        #expect(
            table.stdout
                == "{\n  \"steps\": 2,\n  \"lr\": [0.004, 0.0043210702341137126],\n  \"momentum\": [0.95, "
                + "0.9496655518394649]\n}\n"
        )
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
        #expect(r.stderr == "\(bad): error: IR version 9 is not supported (this Ramp reads versions 1 to 3)\n")
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
        let program = try Compiler.compile(
            SourceFile(
                name: name, text: String(contentsOf: samplesDirectory.appendingPathComponent(name), encoding: .utf8)))
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
            print("step," + ",".join(s.values))
            for i in range(int(sys.argv[3])):
                if s.finished:
                    break
                print(f"{i}," + ",".join(repr(v) for v in s.values.values()))
                s.step(metrics[i] if i < len(metrics) else None)
            """
        let r = try python([
            "-c", script, URL(fileURLWithPath: module).deletingLastPathComponent().path,
            repositoryRoot.appendingPathComponent("samples/card.metrics").path, steps,
        ])
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
