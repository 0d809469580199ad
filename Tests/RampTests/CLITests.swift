import Foundation
import Testing

@testable import Ramp

let repositoryRoot = samplesDirectory.deletingLastPathComponent()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `ramp` executable (`make test` builds it first).
func ramp(_ args: [String], stdin: String? = nil) throws -> Run {
    try run(repositoryRoot.appendingPathComponent(".build/debug/ramp"), args, stdin: stdin)
}

/// The Python the tests run: $RAMP_PYTHON, or python3.
let pythonInterpreter = ProcessInfo.processInfo.environment["RAMP_PYTHON"] ?? "python3"

/// Runs that Python (in `dir`, with extra environment variables).
func python(_ args: [String], in dir: URL = repositoryRoot, environment: [String: String] = [:]) throws -> Run {
    try run(URL(fileURLWithPath: "/usr/bin/env"), [pythonInterpreter] + args, in: dir, environment: environment)
}

/// The first ```python block of a document under docs/ that starts with `prefix`.
func pythonExample(in document: String, startingWith prefix: String = "") throws -> String? {
    let doc = try String(
        contentsOf: repositoryRoot.appendingPathComponent("docs").appendingPathComponent(document), encoding: .utf8)
    guard let start = doc.range(of: "```python\n" + prefix),
        let end = doc.range(of: "```", range: start.upperBound..<doc.endIndex)
    else { return nil }
    return String(doc[doc.index(start.lowerBound, offsetBy: "```python\n".count)..<end.lowerBound])
}

/// True when that Python can import `modules` ("torch", "jax, optax").
func pythonCanImport(_ modules: String) -> Bool {
    (try? python(["-c", "import \(modules)"]))?.status == 0
}

/// Runs a program to its end, collecting both outputs.
func run(
    _ executable: URL, _ args: [String], stdin: String? = nil, in dir: URL = repositoryRoot,
    environment: [String: String] = [:]
) throws -> Run {
    let p = Process()
    p.executableURL = executable
    p.arguments = args
    p.currentDirectoryURL = dir
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    // Standard input comes from a file, so a large input cannot deadlock against the output.
    let input = try temporaryFile(stdin ?? "", name: "stdin.txt")
    p.standardInput = FileHandle(forReadingAtPath: input)
    try p.run()
    // Read stderr concurrently so neither pipe can fill up and stall the child.
    let errData = ErrorCollector(err.fileHandleForReading)
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = errData.wait()
    p.waitUntilExit()
    return Run(
        status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

/// Reads a pipe to its end on another thread.
final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)
    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }
    func wait() -> Data {
        done.wait()
        return data
    }
}

