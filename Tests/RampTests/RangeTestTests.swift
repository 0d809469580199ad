import Foundation
import Testing

@testable import Ramp

/// The LR range test: its rise, its smoothing and stop, and fastai's suggestions, on values worked out by hand.
struct RangeTestTests {
    /// Step i trains at start * (end / start) ^ (i / n), as fastai's SchedExp gives it, for n steps.
    @Test func theRiseIsGeometric() throws {
        let test = RangeTest(startLR: 1e-7, endLR: 10, iterations: 100)
        let program = try Compiler.compile(SourceFile(name: "rise", text: test.program))
        var s = Scheduler(program)
        for i in 0..<100 {
            let expected = 1e-7 * pow(10 / 1e-7, Double(i) / 100)
            #expect(s.lr.bitPattern == expected.bitPattern, "step \(i)")
            s.step()
        }
        #expect(s.finished)
    }

    /// The program ends at the end of the step during which `diverged` is raised.
    @Test func theSignalEndsTheRise() throws {
        let test = RangeTest(iterations: 50)
        var s = Scheduler(try Compiler.compile(SourceFile(name: "rise", text: test.program)))
        for _ in 0..<7 { s.step() }
        try s.signal(RangeTest.signal)
        s.step()
        #expect(s.finished && s.step == 8)
    }

    /// beta 0.5 by hand: averages 1, 1.5, 4.75 over losses 2, 2, 8; debiased by 1 - 0.5^k: 2, 2, 5.4285714...
    /// The best is 2, and 5.43 passes 2 × 2, so the third step diverges (and is kept).
    @Test func smoothingAndStopAreFastais() {
        let test = RangeTest(beta: 0.5, divergence: 2)
        var r = RangeTest.Record()
        let stops = [r.add(lr: 1, loss: 2, test), r.add(lr: 2, loss: 2, test), r.add(lr: 3, loss: 8, test)]
        #expect(stops == [false, false, true])
        #expect(r.losses == [2, 2, 4.75 / 0.875])
        #expect(r.best == 2 && r.divergedAt == 2)
    }

    /// A NaN loss ends the test: nothing after it can be smoothed.
    @Test func aNaNLossDiverges() {
        var r = RangeTest.Record()
        let stops = [r.add(lr: 1, loss: 1, RangeTest()), r.add(lr: 2, loss: .nan, RangeTest())]
        #expect(stops == [false, true])
        #expect(r.divergedAt == 1)
    }

    /// fastai's valley on [3, 1, 2, 0.5, 4, 0.25]: the longest falling runs end at 1 (length 2), 3 (3), 5 (4);
    /// the last found is end 5, start 5 - 4 = 1; a third of 4 is 1.33: index 1 + 1 + int(0.67) = 2.
    @Test func theValleyIsFastais() {
        #expect(RangeTest.valley([3, 1, 2, 0.5, 4, 0.25]) == 2)
        // No falling pair: fastai never moves from the first point.
        #expect(RangeTest.valley([1, 2, 3]) == 0)
        #expect(RangeTest.valley([1]) == 0)
        // A tie does not fall: [2, 2, 1] has runs of 2 ending at 2, start 0, a third of 2 is 0.67: index 0.
        #expect(RangeTest.valley([2, 2, 1]) == 0)
        // Falling throughout, 10 points: end 9, start 9 - 10 = -1, a third of 10 is 3.33: -1 + 3 + 1 = 3.
        #expect(RangeTest.valley((0..<10).map { Double(10 - $0) }) == 3)
    }

    /// The suggestions are read from the points left after the first iterations / 10 and the last 5.
    @Test func suggestionsTrimAsFastaiDoes() throws {
        let test = RangeTest(iterations: 20)
        var r = RangeTest.Record()
        // 12 points: 2 dropped at the start, 5 at the end, so points 2..<7 are read.
        r.lrs = (0..<12).map { pow(2, Double($0)) }
        r.losses = [9, 9, 5, 3, 4, 1, 2, 0, 0, 0, 0, 0]
        let s = try #require(test.suggestions(r))
        // Read: lrs 4, 8, 16, 32, 64 with losses 5, 3, 4, 1, 2. Longest falling run: 5, 3, 1 (or 5, 4, 1),
        // first reaching 3 at index 3: start 0, a third of 3 is 1: index 0 + 1 + 0 = 1, lr 8.
        #expect(s.valley == 8 && s.valleyIndex == 3)
        // The slope against log(lr) is steepest from 16 to 32 (-3 / log 2).
        #expect(s.steep == 16)
        // The lowest loss, 1, is at lr 32.
        #expect(s.minimum == 3.2)
    }

