import Foundation
import Testing

@testable import Ramp

/// `chained` and `running_product` are continued step by step by a run (the
/// scheduler, `ramp table`, serve) and replayed from step 0 by a value at a
/// random step: the two give the same bits, on every step of the trace.
@Suite struct RunningValueTests {
    static let programs: [String] = [
        "base 0.1\ntorch.ChainedScheduler([torch.CosineAnnealingLR(T_max=10, eta_min=0.01), "
            + "torch.ExponentialLR(gamma=0.9)])",
        "base 0.1\ntorch.ChainedScheduler([torch.LambdaLR(lambda epoch: 1 / (epoch + 1)), "
            + "torch.ExponentialLR(gamma=0.9)])",
        "base 0.1\nchained([chainable(cosine(T=20, min=0.01), 0.01), base * running_product(0.97), "
            + "chainable(linear(T=30, from=base, to=0.02 * base))])",
        "base 0.1\ntorch.ChainedScheduler([torch.ExponentialLR(gamma=0.95), "
            + "torch.LambdaLR(lambda epoch: 0.5 ** (epoch // 3)), torch.CosineAnnealingLR(T_max=10, eta_min=0.01), "
            + "torch.StepLR(step_size=4, gamma=0.5)])",
        "base 0.1\ntorch.ChainedScheduler([torch.OneCycleLR(max_lr=1, total_steps=100), "
            + "torch.CosineAnnealingLR(T_max=7, eta_min=0.001)])",
        "base 0.1\n0.1 * running_product(1 - 0.5 / (t + 100))",
        "base 0.1\nwarmup 5 then 0.1 * running_product(0.98) for 20 "
            + "then chained([chainable(cosine(T=30, min=0.001), 0.001)])",
        "base 0.1\nfloat32(0.1 * running_product(0.999))",
        "base 0.1\nrestarts(0.1 * running_product(0.9), period=7)",
        "base 0.1\nat(0.1 * running_product(0.95), t / 2)",
        "base 0.1\nlr: 0.1 * running_product(0.99)\nweight_decay: 0.01 * running_product(0.995)\nmomentum: 0.9",
    ]

    /// Every step of a table equals the replayed value at that step.
    @Test(arguments: programs) func tableEqualsTheReplay(_ source: String) throws {
        let program = try Compiler.compile(SourceFile(name: "running", text: source))
        #expect(program.hasRunningValue)
        let rows = Table.rows(program, steps: 120)
        #expect(rows.count == min(120, program.duration ?? 120))
        for row in rows {
            let replayed = program.lrNode.value(at: Double(row.step), program.initialSlots)
            #expect(row.lr.bitPattern == replayed.bitPattern, "step \(row.step)")
            for (o, v) in zip(program.outputs, row.values) {
                #expect(v.bitPattern == o.node.value(at: Double(row.step), program.initialSlots).bitPattern)
            }
        }
    }

    /// A chain whose last member that sets the rate keeps no running value, nor any member after it, is not
    /// replayed for a value at one step: it gives the replay's bits, at the first steps and far on.
    @Test func aChainAfterItsLastSettingMemberEqualsTheReplay() throws {
        func chain(_ source: String) throws -> Chained {
            let program = try Compiler.compile(SourceFile(name: "chain", text: "base 0.1\n" + source))
            var stack = [program.lrNode]
            while let n = stack.popLast() {
                if case .chained(let c, _) = n { return c }
                stack += n.children
            }
            throw CancellationError()
        }
        let lambda = "torch.LambdaLR(lambda epoch: 1 / (epoch + 1))"
        let steps = "torch.LambdaLR(lambda epoch: 0.5 ** (epoch // 3))"
        let settled = [
            ("torch.ChainedScheduler([\(lambda), torch.ExponentialLR(gamma=0.9)])", 0),
            (
                "torch.ChainedScheduler([torch.ExponentialLR(gamma=0.95), \(steps), "
                    + "torch.CosineAnnealingLR(T_max=10, eta_min=0.01), torch.StepLR(step_size=4, gamma=0.5)])", 1
            ),
            (
                "chained([chainable(cosine(T=20, min=0.01), 0.01), cosine(T=50), "
                    + "chainable(cosine(T=9, min=0.02), 0.02), chainable(base * running_product(0.97), 0)])", 1
            ),
        ]
        for (source, member) in settled {
            let c = try chain(source)
            #expect(c.settingMember == member, "\(source)")
            var run = c.begin()
            var replayed: [Int: Double] = [:]
            let running = RunningValues()
            for k in 0...10_000 {
                c.advance(&run, through: Double(k), [], running, 0)
                replayed[k] = run.x
            }
            for t in Array(0...300) + [4095, 4096, 9_999, 10_000] {
                #expect(c.value(at: Double(t), []).bitPattern == replayed[t]!.bitPattern, "\(source) at \(t)")
            }
            #expect(c.value(at: 2.5, []).bitPattern == replayed[2]!.bitPattern)
            #expect(c.value(at: -1, []) == c.start)
        }
        // A running value from the last setting member on, or no member that sets the rate: replayed.
        for source in [
            "chained([cosine(T=50), base * running_product(0.97) + 0 * running_product(0.9)])",
            "chained([0.1 * running_product(0.9), chainable(cosine(T=9, min=0.02), 0.02)])",
            "torch.ChainedScheduler([torch.CosineAnnealingLR(T_max=10, eta_min=0.01), torch.ExponentialLR(gamma=0.9)])",
        ] {
            let c = try chain(source)
            #expect(c.settingMember == nil, "\(source)")
            // One replay stopping at each point, a point asked twice included, gives each point's own replay.
            let points = [0, 0, 1, 17, 17, 300, 4_096]
            let values = c.values(at: points, [])
            #expect(values.map(\.bitPattern) == points.map { c.value(at: Double($0), []).bitPattern }, "\(source)")
        }
    }

