/// Why a phase ended.
public enum EndReason: String, Sendable, Codable, Hashable {
    /// It ran its length (`for`, or the body's natural length).
    case length
    /// Its `until` condition held.
    case condition
}

/// A phase change: at `step` (local to the sequence), phase `phase` had ended.
public struct Transition: Sendable, Codable, Hashable {
    public var step: Int
    public var phase: Int
    public var reason: EndReason
}

/// Where a condition-driven sequence is.
public struct SequenceState: Sendable, Codable, Hashable {
    public var phase: Int = 0
    /// The local step at which the current phase began.
    public var start: Int = 0
    /// Set once the last phase has ended: the local step whose value is held.
    public var held: Double?
    public var transitions: [Transition] = []
    /// The current phase's values fixed at entry, when it reads them.
    public var entry: EntryState?
}

/// The memory of a reduce-on-plateau schedule.
public struct ReduceState: Sendable, Codable, Hashable {
    public var value: Double
    public var tracker: PlateauTracker
    public var reductions: Int = 0
}

/// One stateful part of a schedule. Slots are numbered in tree order, so a
/// phase owns a contiguous run of them.
public enum SlotState: Sendable, Codable, Hashable {
    case sequence(SequenceState)
    case plateau(PlateauTracker)
    case reduce(ReduceState)
}
