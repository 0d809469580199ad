/// The last step of checking, shared by the checker and the IR loader, so a
/// program built from its IR tree is checked exactly as one built from source.
extension CompiledProgram {
    /// Numbers the state slots, samples every phase for bad rates, and finds
    /// the companion momentum.
    static func assemble(
        settings: Settings, lr: Node, momentum: Node?, others: [(String, Node)] = [], source: SourceFile,
        guards: [BaseGuard], warnings: [Diagnostic] = [], libraryOutputs: Set<String> = [],
        checkingRanges: Bool = true
    ) throws(CheckError) -> CompiledProgram {
        try CheckBudget.bounded { () throws(CheckError) in
            try assembleBounded(
                settings: settings, lr: lr, momentum: momentum, others: others, source: source, guards: guards,
                warnings: warnings, libraryOutputs: libraryOutputs, checkingRanges: checkingRanges)
        }
    }

    private static func assembleBounded(
        settings: Settings, lr: Node, momentum: Node?, others: [(String, Node)], source: SourceFile,
        guards: [BaseGuard], warnings: [Diagnostic], libraryOutputs: Set<String>, checkingRanges: Bool
    ) throws(CheckError) -> CompiledProgram {
        var slots: [SlotState] = []
        var warnings = warnings
        // Slots are numbered in output order before anything is checked, so
        // a phase built at entry can sample the outputs it reads.
        guard case .sequence(let lrSeq) = lr.assigningSlots(&slots) else {
            preconditionFailure("top level is a sequence")
        }
        var mSeq: PhaseSequence?
        if let m = momentum {
            guard case .sequence(let seq) = m.assigningSlots(&slots) else {
                preconditionFailure("top level is a sequence")
            }
            mSeq = seq
        }
        var otherSeqs: [PhaseSequence] = []
        for (_, node) in others {
            guard case .sequence(let seq) = node.assigningSlots(&slots) else {
                preconditionFailure("top level is a sequence")
            }
            otherSeqs.append(seq)
        }
        let named: [(String, PhaseSequence)] =
            [("lr", lrSeq)] + (mSeq.map { [("momentum", $0)] } ?? []) + zip(others.map(\.0), otherSeqs).map { ($0, $1) }
        // `current("momentum")` reads an output the program schedules; the checker samples it over the values it takes.
        let ranges = try outputRanges(named, total: settings.total, slots)
        /// An output a library's constructor writes passes as the library gives it: outside its range
        /// (negative, above 1, growing without bound) is a warning.
        // Once a library's output has stopped at the most one check samples, with its warning, no output after
        // it is sampled: the budget is spent, and the warning says where checking stopped.
        var stopped = false
        func check(_ seq: PhaseSequence, _ name: String, what: String, range: OutputRange) throws(CheckError) {
            guard checkingRanges, !stopped else { return }
            guard libraryOutputs.contains(name) else {
                return try checkRates(
                    seq, what: what, range: range, offset: 0, total: settings.total, slots, others: ranges)
            }
            do throws(CheckError) {
                try checkRates(seq, what: what, range: range, offset: 0, total: settings.total, slots, others: ranges)
            } catch {
                // A check that stopped at its budget stops the language server's as it stops any other; past
                // the most one check samples, the library's output passes with that said.
                guard let d = error.diagnostic, d.kind != .checkBudget else { throw error }
                let message = DiagnosticMessage(d)
                stopped = d.kind == .checkLimit
                warnings.append(.warning(stopped ? message : .libraryAllows(message), at: d.range))
            }
        }
        try check(lrSeq, "lr", what: "rate", range: .nonNegative)
        var output: MomentumSource?
        if let mSeq {
            try check(mSeq, "momentum", what: "momentum", range: .unit)
            output = .explicit(mSeq)
        } else if let first = Node.sequence(lrSeq).firstMomentum {
            output = .companion(initial: first)
        }
        if case .companion = output, checkingRanges, !stopped {
            // The momentum one-cycle and cyclic shapes move is checked as a scheduled momentum is.
            let node = Node.sequence(lrSeq)
            let horizon = min(settings.total ?? 1_000_000, lrSeq.staticDuration ?? 1_000_000)
            guard CheckBudget.allows(steps: samplePoints(horizon).count, of: node) else {
                throw .error(CheckBudget.refusal, at: lrSeq.phases[0].range)
            }
            var t = 0
            while t < horizon {
                if let m = node.momentum(at: Double(t), slots), let why = OutputRange.unit.violation(m) {
                    let message = DiagnosticMessage.outOfRange("momentum", why, step: t, ofPhase: false)
                    guard libraryOutputs.contains("lr") else { throw .error(message, at: lrSeq.phases[0].range) }
                    warnings.append(.warning(.libraryAllows(message), at: lrSeq.phases[0].range))
                    break
                }
                t = t < 256 ? t + 1 : t + t / 2
            }
        }
        // A condition reads only outputs the program schedules (an IR document may name others).
        let scheduled = Set(others.map(\.0) + (momentum == nil ? [] : ["momentum"]))
        for tree in [lr] + (momentum.map { [$0] } ?? []) + others.map(\.1) {
            if let missing = tree.outputsRead.first(where: { !scheduled.contains($0.name) }) {
                throw .error(.conditionReadsUnscheduled(missing.name), at: missing.range)
            }
        }
        var outputs: [NamedOutput] = []
        for ((name, _), seq) in zip(others, otherSeqs) {
            // A group's output (`lr[backbone]`) is checked as its output is.
            try check(seq, name, what: name, range: Builtins.range(of: name))
            outputs.append(NamedOutput(name: name, sequence: seq))
        }
        return CompiledProgram(
            settings: settings, lr: lrSeq, momentum: output, outputs: outputs, initialSlots: slots, source: source,
            baseGuards: guards, warnings: warnings, libraryOutputs: libraryOutputs,
            fingerprinter: .ir)
    }

