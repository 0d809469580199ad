import Foundation
import Testing

@testable import Ramp

/// The repository's samples/ folder.
let samplesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples")

func samplePaths() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: samplesDirectory.path)) ?? []
    return names.filter { $0.hasSuffix(".ramp") }.sorted()
}

/// A loss-like curve with improving stretches, exact plateaus and noise, so
/// plateau conditions fire and reductions happen.
func metricCurve(_ n: Int) -> [Double?] {
    var v = 1.0
    var seed: UInt64 = 42
    return (0..<n).map { i in
        switch (i / 13) % 3 {
        case 0: v *= 0.93
        case 1: break
        default:
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            v *= 1 + (Double(seed >> 11) / Double(1 << 53) - 0.5) * 0.004
        }
        return i % 5 == 4 ? nil : v  // some steps have no evaluation
    }
}

struct Trace: Equatable {
    var lr: [UInt64] = []
    var momentum: [UInt64?] = []
    var finished: [Bool] = []

    mutating func record(_ s: Scheduler) {
        lr.append(s.lr.bitPattern)
        momentum.append(s.momentum?.bitPattern)
        finished.append(s.finished)
    }
}

@Suite struct ResumeTests {
    static func programs() -> [(String, CompiledProgram)] {
        var out: [(String, CompiledProgram)] = []
        for name in samplePaths() {
            let file = try! SourceFile.load(path: samplesDirectory.appendingPathComponent(name).path)
            out.append((name, try! Compiler.compile(file)))
        }
        for p in CorpusProgram.all where Expectations(p.source).errors.isEmpty {
            out.append((p.name, try! Compiler.compile(SourceFile(name: p.name, text: p.source))))
        }
        return out
    }

    @Test func everySampleIsCovered() {
        #expect(samplePaths().count >= 9)
    }

    /// Saving at step k and restoring gives a bit-identical trace from k on.
    @Test func saveAndRestoreIsBitIdentical() throws {
        let steps = 300
        let metrics = metricCurve(steps)
        for (name, program) in Self.programs() {
            var full = Trace()
            var s = Scheduler(program)
            for i in 0..<steps {
                full.record(s)
                s.step(metric: metrics[i])
            }
            // Rates stay finite, also after a schedule has finished (a fuzzer finding: `warmup 0`).
            #expect(full.lr.allSatisfy { Double(bitPattern: $0).isFinite }, "\(name): a rate is not finite")
            for k in [0, 1, 7, 26, 150, steps - 1] {
                var a = Scheduler(program)
                var resumed = Trace()
                for i in 0..<k {
                    resumed.record(a)
                    a.step(metric: metrics[i])
                }
                let saved = try a.state.encoded()
                var b = try Scheduler(program, state: SchedulerState.decoded(from: saved))
                #expect(b.state == a.state, "\(name): state changed through JSON at step \(k)")
                for i in k..<steps {
                    resumed.record(b)
                    b.step(metric: metrics[i])
                }
                #expect(resumed == full, "\(name): resumed at step \(k) differs")
            }
        }
    }

    @Test func stateFromAnotherProgramIsRefused() throws {
        let a = try Compiler.compile(SourceFile(name: "a", text: "warmup 2 then reduce_on_plateau()"))
        let b = try Compiler.compile(SourceFile(name: "b", text: "1 until plateau() then 0.1"))
        #expect(throws: Scheduler.StateMismatch.self) { try Scheduler(b, state: Scheduler(a).state) }
    }

    /// The closed-form path used for tables equals stepping, on every program
    /// that has one.
    @Test func closedFormEqualsStepping() throws {
        var checked = 0
        for (name, program) in Self.programs() where program.isClosedForm {
            var s = Scheduler(program, walkTree: true)
            var table = [Double](repeating: 0, count: 400)
            program.fill(&table)
            for i in 0..<400 {
                #expect(program.value(at: i).bitPattern == s.lr.bitPattern, "\(name) at step \(i)")
                #expect(table[i].bitPattern == s.lr.bitPattern, "\(name): the filled table at step \(i)")
                s.step()
            }
            checked += 1
        }
        #expect(checked >= 40)
    }

    /// The kernels (the fast path) step exactly as the tree walk does: rates,
    /// momentum, finishing and saved state, with metrics, on every sample and
    /// corpus program and 300 generated ones.
    @Test func kernelsEqualTheTreeWalk() throws {
        var programs = Self.programs()
        var gen = ProgramGenerator(rng: SeededRandom(seed: 5151))
        for i in 0..<300 {
            let source = gen.program()
            if let p = try? Compiler.compile(SourceFile(name: "generated \(i)", text: source)) {
                programs.append((source, p))
            }
        }
        let metrics = metricCurve(400)
        var planned = 0
        var located = 0
        for (name, program) in programs {
            if program.lrPlan != nil { planned += 1 }
            if program.locatesPhaseKernels { located += 1 }
            var fast = Scheduler(program)
            var walk = Scheduler(program, walkTree: true)
            var a = Trace()
            var b = Trace()
            for i in 0..<400 {
                a.record(fast)
                b.record(walk)
                fast.step(metric: metrics[i])
                walk.step(metric: metrics[i])
            }
            #expect(a == b, "\(name)")
            #expect(fast.state == walk.state, "\(name)")
        }
        #expect(planned >= 200, "only \(planned) programs have kernels")
        #expect(located >= 20, "only \(located) condition-driven programs read their phase's kernel")
    }
}
