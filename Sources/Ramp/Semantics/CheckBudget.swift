/// How much sampling one check may do. The checker samples each phase at a
/// few hundred steps up to a million, and a running value (`chained`,
/// `running_product`) replays every step up to its last sample, so a line
/// of text can ask for billions of values. Every check has a budget: the
/// language server, which must answer within a frame, checks each version of
/// a document under a small one, and a check that runs out of it stops with
/// R0702 at the phase it was sampling; any other check (`ramp check`, the
/// compiler, an IR document loaded) stops with R0712 past `oneCheck`, an
/// error, or a warning where the output is a library's (whose rates Ramp
/// passes on unchecked past it).
///
/// The cost of sampling a tree is counted before it is computed: its nodes
/// times the steps it is evaluated at. A class, so the cost of the whole
/// check adds up across the static functions that sample; it lives for one
/// check on one thread, reached through a task-local value.
public final class CheckBudget: @unchecked Sendable {
    /// The values the language server samples in one check: a few tens of milliseconds.
    public static let languageServer = 2_000_000
    /// The values any other check samples: a quarter of a second or so in a release build, so that every
    /// program of a kilobyte is checked within a second. A chain of a few members replays its million steps
    /// well within it.
    public static let oneCheck = 10_000_000
    /// The values each check that `bounded` runs may sample: `oneCheck`, unless a caller sets a lower limit for
    /// the checks it runs. The fuzz harness does: under its sanitizer a value costs several times what it costs
    /// in a release build, and it checks each input four times.
    @TaskLocal static var perCheck = oneCheck

    public let limit: Int
    public private(set) var spent = 0
    /// Whether this is the language server's budget (R0702), not the one any other check has (R0712).
    let isLanguageServers: Bool

    /// A budget of the language server's kind (R0702); every other check gets `perCheck` from `bounded`.
    public convenience init(limit: Int) { self.init(limit: limit, languageServers: true) }

    private init(limit: Int, languageServers: Bool) {
        self.limit = limit
        isLanguageServers = languageServers
    }

    /// The refusal of a check that ran out of its budget.
    static var refusal: DiagnosticMessage {
        guard let budget = current else { return .checkLimit(perCheck) }
        return budget.isLanguageServers ? .checkBudget(budget.limit) : .checkLimit(budget.limit)
    }

    /// Runs a check under a budget of its own (`perCheck`), unless it runs under a budget already.
    static func bounded<T>(_ check: () throws(CheckError) -> T) throws(CheckError) -> T {
        guard current == nil else { return try check() }
        do {
            return try CheckBudget(limit: perCheck, languageServers: false).run { () throws(CheckError) in try check() }
        } catch let error as CheckError {
            throw error
        } catch {
            preconditionFailure("a check throws CheckError")
        }
    }

    /// True once some sampling was refused.
    public var isExhausted: Bool { spent > limit }

    /// The budget of the check running on this task, if it has one.
    @TaskLocal static var current: CheckBudget?

    /// Charges the sampling of `body` at `points`, or says it is over the budget.
    static func allows(_ body: Node, points: [Int]) -> Bool {
        guard let budget = current else { return true }
        let steps = body.hasRunningValue ? (points.last ?? 0) + points.count : points.count
        return budget.charge(steps, body)
    }

    /// Charges `steps` evaluations of `body`.
    static func allows(steps: Int, of body: Node) -> Bool {
        guard let budget = current else { return true }
        return budget.charge(steps, body)
    }

    private func charge(_ steps: Int, _ body: Node) -> Bool {
        guard !isExhausted else { return false }
        let size = body.measure(cap: limit).size
        let (cost, overflow) = steps.multipliedReportingOverflow(by: size)
        spent = overflow ? Int.max : spent.addingReportingOverflow(cost).overflow ? Int.max : spent + cost
        return !isExhausted
    }

    /// Runs `check` under this budget.
    public func run<T>(_ check: () throws -> T) rethrows -> T {
        try CheckBudget.$current.withValue(self) { try check() }
    }
}
