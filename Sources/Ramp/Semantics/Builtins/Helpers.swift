import Foundation

/// Helpers on values: the library forms (torch, fvcore, MMEngine, optax...) the prelude builds on.
extension Builtins {

    public static let helpers: [BuiltinSpec] = [
        BuiltinSpec(
            "unchecked", .helper,
            doc:
                "a statement's schedule whose values pass as they are: outside the output's range is a warning, not "
                + "an error (what a library's constructor gets; they must still be finite)",
            params: [
                ParamSpec("schedule", .any, .required, doc: "the output's schedule")
            ]
        ) { a throws(CheckError) in a.values["schedule"]! },
        BuiltinSpec(
            "with_momentum", .helper,
            doc:
                "a rate that sets momentum too, as DeepSpeed's OneCycle does: a statement of its own, whose momentum "
                + "is the program's",
            params: [
                ParamSpec("schedule", .schedule, .required, doc: "the learning rate"),
                ParamSpec("momentum", .schedule, .required, doc: "momentum (Adam's beta1), step by step beside it"),
            ]
        ) { a throws(CheckError) in .withOutputs(lr: a.node("schedule"), outputs: [("momentum", a.node("momentum"))]) },
        BuiltinSpec(
            "with_output", .helper,
            doc:
                "a rate that schedules another output beside it (Megatron's weight decay); the statement it is "
                + "gives both",
            params: [
                ParamSpec("schedule", .any, .required, doc: "the learning rate (or a rate that sets outputs already)"),
                ParamSpec("output", .string, .required, doc: "the other output's name, such as \"weight_decay\""),
                ParamSpec("value", .schedule, .required, doc: "its schedule, step by step beside the rate"),
            ]
        ) { a throws(CheckError) in
            let name = a.str("output")
            if name == "lr" || !Builtins.isSignalName(name) {
                throw .error(.withOutputName(name), at: a.range("output"))
            }
            switch a.values["schedule"] {
            case .withOutputs(let lr, let outputs)?:
                if outputs.contains(where: { $0.name == name }) {
                    throw .error(.withOutputName(name), at: a.range("output"))
                }
                return .withOutputs(lr: lr, outputs: outputs + [(name, a.node("value"))])
            default:
                return .withOutputs(lr: a.node("schedule"), outputs: [(name, a.node("value"))])
            }
        },
        BuiltinSpec(
            "layer_decay", .helper,
            doc:
                "a statement: parameter group i, from 0 to `layers`, takes the default `output` times decay^(layers - "
                + "i), as BEiT, ELECTRA and timm's layer_decay do",
            params: [
                ParamSpec("decay", .number, .required, .positive, doc: "the factor from one layer to the next"),
                // Each group is an output of its own, checked and tabled: 1,000 is far past any model's depth.
                ParamSpec(
                    "layers", .integer, .required,
                    .interval(low: 1, lowInclusive: true, high: 1000, highInclusive: true),
                    doc: "the index of the last group (the head), whose factor is 1; at most 1,000"),
                ParamSpec("output", .string, .string("lr"), doc: "the output the groups scale"),
            ]
        ) { a throws(CheckError) in
            let layers = a.int("layers")
            let decay = a.num("decay")
            return .groupFactors(output: a.str("output"), (0...layers).map { pow(decay, Double(layers - $0)) })
        },
        BuiltinSpec(
            "chainable", .helper,
            doc:
                "a schedule that steps as torch's chainable schedulers do: inside chained(...) it moves the running "
                + "rate by its own change around `floor` (by its ratio when the floor is 0); anywhere else it is "
                + "the schedule",
            params: [
                ParamSpec("schedule", .schedule, .required, doc: "the schedule"),
                ParamSpec(
                    "floor", .number, .number(0),
                    doc: "the value its steps are relative to (torch's eta_min for cosine annealing)"),
            ]
        ) { a throws(CheckError) in
            guard case .number(let floor, let form)? = a.values["floor"] else { return .schedule(a.node("schedule")) }
            return .chainable(a.node("schedule"), floor: floor, form: form)
        },
        BuiltinSpec(
            "product", .helper, doc: "the pointwise product of a list of schedules (1 when empty)",
            params: [
                ParamSpec("schedules", .list, .required, doc: "the factors")
            ]
        ) { a throws(CheckError) in
            // Numbers fold (keeping how they follow the base); schedules multiply pointwise.
            guard case .list(let items)? = a.values["schedules"], var acc = items.first else { return .number(1) }
            _ = try a.schedules("schedules")  // every item must be a schedule or a number
            for x in items.dropFirst() {
                acc = try Checker.combine(.multiply, acc, a.range("schedules"), x, a.range("schedules"), base: a.base)
            }
            if case .duration(let d) = acc { return .number(Double(d)) }
            return acc
        },
        BuiltinSpec(
            "timestring", .helper,
            doc:
                "a Composer time as steps: '100ba' batches, '2ep' epochs (through steps_per_epoch), '0.1dur' of total "
                + "(rounded down, as Composer does); a number is steps; a list gives a list",
            params: [
                ParamSpec("time", .any, .required, doc: "a time string, a number of steps, or a list of them")
            ]
        ) { a throws(CheckError) in
            func steps(_ v: Value) throws(CheckError) -> Value {
                switch v {
                case .duration: return v
                case .number(let x, _) where x >= 0 && x == x.rounded() && x < 1e15: return .duration(Int(x))
                case .list(let xs):
                    var out: [Value] = []
                    for x in xs { out.append(try steps(x)) }
                    return .list(out)
                case .string(let text):
                    return .duration(try Builtins.composerSteps(text, a.settings, at: a.range("time")))
                default: throw .error(.composerTimeType(got: v.typeName), at: a.range("time"))
                }
            }
            return try steps(a.values["time"] ?? .none)
        },
        BuiltinSpec(
            "manual_pieces", .helper,
            doc:
                "fairseq's manual scheduler as constant pieces over updates: update2lr's rate once it has a key that "
                + "low, else epoch2lr's (epochs through steps_per_epoch), else lr[0]",
            params: [
                ParamSpec("lr", .numbers, .required, doc: "fairseq's --lr, whose first rate holds before any key"),
                ParamSpec("epoch2lr", .string, .string("{}"), doc: "a dict such as \"{'1-2': 0.1, '3': 0.05}\""),
                ParamSpec("update2lr", .string, .string("{}"), doc: "a dict such as \"{'0': 0.08, '22,34': 0.02}\""),
            ]
        ) { a throws(CheckError) in try Builtins.manualPieces(a) },
        BuiltinSpec(
            "run_length", .helper,
            doc: "the run's length in steps (`total`), for schedules written over the fraction of the run (fvcore)",
            params: []
        ) { a throws(CheckError) in
            return .duration(try a.runLength())
        },
        BuiltinSpec(
            "step_samples", .helper,
            doc:
                "the samples one step trains on (`samples_per_step`), for schedules whose lengths are samples "
                + "(Megatron-LM)",
            params: []
        ) { a throws(CheckError) in
            return .number(Double(try a.samplesPerStep()))
        },
        BuiltinSpec(
            "range", .helper, doc: "the whole numbers from `start` up to but not including `stop`, as a list",
            params: [
                ParamSpec(
                    "start", .integer, .required,
                    doc: "the first number (or the end, with `stop` omitted, counting from 0)"),
                ParamSpec("stop", .integer, .absent, doc: "one past the last number"),
            ]
        ) { a throws(CheckError) in
            let (lo, hi) = a.given("stop") ? (a.int("start"), a.int("stop")) : (0, a.int("start"))
            guard hi - lo <= 100_000 else { throw .error(.rangeTooLong, at: a.callRange) }
            return .list(lo < hi ? (lo..<hi).map { .number(Double($0)) } : [])
        },
        BuiltinSpec(
            "milestone_values", .helper,
            doc:
                "values[i] from milestone i on, milestones counted in `count` updates over the run (t / total), as "
                + "fvcore's MultiStepParamScheduler counts them: int((t / total + 1e-6) * count); without "
                + "milestones, count is split evenly, ceil(count / len(values)) apart; without count, the last "
                + "milestone is it",
            params: [
                ParamSpec("values", .numbers, .required, doc: "one more value than milestones"),
                ParamSpec(
                    "count", .integer, .absent, .atLeast(1),
                    doc: "the updates the milestones count in (fvcore's num_updates)"),
                ParamSpec("milestones", .durations, .absent, doc: "the update at which each next value begins"),
            ]
        ) { a throws(CheckError) in
            let values = a.nums("values")
            let hasMarks: Bool = { if case .list? = a.values["milestones"] { return true } else { return false } }()
            var marks = hasMarks ? a.ints("milestones") : []
            var count = a.optInt("count")
            if !hasMarks {
                guard let n = count else {
                    throw .error(.milestoneValuesNeedsCount, at: a.callRange)
                }
                let width = Int((Double(n) / Double(values.count)).rounded(.up))
                marks = (1..<max(1, values.count)).map { $0 * width }
            } else if count == nil {
                guard let last = marks.popLast() else { throw .error(.emptyMilestones, at: a.range("milestones")) }
                count = last
            }
            guard values.count == marks.count + 1 else {
                throw .error(.milestoneCounts(values: values.count, milestones: marks.count), at: a.range("values"))
            }
            try Builtins.requireIncreasing(marks, a.range("milestones"), strictly: false)
            let total = try a.runLength()
            let levels = Node.primitive(Piecewise(boundaries: marks, values: values), [:])
            let update = Node.apply(
                .floor,
                .combine(
                    .multiply, .combine(.add, .combine(.divide, .time, .constant(Double(total))), .constant(1e-6)),
                    .constant(Double(count!))))
            return .schedule(.warp(levels, update))
        },
        BuiltinSpec(
            "span", .helper,
            doc:
                "`body` on a scheduler's own clock, as MMEngine runs its schedulers: `base` before step `begin`, the "
                + "body from there, and its last value from `end` on; with by_epoch, the clock ticks once an epoch",
            params: [
                ParamSpec("body", .schedule, .required, doc: "the schedule, from its own step 0 at `begin`"),
                ParamSpec("begin", .integer, .number(0), .nonNegative, doc: "the tick at which the body starts"),
                ParamSpec("end", .integer, .absent, doc: "the tick at which it stops changing (None: never)"),
                ParamSpec(
                    "by_epoch", .bool, .bool(false),
                    doc: "tick once an epoch (steps_per_epoch) rather than every step"),
            ]
        ) { a throws(CheckError) in
            let body = try a.stateless("body", in: "span")
            let begin = a.int("begin")
            let end = a.optInt("end")
            if let end, end <= begin { throw .error(.endNotAfterBegin(end: end, begin: begin), at: a.range("end")) }
            var phases: [Phase] = []
            if begin > 0 {
                phases.append(
                    Phase(
                        body: try Checker.schedule(.number(a.base, .base), a.callRange), bound: begin,
                        explicitBound: true,
                        condition: nil, slots: 0..<0, range: a.callRange))
            }
            if let end {
                phases.append(
                    Phase(
                        body: body, bound: end - begin, explicitBound: true, condition: nil, slots: 0..<0,
                        range: a.callRange))
                // Frozen where it stopped: the body at its last tick.
                phases.append(
                    Phase(
                        body: .warp(body, .constant(Double(end - begin - 1))), bound: nil, explicitBound: false,
                        condition: nil, slots: 0..<0, range: a.callRange))
            } else {
                phases.append(
                    Phase(
                        body: body, bound: nil, explicitBound: false, condition: nil, slots: 0..<0, range: a.callRange))
            }
            var node: Node = phases.count == 1 ? body : .sequence(PhaseSequence.make(phases))
            if a.bool("by_epoch") {
                guard let spe = a.settings.stepsPerEpoch else {
                    throw .error(.byEpochNeedsStepsPerEpoch, at: a.callRange)
                }
                if spe > 1 { node = .warp(node, .apply(.floor, .combine(.divide, .time, .constant(Double(spe))))) }
            }
            return .schedule(node)
        },
        BuiltinSpec(
            "cosine_periods", .helper,
            doc:
                "half a cosine per period, from `from` times its weight down to `min`, each restarting where the last "
                + "ended; after the last period its final value holds (MMEngine's CosineRestartLR)",
            params: [
                ParamSpec("periods", .durations, .required, doc: "each period's length"),
                ParamSpec("weights", .numbers, .required, doc: "each period's starting factor"),
                ParamSpec("min", .number, .number(0), doc: "the floor"),
                ParamSpec("from", .number, .base, doc: "the rate a weight of 1 starts at"),
            ]
        ) { a throws(CheckError) in
            let periods = a.ints("periods")
            let weights = a.nums("weights")
            guard !periods.isEmpty, periods.count == weights.count, periods.allSatisfy({ $0 >= 1 }) else {
                throw .error(.cosinePeriodsCounts, at: a.callRange)
            }
            var phases: [Phase] = []
            var last: Node = .constant(0)
            // from and min as schedules keep how they follow the base, so the program taken to another base stays
            // exact.
            let from = try Checker.schedule(a.values["from"]!, a.range("from"))
            let low = try Checker.schedule(a.values["min"]!, a.range("min"))
            for (p, w) in zip(periods, weights) {
                // min + (from * w - min) * (1 + cos(pi t / p)) / 2
                let half = Node.primitive(Cosine(T: p, from: 1, min: 0, exponent: 1, k: 1, periodic: false), [:])
                let body = Node.combine(
                    .add, low,
                    .combine(.multiply, .combine(.subtract, .combine(.multiply, from, .constant(w)), low), half))
                phases.append(
                    Phase(body: body, bound: p, explicitBound: true, condition: nil, slots: 0..<0, range: a.callRange))
                last = .warp(body, .constant(Double(p - 1)))
            }
            phases.append(
                Phase(body: last, bound: nil, explicitBound: false, condition: nil, slots: 0..<0, range: a.callRange))
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
        BuiltinSpec(
            "composite", .helper,
            doc:
                "schedules over consecutive fractions of the run (`lengths`, summing to 1), each seeing the run's "
                + "fraction or its own rescaled to [0, 1), as fvcore's CompositeParamScheduler",
            params: [
                ParamSpec(
                    "schedules", .list, .required,
                    doc: "the pieces, each written over the run's fraction of t / total"),
                ParamSpec("lengths", .numbers, .required, doc: "the fraction of the run each piece lasts"),
                ParamSpec(
                    "interval_scaling", .list, .required,
                    doc: "\"rescaled\" (the piece sees its own fraction) or \"fixed\" (the run's), per piece"),
            ]
        ) { a throws(CheckError) in
            let pieces = try a.schedules("schedules")
            let lengths = a.nums("lengths")
            guard case .list(let scalings)? = a.values["interval_scaling"], !pieces.isEmpty,
                pieces.count == lengths.count, scalings.count == pieces.count
            else {
                throw .error(.compositeCounts, at: a.callRange)
            }
            let total = try a.runLength()
            let n = Double(total)
            // Piece i is in force from the first step whose fraction, plus fvcore's 1e-6, passes the running total
            // before it.
            var ends: [Int] = []
            var running = 0.0
            for length in lengths.dropLast() {
                running += length
                var t = max(0, Int(((running - 1e-6) * n).rounded(.down)) - 1)
                while !(Double(t) / n + 1e-6 > running) { t += 1 }
                ends.append(min(t, total))
            }
            var phases: [Phase] = []
            var start = 0
            var before = 0.0
            for (i, piece) in pieces.enumerated() {
                guard case .string(let mode) = scalings[i], mode == "rescaled" || mode == "fixed" else {
                    throw .error(.intervalScalingEntries, at: a.range("interval_scaling"))
                }
                let global = Node.combine(.add, .time, .constant(Double(start)))
                // Rescaled: the piece's own fraction, ((t / total) - its start) / its length, back in steps.
                let time =
                    mode == "fixed"
                    ? global
                    : .combine(
                        .multiply,
                        .combine(
                            .divide,
                            .combine(
                                .subtract, .combine(.divide, global, .constant(n)),
                                .constant(before)), .constant(lengths[i])), .constant(n))
                let end = i < ends.count ? ends[i] : nil
                before += lengths[i]
                defer { start = end ?? start }
                if let end, end <= start { continue }
                phases.append(
                    Phase(
                        body: .warp(piece, time), bound: end.map { $0 - start }, explicitBound: end != nil,
                        condition: nil, slots: 0..<0, range: a.range("schedules")))
            }
            if phases.count == 1, !phases[0].explicitBound { return .schedule(phases[0].body) }
            return .schedule(.sequence(PhaseSequence.make(phases)))
        },
        BuiltinSpec(
            "len", .helper, doc: "the number of items in a list or map",
            params: [
                ParamSpec("items", .any, .required, doc: "a list or a map")
            ]
        ) { a throws(CheckError) in
            switch a.values["items"] {
            case .list(let xs)?: return .number(Double(xs.count))
            case .map(let es)?: return .number(Double(es.count))
            default: throw .error(.lenExpectsListOrMap, at: a.range("items"))
            }
        },
        BuiltinSpec(
            "item", .helper,
            doc: "a list's item at an index from 0 (a negative index counts from the end, as Python's `x[i]`)",
            params: [
                ParamSpec("items", .any, .required, doc: "a list"),
                ParamSpec("index", .integer, .required, doc: "the index"),
            ]
        ) { a throws(CheckError) in
            guard case .list(let xs)? = a.values["items"] else {
                throw .error(.itemExpectsList(got: a.values["items"]?.typeName ?? "None"), at: a.range("items"))
            }
            let i = a.int("index")
            let k = i < 0 ? xs.count + i : i
            guard xs.indices.contains(k) else {
                throw .error(.itemIndexOutOfRange(i, count: xs.count), at: a.range("index"))
            }
            return xs[k]
        },
        BuiltinSpec(
            "keys", .helper, doc: "a map's keys, in increasing order (None gives [])",
            params: [
                ParamSpec("map", .any, .required, doc: "a map such as {30: 0.1, 60: 0.1}")
            ]
        ) { a throws(CheckError) in .list(try a.sortedEntries("map").map(\.key)) },
        BuiltinSpec(
            "values", .helper, doc: "a map's values, in the order of its increasing keys (None gives [])",
            params: [
                ParamSpec("map", .any, .required, doc: "a map such as {30: 0.1, 60: 0.1}")
            ]
        ) { a throws(CheckError) in .list(try a.sortedEntries("map").map(\.value)) },
        BuiltinSpec(
            "cumprod", .helper, doc: "[init, init*f1, init*f1*f2, ...]: running products of a list of numbers",
            params: [
                ParamSpec("init", .number, .required, doc: "the first value"),
                ParamSpec("factors", .numbers, .required, doc: "the factors"),
            ]
        ) { a throws(CheckError) in
            guard var v = a.values["init"], case .list(let factors)? = a.values["factors"] else { return .list([]) }
            var out: [Value] = [v]
            for f in factors {
                v = try Checker.combine(.multiply, v, a.range("factors"), f, a.range("factors"), base: a.base)
                out.append(v)
            }
            return .list(out)
        },
        BuiltinSpec(
            "if", .helper, doc: "`a` when the condition is true, else `b` (decided when the program is checked)",
            params: [
                ParamSpec("condition", .bool, .required, doc: "true or false, such as `x == 0`"),
                ParamSpec("a", .any, .required, doc: "the value when true"),
                ParamSpec("b", .any, .required, doc: "the value when false"),
            ]
        ) { a in a.bool("condition") ? a.values["a"]! : a.values["b"]! },
        BuiltinSpec(
            "coalesce", .helper, doc: "the first argument that is not None",
            params: [
                ParamSpec("a", .any, .required, doc: "a value"),
                ParamSpec("b", .any, .required, doc: "more values"),
            ], variadic: true
        ) { a in
            for v in [a.values["a"], a.values["b"]].compactMap({ $0 }) + a.extra {
                if case .none = v { continue }
                return v
            }
            return .none
        },
    ]

    static func requireIncreasing(_ xs: [Int], _ range: SourceRange, strictly: Bool) throws(CheckError) {
        for i in xs.indices.dropFirst() where strictly ? xs[i] <= xs[i - 1] : xs[i] < xs[i - 1] {
            throw .error(.notIncreasing(xs[i - 1], xs[i], strictly: strictly), at: range)
        }
    }
}
