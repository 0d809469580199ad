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
    public struct Member: Sendable {
        public var body: Node
        /// nil: the member sets the rate.
        public var floor: Double?
        /// The body's height above its floor, where its shape gives it without
        /// the cancellation of `s(t) - floor` (a cosine over its own minimum):
        /// the ratio torch's cosine step takes is then exact to a rounding.
        public var height: Node?
        /// For a running product (times a number), `f` of `running_product(f)`:
        /// from step 1 its ratio is `f(t)`, torch's MultiplicativeLR step,
        /// which costs one evaluation rather than a replay of the product.
        public var factor: Node?

        public init(body: Node, floor: Double?) {
            self.body = body
            self.floor = floor
            if floor == 0 {
                switch body {
                case .runningProduct(let f): factor = f
                case .combine(.multiply, let a, .runningProduct(let f)) where a.isNumber: factor = f
                default: break
                }
            }
            if let floor, case .primitive(let c as Cosine, let symbols) = body, c.min == floor {
                var above = c
                above.from = c.from - c.min
                above.min = 0
                var heightSymbols: BaseSymbols = [:]
                if symbols["from"] != nil || symbols["min"] != nil {
                    heightSymbols["from"] = .combine(.subtract, symbols["from"] ?? .constant(c.from), symbols["min"] ?? .constant(c.min))
                }
                height = .primitive(above, heightSymbols)
            }
        }
    }
    public var members: [Member]
    public var start: Double

    /// The running rate after local step `t`: the members replayed from step 0,
    /// as torch replays them (a running product costs the same).
    func value(at t: Double, _ slots: [SlotState]) -> Double {
        var last = start
        replay(through: t, slots) { _, x in last = x }
        return last
    }

    /// The running rate at each of `points` (ascending), from one replay.
    func values(at points: [Int], _ slots: [SlotState]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(points.count)
        var j = 0
        replay(through: Double(points.last ?? -1), slots) { k, x in
            while j < points.count, points[j] == k { out.append(x); j += 1 }
        }
        return out
    }

    /// Steps the members from step 0 through `t`, handing over the rate after each step.
    private func replay(through t: Double, _ slots: [SlotState], _ record: (Int, Double) -> Void) {
        var x = start
        var previous = [Double](repeating: start, count: members.count)
        var excess: [Double] = []
        for m in members { excess.append(start - (m.floor ?? 0)) }
        var k = 0.0
        while k <= t {
            for i in members.indices {
                if k > 0, let f = members[i].factor {
                    x *= f.value(at: k, slots)
                    continue
                }
                let v = members[i].body.value(at: k, slots)
                if let floor = members[i].floor {
                    let e: Double = members[i].height?.value(at: k, slots) ?? (v - floor)
                    if excess[i] == 0 {
                        x += v - previous[i]
                    } else {
                        x = floor + (x - floor) * (e / excess[i])
                    }
                    excess[i] = e
                } else {
                    x = v
                }
                previous[i] = v
            }
            record(Int(k), x)
            k += 1
        }
    }
}
