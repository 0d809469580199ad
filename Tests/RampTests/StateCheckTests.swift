import Foundation
import Testing

@testable import Ramp

/// A saved state is checked against its program and against itself before
/// anything is loaded: each damaged field is refused by name, and the
/// session, scheduler or run is left as it was.
@Suite struct StateCheckTests {
    /// The card example at step 12: phase 1 (the cosine) began at step 5, and 12 metrics were fed.
    static let card = try! Compiler.compile(
        try! SourceFile.load(path: samplesDirectory.appendingPathComponent("card.ramp").path))
    static let metrics = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3]

    static func saved(steps: Int = 12) -> SchedulerState {
        var s = Scheduler(card)
        for m in metrics.prefix(steps) { s.step(metric: m) }
        return s.saved
    }

    static func sequence(_ state: inout SchedulerState, _ edit: (inout SequenceState) -> Void) {
        guard case .sequence(var st) = state.slots[0] else { return }
        edit(&st)
        state.slots[0] = .sequence(st)
    }

    /// What serve answers to loading `state`, and that the session is as it was.
    static func served(_ state: SchedulerState, replay: Bool = false) throws -> String {
        var session = ServeSession(program: card)
        _ = session.handle("{\"op\":\"step\",\"metric\":1}")
        let before = session.handle("{\"op\":\"lr\"}")
        let json = String(decoding: try state.encoded(), as: UTF8.self)
        let answer = session.handle("{\"op\":\"load\",\"replay\":\(replay),\"state\":\(json)}")
        if answer.hasPrefix("{\"error\"") { #expect(session.handle("{\"op\":\"lr\"}") == before) }
        return answer
    }

    /// Serve's answer to a refused state: the catalogue's code and words, as the CLI and a Python module give them.
    static func refusal(_ text: String, code: String = "R0802") -> String { "{\"error\":\"error[\(code)]: \(text)\"}" }

    @Test func aPhaseOutOfRangeIsRefused() throws {
        var state = Self.saved()
        Self.sequence(&state) { $0.phase = 7 }
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's slots.0.sequence._0.phase is 7, but the sequence has 2 phases (0 to 1)"))
        #expect(throws: ReplayError.self) { try Scheduler(Self.card, state: state) }
    }

    @Test func aNegativeStepIsRefused() throws {
        var state = Self.saved(steps: 1)
        state.step = -7
        let refused = "the saved state's step is -7; a step is a whole number from 0 to 1000000000000000"
        #expect(try Self.served(state) == Self.refusal(refused))
        // Replayed, too: another program's state is held to the same step.
        state.fingerprint = "0123456789abcdef"
        #expect(try Self.served(state, replay: true) == Self.refusal(refused))
    }

    @Test func aStepPastThePhaseEndIsRefused() throws {
        var state = Self.saved()
        state.step = 1_000_000_000
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's step is 1000000000, but phase 1, begun at step 5, ends after 50 steps"))
    }

    @Test func aLogPastTheStepIsRefused() throws {
        var state = Self.saved()
        state.log?.at = [[0, 1, 11], [20, 1, 1]]
        let refused =
            "the saved state's log.at.1 is at step 20, but the state is at step 12: its log holds only the steps "
            + "before it"
        #expect(try Self.served(state) == Self.refusal(refused))
        state.fingerprint = "0123456789abcdef"
        #expect(try Self.served(state, replay: true) == Self.refusal(refused))
        var signalled = Self.saved()
        signalled.log?.signals = [EventLog.SignalEvent(step: 3, name: "cooldown")]
        #expect(
            try Self.served(signalled)
                == Self.refusal(
                    "the saved state's log.signals.0.name is 'cooldown', which this program does not wait for (unknown "
                        + "signal 'cooldown': it waits for no signal)"
                ))
    }

    @Test func aStartPastTheStepIsRefused() throws {
        var state = Self.saved()
        Self.sequence(&state) { $0.start = 40 }
        #expect(
            try Self.served(state)
                == Self.refusal("the saved state's slots.0.sequence._0.start is 40, past the state's step 12"))
        Self.sequence(&state) { $0.start = 3 }
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's slots.0.sequence._0.start is 3, but its phase began at step 5, where the one "
                        + "before ended"
                ))
    }

    @Test func aSkippedPhaseIsRefused() throws {
        var state = Self.saved()
        Self.sequence(&state) { $0.transitions[0].phase = 1 }
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's slots.0.sequence._0.transitions.0.phase is 1 where phase 0 ended next: a phase "
                        + "is skipped"
                ))
        Self.sequence(&state) { $0.transitions = [] }
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's slots.0.sequence._0.transitions lists 0 phase changes where 1 phases have ended")
        )
        // The warmup lasts 5 steps: it cannot have ended at step 9.
        Self.sequence(&state) {
            $0.transitions = [Transition(step: 9, phase: 0, reason: .length)]
            $0.start = 9
        }
        #expect(
            try Self.served(state)
                == Self.refusal(
                    "the saved state's slots.0.sequence._0.transitions.0.step is 9, but phase 0, begun at step 0, ends "
                        + "after 5 steps"
                ))
    }

    @Test func aPlateauOutOfItsRangeIsRefused() throws {
        var state = Self.saved()
        guard case .plateau(var tracker) = state.slots[1] else {
            Issue.record("no plateau")
            return
        }
        tracker.bad = 9
        state.slots[1] = .plateau(tracker)
        #expect(
            try Self.served(state)
                == Self.refusal("the saved state's slots.1.plateau._0.bad is 9; it must be from 0 to 3"))
        let reduce = try Compiler.compile(SourceFile(name: "r", text: "reduce_on_plateau(factor=0.5, patience=0)"))
        var s = Scheduler(reduce)
        s.step(metric: 1)
        var saved = s.saved
        guard case .reduce(var r) = saved.slots[0] else { return }
        r.value = -0.5
        saved.slots[0] = .reduce(r)
        do {
            _ = try Scheduler.resuming(reduce, from: saved, replay: false)
            Issue.record("a negative rate was loaded")
        } catch {
            #expect(error.description == "the saved state's slots.0.reduce._0.value is -0.5; it must be from 0 to 1")
            #expect(error.kind?.code == "R0802")
        }
    }

    /// A phase built when it starts: its values, its length and whether they hold it are worked out again.
    @Test func anEntryThatDisagreesWithItsValuesIsRefused() throws {
        let p = ReplayTests.program(7)
        var s = Scheduler(p)
        for step in 0..<20 {
            if step == 9 { try s.signal("cooldown") }
            s.step()
        }
        var saved = s.saved
        guard case .sequence(var st) = saved.slots[0], let e = st.entry else {
            Issue.record("no entry")
            return
        }
        st.entry = EntryState(values: e.values, length: 7, held: false, built: nil)
        saved.slots[0] = .sequence(st)
        do {
            _ = try Scheduler.resuming(p, from: saved, replay: false)
            Issue.record("an entry of the wrong length was loaded")
        } catch {
            #expect(
                error.description
                    == "the saved state's slots.0.sequence._0.entry.length is 7, but the values fixed then give 20")
        }
        var values = e.values
        values.current = [:]
        st.entry = EntryState(values: values, length: 20, held: false, built: nil)
        saved.slots[0] = .sequence(st)
        #expect(throws: ReplayError.self) { try Scheduler(p, state: saved) }
        values.current = ["lr": .nan]
        st.entry = EntryState(values: values, length: 20, held: false, built: nil)
        saved.slots[0] = .sequence(st)
        do {
            _ = try Scheduler(p, state: saved)
            Issue.record("an entry fixed at NaN was loaded")
        } catch {
            #expect(
                "\(error)"
                    == "the saved state's slots.0.sequence._0.entry.values.current.lr is nan; it must be a finite "
                    + "number"
            )
        }
    }

    /// `ramp run --resume` refuses a damaged checkpoint by its field, and leaves it as it was.
    @Test func runResumeRefusesADamagedCheckpoint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = dir + "/ck.json"
        let card = samplesDirectory.appendingPathComponent("card.ramp").path
        let common = ["--objective", "logistic", "--steps", "40"]
        let first = try ramp(["run", card] + common + ["--checkpoint", checkpoint, "--checkpoint-every", "5"])
        #expect(first.status == 0, "\(first.stderr)")
        var c = try Checkpoint.decoded(try Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        guard case .sequence(var st) = c.scheduler.slots[0] else { return }
        st.phase = 7
        c.scheduler.slots[0] = .sequence(st)
        let damaged = try c.encoded()
        try damaged.write(to: URL(fileURLWithPath: checkpoint))
        let resumed = try ramp(["run", card] + common + ["--resume", checkpoint])
        #expect(resumed.status == 1)
        #expect(
            resumed.stderr
                == "error[R0802]: the checkpoint's schedule cannot be taken up by this program: the saved state's "
                + "slots.0.sequence._0.phase is 7, but the sequence has 2 phases (0 to 1)\n"
        )
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == damaged)
    }
}

