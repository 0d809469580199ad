import Foundation
import Testing

@testable import Ramp

@Suite struct ServeTests {
    /// 10,000 requests, 1% of them malformed: every line gets one answer, the
    /// bad ones an error, and the rates match `Table`.
    @Test func scriptedSessionMatchesTheTable() throws {
        let source = "base 0.1\nwarmup 5 then cosine(T=50) until plateau(patience 3) then 0.001"
        let program = try Compiler.compile(SourceFile(name: "s", text: source))
        let metrics: [Double?] = (0..<10_000).map { $0 < 30 ? pow(0.95, Double($0)) : 0.2 }
        let table = Table.rows(program, steps: 9_901, metrics: metrics)
        var session = ServeSession(program: program)
        var seed: UInt64 = 5
        var steps = 0
        var errors = 0
        for i in 0..<10_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let reply: String
            if i % 100 == 99 {
                reply = session.handle(
                    ["{\"op\":", "not json", "{\"op\":\"step\",\"metric\":\"x\"}", "[1,2]"][Int(seed >> 62)])
                #expect(reply.hasPrefix("{\"error\":"), "\(reply)")
                errors += 1
            } else {
                let m = metrics[steps].map { "\($0)" } ?? "null"
                reply = session.handle("{\"op\":\"step\",\"metric\":\(m)}")
                steps += 1
                let expected = table[min(steps, table.count - 1)]
                #expect(
                    reply == "{\"step\":\(steps),\"lr\":\(expected.lr),\"momentum\":null,\"finished\":false}",
                    "step \(steps)")
            }
        }
        #expect(errors == 100)
    }

    /// Two named groups and four outputs: every field of every group, at every
    /// step, is what `Table` gives, in the `values` map by output and group.
    @Test func twoNamedGroupsAndFourOutputsMatchTheTable() throws {
        let source = """
            base 1e-3
            warmup 3 then cosine(T=12)
            momentum: linear(T=15, from=0.85, to=0.95)
            beta2: 0.999
            weight_decay: 0.05
            group "backbone" lr *= 0.1
            group "head" weight_decay: 0
            group "head" beta2: linear(T=15, from=0.95, to=0.99)
            """
        let program = try Compiler.compile(SourceFile(name: "s", text: source))
        let names = ["beta2", "weight_decay", "weight_decay[head]", "beta2[head]", "lr[backbone]"]
        #expect(program.outputs.map(\.name) == names)
        let table = Table.rows(program, steps: 15)
        var session = ServeSession(program: program)
        for (i, row) in table.enumerated() {
            let reply = i == 0 ? session.handle("{\"op\":\"lr\"}") : session.handle("{\"op\":\"step\"}")
            let values = zip(names, row.values).map { "\"\($0)\":\($1)" }.joined(separator: ",")
            #expect(
                reply
                    == "{\"step\":\(i),\"lr\":\(row.lr),\"momentum\":\(row.momentum!),\"values\":{\(values)},"
                    + "\"finished\":false}"
            )
        }
        #expect(table[14].values == [0.999, 0.05, 0, table[14].values[3], table[14].lr * 0.1])
        #expect(table[14].values[3] > 0.98)
    }

    @Test func stateRoundTripAndReset() throws {
        let program = try Compiler.compile(SourceFile(name: "s", text: "reduce_on_plateau(factor=0.5, patience=0)"))
        var a = ServeSession(program: program)
        _ = a.handle("{\"op\":\"step\",\"metric\":1}")
        _ = a.handle("{\"op\":\"step\",\"metric\":2}")
        let saved = a.handle("{\"op\":\"state\"}")
        let state = String(saved.dropFirst("{\"state\":".count).dropLast())
        var b = ServeSession(program: program)
        #expect(
            b.handle("{\"op\":\"load\",\"state\":\(state)}")
                == "{\"step\":2,\"lr\":0.5,\"momentum\":null,\"finished\":false}")
        #expect(b.handle("{\"op\":\"step\",\"metric\":3}") == a.handle("{\"op\":\"step\",\"metric\":3}"))
        #expect(b.handle("{\"op\":\"reset\"}") == "{\"step\":0,\"lr\":1.0,\"momentum\":null,\"finished\":false}")
        #expect(b.handle("{\"op\":\"load\",\"state\":{\"step\":1}}").hasPrefix("{\"error\":"))
    }

    @Test func loadProgramAndErrors() {
        var s = ServeSession(program: nil)
        #expect(
            s.handle("{\"op\":\"lr\"}")
                == "{\"error\":\"no program: send {\\\"op\\\":\\\"load_program\\\",\\\"source\\\":\\\"...\\\"} first\"}"
        )
        #expect(
            s.handle("{\"op\":\"load_program\",\"source\":\"onecycle(total=10, max=1)\"}")
                == "{\"step\":0,\"lr\":0.040000000000000036,\"momentum\":0.95,\"finished\":false}")
        #expect(
            s.handle("{\"op\":\"load_program\",\"source\":\"cosine(T=0)\"}")
                == "{\"error\":\"1:10: error[R0307]: argument 'T' of 'cosine' must be at least 1, got 0\"}")
        // A failed load_program keeps the previous program.
        #expect(s.handle("{\"op\":\"lr\"}").hasPrefix("{\"step\":0,\"lr\":0.04"))
    }

    /// What Python's json.dumps writes for non-finite floats is accepted, and
    /// a bad value names its field.
    @Test func pythonNonFiniteNumbersAndFieldNames() throws {
        let program = try Compiler.compile(SourceFile(name: "s", text: "reduce_on_plateau(factor=0.5, patience=0)"))
        var s = ServeSession(program: program)
        #expect(
            s.handle("{\"op\": \"step\", \"metric\": 1.0}")
                == "{\"step\":1,\"lr\":1.0,\"momentum\":null,\"finished\":false}")
        // NaN never improves, so with patience 0 it reduces at once.
        #expect(
            s.handle("{\"op\": \"step\", \"metric\": NaN}")
                == "{\"step\":2,\"lr\":0.5,\"momentum\":null,\"finished\":false}")
        #expect(
            s.handle("{\"op\": \"step\", \"metric\": -Infinity}")
                == "{\"step\":3,\"lr\":0.5,\"momentum\":null,\"finished\":false}")
        #expect(
            s.handle("{\"op\": \"step\", \"metric\": Infinity}")
                == "{\"step\":4,\"lr\":0.25,\"momentum\":null,\"finished\":false}")
        #expect(
            s.handle("{\"op\":\"step\",\"metric\":\"x\"}") == "{\"error\":\"\\\"metric\\\" must be a number or null\"}")
        #expect(
            s.handle("{\"op\":\"load\",\"state\":{\"step\":\"a\",\"slots\":[]}}")
                == "{\"error\":\"\\\"state.step\\\" has the wrong type\"}")
        // Inside a string, the words are text.
        #expect(
            s.handle("{\"op\":\"load_program\",\"source\":\"# NaN Infinity\\n0.5\"}")
                == "{\"step\":0,\"lr\":0.5,\"momentum\":null,\"finished\":false}")
        #expect(
            StateJSON.acceptingPythonNonFinite("[NaN, \"NaN\", -Infinity, \"a\\\"NaN\"]")
                == "[\"nan\", \"NaN\", \"-inf\", \"a\\\"NaN\"]")
    }

    /// The Python client in docs/serve.md, run against the real binary.
    @Test func documentedPythonClientWorks() throws {
        let client = try #require(try pythonExample(in: "serve.md"), "docs/serve.md has no Python example")
        #expect(client.split(separator: "\n").count <= 20)
        let script = try temporaryFile(client, name: "client.py")
        let r = try python(
            [script], environment: ["RAMP": repositoryRoot.appendingPathComponent(".build/debug/ramp").path])
        let text = r.stdout
        #expect(r.status == 0, "\(r.stderr)")
        #expect(text.contains("finished at step"), "\(text)")
    }
}

