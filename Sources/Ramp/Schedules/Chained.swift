/// torch's `ChainedScheduler`: at every step each member in turn updates one
/// running rate, which starts at `start` (the optimizer's rate). torch's
/// chainable schedulers step recursively, so a member with a floor moves the
/// rate by its own change around that floor,
/// `x = floor + (x - floor) * ((s(t) - floor) / (s(t-1) - floor))`, taking
/// `s(-1) = start`; where its last value is its floor (torch's cosine at the
/// bottom of a period) it adds its change instead. A member without a floor
/// sets the rate to its own value, as torch's closed-form schedulers
/// (LambdaLR, OneCycleLR, CyclicLR, warm restarts) do. A product of factors
/// is the same only when every member multiplies (floor 0).
public struct Chained: Sendable {
    /// A member is read at every step of a replay: as a class, a step takes a reference to it rather than a
    /// copy of its trees.
    public final class Member: Sendable {
        public let body: Node
        /// nil: the member sets the rate.
        public let floor: Double?
        /// The body's height above its floor, where its shape gives it without
        /// the cancellation of `s(t) - floor` (a cosine over its own minimum):
        /// the ratio torch's cosine step takes is then exact to a rounding.
        public let height: Node?
        /// The height's cosine, where the body's value is its floor plus that height to the bit (a cosine
        /// over its own minimum, that minimum not −0): a step then evaluates one cosine, not two, and reads it
        /// without walking the tree.
        let heightCosine: Cosine?
        /// The body when it is one shape (torch's chainable schedulers are): a step reads it without walking
        /// the tree.
        let shape: (any Primitive)?
        /// For a running product (times a number), `f` of `running_product(f)`:
        /// from step 1 its ratio is `f(t)`, torch's MultiplicativeLR step,
        /// which costs one evaluation rather than a replay of the product.
        public let factor: Node?

        public init(body: Node, floor: Double?) {
            self.body = body
            self.floor = floor
            var factor: Node?
            if floor == 0 {
                switch body {
                case .runningProduct(let f): factor = f
                case .combine(.multiply, let a, .runningProduct(let f)) where a.isNumber: factor = f
                default: break
                }
            }
            self.factor = factor
            if case .primitive(let p, _) = body { shape = p } else { shape = nil }
            var height: Node?
            var heightCosine: Cosine?
            if let floor, case .primitive(let c as Cosine, let symbols) = body, c.min == floor {
                var above = c
                above.from = c.from - c.min
                above.min = 0
                var heightSymbols: BaseSymbols = [:]
                if symbols["from"] != nil || symbols["min"] != nil {
                    heightSymbols["from"] = .combine(
                        .subtract, symbols["from"] ?? .constant(c.from), symbols["min"] ?? .constant(c.min))
                }
                height = .primitive(above, heightSymbols)
                // The body is `min + (from - min) * c` and the height `0 + ((from - min) - 0) * c`, the same
                // product; `0 + p` differs from `p` only at p = −0, where `min + p` is `min` either way, unless
                // min is −0 too.
                if !(c.min == 0 && c.min.sign == .minus) { heightCosine = above }
            }
            self.height = height
            self.heightCosine = heightCosine
        }

        /// The body's value at step t and its height above its floor (its value less its floor where it has
        /// no height of its own).
        @inline(__always) func valueAndExcess(
            at t: Double, _ slots: [SlotState], _ running: RunningValues?, _ key: UInt64
        ) -> (value: Double, excess: Double) {
            if let heightCosine, let floor {
                let e = heightCosine.value(at: t)
                return (floor + e, e)
            }
            let v = value(at: t, slots, running, key)
            return (v, height?.evaluate(at: t, slots) ?? (v - (floor ?? 0)))
        }

        /// The body's value at step t: its shape's, or the tree's.
        @inline(__always) func value(
            at t: Double, _ slots: [SlotState], _ running: RunningValues?, _ key: UInt64
        ) -> Double {
            shape?.value(at: t) ?? body.evaluate(at: t, slots, running, key)
        }

        /// The rate `x` as this member, which has a floor, moves it at a step where its value is `v` and its
        /// height `e`: by its own change where its last height was 0, else around the floor by the ratio of
        /// its heights (torch's recursive step).
        @inline(__always) func moved(
            _ x: Double, value v: Double, excess e: Double, previous: Double, lastExcess: Double
        ) -> Double {
            let floor = floor ?? 0
            return lastExcess == 0 ? x + (v - previous) : floor + (x - floor) * (e / lastExcess)
        }
    }
    public var members: [Member]
    public var start: Double

