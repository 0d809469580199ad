import Foundation

/// What the language server says about names, calls and places, from the
/// registry (builtins, specials, settings, outputs), the compatibility
/// prelude and the document's own `let`s and `def`s.
struct Callable: Sendable {
    struct Param: Sendable {
        var name: String
        /// `T`, `from=base`: as the signature shows it.
        var label: String
        var doc: String
        /// `=base`, or nil for a required parameter.
        var defaultText: String?
    }
    var name: String
    var params: [Param]
    var variadic = false
    var doc: String

    /// `cosine(T, from=base, min=0, ...)`, and where each parameter sits in it.
    var signature: (text: String, offsets: [(Int, Int)]) {
        var text = name + "("
        var offsets: [(Int, Int)] = []
        for (i, p) in params.enumerated() {
            if i > 0 { text += ", " }
            let start = text.utf16.count
            text += p.label
            offsets.append((start, text.utf16.count))
        }
        if variadic { text += ", ..." }
        return (text + ")", offsets)
    }

    /// A builtin, a compatibility constructor, or one of the document's `def`s.
    static func named(_ name: String, in doc: DocumentAnalysis?) -> Callable? {
        if let b = Builtins.lookup(name) {
            return Callable(
                name: name,
                params: b.params.map { p in
                    let d: String? = {
                        if case .required = p.defaultValue { return nil } else { return p.defaultValue.description }
                    }()
                    return Param(name: p.name, label: d.map { "\(p.name)=\($0)" } ?? p.name, doc: p.doc, defaultText: d)
                }, variadic: b.variadic, doc: b.doc)
        }
        let short = Compat.shortName(name)
        if let d = Prelude.definition(short) {
            return Callable(name: short, params: d.params.map { param(Prelude.file, $0) }, doc: d.doc)
        }
        if let n = Compat.nativeConstructors.first(where: { $0.signature.hasPrefix(short + "(") }) {
            return Callable(
                name: short,
                params: [
                    Param(
                        name: "cosine_kwargs", label: "cosine_kwargs", doc: "a list of dict(...), one per cycle",
                        defaultText: nil)
                ], doc: n.doc)
        }
        if let doc, let d = doc.definitions[name], d.kind == .function,
            case .definition(_, let params, _) = d.statement.kind
        {
            return Callable(name: name, params: params.map { param(doc.file, $0) }, doc: "defined in this file")
        }
        return nil
    }

    static func param(_ file: SourceFile, _ p: Parameter) -> Param {
        var label = p.name
        if let t = p.type { label += ": " + file.oneLine(t.range) }
        let d = p.defaultValue.map { file.oneLine($0.range) }
        if let d { label += p.type == nil ? "=\(d)" : " = \(d)" }
        let doc = p.type.map { "a parameter: " + file.oneLine($0.range) } ?? ""
        return Param(name: p.name, label: label, doc: doc, defaultText: d)
    }

    /// Markdown for a hover: the signature in a code block, the doc, the parameters.
    var markdown: String {
        var out = "```ramp\n\(signature.text)\n```\n\n\(doc)"
        let documented = params.filter { !$0.doc.isEmpty }
        if !documented.isEmpty {
            out += "\n\n" + documented.map { "- `\($0.label)`: \($0.doc)" }.joined(separator: "\n")
        }
        return out
    }
}

/// Every name a program can use, with what kind of thing it is: the one
/// vocabulary of completion, and of the editor grammars' tests.
public enum Vocabulary {
    /// The words of the units durations are written in.
    public static let units = ["step", "steps", "epoch", "epochs", "sample", "samples", "token", "tokens"]

