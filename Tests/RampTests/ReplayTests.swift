import Foundation
import Testing

@testable import Ramp

/// Resuming under an edited program: a saved state's log of metrics and
/// signals, replayed through program B, gives exactly B's state after a fresh
/// run fed the same events, and B then goes on as that fresh run does.
@Suite struct ReplayTests {
    /// Programs that react to metrics and signals in different ways: the
    /// pairs among them are the "edits".
    static let sources = [
        "base 0.1\nwarmup 5 then cosine(T=50) until plateau(patience 3) then 0.01",
        "base 0.1\nwarmup 5 then cosine(T=80) until plateau(patience 3) or signal(\"cooldown\") then linear(T=20, "
            + "from=base, to=0)",
        "base 0.1\nsignals [\"cooldown\", \"stop\"]\nwarmup 10 then 0.1 until signal(\"cooldown\") then linear(T=30, "
            + "from=0.1, to=0) until signal(\"stop\")",
        "base 0.2\nreduce_on_plateau(factor=0.5, patience=2)\nmomentum: 0.9 until signal(\"cooldown\") then 0.95",
        "base 0.1\ntotal 120\nwarmup 10% then 0.1 until metric < 0.3 then cosine(T=50%)",
        "base 0.1\n0.1 until plateau(patience 1, mode=\"max\") then 0.05 until signal(\"cooldown\") then 0.01",
        // Phases built when they start, from the rate and the step they start at.
        "base 0.1\nwarmup 5 then cosine(T=80) until plateau(patience 3) or signal(\"cooldown\") then linear(T=0.2 * "
            + "elapsed, from=current, to=0)",
        "base 0.1\nsignals [\"cooldown\", \"stop\"]\n0.1 until signal(\"cooldown\") then warmup 3 then cosine(T=20, "
            + "from=current * 0.5) until signal(\"stop\") then current for elapsed then 0.001",
    ]

    static func program(_ i: Int) -> CompiledProgram {
        try! Compiler.compile(SourceFile(name: "p\(i).ramp", text: sources[i]))
    }

    /// Random metrics (some steps without one, some NaN) and signals, from a seed.
    static func events(seed: UInt64, steps: Int) -> (metrics: [Double?], signals: [EventLog.SignalEvent]) {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Double {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            return Double(x >> 11) / Double(1 << 53)
        }
        var v = 1.0
        var metrics: [Double?] = []
        var signals: [EventLog.SignalEvent] = []
        let every = 1 + Int(next() * 4)
        for i in 0..<steps {
            v *= 0.9 + next() * 0.15
            let r = next()
            metrics.append(i % every != 0 ? nil : r < 0.02 ? .nan : v)
            if next() < 0.04 { signals.append(EventLog.SignalEvent(step: i, name: next() < 0.7 ? "cooldown" : "stop")) }
        }
        return (metrics, signals)
    }

    /// Runs `program` over the events for `steps` steps, raising the signals it knows.
    static func run(
        _ program: CompiledProgram, _ e: (metrics: [Double?], signals: [EventLog.SignalEvent]),
        from start: Scheduler? = nil,
        steps: Int
    ) -> (Scheduler, [UInt64]) {
        var s = start ?? Scheduler(program)
        var lr: [UInt64] = []
        while s.step < steps {
            lr.append(s.lr.bitPattern)
            for ev in e.signals where ev.step == s.step && program.signals.contains(ev.name) { try! s.signal(ev.name) }
            s.step(metric: s.step < e.metrics.count ? e.metrics[s.step] : nil)
        }
        return (s, lr)
    }

