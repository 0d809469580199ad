import Foundation

/// The one table of builtin names. The checker, `ramp list`, the docs and
/// the REPL's completion all read it, so a name, parameter or default is
/// written down exactly once.
public enum Builtins {
    public static let keywords: [String] = Keyword.allCases.map(\.rawValue)

    public static let settings: [SettingSpec] = [
        SettingSpec(name: "base", doc: "the base learning rate (default 1); `--base` overrides it"),
        SettingSpec(name: "steps_per_epoch", doc: "steps in one epoch, so durations can be written in epochs"),
        SettingSpec(name: "samples_per_step", doc: "samples in one step's batch, so durations can be written in samples"),
        SettingSpec(name: "tokens_per_step", doc: "tokens in one step's batch, so durations can be written in tokens"),
        SettingSpec(name: "sequence_length", doc: "tokens in one sample, so durations in tokens count through a scheduled batch_size"),
        SettingSpec(name: "total", doc: "the length of the run, so durations can be written as a percentage of it"),
        SettingSpec(name: "signals", doc: "the names `signal(...)` may use, as a list of strings; a name outside it is an error"),
    ]

    /// A signal's name: an identifier, so it reads the same in a REPL command, a flag and a file name.
    public static func isSignalName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isIdentStart(first), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { $0 < 0x80 && isIdentPart($0) }
    }

    /// The names that start setting and output statements, for the parser.
    public static let statementNames = Parser.StatementNames(settings: Set(settings.map(\.name)))

    /// The outputs whose meaning Ramp knows: their ranges are checked, and
    /// adapters write them to the optimizer's fields. Any other name is an
    /// output too, carried as it is, its values checked to be finite.
    public static let outputs: [OutputSpec] = [
        OutputSpec(name: "lr", doc: "the learning rate (a bare schedule means this)", range: .nonNegative),
        OutputSpec(name: "momentum", doc: "momentum (or Adam's beta1); one-cycle and cyclic set it unless given", range: .unit),
        OutputSpec(name: "beta2", doc: "Adam's beta2, the decay of its average of squared gradients", range: .unit),
        OutputSpec(name: "weight_decay", doc: "weight decay (the optimizer's weight_decay)", range: .nonNegative),
        OutputSpec(name: "ema", doc: "the decay of an average of the weights (EMA), or a teacher's momentum (DINO)", range: .unit),
        OutputSpec(name: "batch_size", doc: "the batch size in samples, a whole number", range: .positiveInteger),
    ]

    public static func output(_ name: String) -> OutputSpec? { outputs.first { $0.name == name } }

    /// The output a name schedules: itself, or for a parameter group's (`lr[backbone]`) the one before the bracket.
    public static func baseOutput(of name: String) -> String { String(name.prefix { $0 != "[" }) }

    /// The group a parameter group's output names (`backbone` of `lr[backbone]`), or nil for a default output.
    public static func groupKey(of name: String) -> String? {
        guard let open = name.firstIndex(of: "["), name.hasSuffix("]") else { return nil }
        return String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    }

    /// The range an output's values are checked against: its own, or an unknown name's (finite).
    public static func range(of name: String) -> OutputRange { output(baseOutput(of: name))?.range ?? .finite }

    /// Names with a fixed meaning inside expressions.
    public static let specials: [(name: String, doc: String)] = [
        ("t", "the step within the current phase"),
        ("base", "the base learning rate"),
        ("pi", "3.14159..."),
        ("inf", "infinity"),
        ("metric", "the metric fed at the end of the step (conditions only)"),
        ("lr", "the learning rate of the step (conditions only)"),
        ("current", "the output's value at the last step before the phase, fixed when the phase starts; current(\"momentum\") reads another output"),
        ("elapsed", "the step at which the phase starts, counted from the start of the run, fixed when the phase starts"),
        ("true", "boolean true (also True)"),
        ("false", "boolean false (also False)"),
        ("none", "no value (also None)"),
    ]

    public static let all: [BuiltinSpec] = schedules + conditions + functions + helpers

    private static let byName: [String: BuiltinSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func lookup(_ name: String) -> BuiltinSpec? { byName[name] }

    /// `'10ba'`, `'2ep'`, `'0.5dur'` in steps, as Composer converts them for
    /// its schedulers: epochs through the dataloader's length, a fraction of
    /// the run rounded down.
    static func composerSteps(_ text: String, _ settings: Settings, at range: SourceRange) throws(CheckError) -> Int {
        let number = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(number.count)
        guard let x = Double(number), x.isFinite, x >= 0 else {
            throw .error(.badValue, "'\(text)' is not a Composer time such as '10ba', '2ep' or '0.1dur'", at: range)
        }
        let steps: Double
        switch unit {
        case "ba": steps = x
        case "ep":
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.settingMissing, "a Composer time in epochs ('\(text)') needs 'steps_per_epoch', the dataloader's length in batches", at: range)
            }
            steps = x * Double(spe)
        case "dur":
            guard let total = settings.total else {
                throw .error(.settingMissing, "a Composer time in 'dur' ('\(text)') needs 'total', the run's max_duration: add a line such as `total 90 epochs`", at: range)
            }
            steps = x * Double(total)
        case "sp", "tok":
            throw .error(.badValue, "a Composer time in samples or tokens ('\(text)') is not supported: give it in ba, ep or dur", at: range)
        default:
            throw .error(.badValue, "'\(text)' is not a Composer time: its unit is ba, ep or dur", at: range)
        }
        guard steps < 1e15 else { throw .error(.badDuration, "'\(text)' is too long to count in steps", at: range) }
        return Int(steps.rounded(.down))
    }

    // MARK: - schedules

    static let from = ParamSpec("from", .number, .base, doc: "the starting rate")
    static let atol = ParamSpec("atol", .number, .number(0), .nonNegative, doc: "an absolute tolerance added to the threshold (optax)")
    static let accumulate = ParamSpec("accumulate", .integer, .number(1), .atLeast(1), doc: "metrics averaged into one evaluation (optax)")

    public static let schedules: [BuiltinSpec] = [
        BuiltinSpec("constant", .schedule, doc: "a fixed rate", params: [
            ParamSpec("value", .number, .base, .nonNegative, doc: "the rate"),
        ]) { a in .schedule(.primitive(Constant(level: a.num("value")), [:])) },

        BuiltinSpec("linear", .schedule, doc: "a straight line from `from` to `to` over T steps", params: [
            ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
            from,
            ParamSpec("to", .number, .number(0), doc: "the final rate"),
        ]) { a in .schedule(.primitive(Linear(from: a.num("from"), to: a.num("to"), T: a.int("T")), [:])) },

        BuiltinSpec("warmup", .schedule, doc: "a rise over T steps to the rate the next phase starts at (base when last)", params: [
            ParamSpec("T", .duration, .required, .nonNegative, doc: "length in steps; 0 means no warmup"),
            ParamSpec("from", .number, .number(0), .nonNegative, doc: "the starting rate"),
            ParamSpec("to", .number, .nextPhase, doc: "the target rate"),
            ParamSpec("shape", .choice(Warmup.Shape.allCases.map(\.rawValue)), .string("linear"), doc: "linear, exp (geometric) or constant (held at `from`)"),
        ]) { a throws(CheckError) in
            let shape = Warmup.Shape(rawValue: a.str("shape"))!
            if shape == .exp, a.num("from") <= 0 {
                throw .error(.invalidArguments, "an exponential warmup needs `from` above 0", at: a.range("from"))
            }
            return .schedule(.primitive(Warmup(T: a.int("T"), from: a.num("from"), to: a.optNum("to") ?? a.base,
                                               shape: shape, implicitTarget: !a.given("to")), [:]))
        },

        BuiltinSpec("cosine", .schedule, doc: "half a cosine from `from` down to `min` over T steps", params: [
            ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
            from,
            ParamSpec("min", .number, .number(0), .nonNegative, doc: "the floor"),
            ParamSpec("exponent", .number, .number(1), .positive, doc: "power applied to the cosine factor (optax)"),
            ParamSpec("k", .number, .number(1), .positive, doc: "k-decay: the curve follows t^k / T^k (timm)"),
            ParamSpec("periodic", .bool, .bool(false), doc: "keep following the cosine past T, as torch does"),
        ]) { a in
            .schedule(.primitive(Cosine(T: a.int("T"), from: a.num("from"), min: a.num("min"), exponent: a.num("exponent"),
                                        k: a.num("k"), periodic: a.bool("periodic")), [:]))
        },

        BuiltinSpec("exponential", .schedule, doc: "from * gamma^(t/every), continuous or in stairs", params: [
            ParamSpec("gamma", .number, .required, .positive, doc: "factor per `every` steps"),
            from,
            ParamSpec("every", .number, .number(1), .positive, doc: "steps per factor of gamma"),
            ParamSpec("staircase", .bool, .bool(false), doc: "apply gamma in whole steps of `every`"),
            ParamSpec("end", .number, .absent, .nonNegative, doc: "a rate the decay (or growth) stops at"),
        ]) { a in
            .schedule(.primitive(Exponential(gamma: a.num("gamma"), from: a.num("from"), every: a.num("every"),
                                             staircase: a.bool("staircase"), end: a.optNum("end")), [:]))
        },

        BuiltinSpec("step", .schedule, doc: "multiply by gamma every `size` steps", params: [
            ParamSpec("size", .duration, .required, .atLeast(1), doc: "steps between decays"),
            ParamSpec("gamma", .number, .number(0.1), .positive, doc: "factor per decay"),
            from,
        ]) { a in .schedule(.primitive(StepDecay(size: a.int("size"), gamma: a.num("gamma"), from: a.num("from")), [:])) },

        BuiltinSpec("multistep", .schedule, doc: "multiply by gamma at each milestone", params: [
            ParamSpec("milestones", .durations, .required, doc: "steps at which to decay (a repeat decays twice)"),
            ParamSpec("gamma", .number, .number(0.1), .positive, doc: "factor per milestone"),
            from,
        ]) { a in .schedule(.primitive(MultiStep(milestones: a.ints("milestones"), gamma: a.num("gamma"), from: a.num("from")), [:])) },

        BuiltinSpec("polynomial", .schedule, doc: "(from - to) * (1 - t/T)^power + to", params: [
            ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
            from,
            ParamSpec("to", .number, .number(0), .nonNegative, doc: "the final rate"),
            ParamSpec("power", .number, .number(1), .nonNegative, doc: "the exponent"),
            ParamSpec("cycle", .bool, .bool(false), doc: "restart past T with T stretched to the next multiple (keras)"),
        ]) { a in
            .schedule(.primitive(Polynomial(T: a.int("T"), from: a.num("from"), to: a.num("to"), power: a.num("power"), cycle: a.bool("cycle")), [:]))
        },

        BuiltinSpec("inverse_sqrt", .schedule, doc: "from / sqrt((t + T) / T): 1/sqrt(step) decay after a warmup of T", params: [
            ParamSpec("T", .number, .number(1), .positive, doc: "the timescale (usually the warmup length)"),
            from,
        ]) { a in .schedule(.primitive(InverseSqrt(T: a.num("T"), from: a.num("from")), [:])) },

        BuiltinSpec("inverse_time", .schedule, doc: "from / (1 + rate * t / every)", params: [
            ParamSpec("rate", .number, .required, .nonNegative, doc: "decay rate"),
            ParamSpec("every", .number, .number(1), .positive, doc: "steps per unit of decay"),
            from,
            ParamSpec("staircase", .bool, .bool(false), doc: "decay in whole steps of `every`"),
        ]) { a in
            .schedule(.primitive(InverseTime(rate: a.num("rate"), every: a.num("every"), from: a.num("from"), staircase: a.bool("staircase")), [:]))
        },

        BuiltinSpec("tanh_decay", .schedule, doc: "a tanh descent from `from` to `min` over T steps (timm)", params: [
            ParamSpec("T", .duration, .required, .atLeast(1), doc: "length in steps"),
            from,
            ParamSpec("min", .number, .number(0), .nonNegative, doc: "the floor"),
            ParamSpec("lb", .number, .number(-7), doc: "tanh argument at the start"),
            ParamSpec("ub", .number, .number(3), doc: "tanh argument at the end"),
        ]) { a throws(CheckError) in
            guard a.num("lb") < a.num("ub") else { throw .error(.invalidArguments, "`lb` must be below `ub`", at: a.range("lb")) }
            return .schedule(.primitive(TanhDecay(T: a.int("T"), from: a.num("from"), min: a.num("min"), lb: a.num("lb"), ub: a.num("ub")), [:]))
        },

        BuiltinSpec("cyclic", .schedule, doc: "cyclical rates between `low` and `high` (Smith 2017), momentum opposite", params: [
            ParamSpec("low", .number, .required, .nonNegative, doc: "the lower rate"),
            ParamSpec("high", .number, .base, .nonNegative, doc: "the upper rate"),
            ParamSpec("up", .duration, .required, .atLeast(1), doc: "steps from low to high"),
            ParamSpec("down", .duration, .absent, .atLeast(1), doc: "steps from high to low (default: up)"),
            ParamSpec("mode", .choice(Cyclic.Mode.allCases.map(\.rawValue)), .string("triangular"), doc: "triangular, triangular2 (halve each cycle) or exp_range"),
            ParamSpec("gamma", .number, .number(1), .positive, doc: "exp_range: amplitude factor per step"),
            ParamSpec("momentum_low", .number, .number(0.8), .nonNegative, doc: "momentum at the rate's peak (checked to be at most 1 with the program's momentum)"),
            ParamSpec("momentum_high", .number, .number(0.9), .nonNegative, doc: "momentum at the rate's trough (checked to be at most 1 with the program's momentum)"),
            ParamSpec("cycle_momentum", .bool, .bool(true), doc: "schedule momentum against the rate"),
        ]) { a in
            .schedule(.primitive(Cyclic(low: a.num("low"), high: a.num("high"), up: a.int("up"), down: a.optInt("down") ?? a.int("up"),
                                        mode: Cyclic.Mode(rawValue: a.str("mode"))!, gamma: a.num("gamma"),
                                        momentumLow: a.num("momentum_low"), momentumHigh: a.num("momentum_high"),
                                        cycleMomentum: a.bool("cycle_momentum")), [:]))
        },

        BuiltinSpec("onecycle", .schedule, doc: "the one-cycle policy (Smith & Topin 2018), momentum opposite", params: [
            ParamSpec("total", .duration, .required, .atLeast(2), doc: "length in steps"),
            ParamSpec("max", .number, .base, .positive, doc: "the peak rate"),
            ParamSpec("pct_start", .number, .number(0.3), .openUnit, doc: "fraction of the cycle spent rising"),
            ParamSpec("shape", .choice(OneCycle.Shape.allCases.map(\.rawValue)), .string("cos"), doc: "cos or linear annealing"),
            ParamSpec("three_phase", .bool, .bool(false), doc: "come back down to the start before the final descent"),
            ParamSpec("div", .number, .number(25), .positive, doc: "start rate = max / div"),
            ParamSpec("final_div", .number, .number(1e4), .positive, doc: "final rate = start rate / final_div"),
            ParamSpec("momentum_low", .number, .number(0.85), .nonNegative, doc: "momentum at the peak rate (checked to be at most 1 with the program's momentum)"),
            ParamSpec("momentum_high", .number, .number(0.95), .nonNegative, doc: "momentum at the low rates (checked to be at most 1 with the program's momentum)"),
            ParamSpec("cycle_momentum", .bool, .bool(true), doc: "schedule momentum against the rate"),
        ]) { a throws(CheckError) in
            let total = a.int("total"), pct = a.num("pct_start")
            let three = a.bool("three_phase")
            // Each leg must span at least one step, or the annealing divides by zero.
            let p = pct * Double(total)
            if p - 1 <= 0 || (three ? 2 * p - 2 >= Double(total) - 1 || p - 1 >= 2 * p - 2 : p - 1 >= Double(total) - 1) {
                throw .error(.invalidArguments, "pct_start=\(fmt(pct)) leaves a phase of the cycle with no steps at total=\(total)", at: a.range("pct_start"))
            }
            return .schedule(.primitive(OneCycle(max: a.num("max"), total: total, pctStart: pct, shape: OneCycle.Shape(rawValue: a.str("shape"))!,
                                                 threePhase: three, div: a.num("div"), finalDiv: a.num("final_div"),
                                                 momentumLow: a.num("momentum_low"), momentumHigh: a.num("momentum_high"),
                                                 cycleMomentum: a.bool("cycle_momentum")), [:]))
        },

        BuiltinSpec("piecewise", .schedule, doc: "constant pieces: values[i] from boundaries[i-1] on", params: [
            ParamSpec("boundaries", .durations, .required, doc: "steps where the value changes, increasing"),
            ParamSpec("values", .numbers, .required, doc: "one more value than boundaries"),
        ]) { a throws(CheckError) in
            let b = a.ints("boundaries"), v = a.nums("values")
            guard v.count == b.count + 1 else {
                throw .error(.invalidArguments, "piecewise needs one more value than boundaries (\(b.count) boundaries, \(v.count) values)", at: a.range("values"))
            }
            try Builtins.requireIncreasing(b, a.range("boundaries"), strictly: false)
            return .schedule(.primitive(Piecewise(boundaries: b, values: v), [:]))
        },

        BuiltinSpec("interpolate", .schedule, doc: "interpolation through (boundaries[i], values[i]), flat outside", params: [
            ParamSpec("boundaries", .durations, .required, doc: "steps of the points, strictly increasing (equal first ones: the last of them holds)"),
            ParamSpec("values", .numbers, .required, doc: "the value at each point"),
            ParamSpec("shape", .choice(Interpolate.Shape.allCases.map(\.rawValue)), .string("linear"), doc: "linear or cos"),
        ]) { a throws(CheckError) in
            var b = a.ints("boundaries"), v = a.nums("values")
            guard !b.isEmpty, v.count == b.count else {
                throw .error(.invalidArguments, "interpolate needs one value per boundary (\(b.count) boundaries, \(v.count) values)", at: a.range("values"))
            }
            // Equal first boundaries (optax's boundary at step 0) make an interval that never shows: the last of them holds.
            while b.count > 1, b[0] == b[1] { b.removeFirst(); v.removeFirst() }
            try Builtins.requireIncreasing(b, a.range("boundaries"), strictly: true)
            return .schedule(.primitive(Interpolate(boundaries: b, values: v, shape: Interpolate.Shape(rawValue: a.str("shape"))!), [:]))
        },

        BuiltinSpec("wsd", .schedule, doc: "warmup-stable-decay (Hu et al. 2024)", params: [
            ParamSpec("warmup", .duration, .required, doc: "steps rising from `from` to `peak`"),
            ParamSpec("stable", .duration, .required, doc: "steps held at `peak`"),
            ParamSpec("decay", .duration, .required, .atLeast(1), doc: "steps decaying to `min`"),
            ParamSpec("peak", .number, .base, .nonNegative, doc: "the plateau rate"),
            ParamSpec("from", .number, .number(0), .nonNegative, doc: "the starting rate"),
            ParamSpec("min", .number, .number(0), .nonNegative, doc: "the final rate"),
            ParamSpec("shape", .choice(WarmupStableDecay.Shape.allCases.map(\.rawValue)), .string("linear"), doc: "decay shape: linear, cosine or 1-sqrt"),
        ]) { a in
            .schedule(.primitive(WarmupStableDecay(warmup: a.int("warmup"), stable: a.int("stable"), decay: a.int("decay"), peak: a.num("peak"),
                                                   from: a.num("from"), min: a.num("min"), shape: WarmupStableDecay.Shape(rawValue: a.str("shape"))!), [:]))
        },

        BuiltinSpec("reduce_on_plateau", .schedule, doc: "multiply by `factor` when the metric stops improving", params: [
            ParamSpec("factor", .number, .number(0.1), .openUnit, doc: "multiplier per reduction"),
            ParamSpec("patience", .integer, .number(10), .nonNegative, doc: "evaluations without improvement tolerated"),
            ParamSpec("threshold", .number, .number(1e-4), .nonNegative, doc: "least change that counts as improvement"),
            ParamSpec("threshold_mode", .choice(PlateauSpec.ThresholdMode.allCases.map(\.rawValue)), .string("rel"), doc: "rel or abs"),
            ParamSpec("mode", .choice(PlateauSpec.Mode.allCases.map(\.rawValue)), .string("min"), doc: "min (a loss) or max (an accuracy)"),
            ParamSpec("cooldown", .integer, .number(0), .nonNegative, doc: "evaluations ignored after a reduction"),
            ParamSpec("min", .number, .number(0), .nonNegative, doc: "the rate never goes below this"),
            atol, accumulate,
            ParamSpec("eps", .number, .number(1e-8), .nonNegative, doc: "reductions smaller than this are skipped"),
            from,
        ]) { a in
            .schedule(.reduceOnPlateau(ReduceOnPlateau(plateau: a.plateau(), factor: a.num("factor"), min: a.num("min"),
                                                       eps: a.num("eps"), from: a.num("from"), slot: 0), [:]))
        },

        BuiltinSpec("restarts", .schedule, doc: "warm restarts (SGDR): repeat `body` in cycles", params: [
            ParamSpec("body", .schedule, .required, doc: "one cycle, defined over `period` steps"),
            ParamSpec("period", .duration, .required, .atLeast(1), doc: "length of the first cycle"),
            ParamSpec("mult", .number, .number(1), .atLeast(1), doc: "each cycle is this many times longer"),
            ParamSpec("decay", .number, .number(1), .positive, doc: "each cycle's excursion above `floor` is scaled by this"),
            ParamSpec("floor", .number, .number(0), .nonNegative, doc: "the level `decay` scales toward"),
            ParamSpec("limit", .integer, .absent, .atLeast(1), doc: "the number of cycles (default: no limit)"),
            ParamSpec("decay_mode", .choice(Restarts.DecayMode.allCases.map(\.rawValue)), .string("excursion"),
                      doc: "excursion: decay scales everything above `floor`; peak: only the starting value decays, `floor` stays"),
        ]) { a throws(CheckError) in
            let body = try a.stateless("body", in: "restarts")
            return .schedule(.restarts(Restarts(body: body, period: a.int("period"), mult: a.num("mult"), decay: a.num("decay"),
                                                floor: a.num("floor"), limit: a.optInt("limit"),
                                                decayMode: Restarts.DecayMode(rawValue: a.str("decay_mode"))!,
                                                peak: body.initialValue), [:]))
        },

        BuiltinSpec("at", .schedule, doc: "`body` evaluated at another time: at(cosine(T=10), t + 5) runs 5 steps ahead", params: [
            ParamSpec("body", .schedule, .required, doc: "the schedule to evaluate"),
            ParamSpec("time", .schedule, .required, doc: "the time to evaluate it at, a schedule in t"),
        ]) { a throws(CheckError) in
            .schedule(.warp(try a.stateless("body", in: "at"), try a.stateless("time", in: "at")))
        },

        BuiltinSpec("hold", .schedule, doc: "`body` without an end: after its natural length it keeps its last value", params: [
            ParamSpec("body", .schedule, .required, doc: "a schedule that would otherwise end"),
        ]) { a throws(CheckError) in
            .schedule(.warp(try a.stateless("body", in: "hold"), .time))
        },

        BuiltinSpec("float32", .schedule, doc: "`body` computed in single precision, every operation rounded as keras rounds it", params: [
            ParamSpec("body", .schedule, .required, doc: "the schedule"),
        ]) { a throws(CheckError) in
            .schedule(.single(try a.stateless("body", in: "float32")))
        },

        BuiltinSpec("running_product", .schedule, doc: "f(1) * f(2) * ... * f(t), 1 at t = 0 (torch's MultiplicativeLR)", params: [
            ParamSpec("f", .schedule, .required, doc: "the factor at each step, a schedule in t"),
        ]) { a throws(CheckError) in
            .schedule(.runningProduct(try a.stateless("f", in: "running_product")))
        },

        BuiltinSpec("chained", .schedule, doc: "torch's ChainedScheduler: each step, every schedule in turn updates one running rate that starts at base; a chainable(...) one moves it by its own change around its floor, any other sets it to its own value", params: [
            ParamSpec("schedules", .list, .required, doc: "the schedules, in the order they step"),
        ]) { a throws(CheckError) in
            let bodies = try a.schedules("schedules")
            guard !bodies.isEmpty, case .list(let items)? = a.values["schedules"] else {
                throw .error(.invalidArguments, "chained needs at least one schedule", at: a.range("schedules"))
            }
            var members: [Chained.Member] = []
            var symbols: BaseSymbols = ["start": .base]
            for (i, (item, body)) in zip(items, bodies).enumerated() {
                if body.isStateful { throw .error(.metricDriven, "the schedules of 'chained' cannot depend on metrics", at: a.range("schedules")) }
                guard case .chainable(_, let floor, let form) = item else {
                    members.append(Chained.Member(body: body, floor: nil))
                    continue
                }
                if let form {
                    if form.expr.readsEntry {
                        throw .error(.entryValueMisplaced, "a chained member's floor is fixed when the program is checked, so it cannot read `current` or `elapsed`", at: a.range("schedules"))
                    }
                    symbols["floor.\(i)"] = form.expr
                }
                members.append(Chained.Member(body: body, floor: floor))
            }
            return .schedule(.chained(Chained(members: members, start: a.base), symbols))
        },

        BuiltinSpec("chain", .schedule, doc: "schedules one after another, switching at the given steps; each starts its own t at 0", params: [
            ParamSpec("schedules", .list, .required, doc: "the schedules, in order"),
            ParamSpec("at", .durations, .required, doc: "the steps at which to switch to the next one; one fewer than schedules"),
        ]) { a throws(CheckError) in
            let nodes = try a.schedules("schedules")
            let at = a.ints("at")
            guard !nodes.isEmpty, at.count == nodes.count - 1 else {
                throw .error(.invalidArguments, "chain needs one switching step fewer than schedules (\(nodes.count) schedules, \(at.count) steps)", at: a.range("at"))
            }
            try Builtins.requireIncreasing(at, a.range("at"), strictly: false)
            var phases: [Phase] = []
            for (i, n) in nodes.enumerated() {
                let start = i == 0 ? 0 : at[i - 1]
                let length = i < at.count ? at[i] - start : nil
                if length == 0 { continue }  // never in force
                phases.append(Phase(body: n, bound: length ?? n.duration, explicitBound: length != nil,
                                    condition: nil, slots: 0..<0, range: a.range("schedules")))
            }
            if phases.count == 1, !phases[0].explicitBound { return .schedule(phases[0].body) }
            // Its phases are phases like `then`'s: a warmup rises to where the next one starts.
            Phase.resolveImplicitTargets(&phases)
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
    ]

    // MARK: - conditions

    public static let conditions: [BuiltinSpec] = [
        BuiltinSpec("plateau", .condition, doc: "holds when the metric has stopped improving", params: [
            ParamSpec("patience", .integer, .number(10), .nonNegative, doc: "evaluations without improvement tolerated; the next one ends the phase"),
            ParamSpec("threshold", .number, .number(1e-4), .nonNegative, doc: "least change that counts as improvement"),
            ParamSpec("mode", .choice(PlateauSpec.Mode.allCases.map(\.rawValue)), .string("min"), doc: "min (a loss) or max (an accuracy)"),
            ParamSpec("cooldown", .integer, .number(0), .nonNegative, doc: "evaluations ignored at the start of the phase"),
            ParamSpec("threshold_mode", .choice(PlateauSpec.ThresholdMode.allCases.map(\.rawValue)), .string("rel"), doc: "rel or abs"),
            atol, accumulate,
        ]) { a in .condition(.plateau(a.plateau(), slot: 0)) },
        BuiltinSpec("signal", .condition, doc: "holds at the end of the step on which the signal was raised (scheduler.signal(name), serve's signal op, the REPL's :signal, ramp run --signal NAME@STEP)", params: [
            ParamSpec("name", .string, .required, doc: "the signal's name, an identifier; one of `signals` when the program declares them"),
        ]) { a throws(CheckError) in
            let name = a.str("name")
            guard Builtins.isSignalName(name) else {
                throw .error(.argumentRange, "a signal's name must be an identifier (letters, digits and _), got \(quoted(name))", at: a.range("name"))
            }
            if let declared = a.settings.signals, !declared.contains(name) {
                throw .error(.unknownSignal, "unknown signal \(quoted(name)); the program declares \(declared.map { "'\($0)'" }.joined(separator: ", "))\(suggestion(for: name, among: declared))", at: a.range("name"))
            }
            return .condition(.signal(name))
        },
    ]

    // MARK: - functions

    public static let functions: [BuiltinSpec] =
        MathFunction.allCases.map { f in
            BuiltinSpec(f.rawValue, .function, doc: "\(f.rawValue)(x), pointwise", params: [
                ParamSpec("x", .schedule, .required, doc: "the argument"),
            ]) { _ in .none }
        } + [BuiltinSpec("mod", .function, doc: "a - b * floor(a / b), pointwise (Python's %)", params: [
                ParamSpec("a", .schedule, .required, doc: "the dividend"),
                ParamSpec("b", .schedule, .required, doc: "the divisor"),
            ]) { _ in .none }
        ] + [Combine.min, Combine.max].map { f in
            BuiltinSpec(f.rawValue, .function, doc: "the pointwise \(f.rawValue)imum of two or more schedules", params: [
                ParamSpec("a", .schedule, .required, doc: "a schedule"),
                ParamSpec("b", .schedule, .required, doc: "more schedules"),
            ], variadic: true) { _ in .none }
        }

    // MARK: - helpers on values

    public static let helpers: [BuiltinSpec] = [
        BuiltinSpec("unchecked", .helper, doc: "a statement's schedule whose values pass as they are: outside the output's range is a warning, not an error (what a library's constructor gets; they must still be finite)", params: [
            ParamSpec("schedule", .any, .required, doc: "the output's schedule"),
        ]) { a throws(CheckError) in a.values["schedule"]! },
        BuiltinSpec("with_momentum", .helper, doc: "a rate that sets momentum too, as DeepSpeed's OneCycle does: a statement of its own, whose momentum is the program's", params: [
            ParamSpec("schedule", .schedule, .required, doc: "the learning rate"),
            ParamSpec("momentum", .schedule, .required, doc: "momentum (Adam's beta1), step by step beside it"),
        ]) { a throws(CheckError) in .withMomentum(lr: a.node("schedule"), momentum: a.node("momentum")) },
        BuiltinSpec("layer_decay", .helper, doc: "a statement: parameter group i, from 0 to `layers`, takes the default `output` times decay^(layers - i), as BEiT, ELECTRA and timm's layer_decay do", params: [
            ParamSpec("decay", .number, .required, .positive, doc: "the factor from one layer to the next"),
            ParamSpec("layers", .integer, .required, .atLeast(1), doc: "the index of the last group (the head), whose factor is 1"),
            ParamSpec("output", .string, .string("lr"), doc: "the output the groups scale"),
        ]) { a throws(CheckError) in
            let layers = a.int("layers"), decay = a.num("decay")
            return .groupFactors(output: a.str("output"), (0...layers).map { pow(decay, Double(layers - $0)) })
        },
        BuiltinSpec("chainable", .helper, doc: "a schedule that steps as torch's chainable schedulers do: inside chained(...) it moves the running rate by its own change around `floor` (by its ratio when the floor is 0); anywhere else it is the schedule", params: [
            ParamSpec("schedule", .schedule, .required, doc: "the schedule"),
            ParamSpec("floor", .number, .number(0), doc: "the value its steps are relative to (torch's eta_min for cosine annealing)"),
        ]) { a throws(CheckError) in
            guard case .number(let floor, let form)? = a.values["floor"] else { return .schedule(a.node("schedule")) }
            return .chainable(a.node("schedule"), floor: floor, form: form)
        },
        BuiltinSpec("product", .helper, doc: "the pointwise product of a list of schedules (1 when empty)", params: [
            ParamSpec("schedules", .list, .required, doc: "the factors"),
        ]) { a throws(CheckError) in
            // Numbers fold (keeping how they follow the base); schedules multiply pointwise.
            guard case .list(let items)? = a.values["schedules"], var acc = items.first else { return .number(1) }
            _ = try a.schedules("schedules")  // every item must be a schedule or a number
            for x in items.dropFirst() {
                acc = try Checker.combine(.multiply, acc, a.range("schedules"), x, a.range("schedules"), base: a.base)
            }
            if case .duration(let d) = acc { return .number(Double(d)) }
            return acc
        },
        BuiltinSpec("timestring", .helper, doc: "a Composer time as steps: '100ba' batches, '2ep' epochs (through steps_per_epoch), '0.1dur' of total (rounded down, as Composer does); a number is steps; a list gives a list", params: [
            ParamSpec("time", .any, .required, doc: "a time string, a number of steps, or a list of them"),
        ]) { a throws(CheckError) in
            func steps(_ v: Value) throws(CheckError) -> Value {
                switch v {
                case .duration: return v
                case .number(let x, _) where x >= 0 && x == x.rounded() && x < 1e15: return .duration(Int(x))
                case .list(let xs):
                    var out: [Value] = []
                    for x in xs { out.append(try steps(x)) }
                    return .list(out)
                case .string(let text): return .duration(try Builtins.composerSteps(text, a.settings, at: a.range("time")))
                default: throw .error(.argumentType, "a Composer time is a string such as '10ba', '2ep' or '0.1dur', got \(v.typeName)", at: a.range("time"))
                }
            }
            return try steps(a.values["time"] ?? .none)
        },
        BuiltinSpec("run_length", .helper, doc: "the run's length in steps (`total`), for schedules written over the fraction of the run (fvcore)", params: []) { a throws(CheckError) in
            return .duration(try a.runLength())
        },
        BuiltinSpec("range", .helper, doc: "the whole numbers from `start` up to but not including `stop`, as a list", params: [
            ParamSpec("start", .integer, .required, doc: "the first number (or the end, with `stop` omitted, counting from 0)"),
            ParamSpec("stop", .integer, .absent, doc: "one past the last number"),
        ]) { a throws(CheckError) in
            let (lo, hi) = a.given("stop") ? (a.int("start"), a.int("stop")) : (0, a.int("start"))
            guard hi - lo <= 100_000 else { throw .error(.tooLarge, "range(...) gives at most 100000 numbers", at: a.callRange) }
            return .list(lo < hi ? (lo..<hi).map { .number(Double($0)) } : [])
        },
        BuiltinSpec("milestone_values", .helper, doc: "values[i] from milestone i on, milestones counted in `count` updates over the run (t / total), as fvcore's MultiStepParamScheduler counts them: int((t / total + 1e-6) * count); without milestones, count is split evenly, ceil(count / len(values)) apart; without count, the last milestone is it", params: [
            ParamSpec("values", .numbers, .required, doc: "one more value than milestones"),
            ParamSpec("count", .integer, .absent, .atLeast(1), doc: "the updates the milestones count in (fvcore's num_updates)"),
            ParamSpec("milestones", .durations, .absent, doc: "the update at which each next value begins"),
        ]) { a throws(CheckError) in
            let values = a.nums("values")
            let hasMarks: Bool = { if case .list? = a.values["milestones"] { return true } else { return false } }()
            var marks = hasMarks ? a.ints("milestones") : []
            var count = a.optInt("count")
            if !hasMarks {
                guard let n = count else {
                    throw .error(.missingArgument, "milestone_values needs its count or its milestones (fvcore's num_updates or milestones)", at: a.callRange)
                }
                let width = Int((Double(n) / Double(values.count)).rounded(.up))
                marks = (1..<max(1, values.count)).map { $0 * width }
            } else if count == nil {
                guard let last = marks.popLast() else { throw .error(.invalidArguments, "milestones must not be empty", at: a.range("milestones")) }
                count = last
            }
            guard values.count == marks.count + 1 else {
                throw .error(.invalidArguments, "\(values.count) values need \(values.count - 1) milestones, got \(marks.count)", at: a.range("values"))
            }
            try Builtins.requireIncreasing(marks, a.range("milestones"), strictly: false)
            let total = try a.runLength()
            let levels = Node.primitive(Piecewise(boundaries: marks, values: values), [:])
            let update = Node.apply(.floor, .combine(.multiply, .combine(.add, .combine(.divide, .time, .constant(Double(total))), .constant(1e-6)),
                                                     .constant(Double(count!))))
            return .schedule(.warp(levels, update))
        },
        BuiltinSpec("span", .helper, doc: "`body` on a scheduler's own clock, as MMEngine runs its schedulers: `base` before step `begin`, the body from there, and its last value from `end` on; with by_epoch, the clock ticks once an epoch", params: [
            ParamSpec("body", .schedule, .required, doc: "the schedule, from its own step 0 at `begin`"),
            ParamSpec("begin", .integer, .number(0), .nonNegative, doc: "the tick at which the body starts"),
            ParamSpec("end", .integer, .absent, doc: "the tick at which it stops changing (None: never)"),
            ParamSpec("by_epoch", .bool, .bool(false), doc: "tick once an epoch (steps_per_epoch) rather than every step"),
        ]) { a throws(CheckError) in
            let body = try a.stateless("body", in: "span")
            let begin = a.int("begin"), end = a.optInt("end")
            if let end, end <= begin { throw .error(.invalidArguments, "end (\(end)) must be after begin (\(begin))", at: a.range("end")) }
            var phases: [Phase] = []
            if begin > 0 {
                phases.append(Phase(body: try Checker.schedule(.number(a.base, .base), a.callRange), bound: begin, explicitBound: true,
                                    condition: nil, slots: 0..<0, range: a.callRange))
            }
            if let end {
                phases.append(Phase(body: body, bound: end - begin, explicitBound: true, condition: nil, slots: 0..<0, range: a.callRange))
                // Frozen where it stopped: the body at its last tick.
                phases.append(Phase(body: .warp(body, .constant(Double(end - begin - 1))), bound: nil, explicitBound: false,
                                    condition: nil, slots: 0..<0, range: a.callRange))
            } else {
                phases.append(Phase(body: body, bound: nil, explicitBound: false, condition: nil, slots: 0..<0, range: a.callRange))
            }
            var node: Node = phases.count == 1 ? body : .sequence(PhaseSequence.make(phases))
            if a.bool("by_epoch") {
                guard let spe = a.settings.stepsPerEpoch else {
                    throw .error(.settingMissing, "a scheduler stepped by epoch needs 'steps_per_epoch' (MMEngine's epoch length): add a line such as `steps_per_epoch 390`, or pass by_epoch=False", at: a.callRange)
                }
                if spe > 1 { node = .warp(node, .apply(.floor, .combine(.divide, .time, .constant(Double(spe))))) }
            }
            return .schedule(node)
        },
        BuiltinSpec("cosine_periods", .helper, doc: "half a cosine per period, from `from` times its weight down to `min`, each restarting where the last ended; after the last period its final value holds (MMEngine's CosineRestartLR)", params: [
            ParamSpec("periods", .durations, .required, doc: "each period's length"),
            ParamSpec("weights", .numbers, .required, doc: "each period's starting factor"),
            ParamSpec("min", .number, .number(0), doc: "the floor"),
            ParamSpec("from", .number, .base, doc: "the rate a weight of 1 starts at"),
        ]) { a throws(CheckError) in
            let periods = a.ints("periods"), weights = a.nums("weights")
            guard !periods.isEmpty, periods.count == weights.count, periods.allSatisfy({ $0 >= 1 }) else {
                throw .error(.invalidArguments, "cosine_periods needs as many weights as periods, each period at least 1 step", at: a.callRange)
            }
            var phases: [Phase] = []
            var last: Node = .constant(0)
            // from and min as schedules keep how they follow the base, so the program taken to another base stays exact.
            let from = try Checker.schedule(a.values["from"]!, a.range("from")), low = try Checker.schedule(a.values["min"]!, a.range("min"))
            for (p, w) in zip(periods, weights) {
                // min + (from * w - min) * (1 + cos(pi t / p)) / 2
                let half = Node.primitive(Cosine(T: p, from: 1, min: 0, exponent: 1, k: 1, periodic: false), [:])
                let body = Node.combine(.add, low, .combine(.multiply, .combine(.subtract, .combine(.multiply, from, .constant(w)), low), half))
                phases.append(Phase(body: body, bound: p, explicitBound: true, condition: nil, slots: 0..<0, range: a.callRange))
                last = .warp(body, .constant(Double(p - 1)))
            }
            phases.append(Phase(body: last, bound: nil, explicitBound: false, condition: nil, slots: 0..<0, range: a.callRange))
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
        BuiltinSpec("composite", .helper, doc: "schedules over consecutive fractions of the run (`lengths`, summing to 1), each seeing the run's fraction or its own rescaled to [0, 1), as fvcore's CompositeParamScheduler", params: [
            ParamSpec("schedules", .list, .required, doc: "the pieces, each written over the run's fraction of t / total"),
            ParamSpec("lengths", .numbers, .required, doc: "the fraction of the run each piece lasts"),
            ParamSpec("interval_scaling", .list, .required, doc: "\"rescaled\" (the piece sees its own fraction) or \"fixed\" (the run's), per piece"),
        ]) { a throws(CheckError) in
            let pieces = try a.schedules("schedules"), lengths = a.nums("lengths")
            guard case .list(let scalings)? = a.values["interval_scaling"], !pieces.isEmpty,
                  pieces.count == lengths.count, scalings.count == pieces.count else {
                throw .error(.invalidArguments, "composite needs as many lengths and interval_scaling entries as schedules", at: a.callRange)
            }
            let total = try a.runLength()
            let n = Double(total)
            // Piece i is in force from the first step whose fraction, plus fvcore's 1e-6, passes the running total before it.
            var ends: [Int] = [], running = 0.0
            for length in lengths.dropLast() {
                running += length
                var t = max(0, Int(((running - 1e-6) * n).rounded(.down)) - 1)
                while !(Double(t) / n + 1e-6 > running) { t += 1 }
                ends.append(min(t, total))
            }
            var phases: [Phase] = [], start = 0, before = 0.0
            for (i, piece) in pieces.enumerated() {
                guard case .string(let mode) = scalings[i], mode == "rescaled" || mode == "fixed" else {
                    throw .error(.badValue, "interval_scaling entries are \"rescaled\" or \"fixed\"", at: a.range("interval_scaling"))
                }
                let global = Node.combine(.add, .time, .constant(Double(start)))
                // Rescaled: the piece's own fraction, ((t / total) - its start) / its length, back in steps.
                let time = mode == "fixed" ? global : .combine(.multiply, .combine(.divide, .combine(.subtract, .combine(.divide, global, .constant(n)),
                                                                                                    .constant(before)), .constant(lengths[i])), .constant(n))
                let end = i < ends.count ? ends[i] : nil
                before += lengths[i]
                defer { start = end ?? start }
                if let end, end <= start { continue }
                phases.append(Phase(body: .warp(piece, time), bound: end.map { $0 - start }, explicitBound: end != nil,
                                    condition: nil, slots: 0..<0, range: a.range("schedules")))
            }
            if phases.count == 1, !phases[0].explicitBound { return .schedule(phases[0].body) }
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
        BuiltinSpec("len", .helper, doc: "the number of items in a list or map", params: [
            ParamSpec("items", .any, .required, doc: "a list or a map"),
        ]) { a throws(CheckError) in
            switch a.values["items"] {
            case .list(let xs)?: return .number(Double(xs.count))
            case .map(let es)?: return .number(Double(es.count))
            default: throw .error(.argumentType, "len expects a list or a map", at: a.range("items"))
            }
        },
        BuiltinSpec("keys", .helper, doc: "a map's keys, in increasing order (None gives [])", params: [
            ParamSpec("map", .any, .required, doc: "a map such as {30: 0.1, 60: 0.1}"),
        ]) { a throws(CheckError) in .list(try a.sortedEntries("map").map(\.key)) },
        BuiltinSpec("values", .helper, doc: "a map's values, in the order of its increasing keys (None gives [])", params: [
            ParamSpec("map", .any, .required, doc: "a map such as {30: 0.1, 60: 0.1}"),
        ]) { a throws(CheckError) in .list(try a.sortedEntries("map").map(\.value)) },
        BuiltinSpec("cumprod", .helper, doc: "[init, init*f1, init*f1*f2, ...]: running products of a list of numbers", params: [
            ParamSpec("init", .number, .required, doc: "the first value"),
            ParamSpec("factors", .numbers, .required, doc: "the factors"),
        ]) { a throws(CheckError) in
            guard var v = a.values["init"], case .list(let factors)? = a.values["factors"] else { return .list([]) }
            var out: [Value] = [v]
            for f in factors {
                v = try Checker.combine(.multiply, v, a.range("factors"), f, a.range("factors"), base: a.base)
                out.append(v)
            }
            return .list(out)
        },
        BuiltinSpec("if", .helper, doc: "`a` when the condition is true, else `b` (decided when the program is checked)", params: [
            ParamSpec("condition", .bool, .required, doc: "true or false, such as `x == 0`"),
            ParamSpec("a", .any, .required, doc: "the value when true"),
            ParamSpec("b", .any, .required, doc: "the value when false"),
        ]) { a in a.bool("condition") ? a.values["a"]! : a.values["b"]! },
        BuiltinSpec("coalesce", .helper, doc: "the first argument that is not None", params: [
            ParamSpec("a", .any, .required, doc: "a value"),
            ParamSpec("b", .any, .required, doc: "more values"),
        ], variadic: true) { a in
            for v in [a.values["a"], a.values["b"]].compactMap({ $0 }) + a.extra {
                if case .none = v { continue }
                return v
            }
            return .none
        },
    ]

    static func requireIncreasing(_ xs: [Int], _ range: SourceRange, strictly: Bool) throws(CheckError) {
        for i in xs.indices.dropFirst() where strictly ? xs[i] <= xs[i - 1] : xs[i] < xs[i - 1] {
            throw .error(.invalidArguments, "boundaries must be \(strictly ? "strictly " : "")increasing (\(xs[i - 1]) then \(xs[i]))", at: range)
        }
    }

    /// Every name visible in a program by default, for suggestions and completion.
    public static var allNames: [String] {
        all.map(\.name) + specials.map(\.name) + settings.map(\.name) + keywords
    }
}

public struct SettingSpec: Sendable {
    public var name: String
    public var doc: String
}

public struct OutputSpec: Sendable {
    public var name: String
    public var doc: String
    public var range: OutputRange
}

/// The values an output may take, checked on every phase as rates are.
public enum OutputRange: String, Sendable, Hashable {
    /// At least 0 (a rate, a weight decay).
    case nonNegative
    /// Between 0 and 1 (momentum, betas, EMA decay).
    case unit
    /// A whole number of at least 1 (a batch size).
    case positiveInteger
    /// Any finite number (an output Ramp does not know).
    case finite

    /// Why `v` is out of range, or nil when it is in.
    func violation(_ v: Double) -> String? {
        if v.isNaN { return "not a number" }
        if v.isInfinite { return "infinite" }
        switch self {
        case .finite: return nil
        case .nonNegative: return v < 0 ? "negative (\(fmt(v)))" : nil
        case .unit: return v < 0 ? "negative (\(fmt(v)))" : v > 1 ? "above 1 (\(fmt(v)))" : nil
        case .positiveInteger:
            if v < 1 { return "below 1 (\(fmt(v)))" }
            return v.rounded() == v ? nil : "not a whole number (\(fmt(v)))"
        }
    }
}

/// What a parameter accepts.
public enum ParamType: Sendable, Hashable {
    case number, integer, duration, schedule, bool
    case choice([String])
    case numbers, durations
    case string, list, map, any
    /// Only None: a parameter of a library that Ramp does not support.
    case none

    public var description: String {
        switch self {
        case .number: return "a number"
        case .integer: return "a whole number"
        case .duration: return "a duration"
        case .schedule: return "a schedule"
        case .bool: return "true or false"
        case .choice(let cs): return "one of " + cs.map { "\"\($0)\"" }.joined(separator: ", ")
        case .numbers: return "a list of numbers"
        case .durations: return "a list of durations"
        case .string: return "a string"
        case .list: return "a list"
        case .map: return "a map"
        case .any: return "any value"
        case .none: return "None"
        }
    }

    /// The names type annotations use (`def f(x: number > 0)`).
    public static let annotationNames: [String: ParamType] = [
        "number": .number, "integer": .integer, "duration": .duration, "schedule": .schedule, "bool": .bool,
        "numbers": .numbers, "durations": .durations, "string": .string, "list": .list, "map": .map,
        "any": .any, "none": .none,
    ]
}

/// A parameter's default.
public enum ParamDefault: Sendable, Hashable {
    case required
    case number(Double)
    /// The program's base rate.
    case base
    case string(String)
    case bool(Bool)
    /// Optional with no value.
    case absent
    /// The rate at which the next phase starts (base when there is none).
    case nextPhase

    public var description: String {
        switch self {
        case .required: return "required"
        case .number(let x): return fmt(x)
        case .base: return "base"
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .absent: return "none"
        case .nextPhase: return "next phase's start"
        }
    }
}

/// A range check on a numeric parameter.
public enum Constraint: Sendable, Hashable {
    case any, positive, nonNegative, atLeast(Double)
    /// 0 < x < 1.
    case openUnit
    /// 0 <= x <= 1.
    case unitInterval
    /// Any interval, from a type annotation such as `number > 0 <= 1`.
    case interval(low: Double?, lowInclusive: Bool, high: Double?, highInclusive: Bool)

    /// The interval a constraint stands for.
    var bounds: (low: Double?, lowInclusive: Bool, high: Double?, highInclusive: Bool) {
        switch self {
        case .any: return (nil, true, nil, true)
        case .positive: return (0, false, nil, true)
        case .nonNegative: return (0, true, nil, true)
        case .atLeast(let m): return (m, true, nil, true)
        case .openUnit: return (0, false, 1, false)
        case .unitInterval: return (0, true, 1, true)
        case .interval(let l, let li, let h, let hi): return (l, li, h, hi)
        }
    }

    func violation(_ x: Double) -> String? {
        if x.isNaN { return "must be a number, got nan" }
        let (low, li, high, hi) = bounds
        let okLow = low.map { li ? x >= $0 : x > $0 } ?? true
        let okHigh = high.map { hi ? x <= $0 : x < $0 } ?? true
        if okLow && okHigh { return nil }
        return requirement.map { $0 + ", got \(fmt(x))" }
    }

    /// What a number outside the constraint is told: "must not be negative".
    var requirement: String? {
        let (low, li, high, hi) = bounds
        switch (low, high) {
        case (let l?, nil):
            if !li { return "must be above \(fmt(l))" }
            return l == 0 ? "must not be negative" : "must be at least \(fmt(l))"
        case (nil, let h?):
            return hi ? "must be at most \(fmt(h))" : "must be below \(fmt(h))"
        case (let l?, let h?):
            if !li && !hi { return "must be between \(fmt(l)) and \(fmt(h)) (exclusive)" }
            if li && hi { return "must be between \(fmt(l)) and \(fmt(h))" }
            return "must be in \(li ? "[" : "(")\(fmt(l)), \(fmt(h))\(hi ? "]" : ")")"
        case (nil, nil): return nil
        }
    }

    /// The constraint as a type annotation writes it (`> 0 <= 1`), for `ramp list`.
    public var annotation: String {
        let (low, li, high, hi) = bounds
        var parts: [String] = []
        if let low { parts.append("\(li ? ">=" : ">") \(fmt(low))") }
        if let high { parts.append("\(hi ? "<=" : "<") \(fmt(high))") }
        return parts.joined(separator: " ")
    }
}

public struct ParamSpec: Sendable {
    public var name: String
    public var type: ParamType
    public var defaultValue: ParamDefault
    public var constraint: Constraint
    public var doc: String

    public init(_ name: String, _ type: ParamType, _ defaultValue: ParamDefault, _ constraint: Constraint = .any, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.constraint = constraint
        self.doc = doc
    }
}

public struct BuiltinSpec: Sendable {
    public enum Kind: String, Sendable { case schedule, condition, function, helper }
    public var name: String
    public var kind: Kind
    public var doc: String
    public var params: [ParamSpec]
    /// Takes any number of arguments of the last parameter's type (min, max).
    public var variadic: Bool
    let build: @Sendable (BoundArguments) throws(CheckError) -> Value

    init(_ name: String, _ kind: Kind, doc: String, params: [ParamSpec], variadic: Bool = false,
         build: @escaping @Sendable (BoundArguments) throws(CheckError) -> Value) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.params = params
        self.variadic = variadic
        self.build = build
    }

    /// `cosine(T, from=base, min=0, ...)`, for `ramp list` and help.
    public var signature: String {
        let ps = params.map { p -> String in
            switch p.defaultValue {
            case .required: return p.name
            default: return "\(p.name)=\(p.defaultValue.description)"
            }
        }
        return "\(name)(\(ps.joined(separator: ", "))\(variadic ? ", ..." : ""))"
    }
}

/// Checked, typed arguments handed to a builtin's constructor.
public struct BoundArguments: Sendable {
    var values: NameMap<Value>
    var ranges: NameMap<SourceRange>
    var callRange: SourceRange
    public var base: Double
    /// The program's settings, for helpers that count in them (`timestring`).
    var settings = Settings()
    /// Arguments past the last parameter of a variadic builtin.
    var extra: [Value] = []

    /// The run's length (`total`), which schedules written over the fraction of the run need.
    func runLength() throws(CheckError) -> Int {
        guard let total = settings.total else {
            throw .error(.settingMissing, "this schedule is written over the fraction of the run, so it needs 'total' (fvcore's max_iter): add a line such as `total 90000`", at: callRange)
        }
        return total
    }

    /// A list argument whose items must all be schedules (or numbers).
    func schedules(_ n: String) throws(CheckError) -> [Node] {
        guard case .list(let xs) = values[n] else { return [] }
        var out: [Node] = []
        for x in xs {
            switch x {
            case .schedule(let s), .chainable(let s, _, _): out.append(s)
            case .number: out.append(try Checker.schedule(x, range(n)))
            default: throw .error(.argumentType, "argument '\(n)' expects a list of schedules, found \(x.typeName)", at: range(n))
            }
        }
        return out
    }

    /// A schedule argument that must not depend on metrics.
    func stateless(_ n: String, in callee: String) throws(CheckError) -> Node {
        let body = node(n)
        if body.isStateful { throw .error(.metricDriven, "the \(n) of '\(callee)' cannot depend on metrics", at: range(n)) }
        return body
    }

    /// A map's entries sorted by numeric key; None is an empty map.
    func sortedEntries(_ n: String) throws(CheckError) -> [(key: Value, value: Value)] {
        switch values[n] {
        case .none?, nil: return []
        case .map(let es)?:
            var keyed: [(Double, (key: Value, value: Value))] = []
            for e in es {
                switch e.key {
                case .number(let k, _): keyed.append((k, e))
                case .duration(let d): keyed.append((Double(d), e))
                default: throw .error(.badValue, "map keys must be numbers, found \(e.key.typeName)", at: range(n))
                }
            }
            return keyed.sorted { $0.0 < $1.0 }.map(\.1)
        default: throw .error(.argumentType, "expected a map, got \(values[n]!.typeName)", at: range(n))
        }
    }

    public func given(_ n: String) -> Bool { values[n] != nil && ranges[n] != nil }
    public func range(_ n: String) -> SourceRange { ranges[n] ?? callRange }
    public func optNum(_ n: String) -> Double? {
        switch values[n] {
        case .number(let x, _): return x
        case .duration(let d): return Double(d)
        default: return nil
        }
    }
    public func num(_ n: String) -> Double { optNum(n)! }
    public func optInt(_ n: String) -> Int? {
        switch values[n] {
        case .duration(let d): return d
        case .number(let x, _): return Int(x)
        default: return nil
        }
    }
    public func int(_ n: String) -> Int { optInt(n)! }
    public func str(_ n: String) -> String {
        if case .string(let s) = values[n] { return s }
        return ""
    }
    public func bool(_ n: String) -> Bool {
        if case .bool(let b) = values[n] { return b }
        return false
    }
    public func nums(_ n: String) -> [Double] {
        guard case .list(let xs) = values[n] else { return [] }
        return xs.compactMap { v in
            if case .number(let x, _) = v { return x }
            if case .duration(let d) = v { return Double(d) }
            return nil
        }
    }
    public func ints(_ n: String) -> [Int] {
        guard case .list(let xs) = values[n] else { return [] }
        return xs.compactMap { v in if case .duration(let d) = v { return d } else { return nil } }
    }
    public func node(_ n: String) -> Node {
        switch values[n] {
        case .schedule(let s): return s
        case let v?: return (try? Checker.schedule(v, range(n))) ?? .constant(.nan)
        default: return .constant(.nan)
        }
    }
    func plateau() -> PlateauSpec {
        PlateauSpec(patience: int("patience"), threshold: num("threshold"),
                    thresholdMode: PlateauSpec.ThresholdMode(rawValue: str("threshold_mode"))!,
                    mode: PlateauSpec.Mode(rawValue: str("mode"))!, cooldown: int("cooldown"),
                    atol: num("atol"), accumulate: int("accumulate"))
    }
}
