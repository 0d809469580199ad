import Foundation
import Testing

@testable import Ramp

/// One runner for every program in conformance/programs/. Each program carries its
/// expectations in comments:
///
///     # expect: lr[5] = 0.1                  the rate at a step
///     # expect: lr[0..2] = 0, 0.5, 1         consecutive steps
///     # expect: momentum[3] = 0.9
///     # expect: finished 25                  the schedule ends at step 25
///     # expect: running 100                  still going after 100 steps
///     x = 1   # expect-error: 5: error[R0101]: message   a diagnostic (or a note) on this line, at column 5
///     # expect-error: 2:5: error[R0104]: message   one placed by line, where the line cannot carry a comment
///     # metrics: 1.0 0.9 ...                 fed at the end of steps 0, 1, ...
///     # base: 0.5                            as --base
struct CorpusProgram: CustomTestStringConvertible, Sendable {
    var name: String
    var source: String
    var testDescription: String { name }

    static let all: [CorpusProgram] = {
        let dir = repositoryRoot.appendingPathComponent("conformance/programs")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.filter { $0.hasSuffix(".ramp") }.sorted().map {
            CorpusProgram(
                name: String($0.dropLast(5)),
                source: try! String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8))
        }
    }()
}

struct Expectations {
    var values: [(output: String, step: Int, value: Double)] = []
    var finished: Int?
    var running: Int?
    var errors: [String] = []
    var metrics: [Double?] = []
    /// `# signals: cooldown@5 stop@9`: raised during those steps.
    var signals: [EventLog.SignalEvent] = []
    var base: Double?

    init(_ source: String) {
        // `# expect-error: col: ...` after code expects a diagnostic (or a note) on that line.
        for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.hasPrefix("#") {
            for part in line.components(separatedBy: "# expect-error: ").dropFirst() {
                errors.append("\(i + 1):" + part.trimmingCharacters(in: .whitespaces))
            }
        }
        for line in source.split(separator: "\n") {
            guard line.hasPrefix("# ") else { continue }
            let body = line.dropFirst(2)
            if let rest = body.stripPrefix("expect-error: ") {
                errors.append(String(rest))  // line:col: given
            } else if let rest = body.stripPrefix("metrics: ") {
                metrics += rest.split(separator: " ").map { Double($0) ?? (String($0) == "nan" ? .nan : nil) }
            } else if let rest = body.stripPrefix("signals: ") {
                for item in rest.split(separator: " ") {
                    let parts = item.split(separator: "@")
                    signals.append(EventLog.SignalEvent(step: Int(parts[1])!, name: String(parts[0])))
                }
            } else if let rest = body.stripPrefix("base: ") {
                base = Double(rest)
            } else if let rest = body.stripPrefix("expect: finished ") {
                finished = Int(rest)
            } else if let rest = body.stripPrefix("expect: running ") {
                running = Int(rest)
            } else if let rest = body.stripPrefix("expect: ") {
                let parts = rest.split(separator: "=", maxSplits: 1)
                // `lr[5]`, or a group's output: `lr[backbone][5]`.
                let lhs = parts[0].trimmingCharacters(in: .whitespaces)
                let output = String(lhs[..<lhs.lastIndex(of: "[")!])
                let index = lhs.dropFirst(output.count + 1).dropLast()
                let numbers = parts[1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
                let bounds = index.split(separator: ".", omittingEmptySubsequences: true).map { Int($0)! }
                for (k, v) in numbers.enumerated() { values.append((output, bounds[0] + k, v)) }
                if bounds.count == 2 {
                    precondition(bounds[1] - bounds[0] + 1 == numbers.count, "range length in \(line)")
                }
            }
        }
    }

    var horizon: Int { max(values.map { $0.step + 1 }.max() ?? 0, finished.map { $0 + 1 } ?? 0, running ?? 0) }

    /// The signals raised during step `i`.
    func signals(at i: Int) -> [String] { signals.filter { $0.step == i }.map(\.name) }
}

extension Substring {
    func stripPrefix(_ p: String) -> Substring? { hasPrefix(p) ? dropFirst(p.count) : nil }
}

/// Equal within 1e-12 relative, or 1e-15 absolute near zero.
func close(_ a: Double, _ b: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return abs(a - b) <= max(1e-15, 1e-12 * max(abs(a), abs(b)))
}

@Suite struct CorpusTests {
    @Test func corpusIsLargeEnough() {
        let all = CorpusProgram.all
        #expect(all.count >= 60)
        #expect(all.filter { !Expectations($0.source).errors.isEmpty }.count >= 20)
    }

    @Test(arguments: CorpusProgram.all)
    func program(_ p: CorpusProgram) throws {
        let ex = Expectations(p.source)
        let file = SourceFile(name: p.name + ".ramp", text: p.source)
        if !ex.errors.isEmpty {
            do {
                _ = try Compiler.compile(file, options: CheckOptions(base: ex.base))
                Issue.record("expected errors, but the program checked")
            } catch {
                let got = error.diagnostics.flatMap { ([$0] + $0.notes).map { DiagnosticPrinter.brief($0, in: file) } }
                #expect(got.sorted() == ex.errors.sorted())
            }
            return
        }
        let program = try Compiler.compile(file, options: CheckOptions(base: ex.base))
        #expect(!ex.values.isEmpty || ex.finished != nil || ex.running != nil, "a corpus program must expect something")
        var s = Scheduler(program)
        // Every output's value at every step, by name.
        var trace: [String: [Double?]] = [:]
        var finishedAt: Int?
        for i in 0..<ex.horizon {
            if finishedAt == nil, s.finished { finishedAt = i }
            for name in ["lr", "momentum"] + program.outputs.map(\.name) {
                trace[name, default: []].append(s.value(of: name))
            }
            for name in ex.signals(at: i) { try s.signal(name) }
            s.step(metric: i < ex.metrics.count ? ex.metrics[i] : nil)
        }
        if finishedAt == nil, s.finished { finishedAt = ex.horizon }
        for (output, step, value) in ex.values {
            let got = trace[output]?[step] ?? nil
            #expect(
                got.map { close($0, value) } ?? false,
                "\(output)[\(step)] = \(String(describing: got)), expected \(value)")
        }
        if let f = ex.finished {
            #expect(finishedAt == f, "finished at \(String(describing: finishedAt)), expected \(f)")
        }
        if let r = ex.running {
            #expect(finishedAt == nil, "finished at \(String(describing: finishedAt)), expected to run \(r) steps")
        }
    }
}