    /// As JSON: `ramp list --vocabulary`, which the grammars' tests read.
    public static var json: JSONValue {
        func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
        return .object([
            ("keywords", strings(Builtins.keywords)),
            ("units", strings(units + ["%"])),
            ("settings", strings(Builtins.settings.map(\.name))),
            ("outputs", strings(Builtins.outputs.map(\.name))),
            ("specials", strings(Builtins.specials.map(\.name) + ["True", "False", "None"])),
            ("builtins", strings(Builtins.all.map(\.name))),
            ("namespaces", strings(Compat.namespaces.sorted())),
            (
                "constructors",
                strings(
                    Prelude.definitions.map(\.name)
                        + Compat.nativeConstructors.map { String($0.signature.prefix { $0 != "(" }) })
            ),
        ])
    }
}

extension DocumentAnalysis {
    // MARK: - hover

    func hover(at offset: Int) -> (String, SourceRange)? {
        var parts: [String] = []
        var range: SourceRange?
        if let i = tokenIndex(at: offset) {
            if let (text, r) = duration(at: i) {
                parts.append(text)
                range = r
            } else if let (name, r) = dottedName(at: i), let text = describe(name: name, tokenIndex: i) {
                parts.append(text)
                range = r
            }
        }
        // The innermost phase around the place.
        if let p = phases.filter({ $0.range.start <= offset && offset <= $0.range.end }).min(by: {
            $0.range.end - $0.range.start < $1.range.end - $1.range.start
        }) {
            parts.append(p.summary)
            if range == nil { range = p.range }
        }
        // Phases and lengths are known once the program is checked; say why they are missing.
        if let stopped, stopped.range.start <= offset, offset <= stopped.range.end {
            parts.append("Not checked whole: \(stopped.message)")
            if range == nil { range = stopped.range }
        }
        guard let range, !parts.isEmpty else { return nil }
        return (parts.joined(separator: "\n\n---\n\n"), range)
    }

    /// What a name is: a parameter label, a builtin, a constructor, a
    /// special name, a setting, an output, or a definition in this file.
    func describe(name: String, tokenIndex i: Int) -> String? {
        // `T` in `cosine(T=50)`: the parameter.
        if i + 1 < tokens.count, tokens[i + 1].kind == .symbol(.assign) || tokens[i + 1].kind == .symbol(.colon),
            let callee = enclosingCall(before: tokens[i].range.start), let c = Callable.named(callee, in: self),
            let p = c.params.first(where: { $0.name == name })
        {
            return "```ramp\n\(p.label)\n```\n\nparameter of `\(c.name)`" + (p.doc.isEmpty ? "" : ": \(p.doc)")
        }
        if let local = localUses.first(where: {
            $0.range.start <= tokens[i].range.start && tokens[i].range.end <= $0.range.end
        }) {
            return "```ramp\n\(file.slice(local.definition))\n```\n\na parameter of the enclosing `def`"
        }
        if let d = definitions[name] {
            let s = d.statement
            let text: String
            switch s.kind {
            case .definition(let n, let params, _):
                text =
                    "def " + Callable(name: n, params: params.map { Callable.param(file, $0) }, doc: "").signature.text
            default:
                text = file.slice(s.range)
            }
            let line = file.location(of: d.nameRange.start).line
            return "```ramp\n\(text)\n```\n\n" + (d.kind == .function ? "defined" : "bound") + " on line \(line)"
        }
        if let c = Callable.named(name, in: nil) { return c.markdown }
        if Compat.namespaces.contains(name) {
            return "`\(name)`: the \(name) library's schedules, as Ramp reproduces them (`ramp list`)"
        }
        // A setting's name where a statement starts; `base` elsewhere is the value.
        if tokens[i].atLineStart, let s = Builtins.settings.first(where: { $0.name == name }) {
            return "setting `\(name)`: \(s.doc)"
        }
        if let s = Builtins.specials.first(where: {
            $0.name == name.lowercased() && (name == $0.name || ["true", "false", "none"].contains($0.name))
        }) {
            return "`\(name)`: \(s.doc)"
        }
        if let s = Builtins.settings.first(where: { $0.name == name }) { return "setting `\(name)`: \(s.doc)" }
        if let o = Builtins.output(name) { return "output `\(name)`: \(o.doc)" }
        return nil
    }