/// A replay stops at the program's end, or waits at the log's end where
/// nothing can change without a metric or a signal, so a far step is quick.
@Suite struct BoundedReplayTests {
    /// The card example's state at step 10^9, replayed: the plateau never
    /// fires, the cosine runs out at step 55, and the rate holds from there.
    @Test func aFarStepIsReplayedToTheProgramsEnd() throws {
        var state = StateCheckTests.saved()
        state.step = 1_000_000_000
        state.fingerprint = "0123456789abcdef"
        let (s, report) = try Scheduler.resuming(StateCheckTests.card, from: state)
        var fresh = Scheduler(StateCheckTests.card)
        for m in StateCheckTests.metrics { fresh.step(metric: m) }
        while fresh.step < 200 { fresh.step() }
        #expect(fresh.finished && s.finished)
        #expect(s.step == 1_000_000_000 && s.lr == fresh.lr && report.now == fresh.lr)
        #expect(s.state.slots == fresh.state.slots && s.state.log == fresh.state.log)
    }

    /// A phase that ends only on a metric waits at the log's end.
    @Test func aFarStepWaitsAtTheLogsEnd() throws {
        let p = try Compiler.compile(SourceFile(name: "w", text: "1 until plateau(patience 1) then 0.1"))
        var state = SchedulerState(slots: p.initialSlots, log: EventLog())
        state.fingerprint = "0123456789abcdef"
        for (i, m) in [1.0, 2, 3, 4].enumerated() { state.log?.record(metric: m, at: i * 1000) }
        state.step = 1_000_000_000
        let (s, _) = try Scheduler.resuming(p, from: state)
        #expect(s.step == 1_000_000_000 && s.lr == 0.1)
        #expect(s.transitions == [Transition(step: 2001, phase: 0, reason: .condition)])
    }