    /// A cosine member over its own minimum is evaluated once a step, its value taken as its floor plus its
    /// height: both equal, to the bit, the body's own value and the height's, over periods and past them;
    /// a minimum of −0 is evaluated twice.
    @Test func aCosineMembersValueIsItsFloorPlusItsHeight() {
        var checked = 0
        for (T, from, min) in [(1, 0.1, 0.01), (7, 3.7, 0.0), (10, 0.1, -0.05), (1000, 1e-3, 1e-9), (9, 0.1, 0.2)] {
            for (exponent, k, periodic) in [(1.0, 1.0, true), (2.5, 1.0, false), (1.0, 0.7, true), (3.0, 1.3, true)] {
                let c = Cosine(T: T, from: from, min: min, exponent: exponent, k: k, periodic: periodic)
                let m = Chained.Member(body: .primitive(c, [:]), floor: min)
                #expect(m.heightCosine != nil)
                for t in Array(0...(3 * T)) + [T * 50 + 1, 999_999] {
                    let (v, e) = m.valueAndExcess(at: Double(t), [], nil, 0)
                    #expect(v.bitPattern == c.value(at: Double(t)).bitPattern, "T=\(T) min=\(min) at \(t)")
                    #expect(e.bitPattern == m.height!.value(at: Double(t), []).bitPattern)
                    checked += 1
                }
            }
        }
        // Per cosine, 3T + 1 steps and two far on: 6 + 24 + 33 + 3,003 + 30.
        #expect(checked == 4 * 3096)
        let negativeZero = Cosine(T: 10, from: -0.1, min: -0.0, exponent: 1, k: 1, periodic: true)
        let m = Chained.Member(body: .primitive(negativeZero, [:]), floor: -0.0)
        #expect(m.heightCosine == nil)
        // Step 10 is the bottom of the period, where the body is −0 + (−0.1 × 0) = −0,
        // and −0 + (0 + −0) is +0.
        #expect(m.valueAndExcess(at: 10, [], nil, 0).value.bitPattern == negativeZero.value(at: 10).bitPattern)
    }

    /// A scheduler stepping a condition-driven program gives, at every step,
    /// the value the tree gives replayed under the state as it is then.
    @Test func schedulerEqualsTheReplayAcrossAPlateau() throws {
        let source =
            "base 0.1\nconstant(base) until plateau(patience 2) "
            + "then chained([chainable(cosine(T=30, min=0.001), 0.001), base * running_product(0.97)])"
        let program = try Compiler.compile(SourceFile(name: "running", text: source))
        var s = Scheduler(program)
        var trace: [Double] = []
        for i in 0..<80 {
            #expect(s.lr.bitPattern == program.lrNode.value(at: Double(s.step), s.state.slots).bitPattern, "step \(i)")
            trace.append(s.lr)
            s.step(metric: i < 10 ? 1.0 / Double(i + 1) : 1.0)
        }
        // The plateau fires at the end of step 12 (three evaluations without improvement after
        // step 9's); the chain then runs its 30 steps and holds its last value.
        #expect(s.transitions.map(\.step) == [13, 43])
        #expect(trace[0..<14].allSatisfy { $0 == 0.1 })
        #expect(Set(trace[13..<43]).count == 30)
        #expect(trace[43...].allSatisfy { $0 == trace[42] })
    }

    /// A state saved mid-run and loaded again (the running values replayed
    /// once, as they are not saved) goes on as the uninterrupted run does,
    /// and a copy of a scheduler steps on its own.
    @Test(arguments: [30, 57]) func savedStateGoesOnBitForBit(_ at: Int) throws {
        let program = try Compiler.compile(SourceFile(name: "running", text: Self.programs[2]))
        var whole = Scheduler(program)
        var expected: [Double] = []
        for _ in 0..<100 {
            expected.append(whole.lr)
            whole.step()
        }
        var first = Scheduler(program)
        for _ in 0..<at { first.step() }
        let data = try first.saved.encoded()
        var copy = first
        var resumed = try Scheduler(program, state: SchedulerState.decoded(from: data))
        for i in at..<100 {
            #expect(resumed.lr.bitPattern == expected[i].bitPattern, "step \(i)")
            #expect(first.lr.bitPattern == expected[i].bitPattern, "step \(i)")
            resumed.step()
            first.step()
        }
        // The copy left behind still starts from step `at`.
        #expect(copy.lr.bitPattern == expected[at].bitPattern)
        copy.step()
        #expect(copy.lr.bitPattern == expected[at + 1].bitPattern)
    }

    /// The saved state holds nothing of the running values: the same keys as
    /// a program without them.
    @Test func savedStateKeepsItsFormat() throws {
        let program = try Compiler.compile(SourceFile(name: "running", text: Self.programs[3]))
        var s = Scheduler(program)
        for _ in 0..<5 { s.step() }
        let object = try #require(JSONSerialization.jsonObject(with: s.saved.encoded()) as? [String: Any])
        #expect(Set(object.keys) == ["fingerprint", "log", "lr", "slots", "step"])
    }
}
