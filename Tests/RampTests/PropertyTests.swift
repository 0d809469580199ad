import Foundation
import Testing

@testable import Ramp

/// Random well-formed programs from a seeded generator.
struct ProgramGenerator {
    var rng: SeededRandom

    mutating func pick<T>(_ xs: [T]) -> T { xs[rng.index(below: xs.count)] }
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + rng.index(below: hi - lo + 1) }
    mutating func rate() -> String { pick(["0.1", "0.05", "1e-3", "0.3", "base", "base / 2"]) }

    /// A schedule with a natural length (so it can precede `then`).
    mutating func bounded(_ depth: Int) -> String {
        switch rng.index(below: depth > 2 ? 6 : 9) {
        case 0: return "warmup \(int(1, 20))"
        case 1: return "cosine(T=\(int(1, 80)), min=\(pick(["0", "1e-4"])))"
        case 2: return "linear(T=\(int(1, 50)), from=\(rate()), to=\(pick(["0", "1e-3"])))"
        case 3: return "onecycle(total=\(int(10, 90)), max=\(rate()))"
        case 4: return "tanh_decay(T=\(int(1, 40)))"
        case 5: return "wsd(warmup=\(int(0, 5)), stable=\(int(0, 10)), decay=\(int(1, 10)))"
        case 6: return "(\(open(depth + 1))) for \(int(1, 30))"
        case 7: return "\(pick(["0.5", "2"])) * \(bounded(depth + 1))"
        default:
            return
                "restarts(cosine(T=\(int(2, 20))), period=\(int(2, 20)), mult=\(pick(["1", "2"])), limit=\(int(1, 3)))"
        }
    }

    /// Any schedule, possibly without an end.
    mutating func open(_ depth: Int) -> String {
        switch rng.index(below: depth > 2 ? 5 : 8) {
        case 0: return rate()
        case 1: return "exponential(gamma=\(pick(["0.9", "0.99", "0.5"])))"
        case 2: return "step(size=\(int(1, 30)), gamma=\(pick(["0.1", "0.5"])))"
        case 3: return "reduce_on_plateau(factor=\(pick(["0.1", "0.5"])), patience=\(int(0, 5)))"
        case 4: return "\(rate()) * 0.95 ^ t"
        case 5: return "\(bounded(depth + 1)) then \(open(depth + 1))"
        case 6: return "\(open(depth + 1)) until \(condition())"
        default: return "min(\(open(depth + 1)), \(rate()))"
        }
    }

    mutating func condition() -> String {
        pick([
            "plateau(patience \(int(0, 5)))", "metric < 0.\(int(1, 9))", "lr < 1e-3", "\(int(1, 40))",
            "plateau(patience 2) or \(int(5, 50))", "not (metric > 0.5)",
        ])
    }

    mutating func program() -> String {
        var lines = ["base \(pick(["0.1", "1", "3e-4"]))"]
        if rng.index(below: 3) == 0 {
            lines.append("momentum: \(pick(["0.9", "0.85 + 0.1 * t / 100 for 100 then 0.95"]))")
        }
        if rng.index(below: 4) == 0 {
            // A phase built when the one before ends, from where the run is.
            lines.append("(\(open(1))) until \(condition()) then \(entryPhase())")
        } else {
            lines.append(open(0))
        }
        return lines.joined(separator: "\n")
    }

    /// A phase that reads `current` and `elapsed`, fixed when it starts.
    mutating func entryPhase() -> String {
        pick([
            "linear(T=\(int(1, 30)), from=current, to=0)", "cosine(T=0.5 * elapsed, from=current)",
            "warmup \(int(1, 5)) then cosine(T=\(int(2, 30)), from=current)",
            "current * 0.5 for elapsed then \(rate())",
            "linear(T=elapsed, from=current, to=current / 10)",
        ])
    }
}

