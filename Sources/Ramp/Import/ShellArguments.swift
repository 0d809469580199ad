import Foundation

/// One word of a launch script, its quotes removed, with where it is written and whether it sits inside an
/// `if`, `for`, `while` or `case` (whose branches Ramp does not run).
struct ShellWord: Sendable {
    var text: String
    var range: SourceRange
    var conditional: Bool
}

/// A launch script, or a file of arguments, read as a shell reads its words but never run: quotes removed,
/// `\` continuations joined, `#` comments skipped, a quoted string of options assigned to a name
/// (`GPT_ARGS="--lr 3e-4 ..."`) and a bash array (`ARGS=( ... )`) read as the options they hold, and
/// `NAME=value` assignments kept, so that `--lr $LR` can be read when the script sets `LR` once to a value.
struct ShellArguments: Sendable {
    private(set) var words: [ShellWord] = []
    /// Each name's assignments, in order: the value written, or nil for an array, a string of options or `+=`.
    private(set) var assignments: [String: [(value: String?, range: SourceRange, conditional: Bool)]] = [:]
    /// An unclosed quote, where it opens.
    private(set) var unclosedQuote: SourceRange?
    private var depth = 0

    init(_ bytes: [UInt8]) {
        scan(bytes, 0, bytes.count, inString: false)
    }

    // MARK: - words

    /// Splits `bytes[from..<to]` into words. `inString`: the inside of a quoted string of options, which the
    /// shell splits at blanks and in which quotes and `#` are plain characters.
    private mutating func scan(_ bytes: [UInt8], _ from: Int, _ to: Int, inString: Bool) {
        var word: [UInt8] = []
        var start = -1
        var i = from
        func byte(_ c: Character) -> UInt8 { c.asciiValue! }
        func open(_ at: Int) { if start < 0 { start = at } }
        while i < to {
            let c = bytes[i]
            if c == byte(" ") || c == byte("\t") || c == byte("\n") || c == byte("\r") {
                finish(&word, &start, i)
                i += 1
            } else if c == byte("\\") {
                if i + 1 < to, bytes[i + 1] == byte("\n") {
                    i += 2
                } else if i + 2 < to, bytes[i + 1] == byte("\r"), bytes[i + 2] == byte("\n") {
                    i += 3
                } else {
                    open(i)
                    if i + 1 < to { word.append(bytes[i + 1]) }
                    i += 2
                }
            } else if c == byte("#"), start < 0, !inString {
                while i < to, bytes[i] != byte("\n") { i += 1 }
            } else if c == byte("'") || c == byte("\""), !inString {
                guard let close = closing(bytes, i, to) else {
                    unclosedQuote = SourceRange(i, i + 1)
                    return
                }
                let inner = Array(bytes[(i + 1)..<close])
                if c == byte("\""), Self.isAssignmentPrefix(word), inner.contains(where: Self.isBlank) {
                    // NAME="--lr 3e-4 --train-iters 1000 ...": a string of options, split where it is used.
                    word.append(contentsOf: Array("\u{1}".utf8))
                    open(i)
                    finish(&word, &start, i)
                    scan(bytes, i + 1, close, inString: true)
                } else {
                    open(i)
                    word.append(contentsOf: c == byte("\"") ? Self.unescaped(inner) : inner)
                }
                i = close + 1
            } else if !inString, [";", "|", "&", "<", ">", "(", ")"].contains(Character(UnicodeScalar(c))) {
                if c == byte("("), Self.isAssignmentPrefix(word) {
                    word.append(contentsOf: Array("\u{1}".utf8))  // NAME=( ... ): a bash array of options
                }
                finish(&word, &start, i)
                i += 1
            } else if c == byte("$"), i + 1 < to, bytes[i + 1] == byte("(") || bytes[i + 1] == byte("{") {
                // $(...), $((...)), ${...}: kept whole, to be named if a value needs it.
                open(i)
                let (o, cl) = bytes[i + 1] == byte("(") ? (byte("("), byte(")")) : (byte("{"), byte("}"))
                var nesting = 0
                var j = i + 1
                while j < to {
                    if bytes[j] == o { nesting += 1 }
                    if bytes[j] == cl {
                        nesting -= 1
                        if nesting == 0 { break }
                    }
                    j += 1
                }
                word.append(contentsOf: bytes[i..<min(j + 1, to)])
                i = j + 1
            } else {
                open(i)
                word.append(c)
                i += 1
            }
        }
        finish(&word, &start, min(i, to))
    }

    /// The closing quote of the one at `at`: a single quote ends at the next, a double quote at the next
    /// one that is not escaped.
    private func closing(_ bytes: [UInt8], _ at: Int, _ to: Int) -> Int? {
        var j = at + 1
        while j < to {
            if bytes[at] == UInt8(ascii: "\""), bytes[j] == UInt8(ascii: "\\") {
                j += 2
                continue
            }
            if bytes[j] == bytes[at] { return j }
            j += 1
        }
        return nil
    }

