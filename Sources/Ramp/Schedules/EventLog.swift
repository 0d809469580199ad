import Foundation

/// What a run fed its schedule: every metric with the step it came at, and
/// every signal. A schedule is a function of its program and this log, so a
/// saved state can be rebuilt under an edited program by replaying it.
///
/// It grows by one number per evaluation: the metrics are kept in order,
/// and their steps as runs (`[first, every, count]`), so a run that
/// evaluates every k steps adds three numbers in all for its steps.
public struct EventLog: Sendable, Codable, Hashable {
    public var metrics: [Double] = []
    /// The steps of `metrics`, as runs of evenly spaced steps: `[first, every, count]`.
    public var at: [[Int]] = []
    public var signals: [SignalEvent] = []

    public init() {}

    /// A signal raised during a step (it ends that step's phase when the phase waits for it).
    public struct SignalEvent: Sendable, Codable, Hashable {
        public var step: Int
        public var name: String
        public init(step: Int, name: String) {
            self.step = step
            self.name = name
        }
    }

    /// Checks that `program` knows every signal in `events`, naming the first it does not.
    public static func check(_ events: [SignalEvent], against program: CompiledProgram) throws(UnknownSignal) {
        if let bad = events.first(where: { !program.signals.contains($0.name) }) {
            throw UnknownSignal(name: bad.name, known: program.signals)
        }
    }

    /// Records a metric fed at the end of `step` (steps only grow).
    public mutating func record(metric: Double, at step: Int) {
        metrics.append(metric)
        // The last run is read and written in place: a copy of it would be
        // copied again on write, an allocation on every evaluation.
        let i = at.count - 1
        if i >= 0, at[i].count == 3 {
            let (first, every, count) = (at[i][0], at[i][1], at[i][2])
            if count == 1, step > first {
                at[i][1] = step - first
                at[i][2] = 2
                return
            }
            if count > 1, step == first + every * count {
                at[i][2] = count + 1
                return
            }
        }
        at.append([step, 1, 1])
    }

    /// The steps of the metrics, one per metric; nil when the runs do not
    /// describe them (a hand-edited or damaged log).
    public func metricSteps() -> [Int]? {
        var steps: [Int] = []
        steps.reserveCapacity(metrics.count)
        for run in at {
            guard run.count == 3, run[0] >= 0, run[1] >= 1, run[2] >= 1, run[2] <= metrics.count - steps.count else {
                return nil
            }
            for k in 0..<run[2] {
                let s = run[0] + run[1] * k
                if let last = steps.last, s <= last { return nil }
                steps.append(s)
            }
        }
        return steps.count == metrics.count ? steps : nil
    }

    /// The events up to (not including) step `end`, by step, for a replay.
    func events(before end: Int) throws(ReplayError) -> [Int: (metric: Double?, signals: [String])] {
        guard let steps = metricSteps() else { throw ReplayError(.stateLogDamaged) }
        var out: [Int: (metric: Double?, signals: [String])] = [:]
        for (s, m) in zip(steps, metrics) where s < end { out[s, default: (nil, [])].metric = m }
        for e in signals where e.step < end { out[e.step, default: (nil, [])].signals.append(e.name) }
        return out
    }
}

/// Why a saved state is refused, or could not be rebuilt under a program: a
/// message of the catalogue (R08), which names the field at fault.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The catalogue's kind of a refused state (R08); nil for a command line's own words.
    public let kind: DiagnosticKind?
    init(_ message: DiagnosticMessage) {
        description = message.text
        kind = message.kind
    }
    public init(_ description: String) {
        self.description = description
        kind = nil
    }
}

/// An unknown signal: the message names the ones the program knows.
public struct UnknownSignal: Error, CustomStringConvertible, Sendable {
    public var name: String
    public var known: [String]
    public var description: String {
        let list =
            known.isEmpty
            ? "it waits for no signal" : "its signals are " + known.map { "'\($0)'" }.joined(separator: ", ")
        return "unknown signal \(quoted(name)): \(list)"
    }
}

/// How a saved state was taken up: as it was, or replayed into an edited program.
public struct ResumeReport: Sendable, Hashable {
    public var step: Int
    /// The rate at `step` under the program that saved the state, when the state says.
    public var before: Double?
    public var now: Double
    /// True when the state's log was replayed (the program was not the one that saved it).
    public var replayed: Bool

    /// `lr at step 12000: 0.031 before, 0.0452 now`.
    public var line: String {
        let was = before.map { fmt($0) } ?? "unknown"
        return "lr at step \(step): \(was) before, \(fmt(now)) now"
            + (replayed ? " (the log of \(step) step\(step == 1 ? "" : "s") was replayed into this program)" : "")
    }
}
