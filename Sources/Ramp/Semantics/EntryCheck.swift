/// Checking phases built when they start. Their parameters are known only
/// then, so the checker builds each such phase at the corners and the middle
/// of the range its inputs can take, and samples every build for bad values
/// as it samples any phase: `elapsed` from the earliest to the latest step
/// the phase can start at (the run's `total`, or the sampling horizon of a
/// million steps when the run has none), and `current` over the values the
/// phase before it takes. What lies between these points is not proven;
/// `ramp explain` prints the ranges checked.
extension CompiledProgram {
    /// The steps the checker samples a phase at, up to `horizon`: densely at first, then at growing gaps.
    static func samplePoints(_ horizon: Int) -> [Int] {
        var points: [Int] = []
        var t = 0
        while t < horizon {
            points.append(t)
            t = t < 256 ? t + 1 : t + t / 2
        }
        return points
    }

    /// The values each output that a phase built at entry reads
    /// (`current("momentum")`) can take, sampled over its phases; reading an
    /// output that is not among `named` is refused.
    static func outputRanges(_ named: [(String, PhaseSequence)], total: Int?, _ slots: [SlotState]) throws(CheckError)
        -> [String: ClosedRange<Double>]
    {
        var ranges: [String: ClosedRange<Double>] = [:]
        for (_, seq) in named {
            for phase in seq.phases where phase.entry != nil {
                for case .current(let name) in phase.entryInputs() where ranges[name] == nil {
                    guard let read = named.first(where: { $0.0 == name })?.1 else {
                        throw .error(.currentOfUnscheduled(name), at: phase.range)
                    }
                    var lo = Double.infinity
                    var hi = -Double.infinity
                    for i in read.phases.indices {
                        if let r = valueRange(read, i, total: total, slots, others: [:]) {
                            lo = min(lo, r.lowerBound)
                            hi = max(hi, r.upperBound)
                        }
                    }
                    ranges[name] = lo <= hi ? lo...hi : 0...0
                }
            }
        }
        return ranges
    }

    /// Every output's schedule by name: the rate, a scheduled momentum, the others in order.
    var sequences: [(name: String, sequence: PhaseSequence)] {
        var named: [(name: String, sequence: PhaseSequence)] = [("lr", lr)]
        if case .explicit(let m) = momentum { named.append(("momentum", m)) }
        return named + outputs.map { ($0.name, $0.sequence) }
    }

    /// True when some phase is built when it starts (`current`, `elapsed`).
    public var hasEntryPhases: Bool { sequences.contains { $0.sequence.phases.contains { $0.entry != nil } } }

    /// `outputRanges` for this program's outputs (checked already, so none is refused).
    var entryOutputRanges: [String: ClosedRange<Double>] {
        (try? CompiledProgram.outputRanges(
            sequences.map { ($0.name, $0.sequence) }, total: settings.total, initialSlots)) ?? [:]
    }

    /// The furthest step sampled in a run without `total`.
    static let horizon = 1_000_000

    /// The range each input of phase `i` of `s` can take, as the checker
    /// samples it: `others` gives another output's values (`current("momentum")`).
    static func entryRanges(
        _ s: PhaseSequence, _ i: Int, total: Int?, _ slots: [SlotState],
        others: [String: ClosedRange<Double>]
    ) -> [(input: EntryInput, range: ClosedRange<Double>)] {
        guard let plan = s.phases[i].entry else { return [] }
        // A phase after a warmup takes the values fixed when the warmup started.
        let at = plan.role == .afterWarmup ? i - 1 : i
        let last = Double(total.map { max(0, $0 - 1) } ?? horizon)
        var earliest = 0.0
        var latest: Double? = 0
        for p in s.phases[..<at] {
            let fixed = p.condition == nil && p.entry == nil ? p.bound : nil
            earliest += Double(p.condition == nil && p.entry == nil ? (p.bound ?? 0) : 1)
            latest = zip(latest, fixed.map(Double.init)).map { $0 + $1 }
        }
        var out: [(EntryInput, ClosedRange<Double>)] = []
        for input in s.entryInputs(of: i) {
            switch input {
            case .elapsed:
                let lo = min(earliest, last)
                out.append((input, lo...max(lo, min(latest ?? last, last))))
            case .current(let name) where name == plan.output:
                out.append((input, valueRange(s, at - 1, total: total, slots, others: others) ?? 0...0))
            case .current(let name):
                out.append((input, others[name] ?? 0...0))
            }
        }
        return out
    }