    @Test(arguments: 0..<24)
    func replayEqualsAFreshRun(_ seed: Int) throws {
        let a = seed % Self.sources.count
        let b = (seed / Self.sources.count + a + 1) % Self.sources.count
        let first = Self.program(a)
        let second = Self.program(b)
        // Only signals both know: a log with a signal the second does not know is refused (below).
        let raw = Self.events(seed: UInt64(seed + 1), steps: 160)
        let e = (
            raw.metrics, raw.signals.filter { first.signals.contains($0.name) && second.signals.contains($0.name) }
        )
        let k = 20 + seed * 5
        let (sa, _) = Self.run(first, e, steps: k)
        let saved = try StateJSON.decode(try sa.saved.encoded(), as: SchedulerState.self)
        let (resumed, report) = try Scheduler.resuming(second, from: saved)
        let (fresh, _) = Self.run(second, e, steps: k)
        #expect(report.replayed)
        #expect(report.before == sa.lr && report.now == fresh.lr)
        // As saved documents: the log may hold NaN metrics, which no == holds for.
        #expect(try resumed.state.encoded() == fresh.state.encoded(), "p\(a) → p\(b) at step \(k)")
        // From there, second resumed and second fresh are one run.
        let (endResumed, tailResumed) = Self.run(second, e, from: resumed, steps: 160)
        let (endFresh, tailFresh) = Self.run(second, e, from: fresh, steps: 160)
        #expect(tailResumed == tailFresh)
        #expect(try endResumed.state.encoded() == endFresh.state.encoded())
    }

    @Test func theSameProgramResumesWithoutReplay() throws {
        let p = Self.program(1)
        let (s, _) = Self.run(p, Self.events(seed: 7, steps: 60), steps: 40)
        let (r, report) = try Scheduler.resuming(p, from: s.saved, replay: false)
        #expect(!report.replayed && r.state == s.state && r.lr == s.lr)
    }

    /// A state saved inside a phase built at entry keeps the values fixed
    /// then, not the phase: loaded (through JSON), the phase is built again and
    /// the run goes on bit for bit.
    @Test func aStateInsideAnEntryPhaseRestoresExactly() throws {
        let p = Self.program(7)
        let e = (
            metrics: [Double?](),
            signals: [EventLog.SignalEvent(step: 9, name: "cooldown"), EventLog.SignalEvent(step: 30, name: "stop")]
        )
        let (s, _) = Self.run(p, e, steps: 20)
        let text = String(decoding: try s.saved.encoded(), as: UTF8.self)
        #expect(
            text.contains(#""entry":{"held":false,"length":20,"values":{"current":{"lr":0.1},"elapsed":10}}"#),
            "\(text)")
        let restored = try Scheduler(p, state: try StateJSON.decode(Data(text.utf8), as: SchedulerState.self))
        #expect(restored.lr == s.lr)
        let (_, tailRestored) = Self.run(p, e, from: restored, steps: 80)
        let (_, tailFresh) = Self.run(p, e, from: s, steps: 80)
        #expect(tailRestored == tailFresh)
        // The warmup rose from 0 to half the rate before it; the cosine starts there, and the hold keeps
        // the rate the step before it for as many steps as had run (31).
        let (_, all) = Self.run(p, e, steps: 70)
        let lr = all.map(Double.init(bitPattern:))
        #expect(
            Array(lr[9...14]) == [
                0.1, 0, 0.05 * (1.0 / 3), 0.05 * (2.0 / 3), 0.05, 0.05 * (0.5 * (1 + cos(Double.pi * (1.0 / 20)))),
            ])
        #expect(lr[31] == lr[30] && lr[61] == lr[30] && lr[62] == 0.001)
    }

    @Test func refusalsSayWhy() throws {
        let a = Self.program(2)
        let b = Self.program(0)
        var s = Scheduler(a)
        try s.signal("cooldown")
        s.step()
        var saved = s.saved
        #expect(throws: ReplayError.self) { _ = try Scheduler.resuming(b, from: saved, replay: false) }
        do {
            _ = try Scheduler.resuming(b, from: saved)
            Issue.record("replayed a log with an unknown signal")
        } catch {
            #expect(
                error.description
                    == "the saved state's log raises the signal 'cooldown' at step 0, which this program does not wait "
                    + "for (unknown signal 'cooldown': its signals are 'cooldown'"
                    .replacingOccurrences(of: "its signals are 'cooldown'", with: "it waits for no signal") + ")")
        }
        saved.log = nil
        do {
            _ = try Scheduler.resuming(b, from: saved)
            Issue.record("replayed a state without a log")
        } catch {
            #expect(
                error.description
                    == "the saved state has no log of the metrics and signals it was fed, so it cannot be replayed "
                    + "into another program"
            )
        }
        #expect(throws: UnknownSignal.self) {
            var t = Scheduler(a)
            try t.signal("cooldwn")
        }
    }

    /// The log keeps metrics' steps as runs: periodic evaluation costs one number per evaluation.
    @Test func theLogGrowsByOneNumberPerEvaluation() {
        var log = EventLog()
        for step in stride(from: 9, to: 10_000, by: 10) { log.record(metric: Double(step), at: step) }
        log.record(metric: 1, at: 10_005)
        #expect(log.metrics.count == 1001)
        #expect(log.at == [[9, 10, 1000], [10_005, 1, 1]])
        #expect(log.metricSteps()?.last == 10_005)
        #expect(log.metricSteps()?.count == 1001)
        var damaged = log
        damaged.at[0][2] = 5
        #expect(damaged.metricSteps() == nil)
    }

    /// Through serve: the state a program saved, loaded with replay into an edited one.
    @Test func serveLoadsWithReplay() throws {
        var one = ServeSession(program: Self.program(1))
        for m in [1.0, 0.9, 0.9, 0.9] { _ = one.handle("{\"op\":\"step\",\"metric\":\(m)}") }
        _ = one.handle("{\"op\":\"signal\",\"name\":\"cooldown\"}")
        _ = one.handle("{\"op\":\"step\"}")
        let state = one.handle("{\"op\":\"state\"}").dropFirst("{\"state\":".count).dropLast()
        var two = ServeSession(program: Self.program(2))
        #expect(
            two.handle("{\"op\":\"load\",\"state\":\(state)}").hasPrefix(
                "{\"error\":\"error[R0801]: the saved state belongs to another program"))
        let answer = two.handle("{\"op\":\"load\",\"replay\":true,\"state\":\(state)}")
        #expect(
            answer
                == "{\"step\":5,\"lr\":0.05,\"momentum\":null,\"finished\":false,\"resumed\":\"lr at step 5: 0.1 "
                + "before, 0.05 now (the log of 5 steps was replayed into this program)\"}"
        )
    }
}

