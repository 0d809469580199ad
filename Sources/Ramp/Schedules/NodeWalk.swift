/// Walks over schedule trees without recursion, so that checking a hostile
/// program (a chain of thousands of `let`s) cannot overflow the stack.
extension Node {
    /// Direct children, including the bodies of every phase.
    var children: [Node] {
        switch self {
        case .constant, .time, .primitive, .reduceOnPlateau: return []
        case .negate(let a), .apply(_, let a): return [a]
        case .combine(_, let a, let b): return [a, b]
        case .restarts(let r, _): return [r.body]
        case .sequence(let s): return s.phases.map(\.body)
        case .warp(let a, let b): return [a, b]
        case .runningProduct(let f), .single(let f): return [f]
        case .chained(let c, _): return c.members.map(\.body)
        }
    }

    /// Node count (repeats counted) and depth, stopping once `cap` nodes are seen.
    func measure(cap: Int) -> (size: Int, depth: Int) {
        var stack: [(Node, Int)] = [(self, 1)]
        var size = 0
        var depth = 0
        while let (n, d) = stack.popLast() {
            size += 1
            depth = Swift.max(depth, d)
            if size > cap { break }
            for c in n.children { stack.append((c, d + 1)) }
        }
        return (size, depth)
    }

    /// True when any part keeps state between steps (metric-driven parts and
    /// condition-driven sequences).
    public var isStateful: Bool {
        var stack: [Node] = [self]
        while let n = stack.popLast() {
            switch n {
            case .reduceOnPlateau: return true
            case .sequence(let s) where !s.isStatic: return true
            default: stack.append(contentsOf: n.children)
            }
        }
        return false
    }

    /// The natural length in steps: a primitive's own, a sequence's total, or
    /// for arithmetic the longest of its parts.
    public var duration: Int? {
        switch self {
        case .constant, .time, .reduceOnPlateau, .warp, .runningProduct: return nil
        case .single(let a): return a.duration
        case .primitive(let p, _): return p.duration
        case .sequence(let s): return s.staticDuration
        case .restarts(let r, _): return r.duration
        case .negate(let a), .apply(_, let a): return a.duration
        case .combine(_, let a, let b): return Node.longest(a.duration, b.duration)
        case .chained(let c, _): return c.members.map(\.body.duration).reduce(nil, Node.longest)
        }
    }

    /// Arithmetic's length rule: the longest of the parts that have one.
    static func longest(_ a: Int?, _ b: Int?) -> Int? {
        switch (a, b) {
        case (nil, nil): return nil
        case (let x?, nil): return x
        case (nil, let y?): return y
        case (let x?, let y?): return Swift.max(x, y)
        }
    }

    /// A number, plain or following the base: no `t` in it.
    var isNumber: Bool {
        switch self {
        case .constant, .primitive(_ as Constant, _): return true
        default: return false
        }
    }

    /// The value at local step 0 with every part in its initial state: what a
    /// warmup before this schedule rises to, and a restart's peak.
    var initialValue: Double { value(at: 0, []) }

    /// This body, when it is a warmup with no target of its own, rising to where `next` begins. The target is
    /// `next`'s start, at whatever base `next` is built, so it no longer follows the base by itself. The checker
    /// takes it here for a phase built once, and a phase built at entry for the values fixed there.
    func risingWarmup(to next: Node) -> Node? {
        guard case .primitive(let p, var symbols) = self, var w = p as? Warmup, w.implicitTarget else { return nil }
        w.to = next.initialValue
        symbols["to"] = nil
        return .primitive(w, symbols)
    }
}

extension Node {
    /// True when the schedule ends by itself: a fixed length, or a sequence
    /// whose last phase can end.
    var canFinish: Bool {
        if duration != nil { return true }
        guard case .sequence(let s) = self, let last = s.phases.last else { return false }
        return last.bound != nil || last.condition != nil || last.body.canFinish
    }

    /// The companion momentum of the first shape that defines one.
    var firstMomentum: Double? {
        var stack: [Node] = [self]
        while let n = stack.popLast() {
            if case .primitive(let p, _) = n, let m = p.momentum(at: 0) { return m }
            stack.append(contentsOf: n.children.reversed())
        }
        return nil
    }

    /// A copy in which every stateful part owns a fresh slot, numbered in tree
    /// order, with its initial state appended to `slots`. A `let`-bound schedule
    /// used twice thus gets two independent states.
    func assigningSlots(_ slots: inout [SlotState]) -> Node {
        switch self {
        case .constant, .time, .primitive: return self
        case .negate(let a): return .negate(a.assigningSlots(&slots))
        case .apply(let f, let a): return .apply(f, a.assigningSlots(&slots))
        case .combine(let op, let a, let b):
            let x = a.assigningSlots(&slots)
            return .combine(op, x, b.assigningSlots(&slots))
        case .restarts, .warp, .runningProduct, .chained, .single:
            return self  // stateless by construction
        case .reduceOnPlateau(var r, let symbols):
            r.slot = slots.count
            slots.append(.reduce(ReduceState(value: r.from, tracker: PlateauTracker(r.plateau))))
            return .reduceOnPlateau(r, symbols)
        case .sequence(var s):
            if !s.isStatic {
                s.slot = slots.count
                slots.append(.sequence(SequenceState()))
            }
            for i in s.phases.indices {
                let lo = slots.count
                s.phases[i].body = s.phases[i].body.assigningSlots(&slots)
                s.phases[i].condition = s.phases[i].condition?.assigningSlots(&slots)
                s.phases[i].slots = lo..<slots.count
            }
            return .sequence(s)
        }
    }
}

