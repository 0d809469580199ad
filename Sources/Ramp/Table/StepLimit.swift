/// How much one table, chart or CSV may compute. Each step evaluates every
/// part of every output's tree, so the work is the steps asked for times the
/// program's parts: a one-line program that schedules a thousand parameter
/// groups (`layer_decay(0.65, layers=1000)`), or a long `--steps`, would
/// otherwise hold a command for minutes and print gigabytes. The work is
/// counted before anything is computed, and a request past the limit is
/// refused, naming it and the most steps this program can be asked for.
public enum StepLimit {
    /// Values (a part of an output's tree at one step) one command computes: about a second in a release build.
    public static let values = 10_000_000

    /// What one step of the program computes: the parts of every output's tree.
    public static func perStep(_ program: CompiledProgram) -> Int {
        var parts = program.lrNode.measure(cap: values).size
        if let m = program.momentumNode { parts += m.measure(cap: values).size }
        for o in program.outputs { parts += o.node.measure(cap: values).size }
        return max(1, parts)
    }

    /// The most steps the programs can be computed for, together.
    public static func maxSteps(_ programs: [CompiledProgram]) -> Int {
        max(1, values / perStep(programs))
    }

    /// Why a request was refused.
    public struct Exceeded: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    /// Refuses `steps` of the programs when they would compute more than `values` values. `asked` is the
    /// request as the user wrote it (`--steps 5000000` by default).
    public static func check(steps: Int, of programs: [CompiledProgram], asked: String? = nil) throws(Exceeded) {
        let most = maxSteps(programs)
        // A schedule that finishes is computed only up to its end.
        let needed = programs.map { min(steps, $0.duration ?? steps) }.max() ?? steps
        guard needed > most else { return }
        let per = perStep(programs)
        let (total, overflow) = steps.multipliedReportingOverflow(by: per)
        let count = overflow ? "more than \(grouped(Int.max))" : grouped(total)
        throw Exceeded(
            description:
                "\(asked ?? "--steps \(steps)") asks for \(count) "
                + "values (\(grouped(per)) a step, the parts of the schedule), more than the \(grouped(values)) "
                + "one command computes; ask for at most \(grouped(most)) steps")
    }

    /// The steps to compute when none were asked for: `wanted`, or the most the limit allows (saying so).
    public static func capped(_ wanted: Int, of programs: [CompiledProgram], note: (String) -> Void) -> Int {
        let most = maxSteps(programs)
        guard wanted > most else { return wanted }
        note(
            "note: the schedule runs \(wanted) steps; the chart shows the first \(grouped(most)), the most "
                + "\(grouped(values)) values allow at \(grouped(perStep(programs))) a step")
        return most
    }

    static func perStep(_ programs: [CompiledProgram]) -> Int { max(1, programs.reduce(0) { $0 + perStep($1) }) }

    /// 10000000 as 10,000,000.
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }
}