    /// The callee of the innermost call whose parentheses are open at `offset`.
    func enclosingCall(before offset: Int) -> String? {
        let from = max(0, offset - 8192)
        let text = Array(file.slice(SourceRange(from, offset)))
        return ReplEngine.enclosingCall(text, before: text.count)
    }

    // MARK: - completion

    struct CompletionItem {
        var label: String
        var kind: Int
        var detail: String?
        var documentation: String?
        var insertText: String?
        var sortText: String?
    }

    /// Candidates at `offset`, and where the word they replace starts.
    func completions(at offset: Int) -> (start: Int, items: [CompletionItem]) {
        let bytes = file.bytes
        var start = offset
        func isWord(_ b: UInt8) -> Bool { isIdentPart(b) || b == UInt8(ascii: ".") }
        while start > 0, isWord(bytes[start - 1]) { start -= 1 }
        let word = file.slice(SourceRange(start, offset))
        // What is before the word on its line.
        var lineStart = start
        while lineStart > 0, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        let before = file.slice(SourceRange(lineStart, start))
        let trimmed = before.trimmingTrailingSpaces
        var items: [CompletionItem] = []
        // Nothing to offer inside a comment.
        if let hash = before.firstIndex(of: "#"), before[..<hash].filter({ $0 == "\"" || $0 == "'" }).count % 2 == 0 {
            return (start, [])
        }
        // After a number and a space: a unit.
        let lastWord = trimmed.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }).last
        if before.last == " ", let lastWord, trimmed.hasSuffix(lastWord), Double(lastWord.filter { $0 != "_" }) != nil {
            for u in Vocabulary.units where u.hasSuffix("s") && u.hasPrefix(word) {
                items.append(CompletionItem(label: u, kind: 11, detail: "unit", documentation: unitDoc(u)))
            }
            return (start, items)
        }
        if word.contains(".") {
            for d in Prelude.definitions where d.name.hasPrefix(word) {
                items.append(constructorItem(d.name))
            }
            return (start, items)
        }
        // Parameters of the call the cursor is in, first.
        let callee = enclosingCall(before: start)
        if let callee, let c = Callable.named(callee, in: self) {
            for (k, p) in c.params.enumerated() where p.name.hasPrefix(word) {
                items.append(
                    CompletionItem(
                        label: p.name, kind: 5, detail: p.defaultText.map { "= \($0)" } ?? "required",
                        documentation: p.doc.isEmpty ? nil : p.doc, insertText: p.name + "=",
                        sortText: String(format: "0%03d", k)))
            }
        }
        let atStatementStart = trimmed.isEmpty && callee == nil
        if atStatementStart {
            for s in Builtins.settings {
                items.append(
                    CompletionItem(
                        label: s.name, kind: 10, detail: "setting", documentation: s.doc, insertText: s.name + " "))
            }
            for o in Builtins.outputs {
                items.append(
                    CompletionItem(
                        label: o.name, kind: 5, detail: "output", documentation: o.doc, insertText: o.name + ": "))
            }
            items.append(
                CompletionItem(
                    label: "group", kind: 14, detail: "a parameter group's output",
                    documentation: "`group \"backbone\" lr: ...` or `group 0 lr *= 0.1`"))
        }
        for k in Builtins.keywords where k.hasPrefix(word) { items.append(CompletionItem(label: k, kind: 14)) }
        for b in Builtins.all where b.name.hasPrefix(word) {
            items.append(
                CompletionItem(
                    label: b.name, kind: 3, detail: Callable.named(b.name, in: nil)?.signature.text,
                    documentation: b.doc))
        }
        for s in Builtins.specials where s.name.hasPrefix(word) {
            items.append(CompletionItem(label: s.name, kind: 21, documentation: s.doc))
        }
        for n in Compat.namespaces.sorted() where n.hasPrefix(word) {
            items.append(CompletionItem(label: n, kind: 9, detail: "library", insertText: n + "."))
        }
        for (name, d) in definitions.sorted(by: { $0.key < $1.key }) where name.hasPrefix(word) {
            let sig =
                d.kind == .function ? Callable.named(name, in: self)?.signature.text : file.slice(d.statement.range)
            items.append(CompletionItem(label: name, kind: d.kind == .function ? 3 : 6, detail: sig))
        }
        var seen = Set<String>()
        items = items.filter { $0.label.hasPrefix(word) && seen.insert($0.label + "\($0.kind)").inserted }
        return (start, items)
    }

    func constructorItem(_ name: String) -> CompletionItem {
        let c = Callable.named(name, in: nil)
        return CompletionItem(label: name, kind: 4, detail: c?.signature.text, documentation: c?.doc)
    }

    func unitDoc(_ u: String) -> String {
        switch u {
        case "epochs": return "needs `steps_per_epoch`"
        case "samples": return "needs `samples_per_step`, or a scheduled `batch_size`"
        case "tokens": return "needs `tokens_per_step`, or `sequence_length` with a scheduled `batch_size`"
        default: return "optimizer steps"
        }
    }

    // MARK: - signature help

    /// The call the cursor is in, and which of its parameters the cursor is on.
    func signatureHelp(at offset: Int) -> (Callable, active: Int)? {
        let from = max(0, offset - 8192)
        let chars = Array(file.slice(SourceRange(from, offset)))
        guard let callee = ReplEngine.enclosingCall(chars, before: chars.count),
            let c = Callable.named(callee, in: self)
        else { return nil }
        // Walk back to the open parenthesis, counting the commas at its level.
        var depth = 0
        var commas = 0
        var i = chars.count - 1
        var argumentStart = chars.count
        while i >= 0 {
            let ch = chars[i]
            if ch == ")" || ch == "]" || ch == "}" {
                depth += 1
            } else if ch == "(" || ch == "[" || ch == "{" {
                if depth == 0 { break }
                depth -= 1
            } else if ch == ",", depth == 0 {
                if commas == 0 { argumentStart = i + 1 }
                commas += 1
            }
            i -= 1
        }
        if commas == 0 { argumentStart = i + 1 }
        // A named argument picks its parameter, wherever it is.
        let argument = String(chars[argumentStart..<chars.count]).drop { $0 == " " }
        if let eq = argument.firstIndex(where: { $0 == "=" || $0 == ":" }) {
            let label = argument[..<eq].trimmingCharacters(in: .whitespaces)
            if let k = c.params.firstIndex(where: { $0.name == label }) { return (c, k) }
        }
        return (c, min(commas, max(0, c.params.count - 1)))
    }

    // MARK: - definitions and references

    /// Where the name at `offset` is defined: a `def`'s parameter, or a `let` or `def`.
    func definition(at offset: Int) -> SourceRange? {
        if let local = localUses.first(where: { $0.range.start <= offset && offset <= $0.range.end }) {
            return local.definition
        }
        if let p = parameters.first(where: { $0.start <= offset && offset <= $0.end }) { return p }
        guard let i = tokenIndex(at: offset), case .identifier(let name) = tokens[i].kind else { return nil }
        if let d = definitions[name],
            uses.contains(where: { $0.range == tokens[i].range }) || d.nameRange == tokens[i].range
        {
            return d.nameRange
        }
        return nil
    }

    /// Every use of the `let` or `def` named at `offset`, and its definition when asked.
    func references(at offset: Int, includeDeclaration: Bool) -> [SourceRange] {
        guard let target = definition(at: offset) else { return [] }
        if parameters.contains(target) {
            return (includeDeclaration ? [target] : []) + localUses.filter { $0.definition == target }.map(\.range)
        }
        guard let name = definitions.first(where: { $0.value.nameRange == target })?.key else { return [] }
        return (includeDeclaration ? [target] : []) + uses.filter { $0.name == name }.map(\.range)
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
