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
    /// Where every `Marks.stride`-th cycle starts; consulted only past the first marked cycle.
    let marks: Marks

    public init(
        body: Node, period: Int, mult: Double, decay: Double, floor: Double, limit: Int?,
        decayMode: DecayMode = .excursion, peak: Double = 0, whole: Bool = false
    ) {
        self.body = body
        // One walk over the cycles: the marks, and `firstMark` read from them.
        let marks = Marks(period: period, mult: mult, limit: limit, whole: whole, cycles: Marks.cycles)
        self.cycles = Cycles(
            period: period, mult: mult, decay: decay, floor: floor, limit: limit, decayMode: decayMode, peak: peak,
            whole: whole, firstMark: marks.firstMark)
        self.marks = marks
    }

    public var period: Int { cycles.period }
    public var mult: Double { cycles.mult }
    public var decay: Double {
        get { cycles.decay }
        set { cycles.decay = newValue }
    }
    public var floor: Double {
        get { cycles.floor }
        set { cycles.floor = newValue }
    }
    public var limit: Int? { cycles.limit }
    public var decayMode: DecayMode {
        get { cycles.decayMode }
        set { cycles.decayMode = newValue }
    }
    /// The body's value at the start of a cycle.
    public var peak: Double {
        get { cycles.peak }
        set { cycles.peak = newValue }
    }
    public var whole: Bool { cycles.whole }

    /// The stretched time and the cycle at `t`.
    @inline(__always) func position(_ t: Double) -> (local: Double, cycle: Int) { cycles.position(t, marks: marks) }
    @inline(__always) func scaled(_ v: Double, cycle k: Int) -> Double { cycles.scaled(v, cycle: k) }
    public var duration: Int? { cycles.duration }

    /// The cycles' lengths and scaling.
    public struct Cycles: Sendable {
        /// The cycles' lengths are fixed when made: `firstMark` and a restart's `Marks` are worked out from them.
        public let period: Int
        public let mult: Double
        public var decay: Double
        public var floor: Double
        public let limit: Int?
        public var decayMode: DecayMode
        public var peak: Double
        /// Each cycle's length rounded down to whole steps (Composer).
        public let whole: Bool
        /// Where cycle `Marks.stride` starts (infinity when there is none): before it, a cycle is found by
        /// walking from cycle 0, with no look at the marks, so a plain value is all the kernel copies.
        let firstMark: Double

        /// The length of the cycle after one of `length` steps.
        @inline(__always) func next(_ length: Double) -> Double { Self.next(length, mult: mult, whole: whole) }

        /// The length of the cycle after one of `length` steps, for cycles `mult` times longer.
        @inline(__always) static func next(_ length: Double, mult: Double, whole: Bool) -> Double {
            whole ? (length * mult).rounded(.down) : length * mult
        }

        /// Cycles on their own: `firstMark` from the marks of the first `Marks.stride + 1` cycles, the very sums a
        /// restart's marks hold.
        public init(
            period: Int, mult: Double, decay: Double, floor: Double, limit: Int?, decayMode: DecayMode, peak: Double,
            whole: Bool = false
        ) {
            let marks = Marks(period: period, mult: mult, limit: limit, whole: whole, cycles: Marks.stride + 1)
            self.init(
                period: period, mult: mult, decay: decay, floor: floor, limit: limit, decayMode: decayMode, peak: peak,
                whole: whole, firstMark: marks.firstMark)
        }

        init(
            period: Int, mult: Double, decay: Double, floor: Double, limit: Int?, decayMode: DecayMode, peak: Double,
            whole: Bool, firstMark: Double
        ) {
            self.period = period
            self.mult = mult
            self.decay = decay
            self.floor = floor
            self.limit = limit
            self.decayMode = decayMode
            self.peak = peak
            self.whole = whole
            self.firstMark = firstMark
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

        /// Cycle index, time within the cycle, and the cycle's length. `marks` is read only for a step at
        /// or past `firstMark`.
        @inline(__always) func locate(_ t: Double, marks: @autoclosure () -> Marks) -> (
            k: Int, tau: Double, length: Double
        ) {
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
            let (start, length, k) = t < firstMark ? (0.0, Double(period), 0) : marks().last(atOrBefore: t)
            // One loop per rounding, so the walk's step is a multiply and nothing else when lengths are not whole.
            let mult = self.mult
            return whole
                ? walk(t, start, length, k) { ($0 * mult).rounded(.down) } : walk(t, start, length, k) { $0 * mult }
        }

        /// Cycles summed from cycle `k`, which starts at `start` and lasts `length`, to the one holding `t`.
        @inline(__always) private func walk(
            _ t: Double, _ start: Double, _ length: Double, _ k: Int, next: (Double) -> Double
        ) -> (k: Int, tau: Double, length: Double) {
            var (start, length, k) = (start, length, k)
            let last = limit.map { $0 - 1 } ?? Int.max
            while t >= start + length {
                if k >= last { return (k, length, length) }
                start += length
                length = next(length)
                k += 1
            }
            return (k, t - start, length)
        }

        /// The stretched time at which the body is evaluated, and the cycle: the
        /// one place a restart is located, for the tree walk and the kernels.
        @inline(__always) func position(_ t: Double, marks: @autoclosure () -> Marks) -> (local: Double, cycle: Int) {
            let (k, tau, length) = locate(t, marks: marks())
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
    /// A class, so a restart's value carries one reference to its marks, and a kernel none.
    final class Marks: Sendable {
        static let stride = 256
        static let cycles = 1 << 20
        /// Starts of cycles 0, stride, 2 stride, ...: nondecreasing, as `mult >= 1`.
        let starts: [Double]
        let lengths: [Double]

        convenience init(_ c: Cycles) {
            self.init(period: c.period, mult: c.mult, limit: c.limit, whole: c.whole, cycles: Self.cycles)
        }

        /// Marks over the first `count` cycles (and no more than `limit`).
        init(period: Int, mult: Double, limit: Int?, whole: Bool, cycles count: Int) {
            var starts: [Double] = []
            var lengths: [Double] = []
            if mult != 1 {
                let last = min(limit ?? count, count)
                var start = 0.0
                var length = Double(period)
                var k = 0
                while k < last && start.isFinite && length.isFinite {
                    if k % Self.stride == 0 {
                        starts.append(start)
                        lengths.append(length)
                    }
                    start += length
                    length = Cycles.next(length, mult: mult, whole: whole)
                    k += 1
                }
            }
            self.starts = starts
            self.lengths = lengths
        }

        /// Where cycle `stride` starts, infinity when the marks have no second one.
        var firstMark: Double { starts.count > 1 ? starts[1] : .infinity }

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
