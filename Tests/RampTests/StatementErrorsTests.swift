import Foundation
import Testing

@testable import Ramp

/// A statement reports every error found in it, in source order, as a
/// compiler does; and a schedule builtin written without its call says how to call it.
@Suite struct StatementErrorsTests {
    @Test func everyUnknownNameOfAStatementIsReported() {
        #expect(
            rendered("warmup 5 then cosin(T=50) until plateu(patience 3)") == """
                t.ramp:1:15: error[R0104]: unknown name 'cosin'; did you mean 'cosine'?
                warmup 5 then cosin(T=50) until plateu(patience 3)
                              ^~~~~
                t.ramp:1:33: error[R0104]: unknown name 'plateu'; did you mean 'plateau'?
                warmup 5 then cosin(T=50) until plateu(patience 3)
                                                ^~~~~~
                """)
    }

    @Test func anErrorOfAnotherKindAndTheUnknownNamesAfterIt() {
        // Evaluation stops at the length below 1; the misspelt name after it is reported too.
        #expect(
            rendered("base 0.1\nlinear(T=-3) then cosin(T=5)\nlet x = lenear(T=2) + constnt(1)") == """
                t.ramp:2:10: error[R0307]: argument 'T' of 'linear' must be at least 1, got -3
                linear(T=-3) then cosin(T=5)
                         ^~
                t.ramp:2:19: error[R0104]: unknown name 'cosin'; did you mean 'cosine'?
                linear(T=-3) then cosin(T=5)
                                  ^~~~~
                t.ramp:3:9: error[R0104]: unknown name 'lenear'; did you mean 'linear'?
                let x = lenear(T=2) + constnt(1)
                        ^~~~~~
                t.ramp:3:23: error[R0104]: unknown name 'constnt'; did you mean 'constant'?
                let x = lenear(T=2) + constnt(1)
                                      ^~~~~~~
                """)
    }

    /// A bad value, an unknown parameter and a value of the wrong type, in three phases of one statement: each
    /// is reported, in source order, by `ramp check`, the REPL and the language server alike.
    static let threeKinds = "base 0.1\nwarmup 5 then cosine(T=-3, foo=1) then linear(T=\"x\")"

    @Test func errorsOfEveryKindInAStatementAreEachReported() {
        #expect(
            rendered(Self.threeKinds) == """
                t.ramp:2:24: error[R0307]: argument 'T' of 'cosine' must be at least 1, got -3
                warmup 5 then cosine(T=-3, foo=1) then linear(T="x")
                                       ^~
                t.ramp:2:28: error[R0301]: 'cosine' has no parameter 'foo'
                warmup 5 then cosine(T=-3, foo=1) then linear(T="x")
                                           ^~~
                t.ramp:2:49: error[R0306]: argument 'T' of 'linear' expects a duration, got a string
                warmup 5 then cosine(T=-3, foo=1) then linear(T="x")
                                                                ^~~
                """)
    }

    @Test func aPhasesLengthConditionAndBodyAreEachChecked() {
        // A misspelt parameter stands for the missing `T`: it is not reported twice.
        #expect(
            rendered("base 0.1\ncosine(Tt=50, min=-1) until plateau(patience \"x\") for -2") == """
                t.ramp:2:8: error[R0301]: 'cosine' has no parameter 'Tt'; did you mean 'T'?
                cosine(Tt=50, min=-1) until plateau(patience "x") for -2
                       ^~
                t.ramp:2:19: error[R0307]: argument 'min' of 'cosine' must not be negative, got -1
                cosine(Tt=50, min=-1) until plateau(patience "x") for -2
                                  ^~
                t.ramp:2:46: error[R0306]: argument 'patience' of 'plateau' expects a whole number, got a string
                cosine(Tt=50, min=-1) until plateau(patience "x") for -2
                                                             ^~~
                t.ramp:2:55: error[R0407]: a duration cannot be negative
                cosine(Tt=50, min=-1) until plateau(patience "x") for -2
                                                                      ^~
                """)
    }

    @Test func bothOperandsAndEveryListItemAreChecked() {
        #expect(
            rendered("linear(T=0) * cosine(T=5, to=2) + constant([1, cosine(T=\"a\")])").split(separator: "\n")
                .filter { $0.hasPrefix("t.ramp") } == [
                    "t.ramp:1:10: error[R0307]: argument 'T' of 'linear' must be at least 1, got 0",
                    "t.ramp:1:27: error[R0301]: 'cosine' has no parameter 'to'; did you mean 'T'?",
                    "t.ramp:1:57: error[R0306]: argument 'T' of 'cosine' expects a duration, got a string",
                ])
    }

    @Test func theReplAndTheLanguageServerReportEachToo() {
        var engine = ReplEngine()
        _ = engine.feed("base 0.1")
        let answer = engine.feed("warmup 5 then cosine(T=-3, foo=1) then linear(T=\"x\")")!
        #expect(answer.isError)
        #expect(
            answer.output.split(separator: "\n").filter { $0.hasPrefix("<repl>") } == [
                "<repl>:1:24: error[R0307]: argument 'T' of 'cosine' must be at least 1, got -3",
                "<repl>:1:28: error[R0301]: 'cosine' has no parameter 'foo'",
                "<repl>:1:49: error[R0306]: argument 'T' of 'linear' expects a duration, got a string",
            ])
        let analysis = DocumentAnalysis(uri: "file:///t.ramp", version: 1, text: Self.threeKinds, encoding: .utf16)
        #expect(
            analysis.diagnostics.map { "\($0.kind.code) \($0.range.start)-\($0.range.end) \($0.message)" } == [
                "R0307 32-34 argument 'T' of 'cosine' must be at least 1, got -3",
                "R0301 36-39 'cosine' has no parameter 'foo'",
                "R0306 57-60 argument 'T' of 'linear' expects a duration, got a string",
            ])
    }

    @Test func everyUnknownNameOfADefinition() {
        #expect(
            rendered("def f(n) = cosin(T=n) then linaer(T=n)\nconstant(base)") == """
                t.ramp:1:12: error[R0104]: unknown name 'cosin'; did you mean 'cosine'?
                def f(n) = cosin(T=n) then linaer(T=n)
                           ^~~~~
                t.ramp:1:28: error[R0104]: unknown name 'linaer'; did you mean 'linear'?
                def f(n) = cosin(T=n) then linaer(T=n)
                                           ^~~~~~
                """)
    }

    @Test func aScheduleBuiltinWithoutItsCallSaysHowToCallIt() {
        #expect(
            rendered("base 0.1\nwarmup 5 then constant") == """
                t.ramp:2:15: error[R0401]: expected a schedule, got the builtin 'constant'; did you mean \
                'constant(base)'?
                warmup 5 then constant
                              ^~~~~~~~
                """)
        #expect(
            rendered("cosine") == """
                t.ramp:1:1: error[R0401]: expected a schedule, got the builtin 'cosine'; did you mean to call it, as \
                in 'cosine(T=...)'?
                cosine
                ^~~~~~
                """)
    }
}