    /// Too few points for fastai's trimming gives no suggestion, and a NaN cuts the points read.
    @Test func trimmingLimits() {
        let test = RangeTest(iterations: 20)
        var r = RangeTest.Record()
        r.lrs = (0..<7).map { Double($0 + 1) }
        r.losses = [5, 4, 3, 2, 1, 0.5, 0.25]
        #expect(test.suggestions(r) == nil)
        r.lrs = (0..<12).map { Double($0 + 1) }
        r.losses = [5, 4, 3, .nan, 1, 0.5, 0.25, 0, 0, 0, 0, 0]
        // Points 2..<3 only: lr 3.
        #expect(test.suggestions(r) == RangeTest.Suggestions(valley: 3, steep: nil, minimum: 0.3, valleyIndex: 2))
    }

    /// fastai's own valley, steep and minimum, recorded on the same points (Tests/Python/fastai_suggestions.json).
    @Test func suggestionsEqualFastaisRecorded() throws {
        struct Case: Decodable {
            var name: String
            var lrs: [Double]
            var losses: [Double?]
            var valley: Double
            var steep: Double
            var minimum: Double
            var numIter: Int
            enum CodingKeys: String, CodingKey {
                case name, lrs, losses, valley, steep, minimum
                case numIter = "num_iter"
            }
        }
        struct File: Decodable { var cases: [Case] }
        let url = repositoryRoot.appendingPathComponent("Tests/Python/fastai_suggestions.json")
        let cases = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
        #expect(cases.count == 7)
        for c in cases {
            var r = RangeTest.Record()
            r.lrs = c.lrs
            r.losses = c.losses.map { $0 ?? .nan }
            let s = try #require(RangeTest(iterations: c.numIter).suggestions(r), "\(c.name)")
            #expect(s.valley == c.valley && s.steep == c.steep && s.minimum == c.minimum, "\(c.name)")
        }
    }

    @Test func settingsAreChecked() {
        #expect(RangeTest(iterations: 5).problem == "the iterations must be from 6 to 100000, got 5")
        #expect(RangeTest(startLR: 1, endLR: 0.5).problem == "the end rate must be above the start rate (1.0), got 0.5")
        #expect(RangeTest(startLR: 0).problem == "the start rate must be positive, got 0.0")
        #expect(RangeTest(beta: 1).problem == "the smoothing beta must be in [0, 1), got 1.0")
        #expect(RangeTest(divergence: 1).problem == "the divergence factor must be above 1, got 1.0")
    }

