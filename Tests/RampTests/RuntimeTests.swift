import Foundation
import Testing

@testable import Ramp

@Suite struct OptimizerTests {
    /// Two steps of each optimizer on p = [1, -2] with g = [0.5, 0.25] then [0.1, -0.3], against values worked by hand
    /// from torch.optim's documented algorithms.
    static func twoSteps(_ kind: OptimizerKind, lr: Double = 0.1, momentum: Double? = nil, wd: Double = 0) -> [Double] {
        var c = OptimizerConfig(kind: kind, weightDecay: wd)
        if kind == .adamw && wd == 0 { c.weightDecay = 0 }
        var o = Optimizer(c, dimension: 2)
        var p = [1.0, -2.0]
        o.update(&p, [0.5, 0.25], lr: lr, momentum: momentum)
        o.update(&p, [0.1, -0.3], lr: lr, momentum: momentum)
        return p
    }

    @Test func sgd() {
        // p -= lr * g, twice.
        #expect(Self.twoSteps(.sgd) == [1 - 0.05 - 0.01, -2 - 0.025 + 0.03])
    }

    @Test func sgdMomentumAndNesterov() {
        // buf1 = g1; buf2 = 0.9 buf1 + g2.
        let b1 = [0.5, 0.25]
        let b2 = [0.9 * 0.5 + 0.1, 0.9 * 0.25 - 0.3]
        let m = Self.twoSteps(.momentum)
        #expect(m[0] == 1 - 0.1 * b1[0] - 0.1 * b2[0])
        #expect(m[1] == -2 - 0.1 * b1[1] - 0.1 * b2[1])
        // Nesterov: the step is g + mu * buf.
        let n = Self.twoSteps(.nesterov)
        let n1 = [0.5 + 0.9 * 0.5, 0.25 + 0.9 * 0.25]
        let n2 = [0.1 + 0.9 * b2[0], -0.3 + 0.9 * b2[1]]
        #expect(close(n[0], 1 - 0.1 * n1[0] - 0.1 * n2[0]))
        #expect(close(n[1], -2 - 0.1 * n1[1] - 0.1 * n2[1]))
    }

    @Test func adamWithBiasCorrection() {
        // Step 1 of Adam moves each parameter by lr * sign(g) (up to eps).
        var o = Optimizer(OptimizerConfig(kind: .adam), dimension: 2)
        var p = [1.0, -2.0]
        o.update(&p, [0.5, -0.25], lr: 0.1, momentum: nil)
        #expect(abs(p[0] - 0.9) < 1e-8 && abs(p[1] - (-1.9)) < 1e-8)
        // Step 2 by hand: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2, then bias corrections.
        let p1 = 1 - 0.1 / (1 - 0.9) * (0.1 * 0.5) / ((0.001 * 0.25).squareRoot() / (1 - 0.999).squareRoot() + 1e-8)
        #expect(close(p[0], p1))
        o.update(&p, [0.1, -0.3], lr: 0.1, momentum: nil)
        let m = 0.9 * (0.1 * 0.5) + 0.1 * 0.1
        let v = 0.999 * (0.001 * 0.25) + 0.001 * 0.01
        let expected = p1 - 0.1 / (1 - 0.81) * m / ((v).squareRoot() / (1 - 0.998001).squareRoot() + 1e-8)
        #expect(close(p[0], expected))
    }

    @Test func adamwDecouplesWeightDecay() {
        var o = Optimizer(OptimizerConfig(kind: .adamw, weightDecay: 0.1), dimension: 1)
        var p = [2.0]
        o.update(&p, [0.0], lr: 0.5, momentum: nil)
        // A zero gradient leaves only the decay: p * (1 - lr * wd).
        #expect(p[0] == 2.0 * (1 - 0.05))
        var a = Optimizer(OptimizerConfig(kind: .adam, weightDecay: 0.1), dimension: 1)
        var q = [2.0]
        a.update(&q, [0.0], lr: 0.5, momentum: nil)
        // Adam's weight decay is L2: the gradient becomes 0.2 and the first step moves by lr (less eps's share).
        #expect(abs(q[0] - 1.5) < 1e-7)
    }

    @Test func rmspropAndAdagrad() {
        let r = Self.twoSteps(.rmsprop, lr: 0.01)
        let v1 = 0.01 * 0.25
        let v2 = 0.99 * v1 + 0.01 * 0.01
        #expect(close(r[0], 1 - 0.01 * 0.5 / (v1.squareRoot() + 1e-8) - 0.01 * 0.1 / (v2.squareRoot() + 1e-8)))
        let a = Self.twoSteps(.adagrad)
        let s1 = 0.25
        let s2 = 0.25 + 0.01
        #expect(close(a[0], 1 - 0.1 * 0.5 / (s1.squareRoot() + 1e-10) - 0.1 * 0.1 / (s2.squareRoot() + 1e-10)))
    }