    /// Sparse events, long quiet stretches, every edit of the replay programs: the skips change nothing.
    @Test(arguments: 0..<8)
    func skippingQuietStretchesEqualsStepping(_ a: Int) throws {
        let first = ReplayTests.program(a)
        let second = ReplayTests.program((a + 3) % ReplayTests.sources.count)
        var s = Scheduler(first)
        for step in 0..<2000 {
            if step == 700, first.signals.contains("cooldown"), second.signals.contains("cooldown") {
                try s.signal("cooldown")
            }
            s.step(metric: step < 40 && step % 3 == 0 ? 1 / Double(step + 1) : step == 900 ? 5 : nil)
        }
        let (resumed, _) = try Scheduler.resuming(second, from: s.saved)
        var fresh = Scheduler(second)
        var events = try s.saved.log!.events(before: 2000)
        while fresh.step < 2000 {
            let e = events.removeValue(forKey: fresh.step)
            for name in e?.signals ?? [] { try fresh.signal(name) }
            fresh.step(metric: e?.metric ?? nil)
        }
        #expect(try resumed.state.encoded() == fresh.state.encoded(), "p\(a)")
        #expect(resumed.lr == fresh.lr && resumed.momentum == fresh.momentum)
    }

    /// A phase inside another that ends by counting its steps is run one step at a time, up to the limit.
    @Test func aReplayOverTheLimitIsRefused() throws {
        let p = try Compiler.compile(
            SourceFile(name: "n", text: "warmup 5 then (cosine(T=100000) until plateau() then 0.1)"))
        var state = SchedulerState(slots: p.initialSlots, log: EventLog())
        state.step = 50_000
        state.fingerprint = "0123456789abcdef"
        do {
            _ = try Scheduler.resuming(p, from: state, limit: 1000)
            Issue.record("replayed past the limit")
        } catch {
            #expect(
                error.description
                    == "replaying the saved state's log up to its step 50000 would run more than 1000 steps one at a "
                    + "time, the most a replay runs"
            )
            #expect(error.kind?.code == "R0803")
        }
        #expect(try Scheduler.resuming(p, from: state, limit: 50_000).0.step == 50_000)
    }
}