    /// On the quadratic, plain SGD diverges before the rise ends: the test stops at the first step whose
    /// smoothed loss passes 4 × the best before it, and the rates up to there are the rise's.
    @Test func findLRStopsAtDivergence() throws {
        let run = try RangeTestRun(RangeTest(), objective: .quadratic, optimizer: OptimizerConfig(kind: .sgd))
        let at = try #require(run.record.divergedAt)
        #expect(at < 99 && run.record.lrs.count == at + 1)
        for i in 0..<at { #expect(run.record.losses[i] <= 4 * run.record.losses[0...i].min()!) }
        #expect(run.record.losses[at] > 4 * run.record.losses[0..<at].min()!)
        for (i, lr) in run.record.lrs.enumerated() { #expect(lr == 1e-7 * pow(10 / 1e-7, Double(i) / 100)) }
        #expect(run.csv.split(separator: "\n").count == at + 2)
        #expect(run.stop.hasPrefix("the smoothed loss passed 4 × its best at step \(at) "))
    }

    @Test func theCommandRefusesBadSettings() throws {
        let r = try ramp(["find-lr", "--objective", "quadratic", "--iterations", "3"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Error: the iterations must be from 6 to 100000, got 3"))
        // The training options are `ramp run`'s, checked alike by both commands.
        for command in [["find-lr"], ["run", "missing.ramp"]] {
            let batch = try ramp(command + ["--objective", "logistic", "--batch-size", "0"])
            #expect(batch.status == 64 && batch.stderr.hasPrefix("Error: --batch-size must be at least 1\n"))
            let decay = try ramp(command + ["--objective", "quadratic", "--weight-decay=-0.1"])
            #expect(decay.status == 64 && decay.stderr.hasPrefix("Error: --weight-decay must be a number from 0 up\n"))
        }
    }

    /// A log by hand: β = 0, so the smoothed loss is the loss; 20 steps at rates 10^(i − 10). Trimmed to steps
    /// 2..<15, the loss falls longest from step 2 to step 10 (9 points, fastai's start −1), so the valley is
    /// step 2 + (−1 + 3 + 1) = 5, at rate 1e-5.
    static func handLog() -> (RangeTest, RangeTest.Record) {
        let test = RangeTest(iterations: 20, beta: 0)
        let losses: [Double] = [12, 11, 10, 9, 8, 5, 4, 3, 2, 1.5, 1, 1.5, 2, 2.5, 3, 3.5, 3.5, 3.5, 3.5, 3.5]
        var r = RangeTest.Record()
        for (i, loss) in losses.enumerated() {
            let diverged = r.add(lr: pow(10, Double(i - 10)), loss: loss, test)
            #expect(!diverged)
        }
        return (test, r)
    }

    /// The SVG marks the valley on both panels, a line at its step and a point on each curve, where the
    /// chart's geometry puts them (900 × 520; the loss panel at x 78, y 66, 798 × 242; the rate panel at y 370,
    /// 90 high, on a log axis).
    @Test func theSVGMarksTheValley() throws {
        let (test, r) = Self.handLog()
        let s = try #require(test.suggestions(r))
        #expect(s.valleyIndex == 5 && s.valley == 1e-5)
        let svg = test.svg(r, s)
        #expect(svg.components(separatedBy: "class=\"marker suggestion\"").count == 3)
        #expect(svg.components(separatedBy: "<circle class=\"suggestion\"").count == 3)
        // x = 78 + 5/19 × 798 = 288 on both; the loss 5 between 1 and 12: y = 66 + 242 − 4/11 × 242 = 220.
        #expect(
            svg.contains(
                ##"<line class="marker suggestion" x1="288.0" y1="66.0" x2="288.0" y2="308.0" stroke="#2ca02c"/>"##))
        #expect(
            svg.contains(
                ##"<circle class="suggestion" cx="288.0" cy="220.0" r="4.5" fill="#2ca02c" stroke="white" "##
                    + ##"stroke-width="1.5"/>"##))
        #expect(svg.contains(##"<text x="292.0" y="78.0" fill="#2ca02c" font-size="11">valley 1e-05</text>"##))
        // The rate 1e-5 on a log axis from 1e-10 to 1e9: y = 370 + 90 − 5/19 × 90 = 436.3.
        #expect(
            svg.contains(
                ##"<line class="marker suggestion" x1="288.0" y1="370.0" x2="288.0" y2="460.0" stroke="#2ca02c"/>"##))
        #expect(svg.contains(##"<circle class="suggestion" cx="288.0" cy="436.3" r="4.5""##))
        // The terminal chart marks it too, in the plot and the legend.
        let chart = TerminalChart(width: 72, height: 8, color: false).render(test.panel(r, s))
        #expect(chart.contains("┆ 5: valley 1e-05"))
        #expect(chart.split(separator: "\n").filter { $0.contains("┆") }.count >= 8)
        // No suggestion, no mark.
        #expect(!test.svg(r, nil).contains("suggestion"))
    }

    @Test func theCommandWritesTheSVG() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-\(UUID().uuidString).svg").path
        let r = try ramp(["find-lr", "--objective", "quadratic", "--out", path])
        #expect(r.status == 0 && r.stderr == "")
        #expect(!r.stdout.contains("LR range test") && r.stdout.contains("\nsuggested peak (valley): "))
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains(">LR range test: 1e-07 to 10 over 100 steps<"))
        #expect(svg.components(separatedBy: "<circle class=\"suggestion\"").count == 3)
        let piped = try ramp(["find-lr", "--objective", "quadratic", "--out", "-"])
        #expect(piped.status == 0 && piped.stdout == svg)
        #expect(piped.stderr == r.stdout)
    }
}