    private mutating func finish(_ word: inout [UInt8], _ start: inout Int, _ end: Int) {
        defer {
            word = []
            start = -1
        }
        guard start >= 0 else { return }
        let text = String(decoding: word, as: UTF8.self)
        let range = SourceRange(start, end)
        if ["if", "for", "while", "until", "case"].contains(text) { depth += 1 }
        if ["fi", "done", "esac"].contains(text) { depth = max(0, depth - 1) }
        if let eq = text.firstIndex(of: "="), Self.isAssignmentPrefix(Array(text[...eq].utf8)) {
            var name = String(text[..<eq])
            var value: String? = String(text[text.index(after: eq)...])
            if name.hasSuffix("+") || value?.hasPrefix("\u{1}") == true {
                name.removeLast(name.hasSuffix("+") ? 1 : 0)
                value = nil
            }
            assignments[name, default: []].append((value, range, depth > 0))
            return
        }
        words.append(ShellWord(text: text, range: range, conditional: depth > 0))
    }

    /// `NAME=` or `NAME+=` so far: the start of an assignment.
    private static func isAssignmentPrefix(_ word: [UInt8]) -> Bool {
        guard let last = word.last, last == UInt8(ascii: "=") else { return false }
        var name = word.dropLast()
        if name.last == UInt8(ascii: "+") { name = name.dropLast() }
        guard let first = name.first, !(first >= 48 && first <= 57) else { return false }
        return name.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122)
        }
    }

    private static func isBlank(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
    }

    /// A double-quoted string's characters: `\"`, `\\`, `\$` and `` \` `` escaped, `\` and a newline removed.
    private static func unescaped(_ inner: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < inner.count {
            if inner[i] == UInt8(ascii: "\\"), i + 1 < inner.count, Array("\"\\$`\n".utf8).contains(inner[i + 1]) {
                if inner[i + 1] != UInt8(ascii: "\n") { out.append(inner[i + 1]) }
                i += 2
            } else {
                out.append(inner[i])
                i += 1
            }
        }
        return out
    }

    // MARK: - options

    /// The options among the words: `--name value`, `--name=value`, or a bare `--name`. A value is the next
    /// word when it is not an option (a negative number is a value).
    var options: [(name: String, flag: ShellWord, value: ShellWord?)] {
        var result: [(name: String, flag: ShellWord, value: ShellWord?)] = []
        var i = 0
        while i < words.count {
            let w = words[i]
            i += 1
            guard w.text.hasPrefix("--"), w.text.count > 2 else { continue }
            var name = String(w.text.dropFirst(2))
            var value: ShellWord?
            if let eq = name.firstIndex(of: "=") {
                let text = String(name[name.index(after: eq)...])
                value = ShellWord(text: text, range: w.range, conditional: w.conditional)
                name = String(name[..<eq])
            } else if i < words.count, !words[i].text.hasPrefix("--") || Double(words[i].text) != nil {
                value = words[i]
                i += 1
            }
            result.append((name, w, value))
        }
        return result
    }

    // MARK: - variables

    /// A word's value with its variable substituted: `$LR`, `${LR}`, or `${LR:-3e-4}`, when the script sets the
    /// name once, outside any `if` or loop, to a value (or leaves it to its default). `defaults` gathers the
    /// names read from their default. Anything else the shell would compute is refused, naming it.
    func expand(_ word: ShellWord, defaults: inout [String]) -> Result<String, ShellVariableError> {
        var seen: Set<String> = []
        return expand(word.text, &seen, &defaults)
    }

    private func expand(_ text: String, _ seen: inout Set<String>, _ defaults: inout [String])
        -> Result<String, ShellVariableError>
    {
        guard text.contains("$") else { return .success(text) }
        guard let (name, fallback) = Self.reference(text) else { return .failure(.computed(text)) }
        let sets = seen.contains(name) ? [] : assignments[name] ?? []
        guard let first = sets.first else {
            guard let fallback else { return .failure(.unset(name)) }
            defaults.append("$\(name) is \(fallback), the default the script gives it")
            return .success(fallback)
        }
        guard sets.allSatisfy({ !$0.conditional && $0.value != nil && $0.value == first.value }),
            let value = first.value
        else {
            return .failure(.ambiguous(name))
        }
        guard seen.count < 16 else { return .failure(.computed(text)) }
        seen.insert(name)
        return expand(value, &seen, &defaults)
    }

    /// `$NAME`, `${NAME}`, `${NAME:-value}` or `${NAME-value}`: the name, and the default when one is given.
    private static func reference(_ text: String) -> (String, String?)? {
        func isName(_ s: Substring) -> Bool {
            guard let f = s.first, f == "_" || f.isLetter else { return false }
            return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
        if text.hasPrefix("${"), text.hasSuffix("}") {
            let inner = text.dropFirst(2).dropLast()
            if isName(inner) { return (String(inner), nil) }
            if let dash = inner.firstIndex(of: "-") {
                var name = inner[..<dash]
                if name.hasSuffix(":") { name = name.dropLast() }
                var fallback = String(inner[inner.index(after: dash)...])
                if fallback.count >= 2, let q = fallback.first, q == "\"" || q == "'", fallback.last == q {
                    fallback = String(fallback.dropFirst().dropLast())
                }
                if isName(name), !fallback.contains("$") { return (String(name), fallback) }
            }
            return nil
        }
        let name = text.dropFirst()
        return text.hasPrefix("$") && isName(name) ? (String(name), nil) : nil
    }
}

/// Why a word's variable cannot be read without running the script.
enum ShellVariableError: Error {
    /// `$TRAIN_STEPS`, which the file does not set.
    case unset(String)
    /// Set more than once to different values, or inside an `if` or loop, or to an array.
    case ambiguous(String)
    /// `$((TRAIN_ITERS / 10))`, `$(cat n)`, `${A}${B}`: computed by the shell.
    case computed(String)
}
