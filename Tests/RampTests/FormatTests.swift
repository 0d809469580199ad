import Foundation
import Testing

@testable import Ramp

/// A program as a test formats it: a corpus program, a sample or a messy input.
struct FormatCase: CustomTestStringConvertible, Sendable {
    var path: String
    var testDescription: String { path }

    static let all: [FormatCase] = {
        var paths: [String] = []
        for dir in ["conformance/programs", "samples", "Tests/Format"] {
            let url = repositoryRoot.appendingPathComponent(dir)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            paths += files.filter { $0.hasSuffix(".ramp") }.sorted().map { "\(dir)/\($0)" }
        }
        return paths.map(FormatCase.init)
    }()

    var file: SourceFile {
        SourceFile(
            name: path, text: try! String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8))
    }
}

/// The IR without what only says where things were written: the source
/// itself and the byte ranges of phases.
func layoutFree(_ v: JSONValue) -> JSONValue {
    switch v {
    case .object(let entries):
        return .object(entries.filter { $0.0 != "source" && $0.0 != "at" }.map { ($0.0, layoutFree($0.1)) })
    case .array(let xs): return .array(xs.map(layoutFree))
    default: return v
    }
}

@Suite struct FormatTests {
    @Test func everyProgramIsCovered() {
        #expect(FormatCase.all.count >= 160)
    }

    /// Formatting is idempotent and keeps the program: the same IR, or the
    /// same diagnostics (codes and messages; only their places move).
    @Test(arguments: FormatCase.all)
    func formatKeepsMeaning(_ c: FormatCase) throws {
        let file = c.file
        let formatted: String
        do { formatted = try Formatter.format(file) } catch {
            // Only a program that does not parse is refused, with the parser's diagnostic.
            #expect((try? Compiler.parse(file)) == nil)
            #expect(error.diagnostics.allSatisfy { $0.kind.code.hasPrefix("R00") || $0.kind.code.hasPrefix("R02") })
            return
        }
        let again = SourceFile(name: c.path, text: formatted)
        #expect(try Formatter.format(again) == formatted, "formatting twice changes \(c.path)")
        #expect(formatted.split(separator: "\n").allSatisfy { $0.last != " " }, "trailing spaces")
        switch (
            Result { () throws(DiagnosticError) in try Compiler.compile(file) },
            Result { () throws(DiagnosticError) in try Compiler.compile(again) }
        ) {
        case (.success(let a), .success(let b)):
            #expect(
                layoutFree(IR.document(a)).render() == layoutFree(IR.document(b)).render(), "IR differs for \(c.path)")
        case (.failure(let a), .failure(let b)):
            #expect(
                a.diagnostics.map { "\($0.kind.code) \($0.message)" }
                    == b.diagnostics.map { "\($0.kind.code) \($0.message)" })
        default:
            Issue.record("\(c.path) compiles before formatting and not after, or the other way round")
        }
        // Comments are all kept, in order.
        func comments(_ s: String) -> [String] {
            s.split(separator: "\n").compactMap { line in
                line.firstIndex(of: "#").map { String(line[$0...]).trimmingCharacters(in: .whitespaces) }
            }
        }
        if !file.text.contains("'") && !file.text.contains("\"") {
            #expect(comments(formatted).sorted() == comments(file.text).sorted())
        }
    }

    /// The messy inputs in Tests/Format, against their formatted goldens.
    @Test(arguments: ["spacing", "comments", "wrapping", "precedence"])
    func golden(_ name: String) throws {
        let dir = repositoryRoot.appendingPathComponent("Tests/Format")
        let input = try String(contentsOf: dir.appendingPathComponent("\(name).ramp"), encoding: .utf8)
        let expected = try String(contentsOf: dir.appendingPathComponent("\(name).formatted.ramp"), encoding: .utf8)
        #expect(try Formatter.format(SourceFile(name: name, text: input)) == expected)
    }

    @Test func edgeCases() throws {
        func fmt(_ s: String) throws -> String { try Formatter.format(SourceFile(name: "x", text: s)) }
        #expect(try fmt("") == "")
        #expect(try fmt("\n\n\n") == "")
        #expect(try fmt("# only\n\n\n\n# comments") == "# only\n\n# comments\n")
        #expect(try fmt("base 0.1\r\nwarmup 5 then cosine(T=10)\r\n") == "base 0.1\nwarmup 5 then cosine(T=10)\n")
        #expect(try fmt("\u{FEFF}warmup 5") == "warmup 5\n")
        #expect(try fmt("warmup \\\n 5") == "warmup 5\n")
        #expect(try fmt("base 0.1; warmup 5; # x") == "base 0.1\nwarmup 5  # x\n")
        #expect(try fmt("lr: \n  cosine(T=5)") == "lr: cosine(T=5)\n")
        #expect(try fmt("def f(x) =\n  x # body\nf(1)") == "def f(x) = x  # body\nf(1)\n")
        #expect(try fmt("warmup 5epochs then 1_000 * 3.") == "warmup 5 epochs then 1_000 * 3.\n")
        #expect(try fmt("group 'x y' lr :  0.1") == "group 'x y' lr: 0.1\n")
        #expect(try fmt("warmup 5 then # a\n# b\ncosine(T=5)") == "warmup 5 then  # a\n    # b\n    cosine(T=5)\n")
        // Any byte a string may hold is kept, and never read as layout.
        #expect(try fmt("warmup(3, shape='a\u{1}\u{0}b')  # c\nx") == "warmup(3, shape='a\u{1}\u{0}b')  # c\nx\n")
        // A narrower width breaks the argument list, one per line with a trailing comma.
        #expect(
            try Formatter.format(SourceFile(name: "x", text: "cosine(T=50, min=0)"), width: 12)
                == "cosine(\n    T=50,\n    min=0,\n)\n")
    }

    /// The check that formatting kept the tree tells trees apart by everything but their ranges.
    @Test func sameShapeIgnoresOnlyRanges() throws {
        func statements(_ s: String) throws -> [Statement] {
            try Parser.parse(SourceFile(name: "x", text: s), names: Builtins.statementNames).statements
        }
        func same(_ a: String, _ b: String) throws -> Bool {
            let (x, y) = (try statements(a), try statements(b))
            return x.count == y.count && zip(x, y).allSatisfy { $0.sameShape(as: $1) }
        }
        #expect(try same("(a)  +  ((b))", "a + b"))
        #expect(try same("def f(x: number > 0 = 1) = x", "def f(x : number>0=1)=(x)"))
        #expect(try !same("a - (b - c)", "a - b - c"))
        #expect(try !same("cosine(T=5)", "cosine(t=5)"))
        #expect(try !same("warmup 5", "warmup(5)"))
        #expect(try !same("def f(x: number > 0) = x", "def f(x: number >= 0) = x"))
        #expect(try !same("0.1", "0.10000000000000002"))
        #expect(try !same("group 0 lr *= 2", "group 1 lr *= 2"))
    }

    @Test func syntaxErrorsAreRefusedWithTheirDiagnostics() {
        #expect(throws: Formatter.Failure.self) { try Formatter.format(SourceFile(name: "x", text: "warmup 5 then")) }
        do {
            _ = try Formatter.format(SourceFile(name: "bad.ramp", text: "base 0.1\nwarmup(5"))
        } catch {
            #expect(
                DiagnosticPrinter.render(
                    error.diagnostics, in: SourceFile(name: "bad.ramp", text: "base 0.1\nwarmup(5"))
                    == "bad.ramp:2:9: error[R0201]: expected ')' to close the argument list, found end of input\n"
                    + "warmup(5\n        ^"
            )
        }
    }

    @Test func unifiedDiff() {
        #expect(TextDiff.unified("a\nb\n", "a\nb\n", oldName: "x", newName: "y") == "")
        #expect(
            TextDiff.unified("a\nb\nc\n", "a\nB\nc\n", oldName: "x", newName: "y")
                == "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
        let old = (1...20).map(String.init).joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "\n2\n", with: "\ntwo\n").replacingOccurrences(of: "\n19\n", with: "\n")
        #expect(
            TextDiff.unified(old, new, oldName: "x", newName: "y")
                == "--- x\n+++ y\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -16,5 +16,4 @@\n 16\n 17\n 18\n-19\n "
                + "20\n"
        )
        #expect(TextDiff.unified("", "a\n", oldName: "x", newName: "y") == "--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n")
    }
}

