/// A document for the pretty printer (Wadler's "prettier printer", as
/// Prettier and gofmt's tabwriter-free successors use it): text, places that
/// may break, and groups that print on one line when they fit.
indirect enum Doc: Sendable {
    case text(String)
    /// A space when its group is flat; a newline and the indent when it breaks.
    case line
    /// Nothing when flat; a newline and the indent when it breaks.
    case softline
    /// Always a newline; its groups cannot be flat.
    case hardline
    case concat([Doc])
    case nest(Int, Doc)
    /// `mustBreak` is worked out once, when the group is made (see `group`).
    case group(Doc, mustBreak: Bool)
    /// Text printed only when the enclosing group breaks (a trailing comma).
    case ifBreak(String)
    /// A trailing comment: printed at the end of the line it is on, before
    /// the next newline. Nothing may follow it on that line, so its groups break.
    case lineSuffix(String)

    static func group(_ d: Doc) -> Doc { .group(d, mustBreak: d.forcesBreak) }

    /// True when the document holds a hard line or a trailing comment
    /// outside any group that already breaks.
    var forcesBreak: Bool {
        switch self {
        case .hardline, .lineSuffix: return true
        case .text, .line, .softline, .ifBreak: return false
        case .concat(let ds): return ds.contains { $0.forcesBreak }
        case .nest(_, let d): return d.forcesBreak
        case .group(_, let must): return must
        }
    }
}

/// Lays a `Doc` out within a width.
struct DocPrinter {
    let width: Int

    private enum Mode { case flat, broken }
    private typealias Command = (indent: Int, mode: Mode, doc: Doc)

    /// The document laid out, with the trailing comments of neighbouring
    /// lines aligned.
    func print(_ doc: Doc) -> String {
        var out = ""
        var column = 0
        var suffixes: [String] = []
        var stack: [Command] = [(0, .broken, doc)]
        // Trailing comments by line, kept apart from the text until they are aligned.
        var comments: [Int: String] = [:]
        var line = 0

        func newline(_ indent: Int) {
            if !suffixes.isEmpty {
                comments[line] = suffixes.joined(separator: " ")
                suffixes.removeAll()
            }
            line += 1
            while out.last == " " { out.removeLast() }
            out.append("\n")
            out.append(String(repeating: " ", count: indent))
            column = indent
        }

        while let (indent, mode, d) = stack.popLast() {
            switch d {
            case .text(let s):
                out.append(s)
                column += s.count
            case .line, .softline:
                if mode == .broken {
                    newline(indent)
                } else if case .line = d {
                    out.append(" ")
                    column += 1
                }
            case .hardline:
                newline(indent)
            case .concat(let ds):
                for x in ds.reversed() { stack.append((indent, mode, x)) }
            case .nest(let n, let x):
                stack.append((indent + n, mode, x))
            case .group(let x, let must):
                let flat = !must && fits(x, indent: indent, room: width - column, rest: stack)
                stack.append((indent, flat ? .flat : .broken, x))
            case .ifBreak(let s):
                if mode == .broken {
                    out.append(s)
                    column += s.count
                }
            case .lineSuffix(let s):
                suffixes.append(s)
            }
        }
        if !suffixes.isEmpty { newline(0) }
        return DocPrinter.align(out, comments)
    }

    /// Whether `doc`, printed flat, and what follows it up to the next
    /// possible line break, fit in `room` columns.
    private func fits(_ doc: Doc, indent: Int, room: Int, rest: [Command]) -> Bool {
        var room = room
        var pending: [Command] = [(indent, .flat, doc)]
        var restIndex = rest.count
        while room >= 0 {
            let command: Command
            if let c = pending.popLast() {
                command = c
            } else if restIndex > 0 {
                restIndex -= 1
                command = rest[restIndex]
            } else {
                return true
            }
            switch command.doc {
            case .text(let s): room -= s.count
            case .line:
                if command.mode == .broken { return true }
                room -= 1
            case .softline:
                if command.mode == .broken { return true }
            case .hardline: return true
            case .concat(let ds): for x in ds.reversed() { pending.append((command.indent, command.mode, x)) }
            case .nest(let n, let x): pending.append((command.indent + n, command.mode, x))
            case .group(let x, let must):
                pending.append((command.indent, must ? .broken : command.mode, x))
            case .ifBreak(let s): if command.mode == .broken { room -= s.count }
            case .lineSuffix: break
            }
        }
        return false
    }

    /// Puts each line's trailing comment after it, the comments of
    /// consecutive lines at one column: two spaces past the longest code among them.
    static func align(_ text: String, _ comments: [Int: String]) -> String {
        guard !comments.isEmpty else { return text }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i < lines.count {
            guard comments[i] != nil else {
                i += 1
                continue
            }
            var j = i
            while j < lines.count, comments[j] != nil { j += 1 }
            let column = lines[i..<j].map(\.count).max()! + 2
            for k in i..<j {
                lines[k] =
                    lines[k].isEmpty
                    ? comments[k]! : lines[k] + String(repeating: " ", count: column - lines[k].count) + comments[k]!
            }
            i = j
        }
        return lines.joined(separator: "\n")
    }
}
