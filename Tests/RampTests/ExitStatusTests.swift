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
        #expect(
            unchecked.stderr.hasPrefix("\(broken):1:14: error[R0204]: expected an expression, found end of input\n"))
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
        #expect(
            check.stderr
                == "\(broken):1:14: error[R0204]: expected an expression, found end of input\nwarmup 5 then\n"
                + "             ^\n"
        )
        #expect(try ramp(["fmt", "--check", "/nonexistent/x.ramp"]).status == 2)
        #expect(try ramp(["fmt", "--check", messy, broken]).status == 2)
        #expect(try ramp(["fmt", "--check", "--bogus"]).status == 2)
    }

    @Test func pipedReplReportsAnOpenInputAndExitsOneOnErrors() throws {
        let swallowed = try ramp(["repl"], stdin: "cosine(T=\n:at 5\n")
        #expect(swallowed.status == 1)
        #expect(
            swallowed.stdout == """
                <repl>:1:10: error[R0204]: expected an expression, found end of input
                cosine(T=
                         ^
                error: no schedule yet: type one, such as cosine(T=100)

                """)
        let open = try ramp(["repl"], stdin: "base 0.1\nwarmup 5 then\n")
        #expect(open.status == 1)
        #expect(
            open.stdout == """
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
        #expect(
            shown == [
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
        let stale = target + ".tmp-\(gone)"
        let living = target + ".tmp-1"
        let other = target + ".tmp-x1"
        for path in [stale, living, other] { FileManager.default.createFile(atPath: path, contents: Data("half".utf8)) }
        let r = try ramp(["compile", "-e", "cosine(T=3)", "--to", "json", "-o", target])
        #expect(r.status == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == ["out.py", "out.py.tmp-1", "out.py.tmp-x1", "x"])
    }

    /// `-o /dev/null` or a FIFO is written into, not replaced by a file (as root, a rename would replace the
    /// device); a link stays a link, and the file it names gets the text.
    @Test func whatIsNotAFileIsWrittenInPlaceAndLinksAreFollowed() throws {
        let dir = URL(fileURLWithPath: try temporaryFile("", name: "x")).deletingLastPathComponent().path
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try AtomicFile.write("cosine(T=3)\n", to: fifo)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, 64)
        #expect(n == 12 && String(decoding: buffer[0..<12], as: UTF8.self) == "cosine(T=3)\n")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["pipe", "x"])

        let file = dir + "/real.ramp"
        let link = dir + "/link.ramp"
        try AtomicFile.write("old\n", to: file)
        #expect(symlink(file, link) == 0)
        try AtomicFile.write("new\n", to: link)
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "new\n")
    }
}

/// A control character in a program (a string, a comment, a stray byte)
/// reaches a terminal as its escape, never as a command to the terminal.
@Suite struct TerminalTextTests {
    let retitle = "\u{1B}]2;pwned\u{7}"

    @Test func escapesControlsButKeepsLayout() {
        #expect(
            TerminalText.escaped("a\u{1B}[2Jb\tc\nd\u{7F}\u{85}\u{202E}") == "a\\u{1B}[2Jb\tc\nd\\u{7F}\\u{85}\\u{202E}"
        )
        #expect(TerminalText.escaped("plain é ⣿") == "plain é ⣿")
    }

    @Test func checkShowsTheEscapeAndPutsTheCaretUnderIt() throws {
        let path = try temporaryFile("cosine(T=10) until signal(\"\(retitle)\")\n", name: "esc.ramp")
        let r = try ramp(["check", path])
        #expect(r.status == 1)
        #expect(
            r.stderr == """
                \(path):1:27: error[R0307]: a signal's name must be an identifier (letters, digits and _), \
                got '\\u{1B}]2;pwned\\u{7}'
                cosine(T=10) until signal("\\u{1B}]2;pwned\\u{7}")
                                          ^~~~~~~~~~~~~~~~~~~~~

                """)
        let stray = try temporaryFile("cosi\u{1B}ne(T=10)\n", name: "stray.ramp")
        #expect(
            try ramp(["check", stray]).stderr == """
                \(stray):1:5: error[R0002]: unexpected control character (byte 0x1b)
                cosi\\u{1B}ne(T=10)
                    ^~~~~~

                """)
        // JSON escapes by its own rules: the message keeps the character itself.
        let json = try ramp(["check", path, "--format", "json"])
        #expect(json.stdout.contains(#"got '\u001b]2;pwned\u0007'"#))
    }

    @Test func replRepliesAndLanguageServerMessagesAreEscaped() {
        var e = ReplEngine()
        let r = e.feed("let \(retitle) = 1")
        #expect(r?.isError == true)
        #expect(r?.output.contains("\u{1B}") == false)
        #expect(r?.output.contains("\\u{1B}") == true)
        var lsp = LSPSession.started()
        let published = lsp.open("cosine(T=10) until signal(\"\(retitle)\")")
        let rendered = published["params"]?["diagnostics"]?.renderCompact() ?? ""
        #expect(
            rendered.contains(
                #""message":"a signal's name must be an identifier (letters, digits and _), "#
                    + #"got '\\u{1B}]2;pwned\\u{7}'""#))
    }

    @Test func fmtEscapesForATerminalOnly() throws {
        let path = try temporaryFile("# a \(retitle) comment\nwarmup 5\n", name: "c.ramp")
        let piped = try ramp(["fmt", "-"], stdin: "# a \(retitle) comment\nwarmup 5\n")
        #expect(piped.stdout == "# a \(retitle) comment\nwarmup 5\n")
        // `script` runs it on a pseudo-terminal, which turns \n into \r\n.
        let binary = repositoryRoot.appendingPathComponent(".build/debug/ramp").path
        let tty = try run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", "\(binary) fmt - < \(path)", "/dev/null"])
        #expect(tty.stdout == "# a \\u{1B}]2;pwned\\u{7} comment\r\nwarmup 5\r\n")
    }
}

/// Charts have documented limits, and a program given as text titles its chart.
@Suite struct PlotLimitTests {
    @Test func sizesAndStepsPastTheLimitsAreRefusedNamingThem() throws {
        let wide = try ramp(["plot", "-e", "cosine(T=10)", "--width", "100000", "--height", "100000"])
        #expect(wide.status == 64)
        #expect(wide.stderr.hasPrefix("Error: --width is 20 to 1000 characters (got 100000)\n"))
        let svg = try ramp(["plot", "-e", "cosine(T=10)", "--out", "-", "--height", "20000"])
        #expect(svg.stderr.hasPrefix("Error: --height is 100 to 10000 pixels (got 20000)\n"))
        let long = try ramp(["plot", "-e", "cosine(T=10)", "--steps", "1000000000000"])
        #expect(
            long.stderr.hasPrefix(
                "Error: --steps is at most 10,000,000 for a chart (got 1000000000000); use ramp table for more\n"))
        #expect(try ramp(["plot", "-e", "cosine(T=10)", "--width", "20", "--height", "4"]).status == 0)
    }

    /// Every curve of an SVG chart draws up to four points a pixel column. A chart of many curves draws each
    /// through fewer columns: 1 KB of program with 61 curves, 10,000 pixels wide, draws each through 4,098
    /// (250,000 in all), where every curve took all 9,914 of the panel's, 17 MB of SVG and seconds to write.
    @Test func aChartOfManyCurvesDrawsEachThroughFewerColumns() throws {
        let outputs = (0..<60).map { "o\($0): cosine(T=100000)" }.joined(separator: "\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-curves-\(getpid()).ramp").path
        try "base 1\n\(outputs)\n1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let wide = try ramp(["plot", path, "--steps", "40000", "--width", "10000", "--out", "-"])
        #expect(wide.status == 0)
        let paths = wide.stdout.components(separatedBy: "<path class=\"series\"").dropFirst()
        #expect(paths.count == 61)
        // A falling or flat curve keeps each column's first and last point: 2 × 4,098 of its 40,000.
        let points = paths.map { element in
            element.components(separatedBy: " d=\"")[1].prefix { $0 != "\"" }.filter { $0 == "M" || $0 == "L" }.count
        }
        #expect(points == Array(repeating: 2 * 4_098, count: 61))
    }

    @Test func aLongDefaultHorizonIsCappedWithANote() {
        var notes: [String] = []
        #expect(PlotLimits.defaultSteps(nil, horizons: [50, 1_000_000_000_000]) { notes.append($0) } == 10_000_000)
        #expect(
            notes == [
                "note: the schedule runs 1000000000000 steps; the chart shows the first 10,000,000, "
                    + "the most --steps allows"
            ])
        #expect(PlotLimits.defaultSteps(nil, horizons: [50, 70]) { _ in Issue.record("no note") } == 70)
        #expect(PlotLimits.defaultSteps(12, horizons: [1_000_000_000_000]) { _ in Issue.record("no note") } == 12)
    }

    @Test func aProgramGivenAsTextTitlesItsChart() throws {
        #expect(
            PlotLimits.title(of: "base 0.1\nwarmup 5 then cosine(T=50)\n") == "base 0.1; warmup 5 then cosine(T=50)")
        let long = "warmup 5 then cosine(T=50) until plateau(patience 3) then linear(T=20, from=current, to=0)"
        #expect(PlotLimits.title(of: long) == "warmup 5 then cosine(T=50) until platea…")
        let svg = try ramp(["plot", "-e", long, "--out", "-"])
        #expect(svg.stdout.contains("warmup 5 then cosine(T=50) until platea…"))
        #expect(!svg.stdout.contains("expression 1"))
    }
}
