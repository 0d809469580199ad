import Foundation

/// One row of a rate table.
public struct TableRow: Sendable, Hashable {
    public var step: Int
    public var lr: Double
    public var momentum: Double?
    /// The program's other outputs, in the order it writes them (`CompiledProgram.outputs`).
    public var values: [Double] = []

    public init(step: Int, lr: Double, momentum: Double?, values: [Double] = []) {
        self.step = step
        self.lr = lr
        self.momentum = momentum
        self.values = values
    }

    /// `step,lr[,momentum][,output...]`, numbers in their shortest exact form.
    public var csv: String {
        var s = ""
        writeCSV(to: &s)
        return s
    }

    /// Writes the CSV row (without a newline) straight into the stream: the
    /// doubles go through its ASCII hook and the step is a small string, so no
    /// row allocates (a 10-million-row table is formatting, nearly all of it).
    public func writeCSV<Target: TextOutputStream>(to out: inout Target) {
        out.write(String(step))
        out.write(",")
        lr.write(to: &out)
        if let momentum {
            out.write(",")
            momentum.write(to: &out)
        }
        for v in values {
            out.write(",")
            v.write(to: &out)
        }
    }

    public static func csvHeader(momentum: Bool, outputs: [String] = []) -> String {
        (["step", "lr"] + (momentum ? ["momentum"] : []) + outputs).joined(separator: ",")
    }

    /// The header of a program's table: a column per output.
    public static func csvHeader(_ program: CompiledProgram) -> String {
        csvHeader(momentum: program.momentum != nil, outputs: program.outputs.map(\.name))
    }
}

/// How a table run ended.
public struct TableEnd: Sendable, Hashable {
    /// The step at which the schedule finished, when it did so before the requested count.
    public var finishedAt: Int?
    public var transitions: [Transition]
}

/// Produces the rate at each step, the way a training loop would see it.
public enum Table {
    /// Calls `emit` once per step, for up to `steps` steps. Closed-form
    /// programs evaluate each step directly; the rest are stepped, fed
    /// `metrics[i]` at the end of step i.
    @discardableResult
    /// `signals` must be ones the program knows (`EventLog.check`).
    public static func generate(
        _ program: CompiledProgram, steps: Int, metrics: [Double?] = [],
        signals: [EventLog.SignalEvent] = [], emit: (TableRow) -> Void
    ) -> TableEnd {
        if program.isClosedForm, program.momentum == nil, program.outputs.isEmpty {
            let n = program.duration.map { min($0, steps) } ?? steps
            // Running values (`chained`, `running_product`) go on from one step to the next.
            let running = program.hasRunningValue ? RunningValues() : nil
            for i in 0..<max(0, n) {
                emit(TableRow(step: i, lr: program.value(at: i, running: running), momentum: nil))
            }
            return TableEnd(finishedAt: n < steps ? n : nil, transitions: program.lr.staticTransitions(through: n))
        }
        var s = Scheduler(program)
        for i in 0..<max(0, steps) {
            if s.finished { return TableEnd(finishedAt: i, transitions: s.transitions) }
            emit(TableRow(step: i, lr: s.lr, momentum: s.momentum, values: s.values))
            for e in signals where e.step == i { try? s.signal(e.name) }
            s.step(metric: i < metrics.count ? metrics[i] : nil)
        }
        return TableEnd(finishedAt: nil, transitions: s.transitions)
    }

    /// The table as a list (for tests and small tables).
    public static func rows(_ program: CompiledProgram, steps: Int, metrics: [Double?] = []) -> [TableRow] {
        var out: [TableRow] = []
        generate(program, steps: steps, metrics: metrics) { out.append($0) }
        return out
    }

    /// Reads a metric file: one number per line; line i is the metric at the
    /// end of step i. Blank lines and `-` mean no evaluation at that step.
    /// Lines end at LF, CRLF or a lone CR; a line that is neither a number, blank nor `-` is refused at its
    /// place, as every Ramp error is shown.
    public static func parseMetrics(_ text: String, name: String) throws(MetricsError) -> [Double?] {
        var out: [Double?] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            let next =
                end < bytes.count && bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A
                ? end + 2 : end + 1
            // The line without the spaces and tabs around it, as byte offsets.
            var lo = start
            var hi = end
            while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
            while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
            let line = String(decoding: bytes[lo..<hi], as: UTF8.self)
            if line.isEmpty || line == "-" {
                out.append(nil)
            } else if let x = Double(line) ?? (line.lowercased() == "nan" ? .nan : nil) {
                out.append(x)
            } else {
                // The error is placed by LF-ended lines: a lone CR is one, byte for byte.
                let lines = bytes.indices.map { i in
                    bytes[i] == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A) ? 0x0A : bytes[i]
                }
                let file = SourceFile(name: name, bytes: lines)
                let diagnostic = Diagnostic.error(.metricsLine(line), at: SourceRange(lo, hi))
                throw MetricsError(description: DiagnosticPrinter.render(diagnostic, in: file))
            }
            start = next
        }
        while let last = out.last, last == nil { out.removeLast() }
        return out
    }
}

/// A metrics file refused at its line, rendered as every Ramp error is: located, then the line with a caret.
public struct MetricsError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