@Suite struct PropertyTests {
    /// Random well-formed programs check or give a diagnostic, never crash;
    /// their rates are finite; save and restore at a random step changes nothing.
    @Test func randomProgramsBehave() throws {
        var gen = ProgramGenerator(rng: SeededRandom(seed: 424242))
        var checked = 0
        var entered = 0
        for _ in 0..<400 {
            let source = gen.program()
            let file = SourceFile(name: "gen", text: source)
            guard let program = try? Compiler.compile(file) else { continue }
            checked += 1
            if program.hasEntryPhases { entered += 1 }
            var a = Scheduler(program)
            let cut = gen.int(0, 150)
            var b: Scheduler?
            for i in 0..<200 {
                if i == cut { b = try Scheduler(program, state: SchedulerState.decoded(from: try a.state.encoded())) }
                let metric: Double? = i % 4 == 3 ? nil : Double(gen.rng.next() % 1000) / 1000
                #expect(a.lr.isFinite && a.lr >= 0, "\(source)\nrate \(a.lr) at step \(i)")
                if let m = a.momentum { #expect(m.isFinite, "\(source)\nmomentum \(m) at step \(i)") }
                if var r = b {
                    #expect(r.lr.bitPattern == a.lr.bitPattern, "\(source)\nrestored at \(cut), differs at \(i)")
                    r.step(metric: metric)
                    b = r
                }
                a.step(metric: metric)
            }
        }
        #expect(checked >= 200, "only \(checked) generated programs checked")
        #expect(entered >= 40, "only \(entered) generated programs with phases built at entry checked")
    }

    @Test func tenMegabyteLineGetsADiagnostic() {
        let line = String(repeating: "0.1+", count: 2_500_000) + "0.1"
        let d = diagnostics(line)
        #expect(d.map(\.message) == ["expression nests deeper than the limit of 200"])
        let shown = rendered(line)
        #expect(shown.utf8.count < 1000, "a diagnostic shows a window of a long line, not all of it")
        #expect(shown.hasPrefix("t.ramp:1:801: error[R0203]:"))
    }

    @Test func longChainsNestLikeParentheses() {
        #expect(diagnostics((0..<150).map { _ in "0.001" }.joined(separator: " + ")).isEmpty)
        #expect(
            diagnostics("1 until " + (0..<300).map { "\($0 + 1)" }.joined(separator: " or ")).map(\.message)
                == ["expression nests deeper than the limit of 200"])
        #expect(
            diagnostics("cosine(T=5)" + String(repeating: " for 5", count: 300)).map(\.message)
                == ["expression nests deeper than the limit of 200"])
    }
}

@Suite struct LexerNumberTests {
    /// The lexer's fast path for short decimals gives exactly the double that
    /// Swift's own parsing gives, on 200,000 random literals and the edges.
    @Test func numbersLexToTheCorrectlyRoundedDouble() throws {
        var rng = SeededRandom(seed: 77)
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(rng.index(below: 10))) }) }
        var literals = [
            "0", "0.0", "000.5", "1e22", "1e23", "9007199254740993", "123456789012345", "1234567890123456",
            "0.1", "0.30000000000000004", "1e-22", "1e-23", "4.9e-324", "1.7976931348623157e308", "2.5e-5",
            "100000000000000000000000",
        ]
        for _ in 0..<200_000 {
            var s = digits(1 + rng.index(below: 12))
            if rng.index(below: 2) == 0 { s += "." + digits(1 + rng.index(below: 12)) }
            if rng.index(below: 3) == 0 {
                s += "e" + ["", "+", "-"][rng.index(below: 3)] + String(rng.index(below: 30))
            }
            literals.append(s)
        }
        for text in literals {
            let tokens = try Lexer.tokenize(SourceFile(name: "n", text: text))
            guard case .number(let x) = tokens[0].kind else {
                Issue.record("\(text) did not lex as a number")
                continue
            }
            #expect(x.bitPattern == Double(text)!.bitPattern, "\(text): lexed \(x), expected \(Double(text)!)")
        }
    }
}
