/// The per-step fast path. When the rate schedule is a static sequence (every
/// phase but the last has a fixed length, which is nearly every schedule
/// people write), each phase is turned once into a `PhaseKernel`: its step
/// range and its body as a concrete value. The scheduler keeps the phase in
/// force inline, so a step is a comparison and a direct call, with no tree
/// walk and no reference counting: a kernel is a plain value (bodies without
/// a kernel of their own are kept aside in the plan, referred to by index,
/// and walked as trees by the one evaluation core, `Node.evaluate`).
///
/// Kernels compute exactly what `Node.value(at:)` and `Node.observe` compute
/// (they call the same primitive code, and locate phases with the pieces of
/// `PhaseSequence.locate`: `phase(at:starts:)`, `Phase.clamp`, `Phase.runs`);
/// the conformance suite's kernel runner and
/// ResumeTests check the two paths bit for bit, and the fuzzer on every input.
enum Kernel: Sendable {
    case constant(Double)
    case cosine(Cosine)
    case warmup(Warmup)
    case linear(Linear)
    case exponential(Exponential)
    case stepDecay(StepDecay)
    case polynomial(Polynomial)
    case reduce(ReduceOnPlateau)
    /// Warm restarts: `KernelPlan.restarts[i]`, its body a kernel too.
    case restarts(Int)
    /// Any other body: `KernelPlan.nodes[i]`, walked as a tree.
    case node(Int)

    init(_ body: Node, _ plan: inout KernelPlan) {
        switch body {
        case .constant(let c): self = .constant(c)
        case .primitive(let p as Constant, _): self = .constant(p.level)
        case .reduceOnPlateau(let r, _): self = .reduce(r)
        case .primitive(let p as Cosine, _): self = .cosine(p)
        case .primitive(let p as Warmup, _): self = .warmup(p)
        case .primitive(let p as Linear, _): self = .linear(p)
        case .primitive(let p as Exponential, _): self = .exponential(p)
        case .primitive(let p as StepDecay, _): self = .stepDecay(p)
        case .primitive(let p as Polynomial, _): self = .polynomial(p)
        case .restarts(let r, _) where !r.body.isStateful:
            let body = Kernel(r.body, &plan)
            self = .restarts(plan.restarts.count)
            plan.restarts.append(RestartsKernel(cycles: r.cycles, body: body))
            plan.restartMarks.append(r.marks)
        default:
            self = .node(plan.nodes.count)
            plan.nodes.append(body)
        }
    }

    @inline(__always) func value(at t: Double, _ slots: [SlotState], _ plan: KernelPlan) -> Double {
        switch self {
        case .constant(let c): return c
        case .cosine(let p): return p.value(at: t)
        case .warmup(let p): return p.value(at: t)
        case .linear(let p): return p.value(at: t)
        case .exponential(let p): return p.value(at: t)
        case .stepDecay(let p): return p.value(at: t)
        case .polynomial(let p): return p.value(at: t)
        case .reduce(let r): return r.value(slots)
        case .restarts(let i): return plan.restarts[i].value(at: t, slots, plan, i)
        case .node(let i): return plan.nodes[i].value(at: t, slots)
        }
    }

    @inline(__always) func observe(
        at t: Int, _ ctx: StepContext, _ slots: inout [SlotState], initial: [SlotState], _ plan: KernelPlan
    ) {
        switch self {
        case .reduce(let r): r.observe(ctx, &slots)
        case .node(let i): plan.nodes[i].observe(at: t, ctx, &slots, initial: initial)
        default: return
        }
    }

