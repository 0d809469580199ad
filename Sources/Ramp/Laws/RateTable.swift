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
            throw LawError(.ratesMetric)
        }
        var out: [Double] = []
        out.reserveCapacity(max(0, steps))
        let end = Table.generate(program, steps: steps) { out.append($0.lr) }
        if let at = end.finishedAt {
            throw LawError(.ratesFinished(at: at, steps: steps))
        }
        if let bad = out.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw LawError(.ratesBad(at: bad, out[bad]))
        }
        self.init(out)
    }

    public var count: Int { rates.count }
    /// The highest rate.
    public var peak: Double { rates.max() ?? 0 }
}

/// Why a law could not be fitted, read, evaluated or optimized: a message from the catalogue, or a located
/// error in a law file or loss log, which carries its code in its text.
public struct LawError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message's words, or the located error whole (`law.json:3:5: error[R0703]: ...`).
    public var description: String
    /// The code of a message that is not located in a file.
    public var kind: DiagnosticKind?

    /// A located error, or a file that cannot be read (`law.json: cannot read the file`).
    public init(_ description: String) { self.description = description }

    init(_ message: DiagnosticMessage) {
        description = message.text
        kind = message.kind
    }

    /// As a tool prints it: `error[R0706]: ...` for a message, a located error as it is, a file that cannot
    /// be read after `error: ` as every unreadable file is.
    public var printed: String {
        if let kind { return "error[\(kind.code)]: " + description }
        return description.contains(": error[") ? description : "error: " + description
    }
}
