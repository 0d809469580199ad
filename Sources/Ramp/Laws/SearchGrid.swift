/// The grid a schedule search scores candidates on. Up to `blocks` steps it is every step, and the search
/// is exact. A longer run is searched in blocks of `length` steps, each at one rate, so the search costs
/// the same at a million steps as at 32,768: every candidate's loss is the law's, exactly, for the schedule
/// that holds each block's rate. That moves the optimum by far less than the law's own error. The program
/// the search writes is then scored at every step, so each loss it prints is the written program's.
struct SearchGrid: Sendable, Equatable {
    /// The most rates a search scores a candidate on.
    static let blocks = 32_768
    /// Steps per block: 1 up to `blocks` steps.
    let length: Int

    /// The grid for a run of `steps`, scored on at most `blocks` rates.
    init(steps: Int, blocks: Int = Self.blocks) {
        length = steps <= blocks ? 1 : (steps + blocks - 1) / blocks
    }

    /// The blocks that cover `count` steps.
    func blocks(_ count: Int) -> Int { (count + length - 1) / length }

    /// A phase's rates on the grid: every step's, or one a block, the rate at the block's last step.
    func sample(_ count: Int, _ rate: (Int) -> Double) -> [Double] {
        if length == 1 { return (0..<count).map(rate) }
        guard count > 0 else { return [] }
        return (1...blocks(count)).map { rate(min(count, $0 * length) - 1) }
    }

    /// The warmup on the grid: every step, or each block's mean rate, so S1 over each full block
    /// stays what it was.
    func head(_ rates: [Double]) -> [Double] {
        if length == 1 { return rates }
        return stride(from: 0, to: rates.count, by: length).map { i in
            let block = rates[i..<min(rates.count, i + length)]
            return block.reduce(0, +) / Double(block.count)
        }
    }

    /// A knot at grid step `x` of a decay of `d0` steps, in steps: the block's last step, the last knot
    /// on the decay's last step.
    func step(_ x: Int, of d0: Int) -> Int { min(d0, x * length) }
}
