import Foundation
import Testing

@testable import Ramp

func diagnostics(_ source: String) -> [Diagnostic] {
    do {
        _ = try Compiler.compile(SourceFile(name: "t.ramp", text: source))
        return []
    } catch {
        return error.diagnostics
    }
}

func rendered(_ source: String) -> String {
    let file = SourceFile(name: "t.ramp", text: source)
    return DiagnosticPrinter.render(diagnostics(source), in: file)
}

@Suite struct DiagnosticTests {
    @Test func caretUnderTheRange() {
        #expect(
            rendered("base 0.1\nwarmup 5 then cosin(T=50)") == """
                t.ramp:2:15: error[R0104]: unknown name 'cosin'; did you mean 'cosine'?
                warmup 5 then cosin(T=50)
                              ^~~~~
                """)
    }

    @Test func tabsAndUnicodeKeepTheCaretAligned() {
        // A tab stays a tab; a two-byte character counts as one column.
        #expect(
            rendered("\tlet é = 1") == """
                t.ramp:1:6: error[R0002]: unexpected character 'é'
                \tlet é = 1
                \t    ^
                """)
    }

    @Test func crlfLineEndings() {
        #expect(
            rendered("base 0.1\r\ncosine(T=0)\r\n") == """
                t.ramp:2:10: error[R0307]: argument 'T' of 'cosine' must be at least 1, got 0
                cosine(T=0)
                         ^
                """)
    }

    @Test func notesPointAtTheRelatedPlace() {
        #expect(
            rendered("let x = 1\nlet x = 2\nx") == """
                t.ramp:2:5: error[R0101]: 'x' is already defined
                let x = 2
                    ^
                t.ramp:1:5: note: first defined here
                let x = 1
                    ^
                """)
    }

    @Test func catalogueCodesAreUniqueAndNamed() {
        let all = DiagnosticCatalogue.all
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(Set(all.map(\.name)).count == all.count)
        #expect(all.allSatisfy { $0.code.count == 5 && $0.code.hasPrefix("R") && !$0.summary.isEmpty })
        #expect(all.map(\.code) == all.map(\.code).sorted())
        #expect(DiagnosticCatalogue.lookup("R0104") == .unknownName)
        #expect(DiagnosticCatalogue.lookup("unknown-name")?.code == "R0104")
    }

    @Test func docsListEveryCode() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../docs/diagnostics.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(
            text == DiagnosticCatalogue.markdown, "regenerate docs/diagnostics.md from DiagnosticCatalogue.markdown")
    }

    /// Every message is worded in the catalogue (Diagnostics/Messages/), in the
    /// file of its code's block: a site elsewhere only names it.
    @Test func messagesAreWordedInTheCatalogue() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Ramp")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 50)
        let made = try Regex(#"(DiagnosticMessage|NoteMessage)\(\s*[."]"#)
        let kind = try Regex(#"(?:\.init|DiagnosticMessage)\(\s*\.([a-zA-Z0-9]+),"#)
        var blocks = 0
        for url in files {
            let text = try String(contentsOf: url, encoding: .utf8)
            guard url.path.contains("/Diagnostics/") else {
                #expect(!text.contains(made), "\(url.lastPathComponent) words a message of its own")
                continue
            }
            guard url.path.contains("/Diagnostics/Messages/") else { continue }
            // R03Arguments.swift holds R03xx: each kind's code starts with its file's block.
            let block = String(url.lastPathComponent.prefix(3))
            for match in text.matches(of: kind) {
                let name = String(match.output[1].substring!)
                // invalidUTF8 is invalid-utf8, notANumber not-a-number.
                let kebab = name.replacingOccurrences(of: "UTF8", with: "Utf8")
                    .replacing(try Regex("[A-Z]"), with: { "-" + $0.output[0].substring! }).lowercased()
                let code = try #require(DiagnosticCatalogue.lookup(kebab)?.code, "no kind named \(name)")
                #expect(code.hasPrefix(block), "\(name) (\(code)) is worded in \(url.lastPathComponent)")
                blocks += 1
            }
        }
        #expect(blocks > 150)
    }

    /// The Python config reader's reasons, too: its failures name a catalogue message, never a text of their own.
    @Test func pythonConfigReasonsAreWordedInTheCatalogue() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Ramp/Import")
        for name in ["PythonConfig.swift", "PythonExpression.swift"] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(text.contains("Failure(message: ."), "\(name) reports no failure")
            #expect(!text.contains(try Regex(#"Failure\(\s*message:\s*""#)), "\(name) words a reason of its own")
        }
    }

    /// Did-you-mean must not compare a huge name with every builtin, and the
    /// message must not echo it whole.
    @Test func longUnknownNameIsClippedAndQuick() {
        let name = String(repeating: "a", count: 1_000_000)
        let ds = diagnostics(name)
        #expect(ds.count == 1)
        #expect(ds.first?.message == "unknown name '\(String(repeating: "a", count: 60))…' (1000000 characters)")
        #expect(diagnostics("cosinee(T=3)").first?.message == "unknown name 'cosinee'; did you mean 'cosine'?")
    }

    @Test func byteOrderMarkIsSkipped() {
        #expect(diagnostics("\u{FEFF}cosine(T=3)").isEmpty)
    }

    @Test func invalidUTF8IsLocated() {
        var bytes = Array("base 0.1\ncos".utf8)
        bytes.append(0xFF)
        let file = SourceFile(name: "t.ramp", bytes: bytes)
        do {
            _ = try Compiler.compile(file)
            Issue.record("expected an error")
        } catch {
            let d = error.diagnostics[0]
            #expect(d.message == "invalid UTF-8 in source")
            #expect(file.location(of: d.range.start) == SourceLocation(line: 2, column: 4))
        }
    }

    @Test func nulByte() {
        let d = diagnostics("0.1\0")
        #expect(d.map(\.message) == ["NUL byte in source"])
    }

    /// Every message the lexer writes, with the range it points at.
    @Test func lexerMessagesNameWhatTheyFound() {
        let cases: [(String, String, Int, Int)] = [
            ("0.1 \u{7}", "unexpected control character (byte 0x7)", 4, 5),
            ("0.1 ! 2", "unexpected character '!'", 4, 5),
            ("0.1 @", "unexpected character '@'", 4, 5),
            ("0.1 * \u{3BB}", "unexpected character '\u{3BB}'", 6, 8),
            ("cosine(T=5foo)", "malformed number '5foo'", 9, 13),
            ("1_000e400", "number '1000e400' is too large to represent", 0, 9),
            ("\"unclosed", "unterminated string", 0, 1),
            ("0.1 + \"a\\\u{E9}\" \u{3BB}", "unexpected character '\u{3BB}'", 13, 15),
        ]
        for (source, message, start, end) in cases {
            let d = diagnostics(source)
            #expect(d.map(\.message) == [message], "\(source)")
            #expect(d.first.map { [$0.range.start, $0.range.end] } == [start, end], "\(source)")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        #expect(diagnostics(deep).map(\.message) == ["expression nests deeper than the limit of 200"])
        let negations = String(repeating: "-", count: 100_000) + "1"
        #expect(diagnostics(negations).map(\.message) == ["expression nests deeper than the limit of 200"])
        let nots = "1 until " + String(repeating: "not ", count: 100_000) + "metric < 1"
        #expect(diagnostics(nots).map(\.message) == ["expression nests deeper than the limit of 200"])
    }

    @Test func legalNestingAtTheLimitIsAccepted() {
        let legal = String(repeating: "(", count: 199) + "0.5" + String(repeating: ")", count: 199)
        #expect(diagnostics(legal).isEmpty)
    }

    @Test func exponentialExpansionIsRefused() {
        // Each line doubles the tree; evaluating it naively would never finish.
        var src = "let a0 = t + 1\n"
        for i in 1...40 { src += "let a\(i) = a\(i - 1) + a\(i - 1)\n" }
        src += "0.001 * a40"
        let d = diagnostics(src)
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix("this schedule is too large") == true)
    }

    @Test func longChainsOfLetsAreCheckedWithoutRecursion() {
        var src = "let a0 = t\n"
        for i in 1...5000 { src += "let a\(i) = a\(i - 1) + 1\n" }
        src += "0.001 * a5000"
        #expect(diagnostics(src).first?.message.hasPrefix("this schedule nests deeper") == true)
    }

    @Test func overflowingDurations() {
        #expect(
            diagnostics("steps_per_epoch 1000000\nwarmup 1e12 epochs").map(\.message) == [
                "duration is too long to count in steps"
            ])
        #expect(
            diagnostics("warmup 9223372036854775807").map(\.message) == [
                "argument 'T' of 'warmup' must be a whole number of steps, got 9.223372036854776e+18"
            ])
    }

    @Test func specialNumbers() {
        #expect(diagnostics("-0 + 0.1").isEmpty)
        #expect(diagnostics("nan").map(\.message) == ["NaN is never a valid rate or parameter"])
        #expect(diagnostics("inf").map(\.message) == ["the rate is infinite at step 0"])
    }

    @Test func registryNamesAreUnique() {
        let names = Builtins.all.map(\.name)
        #expect(Set(names).count == names.count)
        for b in Builtins.all {
            #expect(Set(b.params.map(\.name)).count == b.params.count, "\(b.name) repeats a parameter")
        }
    }

    /// Durations in samples and tokens with a scheduled batch size: what each
    /// needs, and why a count cannot be made.
    @Test func durationsThroughAScheduledBatch() {
        #expect(
            rendered("batch_size: constant(64)\nlr: warmup 1000 tokens then cosine(T=10)") == """
                t.ramp:2:12: error[R0105]: a duration in tokens needs 'sequence_length' when batch_size is scheduled; \
                add a line such as `sequence_length 2048`
                lr: warmup 1000 tokens then cosine(T=10)
                           ^~~~~~~~~~~
                """)
        #expect(
            rendered("batch_size: constant(64)\ntokens_per_step 5000\ncosine(T=10)") == """
                t.ramp:2:1: error[R0408]: tokens_per_step cannot be set when batch_size is scheduled, which gives each \
                step's samples; set `sequence_length` for durations in tokens
                tokens_per_step 5000
                ^~~~~~~~~~~~~~~
                t.ramp:1:1: note: batch_size is scheduled here
                batch_size: constant(64)
                ^~~~~~~~~~
                """)
        #expect(
            rendered("batch_size: linear(T=100 samples, from=1, to=64)\ncosine(T=10)") == """
                t.ramp:1:22: error[R0407]: batch_size's own durations are in steps, epochs or %: the samples it \
                schedules are what durations in samples and tokens count
                batch_size: linear(T=100 samples, from=1, to=64)
                                     ^~~~~~~~~~~
                """)
        #expect(
            rendered("batch_size: linear(T=10, from=1, to=64)\nwarmup 100 samples then cosine(T=10)") == """
                t.ramp:1:1: error[R0508]: batch_size at step 1 is 7.300000000000001, not a whole number of samples of \
                at least 1
                batch_size: linear(T=10, from=1, to=64)
                ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
                t.ramp:2:8: note: counted here, for a duration in samples
                warmup 100 samples then cosine(T=10)
                       ^~~~~~~~~~~
                """)
        #expect(
            rendered("batch_size: 32 until metric < 1\nwarmup 100 samples then cosine(T=10)") == """
                t.ramp:2:8: error[R0406]: durations in samples or tokens count through batch_size, which must not \
                follow a metric or an event
                warmup 100 samples then cosine(T=10)
                       ^~~~~~~~~~~
                t.ramp:1:1: note: batch_size is scheduled here
                batch_size: 32 until metric < 1
                ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
                """)
        #expect(
            rendered("batch_size: 32\ncosine(T=10) until metric < 1 then linear(T=100 samples)") == """
                t.ramp:2:45: error[R0407]: this phase starts after one that ends on an event, so the samples before it \
                are not known; write this duration in steps
                cosine(T=10) until metric < 1 then linear(T=100 samples)
                                                            ^~~~~~~~~~~
                """)
        // batch_size is checked where first needed, and its own mistakes are reported once, in their place.
        #expect(
            rendered("warmup 100 samples then cosine(T=10)\nbatch_size: 32 + wat") == """
                t.ramp:2:18: error[R0104]: unknown name 'wat'; did you mean 'at'?
                batch_size: 32 + wat
                                 ^~~
                """)
    }

    /// A duration in samples counts from the start of its phase: 32, 32, 64 samples
    /// pass 100 in 3 steps; then 64, 96, 96, 96 pass 300 more in 4.
    @Test func samplesCountFromThePhaseStart() throws {
        let p = try Compiler.compile(
            SourceFile(
                name: "t.ramp",
                text: """
                    warmup 100 samples then linear(T=300 samples, from=1, to=0)
                    batch_size: 32 + 32 * floor(linear(T=4, from=0, to=2)) then constant(96)
                    """))
        #expect(p.lr.phases.map(\.bound) == [3, 4])
        #expect(p.trained(.samples, steps: 8) == [0, 32, 64, 128, 192, 288, 384, 480])
        #expect(p.trained(.tokens, steps: 2) == nil)
    }
}
