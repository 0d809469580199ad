import Foundation

/// A schedule's rate at every step, with the running sums both laws read.
/// Built once from Ramp's own runtime, so a law sees exactly the rates a run trains with.
public struct RateTable: Sendable {
    /// `rates[i]` is the rate at step i.
    public let rates: [Double]
    /// `sums[i]` is rates[0] + ... + rates[i] (the paper's S1 at step i, warmup included).
    public let sums: [Double]

    public init(_ rates: [Double]) {
        self.rates = rates
        var s = [Double](repeating: 0, count: rates.count)
        var acc = 0.0
        for (i, r) in rates.enumerated() {
            acc += r
            s[i] = acc
        }
        sums = s
    }

    /// The rates of `program` over `steps` steps, from its table (O(steps)).
    public init(_ program: CompiledProgram, steps: Int) throws(LawError) {
        if program.usesMetric {
            throw LawError("this schedule reacts to a metric, so its rates are not known ahead of training")
        }
        var out: [Double] = []
        out.reserveCapacity(max(0, steps))
        let end = Table.generate(program, steps: steps) { out.append($0.lr) }
        if let at = end.finishedAt {
            throw LawError("the schedule finishes at step \(at), before the \(steps) steps asked for")
        }
        if let bad = out.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw LawError("the rate at step \(bad) is \(out[bad]); a law needs finite rates of at least 0")
        }
        self.init(out)
    }

    public var count: Int { rates.count }
    /// The highest rate.
    public var peak: Double { rates.max() ?? 0 }
}

/// Why a law could not be fitted, read, evaluated or optimized.
public struct LawError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// As a tool prints it: a located error (`law.json:3:5: error[R0703]: ...`) as it is, any other after `error: `.
    public var printed: String { description.contains(": error[") ? description : "error: " + description }
}