    /// Samples every phase for a value out of the output's range (for a
    /// rate: negative, infinite or NaN): densely at first, then at growing
    /// gaps, up to the run's length.
    static func checkRates(
        _ s: PhaseSequence, what: String, range: OutputRange = .nonNegative, offset: Int?, total: Int?,
        _ slots: [SlotState], others: [String: ClosedRange<Double>] = [:]
    ) throws(CheckError) {
        for (i, p) in s.phases.enumerated() {
            if p.entry != nil {
                try checkEntryPhase(s, i, what: what, range: range, total: total, slots, others: others)
                continue
            }
            let start = s.starts.flatMap { st in offset.map { $0 + st[i] } }
            var horizon = p.bound ?? CompiledProgram.horizon
            if let total { horizon = min(horizon, max(1, total - (start ?? 0))) }
            if let (step, why) = try firstViolation(p.body, horizon: horizon, range: range, slots, at: p.range) {
                let at = start.map { $0 + step } ?? step
                throw .error(.outOfRange(what, why, step: at, ofPhase: start == nil), at: p.range)
            }
            if case .sequence(let inner) = p.body {
                try checkRates(inner, what: what, range: range, offset: start, total: total, slots)
            }
        }
    }
}

extension CompiledProgram {
    /// The first step before `horizon` at which `body` is out of `range`, and
    /// why, as the checker samples it: densely at first, then at growing
    /// gaps, then every step since the last good sample. A check with a
    /// budget stops at `place` when this sampling would pass it.
    static func firstViolation(
        _ body: Node, horizon: Int, range: OutputRange, _ slots: [SlotState], at place: SourceRange
    ) throws(CheckError) -> (step: Int, why: String)? {
        let points = samplePoints(horizon)
        guard CheckBudget.allows(body, points: points) else {
            throw .error(CheckBudget.refusal, at: place)
        }
        var values: [Double]
        if body.hasRunningValue, let cut = points.firstIndex(where: { $0 >= 4096 }) {
            // A replayed body (`chained`) is sampled over its first steps first: one found out of range there
            // is not replayed to the horizon, and one in range replays these few steps twice.
            values = body.values(at: Array(points[..<cut]), slots)
            if !values.contains(where: { range.violation($0) != nil }) { values = body.values(at: points, slots) }
        } else {
            values = body.values(at: points, slots)
        }
        guard let j = values.firstIndex(where: { range.violation($0) != nil }) else { return nil }
        let span = Array((j > 0 ? points[j - 1] + 1 : 0)...points[j])
        guard CheckBudget.allows(body, points: span) else {
            throw .error(CheckBudget.refusal, at: place)
        }
        let spanValues = body.values(at: span, slots)
        let k = spanValues.firstIndex { range.violation($0) != nil } ?? span.count - 1
        return (span[k], range.violation(spanValues[k]) ?? "")
    }
}

extension Phase {
    /// A warmup rising to a phase that reads entry values takes them when it
    /// starts, so it rises to where that phase will begin; a phase with none
    /// before it has no step before it to read.
    static func planEntries(_ phases: inout [Phase]) throws(CheckError) {
        for i in phases.indices {
            guard let plan = phases[i].entry, plan.role == .own else { continue }
            if i > 0, case .primitive(let p, _) = phases[i - 1].body, let w = p as? Warmup, w.implicitTarget {
                if i == 1 {
                    throw .error(.entryAfterFirstWarmup, at: phases[i].range)
                }
                var warmup = phases[i - 1].entry ?? plan
                warmup.role = .warmup
                warmup.length = phases[i - 1].entry?.length
                phases[i - 1].entry = warmup
                phases[i].entry?.role = .afterWarmup
            } else if i == 0 {
                throw .error(.entryInFirstOfSequence, at: phases[i].range)
            }
        }
    }

    /// A warmup with no target of its own rises to where the next phase starts. Resolved from the last
    /// phase back, so a warmup into a warmup that rises in turn (one of no steps starts at its target)
    /// rises to where that one starts, as the IR read back and a rebuild at another base resolve it.
    static func resolveImplicitTargets(_ phases: inout [Phase]) {
        for i in phases.indices.dropLast().reversed() {
            if let rising = phases[i].body.risingWarmup(to: phases[i + 1].body) { phases[i].body = rising }
        }
    }
}
