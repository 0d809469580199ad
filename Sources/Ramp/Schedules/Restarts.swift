import Foundation

/// Warm restarts (SGDR): the body runs for `period` steps, then again over a
/// cycle `mult` times longer (time stretched to fit), its excursion above
/// `floor` scaled by `decay` per cycle, for at most `limit` cycles. With
/// `whole`, each cycle lasts a whole number of steps, `floor(mult * previous)`,
/// as Composer truncates its intervals.
public struct Restarts: Sendable {
    /// What `decay` scales in later cycles.
    public enum DecayMode: String, Sendable, CaseIterable {
        /// The whole excursion above `floor` (keras CosineDecayRestarts).
        case excursion
        /// The peak only: the body's starting value becomes `peak * decay^k`,
        /// `floor` stays, values between move proportionally (timm).
        case peak
    }
    public var body: Node
    /// Everything but the body: plain numbers, so a kernel keeps them inline.
    public var cycles: Cycles

    public init(
        body: Node, period: Int, mult: Double, decay: Double, floor: Double, limit: Int?,
        decayMode: DecayMode = .excursion, peak: Double = 0, whole: Bool = false
    ) {
        self.body = body
        self.cycles = Cycles(
            period: period, mult: mult, decay: decay, floor: floor, limit: limit, decayMode: decayMode, peak: peak,
            whole: whole)
    }

    public var period: Int {
        get { cycles.period }
        set { cycles.period = newValue }
    }
    public var mult: Double {
        get { cycles.mult }
        set { cycles.mult = newValue }
    }
    public var decay: Double {
        get { cycles.decay }
        set { cycles.decay = newValue }
    }
    public var floor: Double {
        get { cycles.floor }
        set { cycles.floor = newValue }
    }
    public var limit: Int? {
        get { cycles.limit }
        set { cycles.limit = newValue }
    }
    public var decayMode: DecayMode {
        get { cycles.decayMode }
        set { cycles.decayMode = newValue }
    }
    /// The body's value at the start of a cycle.
    public var peak: Double {
        get { cycles.peak }
        set { cycles.peak = newValue }
    }
    public var whole: Bool {
        get { cycles.whole }
        set { cycles.whole = newValue }
    }

    @inline(__always) func scaled(_ v: Double, cycle k: Int) -> Double { cycles.scaled(v, cycle: k) }
    public var duration: Int? { cycles.duration }

    /// The cycles' lengths and scaling.
    public struct Cycles: Sendable {
        public var period: Int
        public var mult: Double
        public var decay: Double
        public var floor: Double
        public var limit: Int?
        public var decayMode: DecayMode
        public var peak: Double
        /// Each cycle's length rounded down to whole steps (Composer).
        public var whole: Bool = false

        /// The length of the cycle after one of `length` steps.
        @inline(__always) func next(_ length: Double) -> Double {
            whole ? (length * mult).rounded(.down) : length * mult
        }

        /// The value of cycle `k` given the body's value `v`.
        @inline(__always) func scaled(_ v: Double, cycle k: Int) -> Double {
            if k == 0 || decay == 1 { return v }
            let g = pow(decay, Double(k))
            switch decayMode {
            case .excursion: return floor + g * (v - floor)
            case .peak:
                guard peak != floor else { return floor + g * (v - floor) }
                return floor + (v - floor) * ((g * peak - floor) / (peak - floor))
            }
        }

        /// Cycle index, time within the cycle, and the cycle's length.
        @inline(__always) func locate(_ t: Double) -> (k: Int, tau: Double, length: Double) {
            if mult == 1 {
                var k = Int((t / Double(period)).rounded(.down))
                if let limit, k >= limit {
                    k = limit - 1
                    return (k, Double(period), Double(period))
                }
                return (k, t - Double(k * period), Double(period))
            }
            var start = 0.0
            var length = Double(period)
            var k = 0
            while t >= start + length {
                if let limit, k + 1 >= limit { return (k, length, length) }
                start += length
                length = next(length)
                k += 1
            }
            return (k, t - start, length)
        }

        /// The stretched time at which the body is evaluated, and the cycle: the
        /// one place a restart is located, for the tree walk and the kernels.
        @inline(__always) func position(_ t: Double) -> (local: Double, cycle: Int) {
            let (k, tau, length) = locate(t)
            return (tau * Double(period) / length, k)
        }

        /// The steps `limit` cycles take, summed cycle by cycle as a run meets
        /// them. The sum stops early once it is too long to be a duration
        /// (`mult > 1` gets there within a few thousand cycles); equal cycles
        /// (`mult = 1`) multiply, so `limit = 1e12` costs no loop.
        public var duration: Int? {
            guard let limit else { return nil }
            let cap = Double(Int.max / 2)
            if mult == 1 {
                let total = Double(period) * Double(limit)
                return total < cap ? Int(total.rounded()) : nil
            }
            var total = 0.0
            var length = Double(period)
            for k in 0..<limit {
                if k == Self.summedCycles {
                    // Cycles barely longer than the last: the rest as a geometric series (whole cycles
                    // that no longer grow, floor(mult * length) == length, are all that long).
                    total +=
                        whole && next(length) == length
                        ? length * Double(limit - k) : length * (pow(mult, Double(limit - k)) - 1) / (mult - 1)
                    break
                }
                total += length
                if total >= cap { return nil }
                length = next(length)
            }
            return total < cap ? Int(total.rounded()) : nil
        }

        /// How many cycles `duration` adds one by one before it sums the rest.
        static let summedCycles = 1_000_000
    }
}
