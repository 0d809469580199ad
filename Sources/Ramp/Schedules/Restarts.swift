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
        public var period: Int { didSet { marks = Marks(period: period, mult: mult, limit: limit, whole: whole) } }
        public var mult: Double { didSet { marks = Marks(period: period, mult: mult, limit: limit, whole: whole) } }
        public var decay: Double
        public var floor: Double
        public var limit: Int? { didSet { marks = Marks(period: period, mult: mult, limit: limit, whole: whole) } }
        public var decayMode: DecayMode
        public var peak: Double
        /// Each cycle's length rounded down to whole steps (Composer).
        public var whole: Bool = false {
            didSet { marks = Marks(period: period, mult: mult, limit: limit, whole: whole) }
        }

        /// The length of the cycle after one of `length` steps.
        @inline(__always) func next(_ length: Double) -> Double {
            whole ? (length * mult).rounded(.down) : length * mult
        }

        /// Where every `Marks.stride`-th cycle starts, so a step far into the cycles is found without
        /// walking them all from cycle 0.
        var marks: Marks

        public init(
            period: Int, mult: Double, decay: Double, floor: Double, limit: Int?, decayMode: DecayMode, peak: Double,
            whole: Bool = false
        ) {
            self.period = period
            self.mult = mult
            self.decay = decay
            self.floor = floor
            self.limit = limit
            self.decayMode = decayMode
            self.peak = peak
            self.whole = whole
            self.marks = Marks(period: period, mult: mult, limit: limit, whole: whole)
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
            // Resume the walk at the last mark at or before t: the cycles before it all end by t, and
            // the mark holds the very sums the walk from cycle 0 reaches there.
            var (start, length, k) = marks.last(atOrBefore: t)
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
    /// The start and length of every `stride`-th cycle, summed in the order `Cycles.locate` sums them
    /// (start += length, then the next length, `Cycles.next`), so a walk resumed from a mark is bit-for-bit the walk
    /// from cycle 0. Marks cover the first `cycles` cycles; a step past them walks on from the last.
    struct Marks: Sendable {
        static let stride = 256
        static let cycles = 1 << 20
        /// Starts of cycles 0, stride, 2 stride, ...: nondecreasing, as `mult >= 1`.
        var starts: [Double] = []
        var lengths: [Double] = []

        init(period: Int, mult: Double, limit: Int?, whole: Bool) {
            guard mult != 1 else { return }
            let last = min(limit ?? Self.cycles, Self.cycles)
            var start = 0.0
            var length = Double(period)
            var k = 0
            while k < last && start.isFinite && length.isFinite {
                if k % Self.stride == 0 {
                    starts.append(start)
                    lengths.append(length)
                }
                start += length
                length = whole ? (length * mult).rounded(.down) : length * mult
                k += 1
            }
        }

        /// The last marked cycle that starts at or before `t` (cycle 0 when none does), by bisection.
        func last(atOrBefore t: Double) -> (start: Double, length: Double, k: Int) {
            var low = 0
            var high = starts.count
            while low < high {
                let mid = (low + high) / 2
                if starts[mid] <= t { low = mid + 1 } else { high = mid }
            }
            guard low > 0 else { return (0, lengths.first ?? 0, 0) }
            return (starts[low - 1], lengths[low - 1], (low - 1) * Self.stride)
        }
    }
}
