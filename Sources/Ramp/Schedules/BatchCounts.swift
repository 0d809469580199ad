/// The samples trained on before each step when `batch_size` is scheduled.
///
/// With a batch that grows, a step is no longer a fixed number of samples, so
/// "warm up over 375M tokens" is a number of steps found through the running
/// sum of the batch sizes. The checker counts durations through it, and
/// explain and `ramp plot --x samples|tokens` read it back.
public struct BatchCounts: Sendable {
    /// The batch size's schedule: static (no metric can change it).
    let node: Node
    /// Its length, past which its last batch holds.
    let length: Int?
    /// `before[n]`: the samples in steps `0..<n`, computed as far as asked.
    private var before: [Double] = [0]

    /// How far the running sum is computed step by step; an infinite batch
    /// schedule counted further than this is refused.
    public static let limit = 10_000_000

    /// Why a count failed: a batch that is not a whole number of samples, or a
    /// count that reaches past `limit`.
    public enum Failure: Error, Sendable, Equatable {
        case notWhole(step: Int, value: Double)
        case tooFar
    }

    /// Nil when a metric or an event can change the batch, so the samples
    /// before a step are not known in advance.
    public init?(_ batch: PhaseSequence) {
        let node = Node.sequence(batch)
        guard !node.isStateful else { return nil }
        self.node = node
        self.length = batch.staticDuration
    }

    /// The batch size at step `t`.
    func batch(at t: Int) throws(Failure) -> Double {
        let v = node.value(at: Double(t), [])
        guard v >= 1, v == v.rounded(), v.isFinite else { throw .notWhole(step: t, value: v) }
        return v
    }

    /// Extends the running sum to step `n` (at most the schedule's length).
    private mutating func extend(to n: Int) throws(Failure) {
        let end = length.map { Swift.min($0, n) } ?? n
        guard end <= BatchCounts.limit else { throw .tooFar }
        while before.count <= end {
            before.append(before[before.count - 1] + (try batch(at: before.count - 1)))
        }
    }

    /// The samples in steps `0..<n`.
    public mutating func samples(before n: Int) throws(Failure) -> Double {
        if let length, n > length {
            try extend(to: length)
            return before[length] + Double(n - length) * (try batch(at: length))
        }
        try extend(to: n)
        return before[n]
    }

    /// The fewest steps from `start` that train on at least `samples`.
    public mutating func steps(covering samples: Double, from start: Int) throws(Failure) -> Int {
        guard samples > 0 else { return 0 }
        let target = try self.samples(before: start) + samples
        // Past the schedule's end every step is its last batch.
        if let length, try self.samples(before: length) < target {
            let from = Swift.max(start, length)
            let rest = target - (try self.samples(before: from))
            return from - start + Int((rest / (try batch(at: length))).rounded(.up))
        }
        var n = start
        while try self.samples(before: n) < target { n += 1 }
        return n - start
    }
}

extension CompiledProgram {
    /// The running sum of a scheduled, static `batch_size`; nil when the
    /// batch size is not scheduled or follows a metric.
    public var batchCounts: BatchCounts? {
        guard let batch = outputs.first(where: { $0.name == "batch_size" }) else { return nil }
        return BatchCounts(batch.sequence)
    }

    /// Samples or tokens trained on before each step `0..<steps`, for axes and
    /// explain: from the scheduled batch size, or a fixed number per step.
    /// Nil when the program's settings do not count that unit.
    public func trained(_ unit: DurationUnit, steps: Int) -> [Double]? {
        let perSample: Double
        switch unit {
        case .samples: perSample = 1
        case .tokens:
            if settings.tokensPerStep != nil || batchCounts == nil {
                return settings.tokensPerStep.map { n in (0..<steps).map { Double($0) * Double(n) } }
            }
            guard let len = settings.sequenceLength else { return nil }
            perSample = Double(len)
        default: return nil
        }
        if var counts = batchCounts {
            var out: [Double] = []
            out.reserveCapacity(steps)
            for n in 0..<steps {
                guard let s = try? counts.samples(before: n) else { return nil }
                out.append(s * perSample)
            }
            return out
        }
        return settings.samplesPerStep.map { n in (0..<steps).map { Double($0) * Double(n) } }
    }
}
