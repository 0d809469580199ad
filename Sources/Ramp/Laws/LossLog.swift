import Foundation

/// A training log as a law reads it: a CSV whose header names `step` and `loss` (other columns ignored).
public struct LossLog: Sendable, Equatable {
    public var name: String
    public var steps: [Int]
    public var losses: [Double]

    public init(name: String, steps: [Int], losses: [Double]) {
        self.name = name
        self.steps = steps
        self.losses = losses
    }

    public static func load(path: String) throws(LawError) -> LossLog {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw LawError("\(path): cannot read the file")
        }
        return try parse(text, name: path)
    }

    /// Reads the CSV; a row that is not a whole step and a positive finite loss is an error at its line.
    public static func parse(_ text: String, name: String) throws(LawError) -> LossLog {
        // Lines end at "\n", an "\r" before it dropped; each line's byte offset places its errors.
        var lines: [(offset: Int, text: String)] = []
        var offset = 0
        for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = String(decoding: raw, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            lines.append((offset, line))
            offset += raw.count + 1
        }
        func refused(_ at: Int, _ message: DiagnosticMessage) -> LawError {
            LawError(LawFile.located(name, text, offset: at, message))
        }
        guard let header = lines.first?.text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
            let stepColumn = header.firstIndex(of: "step"), let lossColumn = header.firstIndex(of: "loss")
        else {
            throw refused(0, .logHeader)
        }
        var log = LossLog(name: name, steps: [], losses: [])
        for (at, line) in lines.dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count == header.count else { throw refused(at, .logColumns(cells.count, header: header.count)) }
            guard let step = Int(cells[stepColumn]), step >= 0 else { throw refused(at, .logStep(cells[stepColumn])) }
            guard let loss = Double(cells[lossColumn]), loss > 0, loss.isFinite else {
                throw refused(at, .logLoss(cells[lossColumn]))
            }
            if let last = log.steps.last, step <= last { throw refused(at, .logOrder(step, after: last)) }
            log.steps.append(step)
            log.losses.append(loss)
        }
        if log.steps.isEmpty { throw refused(0, .logNoRows) }
        return log
    }

    /// The rows before `steps` (a log's row at the run's last step is past its rates' table).
    public func truncated(to steps: Int) -> LossLog {
        let n = self.steps.firstIndex { $0 >= steps } ?? self.steps.count
        return LossLog(name: name, steps: Array(self.steps.prefix(n)), losses: Array(losses.prefix(n)))
    }
}

/// How well predictions match a log, as the paper reports them.
public struct LawMetrics: Sendable, Equatable {
    public var r2, mae, rmse, predE, worstE: Double

    public init(r2: Double, mae: Double, rmse: Double, predE: Double, worstE: Double) {
        (self.r2, self.mae, self.rmse, self.predE, self.worstE) = (r2, mae, rmse, predE, worstE)
    }

    public init(predicted: [Double], actual: [Double]) {
        let n = Double(actual.count)
        let mean = actual.reduce(0, +) / n
        var ssRes = 0.0
        var ssTot = 0.0
        var abs = 0.0
        var rel = 0.0
        var worst = 0.0
        for (p, y) in zip(predicted, actual) {
            ssRes += (y - p) * (y - p)
            ssTot += (y - mean) * (y - mean)
            abs += Swift.abs(y - p)
            rel += Swift.abs(y - p) / y
            worst = max(worst, Swift.abs(y - p) / y)
        }
        self.init(r2: 1 - ssRes / ssTot, mae: abs / n, rmse: (ssRes / n).squareRoot(), predE: rel / n, worstE: worst)
    }

    /// Each figure averaged over several curves.
    public static func mean(_ all: [LawMetrics]) -> LawMetrics {
        let n = Double(all.count)
        return LawMetrics(
            r2: all.map(\.r2).reduce(0, +) / n, mae: all.map(\.mae).reduce(0, +) / n,
            rmse: all.map(\.rmse).reduce(0, +) / n, predE: all.map(\.predE).reduce(0, +) / n,
            worstE: all.map(\.worstE).reduce(0, +) / n)
    }
}
