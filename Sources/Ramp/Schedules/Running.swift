/// The running values of `chained` and `running_product` as a run reaches
/// them, so that the next step costs one step of their recurrence instead of
/// a replay from step 0. Derived state, never saved (a saved state stays the
/// same for every reader): a fresh one, as after loading a state or for a
/// value at a random step, replays once up to the step asked. A value is
/// only continued forward from where it stands, through the same arithmetic
/// in the same order as the replay, so both give the same bits.
///
/// Values are found by their node's path in the tree (`RunningValues.key`).
/// A class, so it passes through the evaluation without copies; a scheduler
/// copies it before writing when another holds it too, so no two threads
/// ever write one instance.
final class RunningValues: @unchecked Sendable {
    private var chains: [UInt64: Chained.Run] = [:]
    private var products: [UInt64: (t: Double, value: Double)] = [:]
    /// Whether a running node's parts read the scheduler's state: such a
    /// value is replayed at every step, as it reads the state as it is now.
    private var readsState: [UInt64: Bool] = [:]

    init() {}

    func copy() -> RunningValues {
        let c = RunningValues()
        c.chains = chains
        c.products = products
        c.readsState = readsState
        return c
    }

    /// The roots of the outputs' trees.
    static let lrKey: UInt64 = 1
    static let momentumKey: UInt64 = 2
    static func outputKey(_ i: Int) -> UInt64 { 3 &+ UInt64(i) }

    /// The key of child `i` of the node at `parent`.
    @inline(__always) static func key(_ parent: UInt64, _ i: UInt64) -> UInt64 {
        var h = (parent ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9 &+ i &+ 1
        h ^= h >> 31
        return h &* 0x94D0_49BB_1331_11EB
    }

    /// The key of child `i`, computed only where a run keeps running values:
    /// a tree walk without them (most programs) costs no hashing.
    @inline(__always) static func key(_ running: RunningValues?, _ parent: UInt64, _ i: UInt64) -> UInt64 {
        running == nil ? 0 : key(parent, i)
    }

    /// True when `t` is a step a running value can be continued to.
    @inline(__always) static func isStep(_ t: Double) -> Bool { t >= 0 && t < 1e15 && t == t.rounded(.down) }

    private func reads(_ key: UInt64, _ parts: [Node]) -> Bool {
        if let known = readsState[key] { return known }
        let r = parts.contains { $0.isStateful }
        readsState[key] = r
        return r
    }

    /// `running_product(f)` at step `t`.
    func product(_ f: Node, at t: Double, key: UInt64, _ slots: [SlotState]) -> Double {
        guard Self.isStep(t), !reads(key, [f]) else { return Node.runningProduct(f).value(at: t, slots) }
        var (k, p) = products[key] ?? (0, 1)
        if t < k { (k, p) = (0, 1) }
        let inner = Self.key(key, 0)
        while k < t {
            k += 1
            p *= f.evaluate(at: k, slots, self, inner)
        }
        products[key] = (k, p)
        return p
    }

    /// `chained([...])` at step `t`.
    func chained(_ c: Chained, at t: Double, key: UInt64, _ slots: [SlotState]) -> Double {
        guard Self.isStep(t), !reads(key, c.members.map(\.body)) else { return c.value(at: t, slots) }
        var run = chains.removeValue(forKey: key) ?? c.begin()
        if run.previous.count != c.members.count || t < run.k - 1 { run = c.begin() }
        c.advance(&run, through: t, slots, self, key)
        chains[key] = run
        return run.x
    }
}