/// The compiled Python module refuses the same states with the same words
/// (the catalogue's, with their code), and is left as it was.
@Suite struct PythonStateCheckTests {
    @Test func theModuleRefusesWhatRampRefuses() throws {
        var damaged: [(String, SchedulerState)] = []
        func edit(_ name: String, _ change: (inout SchedulerState) -> Void) {
            var s = StateCheckTests.saved()
            change(&s)
            damaged.append((name, s))
        }
        edit("phase") { s in StateCheckTests.sequence(&s) { $0.phase = 7 } }
        edit("negative step") { $0.step = -7 }
        edit("far step") { $0.step = 1_000_000_000 }
        edit("log past the step") { $0.log?.at = [[0, 1, 11], [20, 1, 1]] }
        edit("start past the step") { s in StateCheckTests.sequence(&s) { $0.start = 40 } }
        edit("skipped phase") { s in StateCheckTests.sequence(&s) { $0.transitions[0].phase = 1 } }
        edit("plateau count") { s in
            if case .plateau(var t) = s.slots[1] {
                t.bad = 9
                s.slots[1] = .plateau(t)
            }
        }
        var expected: [String] = []
        for (name, state) in damaged {
            do {
                _ = try Scheduler.resuming(StateCheckTests.card, from: state, replay: false)
                Issue.record("\(name): loaded")
            } catch {
                expected.append("error[\(error.kind?.code ?? "")]: " + error.description)
            }
        }
        // Replayed by the module: the far step ends as Ramp's replay does.
        var far = StateCheckTests.saved()
        far.step = 1_000_000_000
        far.fingerprint = "0123456789abcdef"
        let (ramp, report) = try Scheduler.resuming(StateCheckTests.card, from: far)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-pystate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Python.module(StateCheckTests.card).write(
            to: dir.appendingPathComponent("card_module.py"), atomically: true, encoding: .utf8)
        let states = try (damaged.map(\.1) + [far]).map { String(decoding: try $0.encoded(), as: UTF8.self) }
        try states.joined(separator: "\n").write(
            to: dir.appendingPathComponent("states.jsonl"), atomically: true, encoding: .utf8)
        let script = #"""
            import json, card_module
            lines = open("states.jsonl").read().split("\n")
            for line in lines[:-1]:
                s = card_module.Schedule()
                s.step(1.0)
                before = json.dumps(s.state_dict())
                try:
                    s.load_state_dict(json.loads(line))
                    print("loaded")
                except ValueError as e:
                    print(str(e) if json.dumps(s.state_dict()) == before else "changed: " + str(e))
            s = card_module.Schedule()
            print(s.load_state_dict(json.loads(lines[-1]), replay=True))
            print(s.t, float.hex(s.lr), s.finished)
            """#
        let run = try python(["-c", script], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(expected.count)) == expected)
        #expect(
            Array(lines.dropFirst(expected.count))
                == [report.line, "1000000000 \(hex(ramp.lr)) True"])
    }

    func hex(_ x: Double) -> String {
        let run = try? python(["-c", "print(float.hex(\(x.description)))"])
        return run?.stdout.trimmingCharacters(in: .newlines) ?? ""
    }
}