@Suite(.serialized) struct RunResumeUnderEditTests {
    /// `ramp run` killed while it trains (before the signal), then resumed
    /// with the program edited (a longer cooldown): the training log ends
    /// byte-identical to a fresh run of the edited program with the same signal.
    @Test func killedRunResumedUnderAnEditedProgram() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-edit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = dir + "/old.ramp"
        let edited = dir + "/edited.ramp"
        let text =
            "base 0.05\nwarmup 10 then constant(base) until signal(\"cooldown\") then linear(T=30, from=base, to=0)\n"
        try text.write(toFile: old, atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "T=30", with: "T=60").write(toFile: edited, atomically: true, encoding: .utf8)
        let common = ["--objective", "logistic", "--steps", "3000", "--signal", "cooldown@2000"]
        let log = dir + "/run.csv"
        let checkpoint = dir + "/ck.json"

        let p = Process()
        p.executableURL = repositoryRoot.appendingPathComponent(".build/debug/ramp")
        p.arguments = ["run", old] + common + ["--checkpoint", checkpoint, "--checkpoint-every", "100", "--log", log]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Killed once a checkpoint exists, well before step 2000 (a run takes a few seconds).
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint), Date() < deadline, p.isRunning { usleep(5_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let saved = try StateJSON.decode(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), as: Checkpoint.self)
        try #require(saved.step < 2000, "the run reached step \(saved.step) before it was killed")

        let resumed = try ramp(["run", edited] + common + ["--resume", checkpoint, "--log", log])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains(
                "lr at step \(saved.step): 0.05 before, 0.05 now (the log of \(saved.step) steps was replayed into "
                    + "this program)"
            ))
        let fresh = try ramp(["run", edited] + common + ["--log", dir + "/fresh.csv"])
        #expect(fresh.status == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: log))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/fresh.csv"))
        #expect(a == b)
        // Finished at step 2061, past the 60-step cooldown.
        #expect(String(decoding: b, as: UTF8.self).split(separator: "\n").count == 2062)
    }
}
