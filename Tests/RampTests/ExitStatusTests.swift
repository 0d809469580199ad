import Foundation
import Testing
@testable import Ramp

/// Exit statuses as the commands' Unix peers give them, and a piped REPL
/// that never swallows an input left open.
@Suite struct ExitStatusTests {
    @Test func diffIsZeroSameOneDifferentTwoTrouble() throws {
        let a = try temporaryFile("cosine(T=10)\n", name: "a.ramp")
        let b = try temporaryFile("cosine(T=12)\n", name: "b.ramp")
        let same = try ramp(["diff", a, a, "--no-chart"])
        #expect(same.status == 0)
        #expect(same.stdout == "\(a) and \(a) give the same schedule over 10 steps\n")
        #expect(try ramp(["diff", a, b, "--no-chart"]).status == 1)
        let missing = try ramp(["diff", a, "/nonexistent/b.ramp"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "/nonexistent/b.ramp: error: no such file\n")
        let broken = try temporaryFile("warmup 5 then\n", name: "broken.ramp")
        let unchecked = try ramp(["diff", a, broken])
        #expect(unchecked.status == 2)
        #expect(unchecked.stderr.hasPrefix("\(broken):1:14: error[R0204]: expected an expression, found end of input\n"))
        #expect(try ramp(["diff", a, b, "--metrics", "/nonexistent/m.txt"]).status == 2)
        // A misused option is trouble too, never "they differ".
        #expect(try ramp(["diff", a]).status == 2)
        #expect(try ramp(["diff", a, b, "--steps", "0"]).status == 2)
    }

    @Test func fmtCheckIsOneToChangeTwoCannotParse() throws {
        let messy = try temporaryFile("base=0.1\n", name: "messy.ramp")
        let broken = try temporaryFile("warmup 5 then\n", name: "broken.ramp")
        #expect(try ramp(["fmt", "--check", messy]).status == 1)
        let check = try ramp(["fmt", "--check", broken])
        #expect(check.status == 2)
        #expect(check.stderr == "\(broken):1:14: error[R0204]: expected an expression, found end of input\nwarmup 5 then\n             ^\n")
        #expect(try ramp(["fmt", "--check", "/nonexistent/x.ramp"]).status == 2)
        #expect(try ramp(["fmt", "--check", messy, broken]).status == 2)
        #expect(try ramp(["fmt", "--check", "--bogus"]).status == 2)
    }

    @Test func pipedReplReportsAnOpenInputAndExitsOneOnErrors() throws {
        let swallowed = try ramp(["repl"], stdin: "cosine(T=\n:at 5\n")
        #expect(swallowed.status == 1)
        #expect(swallowed.stdout == """
            <repl>:1:10: error[R0204]: expected an expression, found end of input
            cosine(T=
                     ^
            error: no schedule yet: type one, such as cosine(T=100)

            """)
        let open = try ramp(["repl"], stdin: "base 0.1\nwarmup 5 then\n")
        #expect(open.status == 1)
        #expect(open.stdout == """
            base 0.1
            <repl>:1:14: error[R0204]: expected an expression, found end of input
            warmup 5 then
                         ^

            """)
        let clean = try ramp(["repl"], stdin: "cosine(T=10)\n:at 5\n")
        #expect(clean.status == 0)
        #expect(clean.stdout.hasSuffix("lr[5] = 0.5\n"))
    }

    @Test func sessionCountsErrorsAndChecksWhatIsLeftOpen() {
        let session = ReplSession(ReplEngine())
        var reader = ScriptedLineReader([.line("let a = 2"), .line("cosine(T=a,")])
        var shown: [String] = []
        session.run(reader: &reader) { shown.append($0) }
        #expect(session.errors == 1)
        #expect(shown == [
            "a = 2",
            "<repl>:1:12: error[R0204]: expected an expression, found end of input\ncosine(T=a,\n           ^",
        ])
        // The session is as it was: the definition stands, nothing is pending.
        #expect(session.engine.prompt == "ramp> ")
        #expect(session.engine.sessionNames == ["a"])
    }
}

/// The atomic writer reaps what a killed writer left beside its file.
@Suite struct AtomicFileTests {
    @Test func staleTemporariesOfGoneProcessesAreReaped() throws {
        let dir = URL(fileURLWithPath: try temporaryFile("", name: "x")).deletingLastPathComponent().path
        let target = dir + "/out.py"
        // No process can have a number above the kernel's pid_max.
        let max = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
        let gone = Int(max.trimmingCharacters(in: .whitespacesAndNewlines))! + 1
        let stale = target + ".tmp-\(gone)", living = target + ".tmp-1", other = target + ".tmp-x1"
        for path in [stale, living, other] { FileManager.default.createFile(atPath: path, contents: Data("half".utf8)) }
        let r = try ramp(["compile", "-e", "cosine(T=3)", "--to", "json", "-o", target])
        #expect(r.status == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == ["out.py", "out.py.tmp-1", "out.py.tmp-x1", "x"])
    }
}