    /// Fills `out[i]` with the value at local step i, clamped to `last`: one
    /// loop per primitive type, so the body is inlined.
    func fill(_ out: UnsafeMutableBufferPointer<Double>, last: Double, _ slots: [SlotState], _ plan: KernelPlan) {
        @inline(__always) func loop(_ f: (Double) -> Double) {
            for i in 0..<out.count { out[i] = f(Swift.min(Double(i), last)) }
        }
        switch self {
        case .constant(let c): out.initialize(repeating: c)
        case .cosine(let p): loop(p.value(at:))
        case .warmup(let p): loop(p.value(at:))
        case .linear(let p): loop(p.value(at:))
        case .exponential(let p): loop(p.value(at:))
        case .stepDecay(let p): loop(p.value(at:))
        case .polynomial(let p): loop(p.value(at:))
        case .reduce, .restarts, .node: loop { value(at: $0, slots, plan) }
        }
    }
}

/// One phase of a static top-level sequence: a plain value, so the
/// scheduler keeps the one in force inline.
struct PhaseKernel: Sendable {
    /// The steps the phase is in force: `start..<end` (end is Int.max for the last).
    var start: Int
    var end: Int
    /// The last local step evaluated: past a fixed-length phase's end it holds.
    var last: Double
    /// The phase's own length, past which it observes nothing.
    var bound: Int
    var kernel: Kernel

    /// The step within the phase at which its body is evaluated at `step`:
    /// `Phase.evaluated`, on the copy of `last` kept inline.
    @inline(__always) func local(_ step: Int) -> Double { Phase.clamp(Double(step - start), last: last) }
}

/// Warm restarts around a stateless body, the body as a kernel: plain values, so reading one from the plan
/// copies no reference (its marks are `KernelPlan.restartMarks[i]`, read only far into the cycles).
struct RestartsKernel: Sendable {
    var cycles: Restarts.Cycles
    var body: Kernel

    /// As Node.evaluate does: locate the cycle, stretch time to fit it, scale.
    /// Kept out of line, so `Kernel.value` (which this calls) is not recursive
    /// and inlines into the scheduler's step.
    @inline(never) func value(at t: Double, _ slots: [SlotState], _ plan: KernelPlan, _ i: Int) -> Double {
        let (local, k) = cycles.position(t, marks: plan.restartMarks[i])
        return cycles.scaled(body.value(at: local, slots, plan), cycle: k)
    }
}

/// The phase in force of a condition-driven sequence as a kernel: built when
/// the phase starts (its start and index name it), so a step of an
/// `until plateau` schedule reads its body without walking the tree.
struct InForceKernel: Sendable {
    var phase: Int
    var start: Int
    var kernel: Kernel
    /// The bodies the kernel refers to.
    var plan: KernelPlan

    init(phase: Int, start: Int, body: Node) {
        self.phase = phase
        self.start = start
        var plan = KernelPlan()
        kernel = Kernel(body, &plan)
        self.plan = plan
    }
}

/// The kernels of a static sequence's phases, and the bodies they refer to.
struct KernelPlan: Sendable {
    var phases: [PhaseKernel] = []
    var restarts: [RestartsKernel] = []
    /// `restarts[i]`'s marks.
    var restartMarks: [Restarts.Marks] = []
    var nodes: [Node] = []

    /// Where each phase starts, as the sequence has it.
    var starts: [Int] = []

    /// A plan of no phases, for the bodies one kernel refers to.
    init() {}

    /// The plan for a static sequence, or nil when phases end on conditions.
    init?(_ s: PhaseSequence) {
        guard let starts = s.starts else { return nil }
        self.starts = starts
        for (i, phase) in s.phases.enumerated() {
            let end = i + 1 < starts.count ? starts[i + 1] : Int.max
            let kernel = Kernel(phase.body, &self)
            phases.append(
                PhaseKernel(
                    start: starts[i], end: end,
                    last: phase.lastLocal,
                    bound: phase.bound ?? Int.max, kernel: kernel))
        }
    }

    /// The phase in force at step `t`, located as `PhaseSequence` locates it.
    func phase(at t: Int) -> PhaseKernel {
        phases[PhaseSequence.phase(at: Double(t), starts: starts)]
    }

    /// The rate at step `t`, given the slots.
    @inline(__always) func value(at t: Int, _ slots: [SlotState]) -> Double {
        let k = phase(at: t)
        return k.kernel.value(at: k.local(t), slots, self)
    }
}