extension Node {
    /// The outputs that conditions anywhere in the tree read, with the phase
    /// each is read in: without recursion, as every walk here.
    var outputsRead: [(name: String, range: SourceRange)] {
        conditionsRead.outputs
    }

    /// The signals that conditions anywhere in the tree wait for, each once.
    var signalsRead: [String] { conditionsRead.signals }

    /// True when a metric's value can change the tree (a plateau, a
    /// reduce-on-plateau, a comparison with the metric); a tree with state
    /// that waits only for signals or outputs does not read one.
    var readsMetric: Bool {
        var stack: [Node] = [self]
        while let n = stack.popLast() {
            if case .reduceOnPlateau = n { return true }
            if case .sequence(let s) = n, s.phases.contains(where: { $0.condition?.needsMetric == true }) {
                return true
            }
            stack += n.children
        }
        return false
    }

    /// What conditions read from outside the schedule: outputs (with their
    /// phase) and signals.
    private var conditionsRead: (outputs: [(name: String, range: SourceRange)], signals: [String]) {
        var out: [(String, SourceRange)] = []
        var signals: [String] = []
        var stack: [Node] = [self]
        while let n = stack.popLast() {
            if case .sequence(let s) = n {
                for p in s.phases {
                    var conditions = p.condition.map { [$0] } ?? []
                    while let c = conditions.popLast() {
                        switch c {
                        case .elapsed, .plateau: break
                        case .signal(let name): if !signals.contains(name) { signals.append(name) }
                        case .compare(let a, _, let b):
                            for case .output(let name) in [a, b] { out.append((name, p.range)) }
                        case .all(let x, let y), .any(let x, let y): conditions += [x, y]
                        case .not(let x): conditions.append(x)
                        }
                    }
                }
            }
            stack += n.children
        }
        return (out, signals)
    }
}

extension Condition {
    func assigningSlots(_ slots: inout [SlotState]) -> Condition {
        switch self {
        case .elapsed, .compare, .signal: return self
        case .plateau(let spec, _):
            slots.append(.plateau(PlateauTracker(spec, startInCooldown: true)))
            return .plateau(spec, slot: slots.count - 1)
        case .all(let a, let b):
            let x = a.assigningSlots(&slots)
            return .all(x, b.assigningSlots(&slots))
        case .any(let a, let b):
            let x = a.assigningSlots(&slots)
            return .any(x, b.assigningSlots(&slots))
        case .not(let a): return .not(a.assigningSlots(&slots))
        }
    }
}

extension Phase {
    /// True when nothing but its length ends the phase: no condition, and no
    /// condition-driven sequence inside that could end it sooner.
    var hasFixedEnd: Bool {
        if condition != nil || entry != nil { return false }
        if case .sequence(let inner) = body, !inner.isStatic { return false }
        return true
    }
}

extension PhaseSequence {
    /// Decides whether the phases can be laid out by their lengths alone.
    static func make(_ phases: [Phase]) -> PhaseSequence {
        var starts: [Int] = []
        var at = 0
        var isStatic = true
        for (i, p) in phases.enumerated() {
            starts.append(at)
            if !p.hasFixedEnd {
                isStatic = false
                break
            }
            if i < phases.count - 1 {
                guard let b = p.bound else {
                    isStatic = false
                    break
                }
                at += b
            }
        }
        return PhaseSequence(phases: phases, starts: isStatic ? starts : nil, slot: isStatic ? -1 : 0)
    }
}

extension Node {
    /// The values at the whole steps `points` (ascending). A running product
    /// or a chained schedule replays from step 0 for a value asked alone, so
    /// the checker, which samples many steps, asks for them together: one
    /// replay then serves them all.
    func values(at points: [Int], _ slots: [SlotState]) -> [Double] {
        switch self {
        case .chained(let c, _): return c.values(at: points, slots)
        case .runningProduct(let f):
            var out: [Double] = []
            out.reserveCapacity(points.count)
            var p = 1.0
            var k = 1
            var j = 0
            while j < points.count {
                while k <= points[j] {
                    p *= f.value(at: Double(k), slots)
                    k += 1
                }
                out.append(p)
                j += 1
            }
            return out
        case .negate(let a): return a.values(at: points, slots).map { -$0 }
        case .apply(let f, let a): return a.values(at: points, slots).map { f.apply($0) }
        case .combine(let op, let a, let b):
            return zip(a.values(at: points, slots), b.values(at: points, slots)).map { op.apply($0, $1) }
        default:
            // Running values inside (a sequence's phase, a warp) go on from one point to the next.
            let running = RunningValues()
            return points.map { value(at: Double($0), slots, running: running, key: 0) }
        }
    }
}

extension PhaseSequence {
    /// The step at which each phase starts, counted from `offset`: known
    /// while every phase before it has a fixed length, nil after one that
    /// ends on an event. `ramp explain` and the language server both show it.
    func startSteps(from offset: Int?) -> [Int?] {
        var known = offset
        return phases.map { p in
            defer {
                if let k = known, p.hasFixedEnd, let b = p.bound { known = k + b } else { known = nil }
            }
            return known
        }
    }
}