    /// The running rate after local step `t`: the members replayed from step 0,
    /// as torch replays them. A running value inside a member goes on from
    /// one step of the replay to the next, so the replay costs `t` steps, not `t²`.
    func value(at t: Double, _ slots: [SlotState]) -> Double {
        if let j = settingMember { return settled(at: t, from: j, slots) }
        var run = begin()
        advance(&run, through: t, slots, RunningValues(), 0)
        return run.x
    }

    /// The running rate at each of `points` (ascending), from one replay that stops at each point.
    func values(at points: [Int], _ slots: [SlotState]) -> [Double] {
        if let j = settingMember { return points.map { settled(at: Double($0), from: j, slots) } }
        var run = begin()
        let running = RunningValues()
        return points.map { p in
            advance(&run, through: Double(p), slots, running, 0)
            return run.x
        }
    }

    /// The last member that sets the rate (its floor is nil), when neither it nor any member after it keeps a
    /// running value. Each step then starts again from that member's value, and the members after it move it
    /// by their values at this step and the last (their own, not the rate's), so the rate at any step is
    /// known without a replay: a torch `LambdaLR` or `OneCycleLR` chained with recursive forms after it.
    var settingMember: Int? {
        guard let j = members.lastIndex(where: { $0.floor == nil }) else { return nil }
        for m in members[j...] {
            // A running product's body is read at step 0 alone, where it has run no step; its factor after.
            let read = m.factor ?? m.body
            if read.hasRunningValue || m.height?.hasRunningValue == true { return nil }
        }
        return j
    }

    /// The rate after step t, where member `j` sets it (`settingMember`): exactly the replay's, member by
    /// member, from its value at t, with each later member's last value and height taken at t − 1 (or the
    /// replay's start before step 0).
    func settled(at t: Double, from j: Int, _ slots: [SlotState]) -> Double {
        // A replay takes the steps 0, 1, ... up to t; before step 0 it has taken none.
        guard t >= 0 else { return start }
        let t = t.rounded(.down)
        var x = members[j].body.value(at: t, slots)
        for m in members[(j + 1)...] {
            if t > 0, let f = m.factor {
                x *= f.value(at: t, slots)
                continue
            }
            // Members after the last one that sets the rate all have a floor.
            let (v, e) = m.valueAndExcess(at: t, slots, nil, 0)
            var (previous, lastExcess) = (start, start - (m.floor ?? 0))
            if t > 0 { (previous, lastExcess) = m.valueAndExcess(at: t - 1, slots, nil, 0) }
            x = m.moved(x, value: v, excess: e, previous: previous, lastExcess: lastExcess)
        }
        return x
    }

    /// Where a replay stands: the rate, each member's last value and height
    /// above its floor, and the next step to take.
    struct Run {
        var k: Double
        var x: Double
        var previous: [Double]
        var excess: [Double]
    }

    /// A replay before step 0.
    func begin() -> Run {
        Run(
            k: 0, x: start, previous: [Double](repeating: start, count: members.count),
            excess: members.map { start - ($0.floor ?? 0) })
    }

    /// Steps the members from the run's next step through `t`. Members are
    /// evaluated with `running` (under `key`), so a running value inside one
    /// is continued too.
    func advance(
        _ run: inout Run, through t: Double, _ slots: [SlotState], _ running: RunningValues?,
        _ key: UInt64
    ) {
        var x = run.x
        var k = run.k
        while k <= t {
            for (i, m) in members.enumerated() {
                let memberKey = RunningValues.key(key, UInt64(i))
                if k > 0, let f = m.factor {
                    x *= f.evaluate(at: k, slots, running, RunningValues.key(memberKey, 1))
                    continue
                }
                guard m.floor != nil else {
                    x = m.value(at: k, slots, running, memberKey)
                    run.previous[i] = x
                    continue
                }
                let (v, e) = m.valueAndExcess(at: k, slots, running, memberKey)
                x = m.moved(x, value: v, excess: e, previous: run.previous[i], lastExcess: run.excess[i])
                run.excess[i] = e
                run.previous[i] = v
            }
            k += 1
        }
        run.x = x
        run.k = k
    }
}
