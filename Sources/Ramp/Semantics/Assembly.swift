/// The last step of checking, shared by the checker and the IR loader, so a
/// program built from its IR tree is checked exactly as one built from source.
extension CompiledProgram {
    /// Numbers the state slots, samples every phase for bad rates, and finds
    /// the companion momentum.
    static func assemble(settings: Settings, lr: Node, momentum: Node?, source: SourceFile,
                         guards: [BaseGuard]) throws(CheckError) -> CompiledProgram {
        var slots: [SlotState] = []
        guard case .sequence(let lrSeq) = lr.assigningSlots(&slots) else { preconditionFailure("top level is a sequence") }
        try checkRates(lrSeq, what: "rate", offset: 0, total: settings.total, slots)
        var output: MomentumSource?
        if let m = momentum {
            guard case .sequence(let mSeq) = m.assigningSlots(&slots) else { preconditionFailure("top level is a sequence") }
            try checkRates(mSeq, what: "momentum", offset: 0, total: settings.total, slots)
            output = .explicit(mSeq)
        } else if let first = Node.sequence(lrSeq).firstMomentum {
            output = .companion(initial: first)
        }
        return CompiledProgram(settings: settings, lr: lrSeq, momentum: output, initialSlots: slots, source: source, baseGuards: guards)
    }

    /// Samples every phase for a negative, infinite or NaN value: densely at
    /// first, then at growing gaps, up to the run's length.
    static func checkRates(_ s: PhaseSequence, what: String, offset: Int?, total: Int?, _ slots: [SlotState]) throws(CheckError) {
        for (i, p) in s.phases.enumerated() {
            let start = s.starts.flatMap { st in offset.map { $0 + st[i] } }
            var horizon = p.bound ?? 1_000_000
            if let total { horizon = min(horizon, max(1, total - (start ?? 0))) }
            func bad(_ t: Int) -> Bool {
                let v = p.body.value(at: Double(t), slots)
                return v.isNaN || v < 0 || v.isInfinite
            }
            var t = 0, previous = -1
            while t < horizon {
                if bad(t) {
                    // Samples thin out; find the first bad step since the last good one.
                    t = (previous + 1...t).first(where: bad) ?? t
                    let v = p.body.value(at: Double(t), slots)
                    let what2 = v.isNaN ? "not a number" : v.isInfinite ? "infinite" : "negative (\(fmt(v)))"
                    let whereText = start.map { "at step \($0 + t)" } ?? "at step \(t) of this phase"
                    throw .error(.badRate, "the \(what) is \(what2) \(whereText)", at: p.range)
                }
                previous = t
                t = t < 256 ? t + 1 : t + t / 2
            }
            if case .sequence(let inner) = p.body { try checkRates(inner, what: what, offset: start, total: total, slots) }
        }
    }
}

extension Phase {
    /// A warmup with no target of its own rises to where the next phase starts.
    static func resolveImplicitTargets(_ phases: inout [Phase]) {
        for i in phases.indices.dropLast() {
            if case .primitive(let p, let symbols) = phases[i].body, var w = p as? Warmup, w.implicitTarget {
                w.to = phases[i + 1].body.initialValue
                // The target is the next phase's, at whatever base that phase is built.
                var s = symbols
                s["to"] = nil
                phases[i].body = .primitive(w, s)
            }
        }
    }
}
