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
                t.ramp:2:15: error[R0401]: expected a schedule, got the builtin 'constant'; did you mean 'constant(base)'?
                warmup 5 then constant
                              ^~~~~~~~
                """)
        #expect(
            rendered("cosine") == """
                t.ramp:1:1: error[R0401]: expected a schedule, got the builtin 'cosine'; did you mean to call it, as in 'cosine(T=...)'?
                cosine
                ^~~~~~
                """)
    }
}