    /// The values phase `i` of `s` takes where the checker samples it (over
    /// every build when it is built at entry), or nil when none is finite.
    static func valueRange(
        _ s: PhaseSequence, _ i: Int, total: Int?, _ slots: [SlotState],
        others: [String: ClosedRange<Double>]
    ) -> ClosedRange<Double>? {
        guard i >= 0 else { return nil }
        var bodies: [(Node, Int?)] = []
        if s.phases[i].entry != nil {
            for values in corners(
                entryRanges(s, i, total: total, slots, others: others), output: s.phases[i].entry!.output)
            {
                let e = EntryState(values: values, length: nil, held: false, built: nil)
                if let b = s.build(i, e) { bodies.append((b.body, b.body.duration)) }
            }
        } else {
            bodies.append((s.phases[i].body, s.phases[i].bound))
        }
        var lo = Double.infinity
        var hi = -Double.infinity
        for (body, bound) in bodies {
            var horizon = bound ?? CompiledProgram.horizon
            if let total { horizon = min(horizon, max(1, total)) }
            // Past the budget, the range is left out: the check stops (or, for a library's output, warns) at the
            // next phase it samples.
            let points = samplePoints(horizon)
            guard CheckBudget.allows(body, points: points) else { continue }
            for v in body.values(at: points, slots) where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        return lo <= hi ? lo...hi : nil
    }

    /// The values a phase is built with while checking: each input at the
    /// ends and the middle of its range.
    static func corners(_ ranges: [(input: EntryInput, range: ClosedRange<Double>)], output: String) -> [EntryValues] {
        var out = [EntryValues(elapsed: 0, current: [:])]
        for (input, r) in ranges {
            var points = [r.lowerBound]
            let mid = r.lowerBound + (r.upperBound - r.lowerBound) / 2
            for x in [mid, r.upperBound] where !points.contains(x) { points.append(x) }
            out = out.flatMap { v in
                points.map { x in
                    var w = v
                    switch input {
                    case .elapsed: w.elapsed = Int(x.rounded(.down))
                    case .current(let name): w.current[name] = x
                    }
                    return w
                }
            }
        }
        return out
    }

    /// How a diagnostic names the values a phase was built with.
    static func describe(_ values: EntryValues, reading inputs: [EntryInput], own: String) -> String {
        inputs.map { input -> String in
            switch input {
            case .elapsed: return "elapsed = \(values.elapsed)"
            case .current(let name): return "\(input.source(own: own)) = \(fmt(values.current[name] ?? .nan))"
            }
        }.joined(separator: ", ")
    }

    /// Builds phase `i` of `s` at every corner of its inputs' ranges and
    /// checks each build: its parameters against their ranges, and its
    /// values against the output's.
    static func checkEntryPhase(
        _ s: PhaseSequence, _ i: Int, what: String, range: OutputRange, total: Int?,
        _ slots: [SlotState], others: [String: ClosedRange<Double>]
    ) throws(CheckError) {
        let p = s.phases[i]
        guard let plan = p.entry else { return }
        let ranges = entryRanges(s, i, total: total, slots, others: others)
        let inputs = ranges.map(\.input)
        for values in corners(ranges, output: plan.output) {
            let when = DiagnosticMessage.whenPhaseStarts(with: describe(values, reading: inputs, own: plan.output))
            var problem: DiagnosticMessage?
            p.body.forEachPrimitive { prim, symbols in
                guard problem == nil, let spec = Builtins.lookup(prim.name) else { return }
                for (name, form) in symbols.sorted(by: { $0.key < $1.key }) where form.readsEntry {
                    guard let param = spec.params.first(where: { $0.name == name }) else { continue }
                    var x = form.value(base: plan.settings.base, entry: values)
                    if param.type == .integer || param.type == .duration, x.isFinite { x = Double(EntryPlan.steps(x)) }
                    if !x.isFinite {
                        problem = .entryArgumentNotFinite(name, of: prim.name, x, when: when)
                    } else if let why = param.constraint.violation(x) {
                        problem = .entryArgumentRange(name, of: prim.name, why, when: when)
                    }
                    if problem != nil { return }
                }
            }
            if let problem { throw .error(problem, at: p.range) }
            let e = EntryState(values: values, length: nil, held: false, built: nil)
            guard let built = s.build(i, e) else {
                throw .error(.entryPhaseRefused(when: when), at: p.range)
            }
            let length =
                plan.length.map { EntryPlan.steps($0.value(base: plan.settings.base, entry: values)) }
                ?? (p.explicitBound ? p.bound : built.body.duration)
            var horizon = length ?? CompiledProgram.horizon
            if let total { horizon = min(horizon, max(1, total - values.elapsed)) }
            if let (step, why) = try firstViolation(built.body, horizon: horizon, range: range, slots, at: p.range) {
                throw .error(.outOfRangeAtEntry(what, why, step: step, when: when), at: p.range)
            }
        }
    }
}

private func zip(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