/// `ramp fmt` as CI and editors call it.
@Suite struct FormatCommandTests {
    @Test func rewritesInPlaceAndChecks() throws {
        let messy = try temporaryFile("base=0.1\nwarmup 5 then cosine( T=50 )\n", name: "messy.ramp")
        let tidy = try temporaryFile("base 0.1\n", name: "tidy.ramp")
        let check = try ramp(["fmt", "--check", messy, tidy])
        #expect(check.status == 1)
        #expect(check.stdout == messy + "\n")
        #expect(try String(contentsOfFile: messy, encoding: .utf8) == "base=0.1\nwarmup 5 then cosine( T=50 )\n")
        let diff = try ramp(["fmt", "--diff", messy])
        #expect(diff.status == 0)
        #expect(
            diff.stdout == """
                --- \(messy) (as it is)
                +++ \(messy) (formatted)
                @@ -1,2 +1,2 @@
                -base=0.1
                -warmup 5 then cosine( T=50 )
                +base 0.1
                +warmup 5 then cosine(T=50)

                """)
        #expect(try ramp(["fmt", messy]).status == 0)
        #expect(try String(contentsOfFile: messy, encoding: .utf8) == "base 0.1\nwarmup 5 then cosine(T=50)\n")
        #expect(try ramp(["fmt", "--check", messy, tidy]).status == 0)
    }

    @Test func standardInput() throws {
        let r = try ramp(["fmt"], stdin: "warmup 5   then cosine(T=5)")
        #expect(r.status == 0)
        #expect(r.stdout == "warmup 5 then cosine(T=5)\n")
        let check = try ramp(["fmt", "--check", "-"], stdin: "warmup 5")
        #expect(check.status == 1)
        #expect(check.stdout == "<stdin>\n")
    }

    @Test func syntaxErrorsLeaveTheFileAlone() throws {
        let source = "base 0.1\nwarmup 5 then\n"
        let path = try temporaryFile(source, name: "broken.ramp")
        let r = try ramp(["fmt", path])
        #expect(r.status == 1)
        #expect(
            r.stderr
                == "\(path):2:14: error[R0204]: expected an expression, found end of input\nwarmup 5 then\n"
                + "             ^\n"
        )
        #expect(try String(contentsOfFile: path, encoding: .utf8) == source)
    }
}