func temporaryFile(_ contents: String, name: String = "p.ramp") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite(.serialized) struct CLITests {
    @Test func checkPassesEverySample() throws {
        let r = try ramp(["check"] + samplePaths().map { "samples/\($0)" })
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
    }

    @Test func checkReportsWithCaretAndExitsOne() throws {
        let path = try temporaryFile("base 0.1\nwarmup 5 then cosine(T=50, mn=0)\n")
        let r = try ramp(["check", path])
        #expect(r.status == 1)
        #expect(
            r.stderr == """
                \(path):2:28: error[R0301]: 'cosine' has no parameter 'mn'; did you mean 'min'?
                warmup 5 then cosine(T=50, mn=0)
                                           ^~

                """)
    }

    /// `--format json`: the same diagnostics as data, for tools, with the text the CLI prints.
    @Test func checkReportsAsJSON() throws {
        let path = try temporaryFile("let a = 1\nlet a = 2\nwarmup 5 then cosine(T=50, mn=0)\n")
        let r = try ramp(["check", "--format", "json", path, "/nonexistent/x.ramp"])
        #expect(r.status == 1)
        #expect(r.stderr == "")
        let doc = try JSONValue.parse(r.stdout)
        guard case .array(let ds)? = doc["diagnostics"] else {
            Issue.record("no diagnostics array")
            return
        }
        #expect(
            ds.map { $0.renderCompact() } == [
                #"{"file":"\#(path)","line":2,"column":5,"end_line":2,"end_column":6,"severity":"error","#
                    + #""code":"R0101","name":"already-defined","message":"'a' is already defined","#
                    + #""notes":[{"file":"\#(path)","line":1,"column":5,"end_line":1,"end_column":6,"severity":"note","#
                    + #""message":"first defined here","rendered":"\#(path):1:5: note: first defined here\nlet a = "#
                    + #"1\n    ^"}],"rendered":"\#(path):2:5: error[R0101]: 'a' is already defined\nlet a = "#
                    + #"2\n    ^\n\#(path):1:5: note: first defined here\nlet a = 1\n    ^"}"#,
                #"{"file":"\#(path)","line":3,"column":28,"end_line":3,"end_column":30,"severity":"error","#
                    + #""code":"R0301","name":"unknown-parameter","message":"'cosine' has no parameter 'mn'; did you "#
                    + #"mean 'min'?","notes":[],"rendered":"\#(path):3:28: error[R0301]: 'cosine' has no parameter "#
                    + #"'mn'; did you mean 'min'?\nwarmup 5 then cosine(T=50, mn=0)\n                           ^~"}"#,
                #"{"file":"/nonexistent/x.ramp","severity":"error","message":"no such "#
                    + #"file","rendered":"/nonexistent/x.ramp: error: no such file"}"#,
            ])
        let clean = try ramp(["check", "--format", "json", "samples/card.ramp"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "{\n  \"diagnostics\": []\n}\n")
    }

    @Test func checkReportsUnreadableInputs() throws {
        let missing = try ramp(["check", "/nonexistent/x.ramp"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "/nonexistent/x.ramp: error: no such file\n")
        let dir = try ramp(["check", "samples"])
        #expect(dir.status == 1)
        #expect(dir.stderr == "samples: error: is a directory, not a program file\n")
        // Unreadable even for root: reading /proc/self/mem from the start fails.
        let unreadable = try ramp(["check", "/proc/self/mem"])
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr == "/proc/self/mem: error: cannot be read (check its permissions)\n")
    }

    /// `ramp import` prints a config's Ramp, and `ramp table` reads the config directly.
    @Test func importAndTableReadAConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("args.json")
        try #"{"learning_rate": 0.1, "lr_scheduler_type": "linear", "warmup_steps": 2, "num_train_epochs": 1}"#.write(
            to: config, atomically: true, encoding: .utf8)
        let missing = try ramp(["import", config.path])
        #expect(missing.status == 1 && missing.stderr.contains("error[R0601]: num_train_epochs: max_steps is not set"))
        let imported = try ramp(["import", config.path, "--steps-per-epoch", "4"])
        #expect(imported.status == 0)
        #expect(
            imported.stdout.hasSuffix(
                "transformers.get_linear_schedule_with_warmup(num_warmup_steps=2, num_training_steps=4)\n"))
        let table = try ramp(["table", config.path, "--steps", "5", "--steps-per-epoch", "4"])
        #expect(table.stdout == "step,lr\n0,0.0\n1,0.05\n2,0.1\n3,0.05\n4,0.0\n")
    }

    /// torchtitan's job TOML is read by `table` and `explain` directly: 6 warmup steps of 0.1 / 6 each, over 50.
    @Test func tableAndExplainReadATorchtitanJobFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-toml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let job = dir.appendingPathComponent("llama3_debug.toml")
        try "[optimizer]\nlr = 0.1\n\n[lr_scheduler]\nwarmup_steps = 6\n\n[training]\nsteps = 50\n".write(
            to: job, atomically: true, encoding: .utf8)
        let table = try ramp(["table", job.path, "--steps", "3"])
        #expect(table.stdout == "step,lr\n0,0.016666666666666666\n1,0.03333333333333333\n2,0.05\n")
        let explain = try ramp(["explain", job.path])
        #expect(explain.status == 0 && explain.stdout.hasPrefix("base: 0.1\ntotal: 50 steps\n"))
    }

    @Test func tableOfTheCardExampleEndsOnThePlateau() throws {
        let r = try ramp(["table", "samples/card.ramp", "--steps", "60", "--metrics", "samples/card.metrics"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "step,lr")
        #expect(lines[1] == "0,0.0")
        #expect(lines[6] == "5,0.1")
        // The loss stops improving after step 29; patience 3 ends the cosine at the end of step 33.
        #expect(lines.count == 1 + 34)
        #expect(
            r.stderr
                == "note: the schedule finished at step 34 (its last phase ended on its condition); 26 of the "
                + "requested 60 steps were not printed\n"
        )
    }

    @Test func tableAsJSON() throws {
        let r = try ramp(["table", "-e", "onecycle(total=4, max=1)", "--steps", "4", "--format", "json"])
        #expect(r.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Double]]
        #expect(rows.count == 4)
        #expect(rows[0]["momentum"] == 0.95)
        #expect(rows.map { $0["step"]! } == [0, 1, 2, 3])
    }

    /// Outputs of any name: a column each, in CSV and JSON; a likely typo warns, and the program still runs.
    @Test func tableHasAColumnPerOutput() throws {
        let source = "base 0.1\ncosine(T=4)\nweight_decay: linear(T=4, from=0.1, to=0.5)\nweight_decy: 0.2"
        let csv = try ramp(["table", "-e", source, "--steps", "3"])
        #expect(csv.status == 0)
        #expect(
            csv.stdout
                == "step,lr,weight_decay,weight_decy\n0,0.1,0.1,0.2\n1,0.08535533905932738,0.2,0.2\n"
                + "2,0.05,0.30000000000000004,0.2\n"
        )
        #expect(
            csv.stderr == """
                <expression>:4:1: warning[R0510]: 'weight_decy' is not an output Ramp knows, so it is carried as it \
                is; did you mean 'weight_decay'?
                weight_decy: 0.2
                ^~~~~~~~~~~

                """)
        let json = try ramp(["table", "-e", source, "--steps", "1", "--format", "json"])
        #expect(json.stdout == "[\n{\"step\":0,\"lr\":0.1,\"weight_decay\":0.1,\"weight_decy\":0.2}\n]\n")
    }

    @Test func baseFlagOverridesTheProgram() throws {
        let r = try ramp(["table", "-e", "base 0.1\nconstant()", "--steps", "1", "--base", "0.5"])
        #expect(r.stdout == "step,lr\n0,0.5\n")
    }

    @Test func explainShowsEveryOutput() throws {
        let r = try ramp(["explain", "-e", "base 0.1\ncosine(T=4)\ndropout: 0.1 for 2 then 0"])
        #expect(r.status == 0)
        #expect(
            r.stdout.contains(
                """
                momentum: not scheduled
                dropout: (an output Ramp does not know, carried as it is)
                  phase 1: steps 0-1 (2 steps)
                    0.1
                    ends: after 2 steps
                  phase 2: from step 2
                    0
                """))
        #expect(r.stdout.hasSuffix("  dropout: 0.1 for 2 then 0\n"))
    }

    @Test func explainShowsResolvedPhases() throws {
        let r = try ramp(["explain", "samples/card.ramp"])
        #expect(r.status == 0)
        #expect(
            r.stdout == """
                base: 0.1

                lr:
                  phase 1: steps 0-4 (5 steps)
                    warmup(T=5, from=0, to=0.1, shape="linear")
                    ends: after 5 steps
                  phase 2: from step 5, at most 50 steps
                    cosine(T=50, from=0.1, min=0, exponent=1, k=1, periodic=false)
                    ends: when plateau(patience=3, threshold=0.0001, threshold_mode="rel", mode="min", cooldown=0) \
                holds, or after 50 steps
                  finishes when phase 2 ends
                momentum: not scheduled

                metric: this schedule reacts to the metric fed at the end of each step

                as native Ramp:
                  base 0.1
                  warmup(T=5, from=0, to=0.1, shape="linear") then cosine(T=50, from=0.1, min=0, exponent=1, k=1, \
                periodic=false) until plateau(patience=3, threshold=0.0001, threshold_mode="rel", mode="min", \
                cooldown=0)

                """)
    }

    @Test func listNamesEveryBuiltin() throws {
        let r = try ramp(["list"])
        #expect(r.status == 0)
        for b in Builtins.all { #expect(r.stdout.contains("  \(b.signature)\n"), "\(b.name) missing from ramp list") }
    }

    @Test func stepsNearIntMaxEndWithTheSchedule() throws {
        let r = try ramp(["table", "-e", "cosine(T=3)", "--steps", "9223372036854775807"])
        #expect(r.status == 0)
        #expect(r.stdout == "step,lr\n0,1.0\n1,0.75\n2,0.2500000000000001\n")
        #expect(
            r.stderr
                == "note: the schedule finished at step 3; 9223372036854775804 of the requested 9223372036854775807 "
                + "steps were not printed\n"
        )
        let over = try ramp(["table", "-e", "cosine(T=3)", "--steps", "9223372036854775808"])
        #expect(over.status != 0)
    }

    @Test func infiniteAndNaNMetrics() throws {
        let path = try temporaryFile("1\nnan\ninf\n-inf\n0.5\n", name: "m.txt")
        let r = try ramp([
            "table", "-e", "reduce_on_plateau(factor=0.5, patience=0)", "--steps", "6", "--metrics", path,
        ])
        // NaN and +inf are not improvements; -inf is; 0.5 is not better than -inf.
        #expect(r.stdout == "step,lr\n0,1.0\n1,1.0\n2,0.5\n3,0.25\n4,0.25\n5,0.125\n")
    }

    @Test func badMetricsFileIsReported() throws {
        let path = try temporaryFile("0.5\nabc\n", name: "m.txt")
        let r = try ramp(["table", "samples/card.ramp", "--steps", "5", "--metrics", path])
        #expect(r.status == 1)
        // Located, with its code, the line and a caret, as every Ramp error is.
        #expect(
            r.stderr
                == "\(path):2:1: error[R0711]: expected a number, a blank line or `-` (no metric), found 'abc'\n"
                + "abc\n^~~\n")
    }
}