@Suite(.serialized) struct ServeStressTests {
    /// One million requests, 1% malformed, through the real binary: every
    /// line answered, the rates right, and memory flat (a tenth of the
    /// requests peaks at about the same resident size).
    @Test func millionRequestsInConstantMemory() throws {
        func input(_ n: Int) -> String {
            var out = ""
            out.reserveCapacity(n * 32)
            for i in 0..<n {
                out += i % 100 == 99 ? "{\"op\":\n" : "{\"op\":\"step\",\"metric\":\(i % 3 == 0 ? 0.25 : 0.5)}\n"
            }
            return out
        }
        func serve(_ n: Int) throws -> (lines: [Substring], peakKB: Int?) {
            let stdin = try temporaryFile(input(n), name: "requests.txt")
            let timeTool = "/usr/bin/time"
            let binary = repositoryRoot.appendingPathComponent(".build/debug/ramp").path
            let p = Process()
            let measured = FileManager.default.isExecutableFile(atPath: timeTool)
            p.executableURL = URL(fileURLWithPath: measured ? timeTool : binary)
            p.arguments = (measured ? ["-f", "%M", binary] : []) + ["serve", "samples/warmup_plateau.ramp"]
            p.currentDirectoryURL = repositoryRoot
            p.standardInput = FileHandle(forReadingAtPath: stdin)
            let out = Pipe()
            let err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let errors = ErrorCollector(err.fileHandleForReading)
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let peak = Int(
                String(decoding: errors.wait(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(p.terminationStatus == 0)
            return (String(decoding: data, as: UTF8.self).split(separator: "\n"), peak)
        }
        let small = try serve(100_000)
        let big = try serve(1_000_000)
        #expect(big.lines.count == 1_000_000)
        #expect(big.lines.filter { $0.hasPrefix("{\"error\":") }.count == 10_000)
        // The rate after the last step request (the very last line is a malformed one), from the table.
        let program = try Compiler.compile(
            try SourceFile.load(path: samplesDirectory.appendingPathComponent("warmup_plateau.ramp").path))
        let metrics: [Double?] = (0..<1_000_000).filter { $0 % 100 != 99 }.map { $0 % 3 == 0 ? 0.25 : 0.5 }
        let last = Table.rows(program, steps: metrics.count + 1, metrics: metrics).last!
        #expect(big.lines.last?.hasPrefix("{\"error\":") == true)
        #expect(
            big.lines[big.lines.count - 2]
                == "{\"step\":\(metrics.count),\"lr\":\(last.lr),\"momentum\":null,\"finished\":false}")
        if let a = small.peakKB, let b = big.peakKB {
            #expect(Double(b) < Double(a) * 1.5 + 4096, "peak memory grew from \(a) KB to \(b) KB")
        } else {
            print("note: /usr/bin/time is missing, so the memory part of the serve stress test was skipped")
        }
    }
}
