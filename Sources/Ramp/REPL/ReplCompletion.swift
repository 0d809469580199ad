import Foundation

/// Tab completion from the builtins registry, the compatibility prelude and
/// the session's own names.
extension ReplEngine {
    /// Candidates for the word that ends at `cursor` (a character offset), and
    /// where that word starts.
    public func completions(line: String, cursor: Int) -> (start: Int, candidates: [String]) {
        let chars = Array(line)
        let cursor = min(max(0, cursor), chars.count)
        let head = String(chars[0..<cursor])
        if head.hasPrefix(":") {
            if !head.contains(" ") {
                return (0, ReplEngine.commands.map { ":" + $0.name }.filter { $0.hasPrefix(head) })
            }
            if head.hasPrefix(":load ") || head.hasPrefix(":save ") || head.hasPrefix(":law ") {
                let start = 6
                return (start, ReplEngine.paths(matching: String(chars[start..<cursor])))
            }
            if head.hasPrefix(":help ") {
                let start = 6
                let word = String(chars[start..<cursor])
                return (
                    start,
                    (Builtins.all.map(\.name) + Prelude.definitions.map(\.name)).filter { $0.hasPrefix(word) }.sorted()
                )
            }
            return (cursor, [])
        }
        var start = cursor
        while start > 0,
            chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" || chars[start - 1] == "."
        {
            start -= 1
        }
        let word = String(chars[start..<cursor])
        var pool: [String] = []
        if let callee = ReplEngine.enclosingCall(chars, before: start) {
            pool += parameters(of: callee).map { $0 + "=" }
        }
        pool += Builtins.keywords + Builtins.all.map(\.name) + Builtins.specials.map(\.name) + sessionNames
        pool += Prelude.definitions.map(\.name)
        let matches = Set(pool.filter { $0.hasPrefix(word) && $0 != word })
        return (start, matches.sorted { ($0.hasSuffix("=") ? 0 : 1, $0) < ($1.hasSuffix("=") ? 0 : 1, $1) })
    }

    /// The name before the innermost unclosed `(` left of `index`.
    static func enclosingCall(_ chars: [Character], before index: Int) -> String? {
        var depth = 0
        var i = index - 1
        while i >= 0 {
            switch chars[i] {
            case ")", "]", "}": depth += 1
            case "[", "{": depth -= 1
            case "(":
                if depth == 0 {
                    var j = i
                    while j > 0,
                        chars[j - 1].isLetter || chars[j - 1].isNumber || chars[j - 1] == "_" || chars[j - 1] == "."
                    { j -= 1 }
                    return j < i ? String(chars[j..<i]) : nil
                }
                depth -= 1
            default: break
            }
            i -= 1
        }
        return nil
    }

    func parameters(of callee: String) -> [String] {
        if let b = Builtins.lookup(callee) { return b.params.map(\.name) }
        let name = Compat.shortName(callee)
        if let d = Prelude.definition(name) { return d.params.map(\.name) }
        for d in definitions where d.key == callee {
            if let p = try? Parser.parse(SourceFile(name: "", text: d.source), names: Builtins.statementNames),
                case .definition(_, let params, _)? = p.statements.first?.kind
            {
                return params.map(\.name)
            }
        }
        return []
    }

    /// Files and folders that complete a path; folders end in "/".
    static func paths(matching prefix: String) -> [String] {
        let dir: String
        let base: String
        if let slash = prefix.lastIndex(of: "/") {
            dir = String(prefix[...slash])
            base = String(prefix[prefix.index(after: slash)...])
        } else {
            dir = ""
            base = prefix
        }
        let fm = FileManager.default
        let listed = (try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        return listed.filter { $0.hasPrefix(base) && (!$0.hasPrefix(".") || base.hasPrefix(".")) }.sorted().map {
            name in
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: dir + name, isDirectory: &isDir)
            return dir + name + (isDir.boolValue ? "/" : "")
        }
    }
}
