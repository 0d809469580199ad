/// Where the REPL's lines come from: a line editor on a terminal, plain
/// lines from a pipe, or a script in tests.
public protocol LineReader {
    mutating func readLine(prompt: String) -> LineRead
}

public enum LineRead: Sendable, Equatable {
    case line(String)
    /// Ctrl-C: abandon the current input, stay in the session.
    case interrupted
    /// Ctrl-D or the end of the input: leave.
    case endOfInput
}

/// Lines from standard input, with no prompt and no escape codes.
public struct PlainLineReader: LineReader {
    public init() {}
    public mutating func readLine(prompt: String) -> LineRead {
        guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
        return .line(line.hasSuffix("\r") ? String(line.dropLast()) : line)
    }
}

/// Lines given up front (tests).
public struct ScriptedLineReader: LineReader {
    var lines: [LineRead]
    public init(_ lines: [LineRead]) { self.lines = lines }
    public mutating func readLine(prompt: String) -> LineRead {
        lines.isEmpty ? .endOfInput : lines.removeFirst()
    }
}

/// A REPL session: the engine, shared by reference so a line editor's
/// completion sees the same definitions the loop evaluates.
public final class ReplSession {
    public var engine: ReplEngine
    /// How many inputs were refused: a piped session with any exits 1, as a script would.
    public private(set) var errors = 0

    public init(_ engine: ReplEngine) { self.engine = engine }

    /// The read-evaluate-print loop over any line reader. An input still open
    /// when the lines end is checked, so its error is reported, not dropped.
    public func run<R: LineReader>(reader: inout R, write: (String) -> Void) {
        func show(_ reply: ReplEngine.Reply?) {
            guard let reply else { return }
            if reply.isError { errors += 1 }
            if !reply.output.isEmpty { write(reply.output) }
        }
        while !engine.wantsQuit {
            switch reader.readLine(prompt: engine.prompt) {
            case .endOfInput:
                show(engine.finish())
                return
            case .interrupted:
                engine.cancel()
            case .line(let line):
                show(engine.feed(line))
            }
        }
    }
}
