import Foundation

/// A one-line helper of the Python core: a top-level `def NAME(..., B):`
/// whose body, after its docstring, is one `return EXPR`. Plain modules write
/// each call of it over `_Plain` out as EXPR, with the call's arguments in
/// place of the parameters, so a step pays no call for it; the JAX modules
/// call it over their own backend. A helper's arguments are pure expressions,
/// so an argument may be evaluated where its parameter is read instead of once
/// before; one read more than once is written out only when it is a bare name.
struct PythonHelper: Sendable {
    var name: String
    var parameters: [String]
    /// The returned expression, in plain Python.
    var expression: String

    /// Every one-line helper defined in `codes` (sections already written in plain Python).
    static func all(in codes: [String]) -> [PythonHelper] {
        var helpers: [PythonHelper] = []
        for code in codes {
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (i, line) in lines.enumerated() {
                if let helper = helper(lines, at: i, def: line) { helpers.append(helper) }
            }
        }
        return helpers
    }

    /// The helper whose `def` line is `lines[at]`, when its body is a docstring and one return.
    private static func helper(_ lines: [String], at: Int, def line: String) -> PythonHelper? {
        guard line.hasPrefix("def "), line.hasSuffix("):"), let open = line.firstIndex(of: "(") else { return nil }
        let name = String(line[line.index(line.startIndex, offsetBy: 4)..<open])
        let parameters = line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.last == "B", parameters.allSatisfy({ !$0.isEmpty && !$0.contains("=") }) else { return nil }
        // The body: indented lines up to the first that is not; a docstring, then the return.
        var body: [String] = []
        for next in lines[(at + 1)...] {
            guard next.isEmpty || next.hasPrefix("    ") else { break }
            body.append(next)
        }
        while body.last?.isEmpty == true { body.removeLast() }
        guard let last = body.last, last.hasPrefix("    return "), !last.hasPrefix("     ") else { return nil }
        let docstring = body.dropLast().joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard docstring.isEmpty || (docstring.hasPrefix("\"\"\"") && docstring.hasSuffix("\"\"\"")) else { return nil }
        let expression = String(last.dropFirst("    return ".count))
        guard !identifiers(expression).contains(name) else { return nil }
        return PythonHelper(name: name, parameters: parameters, expression: expression)
    }

    /// The expression with `arguments` in place of the parameters, or nil when an
    /// argument that is not a bare name would be evaluated more than once.
    func expanded(_ arguments: [String]) -> String? {
        let uses = Self.identifiers(expression)
        for (parameter, argument) in zip(parameters, arguments)
        where uses.filter({ $0 == parameter }).count > 1 && !Self.isName(argument) {
            return nil
        }
        let values = Dictionary(uniqueKeysWithValues: zip(parameters, arguments))
        var out = ""
        Self.scan(expression, name: { out += values[$0].map { "(\($0))" } ?? $0 }, other: { out.append($0) })
        return "(\(out))"
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { PythonRuntime.isIdentifier($0) || $0 == UInt8(ascii: ".") }
    }

    /// The names read in `text`: identifiers outside string literals, not after a dot.
    static func identifiers(_ text: String) -> [String] {
        var names: [String] = []
        scan(text, name: { names.append($0) }, other: { _ in })
        return names
    }

    /// Walks `text`, handing each name (an identifier outside strings, not an
    /// attribute after a dot) to `name` and every other character to `other`.
    private static func scan(_ text: String, name: (String) -> Void, other: (Character) -> Void) {
        let chars = Array(text)
        var i = 0
        var quote: Character?
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                other(c)
                if c == "\\", i + 1 < chars.count {
                    other(chars[i + 1])
                    i += 1
                } else if c == q {
                    quote = nil
                }
                i += 1
            } else if c == "\"" || c == "'" {
                quote = c
                other(c)
                i += 1
            } else if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                let word = String(chars[i..<j])
                let afterDot = i > 0 && chars[i - 1] == "."
                if afterDot { word.forEach(other) } else { name(word) }
                i = j
            } else if c.isNumber {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "." {
                    j += 1
                }
                chars[i..<j].forEach(other)
                i = j
            } else {
                other(c)
                i += 1
            }
        }
    }
}
