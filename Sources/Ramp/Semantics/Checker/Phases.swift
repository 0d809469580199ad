/// Phases and limits: sequences of phases, and the size and depth limits on a schedule.
extension Checker {
    // MARK: - sequences

    /// Builds `a then b until c then d for 10`.
    mutating func sequence(_ items: [Expr], _ env: Env) throws(CheckError) -> Node {
        var phases: [Phase] = []
        // Each phase's start, while the phases before it have fixed lengths: durations in tokens count from it.
        let outer = phaseStart
        defer { phaseStart = outer }
        // `current` and `elapsed` belong to the phases of a statement's outermost sequence, after its first.
        let outermost = sequenceDepth == 0
        let outerScope = entryScope
        sequenceDepth += 1
        defer {
            sequenceDepth -= 1
            entryScope = outerScope
        }
        var entryLengths: [BaseExpr?] = []
        // A phase that does not check leaves the others to be checked: each error of the sequence is reported.
        var errors = CheckErrors()
        for (index, item) in items.enumerated() {
            entryScope = outermost ? index > 0 : outerScope
            do throws(CheckError) {
                try phase(item, env, outermost: outermost, &phases, &entryLengths)
            } catch {
                errors.add(error)
            }
        }
        try errors.check()
        if !outermost, let p = phases.first(where: { $0.body.readsEntry }) {
            throw .error(.entryInNestedSequence, at: p.range)
        }
        if outermost, let output = checkingOutput {
            for i in phases.indices where entryLengths[i] != nil || phases[i].body.readsEntry {
                phases[i].entry = EntryPlan(
                    output: output, length: entryLengths[i], role: .own, settings: settings,
                    builder: .builtins)
            }
        }
        // A phase of length 0 (`warmup 0`) is never in force.
        if phases.count > 1 { phases.removeAll { $0.bound == 0 && $0.condition == nil && $0.entry == nil } }
        if phases.isEmpty { throw .error(.emptySequence, at: items[0].range) }
        if phases.count == 1, phases[0].condition == nil, !phases[0].explicitBound { return phases[0].body }
        Phase.resolveImplicitTargets(&phases)
        try Phase.planEntries(&phases)
        for (i, p) in phases.enumerated() where i < phases.count - 1 {
            if p.bound == nil, p.condition == nil, !p.body.canFinish {
                throw .error(.unreachablePhase, at: p.range)
            }
        }
        return .sequence(PhaseSequence.make(phases))
    }

    /// One phase of a sequence (`cosine(T=50) until plateau(patience 3) for 100`), appended to `phases`.
    /// Its length, its conditions and its body are each checked, and every error among them is reported.
    private mutating func phase(
        _ item: Expr, _ env: Env, outermost: Bool, _ phases: inout [Phase], _ entryLengths: inout [BaseExpr?]
    ) throws(CheckError) {
        var errors = CheckErrors()
        var entryLength: BaseExpr?
        if let last = phases.last {
            phaseStart = zip(phaseStart, last.condition == nil ? last.bound : nil).map { $0 + $1 }
        }
        var e = item
        var bound: Int?
        var conditions: [Condition] = []
        peel: while true {
            switch e.kind {
            case .until(let body, let c):
                do throws(CheckError) {
                    let value = try evaluate(c, env)
                    conditions.insert(try condition(value, c.range), at: 0)
                } catch {
                    errors.add(error)
                }
                e = body
            case .bounded(let body, let d):
                do throws(CheckError) {
                    let value = try evaluate(d, env)
                    var n: Int
                    if outermost, case .number(let x, let form?) = value, form.expr.readsEntry {
                        // A length fixed at entry (`for 0.2 * elapsed`): its template is the placeholder's.
                        n = EntryPlan.steps(x)
                        entryLength = form.expr
                    } else {
                        n = try duration(value, d.range)
                    }
                    guard n >= 1 else { throw .error(.emptyPhase, at: d.range) }
                    if bound != nil { throw .error(.lengthTwice, at: d.range) }
                    bound = n
                } catch {
                    errors.add(error)
                }
                e = body
            default: break peel
            }
        }
        var checked: Node?
        do throws(CheckError) {
            checked = try Checker.measured(try Checker.schedule(try evaluate(e, env), e.range), e.range)
        } catch {
            errors.add(error)
        }
        try errors.check()
        guard let body = checked else { throw .alreadyReported }
        let cond = conditions.dropFirst().reduce(conditions.first) { acc, c in acc.map { .any($0, c) } }
        // A condition that is only a duration is a length.
        var explicit = bound != nil
        var finalCondition = cond
        if case .elapsed(let n)? = cond, entryLength == nil {
            bound = bound.map { min($0, n) } ?? n
            explicit = true
            finalCondition = nil
        }
        phases.append(
            Phase(
                body: body, bound: bound ?? body.duration, explicitBound: explicit,
                condition: finalCondition, slots: 0..<0, range: preludeCall ?? item.range))
        entryLengths.append(entryLength)
    }

    /// Enforces the size and depth limits before anything walks a tree recursively.
    static func measured(_ n: Node, _ range: SourceRange) throws(CheckError) -> Node {
        let (size, depth) = n.measure(cap: Checker.maxNodes)
        if size > Checker.maxNodes {
            throw .error(.tooLarge(Checker.maxNodes), at: range)
        }
        if depth > Checker.maxDepth {
            throw .error(.tooDeep(Checker.maxDepth), at: range)
        }
        return n
    }

    /// An output's schedule, as a sequence of at least one phase.
    static func topLevel(_ v: Value, _ range: SourceRange) throws(CheckError) -> Node {
        let n = try Checker.measured(try Checker.schedule(v, range), range)
        if case .sequence = n { return n }
        return .sequence(
            PhaseSequence.make([
                Phase(body: n, bound: n.duration, explicitBound: false, condition: nil, slots: 0..<0, range: range)
            ]))
    }

    // MARK: - finishing

    mutating func finish(
        lr: Node, lrRange: SourceRange, momentum: (Node, SourceRange)?,
        others: [(String, Node)]
    ) throws(CheckError) -> CompiledProgram {
        try CompiledProgram.assemble(
            settings: settings, lr: lr, momentum: momentum?.0, others: others, source: file,
            guards: guards, warnings: warnings, libraryOutputs: libraryOutputs)
    }
}

private func zip(_ a: Int?, _ b: Int?) -> (Int, Int)? {
    guard let a, let b else { return nil }
    return (a, b)
}