    @Test func scheduledMomentumReplacesTheConstant() {
        let a = Self.twoSteps(.momentum, momentum: 0.5)
        let b2 = 0.5 * 0.5 + 0.1
        #expect(a[0] == 1 - 0.1 * 0.5 - 0.1 * b2)
    }
}

@Suite struct ObjectiveTests {
    /// Analytic gradients against central finite differences.
    @Test(arguments: ObjectiveKind.allCases)
    func gradientMatchesFiniteDifferences(_ kind: ObjectiveKind) throws {
        let f = try Objective(kind, dimension: 6)
        var rng = SeededRandom(seed: 3)
        var x = f.start.map { $0 + Double(rng.next() % 1000) / 5000 - 0.1 }
        if kind == .logistic { x = x.map { $0 * 0.3 } }
        var g = Array(repeating: 0.0, count: f.dimension)
        _ = f.lossAndGradient(x, into: &g)
        for i in 0..<f.dimension {
            let h = 1e-6
            var a = x
            var b = x
            a[i] += h
            b[i] -= h
            let numeric = (f.loss(a) - f.loss(b)) / (2 * h)
            #expect(abs(numeric - g[i]) <= 1e-5 * max(1, abs(g[i])), "\(kind) ∂x\(i): \(g[i]) vs \(numeric)")
        }
    }

    @Test func optimaAndStarts() throws {
        for kind in [ObjectiveKind.quadratic, .rastrigin, .ackley] {
            let f = try Objective(kind, dimension: 4)
            #expect(abs(f.loss(Array(repeating: 0, count: 4))) < 1e-12, "\(kind) at its optimum")
        }
        let r = try Objective(.rosenbrock, dimension: 4)
        #expect(r.loss([1, 1, 1, 1]) == 0)
        #expect(r.start == [-1.2, 1, -1.2, 1])
        let l = try Objective(.logistic)
        #expect(l.dimension == 31)
        #expect(l.trainingSize == 455)
        #expect(abs(l.metric(Array(repeating: 0, count: 31)) - log(2)) < 1e-12)
    }
}

@Suite struct TrainerTests {
    func program(_ source: String) throws -> CompiledProgram {
        try Compiler.compile(SourceFile(name: "t.ramp", text: source))
    }

    func finalLoss(_ source: String, _ config: TrainConfig) throws -> Double {
        var t = try Trainer(program: try program(source), config: config)
        var last: StepRecord?
        while let r = t.runStep() { last = r }
        return t.objective.loss(t.params) + 0 * (last?.loss ?? 0)
    }

    @Test func restartsBeatAConstantRateOfTheSamePeakOnRastrigin() throws {
        let sample = try String(
            contentsOf: samplesDirectory.appendingPathComponent("rastrigin_restarts.ramp"), encoding: .utf8)
        let config = TrainConfig(objective: .rastrigin, optimizer: OptimizerConfig(kind: .sgd), steps: 720)
        let restarts = try finalLoss(sample, config)
        let constant = try finalLoss("base 0.02\nconstant()", config)
        #expect(restarts < 1e-6, "restarts ended at \(restarts)")
        #expect(constant > 100, "the constant rate ended at \(constant)")
    }

