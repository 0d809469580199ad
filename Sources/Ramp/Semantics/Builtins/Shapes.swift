import Foundation

/// The schedules: each builds its node from checked arguments.
extension Builtins {
    static let from = ParamSpec("from", .number, .base, doc: "the starting rate")
    static let atol = ParamSpec(
        "atol", .number, .number(0), .nonNegative, doc: "an absolute tolerance added to the threshold (optax)")
    static let accumulate = ParamSpec(
        "accumulate", .integer, .number(1), .atLeast(1), doc: "metrics averaged into one evaluation (optax)")

    public static let schedules: [BuiltinSpec] = [
        BuiltinSpec(
            "constant", .schedule, doc: "a fixed rate",
            params: [
                ParamSpec("value", .number, .base, .nonNegative, doc: "the rate")
            ]
        ) { a in .schedule(.primitive(Constant(level: a.num("value")), [:])) },

        BuiltinSpec(
            "linear", .schedule, doc: "a straight line from `from` to `to` over T steps",
            params: [
                ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
                from,
                ParamSpec("to", .number, .number(0), doc: "the final rate"),
            ]
        ) { a in .schedule(.primitive(Linear(from: a.num("from"), to: a.num("to"), T: a.int("T")), [:])) },

        BuiltinSpec(
            "warmup", .schedule, doc: "a rise over T steps to the rate the next phase starts at (base when last)",
            params: [
                ParamSpec("T", .duration, .required, .nonNegative, doc: "length in steps; 0 means no warmup"),
                ParamSpec("from", .number, .number(0), .nonNegative, doc: "the starting rate"),
                ParamSpec("to", .number, .nextPhase, doc: "the target rate"),
                ParamSpec(
                    "shape", .choice(Warmup.Shape.allCases.map(\.rawValue)), .string("linear"),
                    doc: "linear, exp (geometric) or constant (held at `from`)"),
            ]
        ) { a throws(CheckError) in
            let shape = Warmup.Shape(rawValue: a.str("shape"))!
            if shape == .exp, a.num("from") <= 0 {
                throw .error(.exponentialWarmupFromZero, at: a.range("from"))
            }
            return .schedule(
                .primitive(
                    Warmup(
                        T: a.int("T"), from: a.num("from"), to: a.optNum("to") ?? a.base,
                        shape: shape, implicitTarget: !a.given("to")), [:]))
        },

        BuiltinSpec(
            "cosine", .schedule, doc: "half a cosine from `from` down to `min` over T steps",
            params: [
                ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
                from,
                ParamSpec("min", .number, .number(0), .nonNegative, doc: "the floor"),
                ParamSpec(
                    "exponent", .number, .number(1), .positive, doc: "power applied to the cosine factor (optax)"),
                ParamSpec("k", .number, .number(1), .positive, doc: "k-decay: the curve follows t^k / T^k (timm)"),
                ParamSpec("periodic", .bool, .bool(false), doc: "keep following the cosine past T, as torch does"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    Cosine(
                        T: a.int("T"), from: a.num("from"), min: a.num("min"), exponent: a.num("exponent"),
                        k: a.num("k"), periodic: a.bool("periodic")), [:]))
        },

        BuiltinSpec(
            "exponential", .schedule, doc: "from * gamma^(t/every), continuous or in stairs",
            params: [
                ParamSpec("gamma", .number, .required, .positive, doc: "factor per `every` steps"),
                from,
                ParamSpec("every", .number, .number(1), .positive, doc: "steps per factor of gamma"),
                ParamSpec("staircase", .bool, .bool(false), doc: "apply gamma in whole steps of `every`"),
                ParamSpec("end", .number, .absent, .nonNegative, doc: "a rate the decay (or growth) stops at"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    Exponential(
                        gamma: a.num("gamma"), from: a.num("from"), every: a.num("every"),
                        staircase: a.bool("staircase"), end: a.optNum("end")), [:]))
        },

        BuiltinSpec(
            "step", .schedule, doc: "multiply by gamma every `size` steps",
            params: [
                ParamSpec("size", .duration, .required, .atLeast(1), doc: "steps between decays"),
                ParamSpec("gamma", .number, .number(0.1), .positive, doc: "factor per decay"),
                from,
            ]
        ) { a in .schedule(.primitive(StepDecay(size: a.int("size"), gamma: a.num("gamma"), from: a.num("from")), [:]))
        },

        BuiltinSpec(
            "multistep", .schedule, doc: "multiply by gamma at each milestone",
            params: [
                ParamSpec("milestones", .durations, .required, doc: "steps at which to decay (a repeat decays twice)"),
                ParamSpec("gamma", .number, .number(0.1), .positive, doc: "factor per milestone"),
                from,
            ]
        ) { a in
            .schedule(
                .primitive(MultiStep(milestones: a.ints("milestones"), gamma: a.num("gamma"), from: a.num("from")), [:])
            )
        },

        BuiltinSpec(
            "polynomial", .schedule, doc: "(from - to) * (1 - t/T)^power + to",
            params: [
                ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
                from,
                ParamSpec("to", .number, .number(0), .nonNegative, doc: "the final rate"),
                ParamSpec("power", .number, .number(1), .nonNegative, doc: "the exponent"),
                ParamSpec(
                    "cycle", .bool, .bool(false), doc: "restart past T with T stretched to the next multiple (keras)"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    Polynomial(
                        T: a.int("T"), from: a.num("from"), to: a.num("to"), power: a.num("power"),
                        cycle: a.bool("cycle")), [:]))
        },

        BuiltinSpec(
            "inverse_sqrt", .schedule, doc: "from / sqrt((t + T) / T): 1/sqrt(step) decay after a warmup of T",
            params: [
                ParamSpec("T", .number, .number(1), .positive, doc: "the timescale (usually the warmup length)"),
                from,
            ]
        ) { a in .schedule(.primitive(InverseSqrt(T: a.num("T"), from: a.num("from")), [:])) },

        BuiltinSpec(
            "inverse_time", .schedule, doc: "from / (1 + rate * t / every)",
            params: [
                ParamSpec("rate", .number, .required, .nonNegative, doc: "decay rate"),
                ParamSpec("every", .number, .number(1), .positive, doc: "steps per unit of decay"),
                from,
                ParamSpec("staircase", .bool, .bool(false), doc: "decay in whole steps of `every`"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    InverseTime(
                        rate: a.num("rate"), every: a.num("every"), from: a.num("from"),
                        staircase: a.bool("staircase")),
                    [:]))
        },

        BuiltinSpec(
            "tanh_decay", .schedule, doc: "a tanh descent from `from` to `min` over T steps (timm)",
            params: [
                ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
                from,
                ParamSpec("min", .number, .number(0), .nonNegative, doc: "the floor"),
                ParamSpec("lb", .number, .number(-7), doc: "tanh argument at the start"),
                ParamSpec("ub", .number, .number(3), doc: "tanh argument at the end"),
            ]
        ) { a throws(CheckError) in
            guard a.num("lb") < a.num("ub") else { throw .error(.lbNotBelowUb, at: a.range("lb")) }
            return .schedule(
                .primitive(
                    TanhDecay(T: a.int("T"), from: a.num("from"), min: a.num("min"), lb: a.num("lb"), ub: a.num("ub")),
                    [:]))
        },

        BuiltinSpec(
            "cyclic", .schedule, doc: "cyclical rates between `low` and `high` (Smith 2017), momentum opposite",
            params: [
                ParamSpec("low", .number, .required, .nonNegative, doc: "the lower rate"),
                ParamSpec("high", .number, .base, .nonNegative, doc: "the upper rate"),
                ParamSpec("up", .duration, .required, .atLeast(1), doc: "steps from low to high"),
                ParamSpec("down", .duration, .absent, .atLeast(1), doc: "steps from high to low (default: up)"),
                ParamSpec(
                    "mode", .choice(Cyclic.Mode.allCases.map(\.rawValue)), .string("triangular"),
                    doc: "triangular, triangular2 (halve each cycle) or exp_range"),
                ParamSpec("gamma", .number, .number(1), .positive, doc: "exp_range: amplitude factor per step"),
                ParamSpec(
                    "momentum_low", .number, .number(0.8), .nonNegative,
                    doc: "momentum at the rate's peak (checked to be at most 1 with the program's momentum)"),
                ParamSpec(
                    "momentum_high", .number, .number(0.9), .nonNegative,
                    doc: "momentum at the rate's trough (checked to be at most 1 with the program's momentum)"),
                ParamSpec("cycle_momentum", .bool, .bool(true), doc: "schedule momentum against the rate"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    Cyclic(
                        low: a.num("low"), high: a.num("high"), up: a.int("up"), down: a.optInt("down") ?? a.int("up"),
                        mode: Cyclic.Mode(rawValue: a.str("mode"))!, gamma: a.num("gamma"),
                        momentumLow: a.num("momentum_low"), momentumHigh: a.num("momentum_high"),
                        cycleMomentum: a.bool("cycle_momentum")), [:]))
        },

        BuiltinSpec(
            "onecycle", .schedule, doc: "the one-cycle policy (Smith & Topin 2018), momentum opposite",
            params: [
                ParamSpec("total", .duration, .required, .atLeast(2), doc: "length in steps"),
                ParamSpec("max", .number, .base, .positive, doc: "the peak rate"),
                ParamSpec("pct_start", .number, .number(0.3), .openUnit, doc: "fraction of the cycle spent rising"),
                ParamSpec(
                    "shape", .choice(OneCycle.Shape.allCases.map(\.rawValue)), .string("cos"),
                    doc: "cos or linear annealing"),
                ParamSpec(
                    "three_phase", .bool, .bool(false), doc: "come back down to the start before the final descent"),
                ParamSpec("div", .number, .number(25), .positive, doc: "start rate = max / div"),
                ParamSpec("final_div", .number, .number(1e4), .positive, doc: "final rate = start rate / final_div"),
                ParamSpec(
                    "momentum_low", .number, .number(0.85), .nonNegative,
                    doc: "momentum at the peak rate (checked to be at most 1 with the program's momentum)"),
                ParamSpec(
                    "momentum_high", .number, .number(0.95), .nonNegative,
                    doc: "momentum at the low rates (checked to be at most 1 with the program's momentum)"),
                ParamSpec("cycle_momentum", .bool, .bool(true), doc: "schedule momentum against the rate"),
            ]
        ) { a throws(CheckError) in
            let total = a.int("total")
            let pct = a.num("pct_start")
            let three = a.bool("three_phase")
            // Each leg must span at least one step, or the annealing divides by zero.
            let p = pct * Double(total)
            if p - 1 <= 0 || (three ? 2 * p - 2 >= Double(total) - 1 || p - 1 >= 2 * p - 2 : p - 1 >= Double(total) - 1)
            {
                throw .error(.emptyCyclePhase(pctStart: pct, total: total), at: a.range("pct_start"))
            }
            return .schedule(
                .primitive(
                    OneCycle(
                        max: a.num("max"), total: total, pctStart: pct,
                        shape: OneCycle.Shape(rawValue: a.str("shape"))!,
                        threePhase: three, div: a.num("div"), finalDiv: a.num("final_div"),
                        momentumLow: a.num("momentum_low"), momentumHigh: a.num("momentum_high"),
                        cycleMomentum: a.bool("cycle_momentum")), [:]))
        },

        BuiltinSpec(
            "piecewise", .schedule, doc: "constant pieces: values[i] from boundaries[i-1] on",
            params: [
                ParamSpec("boundaries", .durations, .required, doc: "steps where the value changes, increasing"),
                ParamSpec("values", .numbers, .required, doc: "one more value than boundaries"),
            ]
        ) { a throws(CheckError) in
            let b = a.ints("boundaries")
            let v = a.nums("values")
            guard v.count == b.count + 1 else {
                throw .error(.piecewiseCounts(boundaries: b.count, values: v.count), at: a.range("values"))
            }
            try Builtins.requireIncreasing(b, a.range("boundaries"), strictly: false)
            return .schedule(.primitive(Piecewise(boundaries: b, values: v), [:]))
        },

        BuiltinSpec(
            "interpolate", .schedule, doc: "interpolation through (boundaries[i], values[i]), flat outside",
            params: [
                ParamSpec(
                    "boundaries", .durations, .required,
                    doc: "steps of the points, strictly increasing (equal first ones: the last of them holds)"),
                ParamSpec("values", .numbers, .required, doc: "the value at each point"),
                ParamSpec(
                    "shape", .choice(Interpolate.Shape.allCases.map(\.rawValue)), .string("linear"),
                    doc: "linear or cos"),
            ]
        ) { a throws(CheckError) in
            var b = a.ints("boundaries")
            var v = a.nums("values")
            guard !b.isEmpty, v.count == b.count else {
                throw .error(.interpolateCounts(boundaries: b.count, values: v.count), at: a.range("values"))
            }
            // Equal first boundaries (optax's boundary at step 0) make an interval that never shows: the last of them
            // holds.
            while b.count > 1, b[0] == b[1] {
                b.removeFirst()
                v.removeFirst()
            }
            try Builtins.requireIncreasing(b, a.range("boundaries"), strictly: true)
            return .schedule(
                .primitive(
                    Interpolate(boundaries: b, values: v, shape: Interpolate.Shape(rawValue: a.str("shape"))!), [:]))
        },

        BuiltinSpec(
            "wsd", .schedule, doc: "warmup-stable-decay (Hu et al. 2024)",
            params: [
                ParamSpec("warmup", .duration, .required, doc: "steps rising from `from` to `peak`"),
                ParamSpec("stable", .duration, .required, doc: "steps held at `peak`"),
                ParamSpec("decay", .duration, .required, .atLeast(1), doc: "steps decaying to `min`"),
                ParamSpec("peak", .number, .base, .nonNegative, doc: "the plateau rate"),
                ParamSpec("from", .number, .number(0), .nonNegative, doc: "the starting rate"),
                ParamSpec("min", .number, .number(0), .nonNegative, doc: "the final rate"),
                ParamSpec(
                    "shape", .choice(WarmupStableDecay.Shape.allCases.map(\.rawValue)), .string("linear"),
                    doc: "decay shape: linear, cosine or 1-sqrt"),
            ]
        ) { a in
            .schedule(
                .primitive(
                    WarmupStableDecay(
                        warmup: a.int("warmup"), stable: a.int("stable"), decay: a.int("decay"), peak: a.num("peak"),
                        from: a.num("from"), min: a.num("min"),
                        shape: WarmupStableDecay.Shape(rawValue: a.str("shape"))!), [:]))
        },

        BuiltinSpec(
            "reduce_on_plateau", .schedule, doc: "multiply by `factor` when the metric stops improving",
            params: [
                ParamSpec("factor", .number, .number(0.1), .openUnit, doc: "multiplier per reduction"),
                ParamSpec(
                    "patience", .integer, .number(10), .nonNegative, doc: "evaluations without improvement tolerated"),
                ParamSpec(
                    "threshold", .number, .number(1e-4), .nonNegative, doc: "least change that counts as improvement"),
                ParamSpec(
                    "threshold_mode", .choice(PlateauSpec.ThresholdMode.allCases.map(\.rawValue)), .string("rel"),
                    doc: "rel or abs"),
                ParamSpec(
                    "mode", .choice(PlateauSpec.Mode.allCases.map(\.rawValue)), .string("min"),
                    doc: "min (a loss) or max (an accuracy)"),
                ParamSpec("cooldown", .integer, .number(0), .nonNegative, doc: "evaluations ignored after a reduction"),
                ParamSpec("min", .number, .number(0), .nonNegative, doc: "the rate never goes below this"),
                atol, accumulate,
                ParamSpec("eps", .number, .number(1e-8), .nonNegative, doc: "reductions smaller than this are skipped"),
                from,
            ]
        ) { a in
            .schedule(
                .reduceOnPlateau(
                    ReduceOnPlateau(
                        plateau: a.plateau(), factor: a.num("factor"), min: a.num("min"),
                        eps: a.num("eps"), from: a.num("from"), slot: 0), [:]))
        },

        BuiltinSpec(
            "restarts", .schedule, doc: "warm restarts (SGDR): repeat `body` in cycles",
            params: [
                ParamSpec("body", .schedule, .required, doc: "one cycle, defined over `period` steps"),
                ParamSpec("period", .duration, .required, .atLeast(1), doc: "length of the first cycle"),
                ParamSpec("mult", .number, .number(1), .atLeast(1), doc: "each cycle is this many times longer"),
                ParamSpec(
                    "decay", .number, .number(1), .positive,
                    doc: "each cycle's excursion above `floor` is scaled by this"),
                ParamSpec("floor", .number, .number(0), .nonNegative, doc: "the level `decay` scales toward"),
                ParamSpec("limit", .integer, .absent, .atLeast(1), doc: "the number of cycles (default: no limit)"),
                ParamSpec(
                    "decay_mode", .choice(Restarts.DecayMode.allCases.map(\.rawValue)), .string("excursion"),
                    doc:
                        "excursion: decay scales everything above `floor`; peak: only the starting value decays, "
                        + "`floor` stays"
                ),
                ParamSpec(
                    "whole", .bool, .bool(false),
                    doc: "each cycle lasts a whole number of steps, floor(mult * the previous), as Composer truncates"),
            ]
        ) { a throws(CheckError) in
            let body = try a.stateless("body", in: "restarts")
            return .schedule(
                .restarts(
                    Restarts(
                        body: body, period: a.int("period"), mult: a.num("mult"), decay: a.num("decay"),
                        floor: a.num("floor"), limit: a.optInt("limit"),
                        decayMode: Restarts.DecayMode(rawValue: a.str("decay_mode"))!,
                        peak: body.initialValue, whole: a.bool("whole")), [:]))
        },

        BuiltinSpec(
            "at", .schedule, doc: "`body` evaluated at another time: at(cosine(T=10), t + 5) runs 5 steps ahead",
            params: [
                ParamSpec("body", .schedule, .required, doc: "the schedule to evaluate"),
                ParamSpec("time", .schedule, .required, doc: "the time to evaluate it at, a schedule in t"),
            ]
        ) { a throws(CheckError) in
            .schedule(.warp(try a.stateless("body", in: "at"), try a.stateless("time", in: "at")))
        },

        BuiltinSpec(
            "hold", .schedule, doc: "`body` without an end: after its natural length it keeps its last value",
            params: [
                ParamSpec("body", .schedule, .required, doc: "a schedule that would otherwise end")
            ]
        ) { a throws(CheckError) in
            .schedule(.warp(try a.stateless("body", in: "hold"), .time))
        },

        BuiltinSpec(
            "float32", .schedule,
            doc: "`body` computed in single precision, every operation rounded as keras rounds it",
            params: [
                ParamSpec("body", .schedule, .required, doc: "the schedule")
            ]
        ) { a throws(CheckError) in
            .schedule(.single(try a.stateless("body", in: "float32")))
        },

        BuiltinSpec(
            "running_product", .schedule, doc: "f(1) * f(2) * ... * f(t), 1 at t = 0 (torch's MultiplicativeLR)",
            params: [
                ParamSpec("f", .schedule, .required, doc: "the factor at each step, a schedule in t")
            ]
        ) { a throws(CheckError) in
            .schedule(.runningProduct(try a.stateless("f", in: "running_product")))
        },

        BuiltinSpec(
            "chained", .schedule,
            doc:
                "torch's ChainedScheduler: each step, every schedule in turn updates one running rate that starts at "
                + "base; a chainable(...) one moves it by its own change around its floor, any other sets it to "
                + "its own value",
            params: [
                ParamSpec("schedules", .list, .required, doc: "the schedules, in the order they step")
            ]
        ) { a throws(CheckError) in
            let bodies = try a.schedules("schedules")
            guard !bodies.isEmpty, case .list(let items)? = a.values["schedules"] else {
                throw .error(.chainedNeedsSchedule, at: a.range("schedules"))
            }
            var members: [Chained.Member] = []
            var symbols: BaseSymbols = ["start": .base]
            for (i, (item, body)) in zip(items, bodies).enumerated() {
                if body.isStateful { throw .error(.chainedMemberDependsOnMetrics, at: a.range("schedules")) }
                guard case .chainable(_, let floor, let form) = item else {
                    members.append(Chained.Member(body: body, floor: nil))
                    continue
                }
                if let form {
                    if form.expr.readsEntry {
                        throw .error(.chainedFloorReadsEntry, at: a.range("schedules"))
                    }
                    symbols["floor.\(i)"] = form.expr
                }
                members.append(Chained.Member(body: body, floor: floor))
            }
            return .schedule(.chained(Chained(members: members, start: a.base), symbols))
        },

        BuiltinSpec(
            "chain", .schedule,
            doc: "schedules one after another, switching at the given steps; each starts its own t at 0",
            params: [
                ParamSpec("schedules", .list, .required, doc: "the schedules, in order"),
                ParamSpec(
                    "at", .durations, .required,
                    doc: "the steps at which to switch to the next one; one fewer than schedules"),
            ]
        ) { a throws(CheckError) in
            let nodes = try a.schedules("schedules")
            let at = a.ints("at")
            guard !nodes.isEmpty, at.count == nodes.count - 1 else {
                throw .error(.chainCounts(schedules: nodes.count, steps: at.count), at: a.range("at"))
            }
            try Builtins.requireIncreasing(at, a.range("at"), strictly: false)
            var phases: [Phase] = []
            for (i, n) in nodes.enumerated() {
                let start = i == 0 ? 0 : at[i - 1]
                let length = i < at.count ? at[i] - start : nil
                if length == 0 { continue }  // never in force
                phases.append(
                    Phase(
                        body: n, bound: length ?? n.duration, explicitBound: length != nil,
                        condition: nil, slots: 0..<0, range: a.range("schedules")))
            }
            if phases.count == 1, !phases[0].explicitBound { return .schedule(phases[0].body) }
            // Its phases are phases like `then`'s: a warmup rises to where the next one starts.
            Phase.resolveImplicitTargets(&phases)
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
    ]
}