    @Test func plateauEndsTheCardExampleOnLogistic() throws {
        let card = try String(contentsOf: samplesDirectory.appendingPathComponent("card.ramp"), encoding: .utf8)
        var t = try Trainer(
            program: try program(card),
            config: TrainConfig(
                objective: .logistic, optimizer: OptimizerConfig(kind: .momentum),
                steps: 1000, batchSize: 32))
        while t.runStep() != nil {}
        #expect(
            t.stop
                == .scheduleFinished(
                    step: 32,
                    condition: "plateau(patience=3, threshold=0.0001, threshold_mode=\"rel\", mode=\"min\", cooldown=0)"
                ))
    }

    @Test func nanLossStopsWithTheStepAndRate() throws {
        var t = try Trainer(
            program: try program("base 10\nconstant()"),
            config: TrainConfig(objective: .rosenbrock, optimizer: OptimizerConfig(kind: .sgd), steps: 100))
        while t.runStep() != nil {}
        guard case .nonFiniteLoss(let step, let lr)? = t.stop else {
            Issue.record("expected a non-finite loss, got \(String(describing: t.stop))")
            return
        }
        #expect(lr == 10)
        #expect(step > 0 && step < 100)
    }

    @Test func badConfigurations() throws {
        let p = try program("0.1")
        #expect(throws: RunError.self) {
            try Trainer(
                program: p,
                config: TrainConfig(
                    objective: .quadratic, dimension: 0, optimizer: OptimizerConfig(kind: .sgd), steps: 5))
        }
        #expect(throws: RunError.self) {
            try Trainer(
                program: p, config: TrainConfig(objective: .quadratic, optimizer: OptimizerConfig(kind: .sgd), steps: 0)
            )
        }
        // A checkpoint taken at another base rate is refused; under an edited
        // program, its log is replayed and the move of the rate reported.
        let config = TrainConfig(objective: .quadratic, optimizer: OptimizerConfig(kind: .sgd), steps: 5)
        var t = try Trainer(program: p, config: config)
        _ = t.runStep()
        #expect(throws: RunError.self) { try Trainer(program: try program("base 0.5\n0.1"), resuming: t.checkpoint) }
        let edited = try Trainer(program: try program("0.2"), resuming: t.checkpoint)
        #expect(edited.resumed == ResumeReport(step: 1, before: 0.1, now: 0.2, replayed: true))
        #expect(
            edited.resumed?.line
                == "lr at step 1: 0.1 before, 0.2 now (the log of 1 step was replayed into this program)")
        #expect(edited.params == t.params)
        #expect(throws: (any Error).self) { try Checkpoint.decoded(Data("{\"version\": 1, \"fingerprint\": ".utf8)) }
    }
}

@Suite(.serialized) struct RunCommandTests {
    /// A run killed with SIGKILL at random moments and resumed each time ends
    /// with a log byte-identical to an uninterrupted run.
    @Test func killedAndResumedRunsGiveTheSameLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-kill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let program = dir + "/p.ramp"
        try "base 0.05\nwarmup 50 then cosine(T=30000) until plateau(patience 30000)\nmomentum: 0.9".write(
            toFile: program, atomically: true, encoding: .utf8)
        let common = [
            program, "--objective", "logistic", "--optimizer", "adam", "--batch-size", "16", "--seed", "7", "--steps",
            "30050",
        ]
        let reference = try ramp(["run"] + common + ["--log", dir + "/ref.csv"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try Data(contentsOf: URL(fileURLWithPath: dir + "/ref.csv"))

        let log = dir + "/run.csv"
        let checkpoint = dir + "/ckpt.json"
        let binary = repositoryRoot.appendingPathComponent(".build/debug/ramp").path
        var rng = SeededRandom(seed: 99)
        var kills = 0
        var finished = false
        var attempts = 0
        while !finished, attempts < 80 {
            attempts += 1
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            var args = ["run"] + common + ["--log", log, "--checkpoint", checkpoint, "--checkpoint-every", "37"]
            if FileManager.default.fileExists(atPath: checkpoint) { args += ["--resume", checkpoint] }
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            if kills < 20 {
                // A random moment early in the run (an uninterrupted one takes about three seconds).
                Thread.sleep(forTimeInterval: Double(rng.next() % 100_000) / 1_000_000)
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                if p.terminationReason == .uncaughtSignal { kills += 1 } else { finished = p.terminationStatus == 0 }
            } else {
                p.waitUntilExit()
                finished = p.terminationStatus == 0
            }
        }
        #expect(finished)
        #expect(kills == 20)
        let got = try Data(contentsOf: URL(fileURLWithPath: log))
        #expect(got == expected, "the resumed log differs from the uninterrupted one")
    }

    @Test func badInputsAreReportedAndNothingIsOverwritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let unknown = try ramp(["run", "samples/card.ramp", "--objective", "sphere"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("sphere"))
        let zero = try ramp(["run", "samples/card.ramp", "--objective", "quadratic", "--dim", "0"])
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--dim must be at least 1"))
        let corrupt = dir + "/c.json"
        try "{\"version\":1,\"fingerpr".write(toFile: corrupt, atomically: true, encoding: .utf8)
        let r = try ramp([
            "run", "samples/card.ramp", "--objective", "quadratic", "--resume", corrupt, "--checkpoint", corrupt,
        ])
        #expect(r.status == 1)
        #expect(r.stderr == "error: the checkpoint \(corrupt) is corrupt or truncated; it was not changed\n")
        #expect(try String(contentsOfFile: corrupt, encoding: .utf8) == "{\"version\":1,\"fingerpr")
        let nan = try ramp(["run", "-h"])
        #expect(nan.stdout.contains("--objective"))
        let diverge = try ramp(["run", "samples/card.ramp", "--objective", "rosenbrock", "--base", "50"])
        #expect(diverge.status == 1)
        #expect(diverge.stdout.contains("stopped: the loss is not finite at step"))
    }
}
