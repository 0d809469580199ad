import Foundation

/// One Python expression of a config, evaluated as data: numbers with
/// `+ - * / // % **`, strings (adjacent ones joined), lists, tuples, `{...}`
/// and `dict(...)`, True/False/None, names assigned before (or imported: a
/// class named in `type=` stands for its name), `x[i]`, `x['k']` and `x.k`,
/// `{{_base_.k}}`, and the pure calls int, float, min, max, round and abs.
/// Anything else is refused at its place, never run.
struct PythonExpression {
    struct Environment {
        var names: [String: JSONValue] = [:]
        var imported: Set<String> = []
        /// The merged `_base_` config, for `{{_base_.key}}`.
        var base: JSONValue?
        /// Names assigned a value that could not be read: using one is refused as that value was.
        var unreadable: [String: Failure] = [:]
    }

    let bytes: [UInt8]
    var pos: Int
    var env = Environment()
    /// Brackets open around `pos`: inside them a line break is only space.
    var open = 0
    /// The key path of the value being read, and where each key inside it is written.
    var recordPrefix = ""
    var places: [String: SourceRange] = [:]

    typealias Failure = PythonConfig.Failure

    init(bytes: [UInt8], pos: Int) {
        self.bytes = bytes
        self.pos = pos
    }

    // MARK: - tokens

    func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    /// Spaces, tabs, comments and `\` line continuations; inside brackets, line breaks too.
    mutating func skipInline() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
            } else if c == UInt8(ascii: "\\"), pos + 1 < bytes.count,
                bytes[pos + 1] == UInt8(ascii: "\n") || bytes[pos + 1] == 13
            {
                pos += 2
            } else if c == UInt8(ascii: "\n"), open > 0 {
                pos += 1
            } else {
                return
            }
        }
    }

    mutating func skipSpace() {
        open += 1
        skipInline()
        open -= 1
    }

    /// Blank lines, comments and stray semicolons between statements.
    mutating func skipBlankLines() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: ";") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")
                || c == 13 || c == UInt8(ascii: "#")
            {
                if c == UInt8(ascii: "#") {
                    while pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
                } else {
                    pos += 1
                }
                // An indented line that follows a statement's end is a block's body, which is not skipped as blank.
                if c == UInt8(ascii: "\n"), pos < bytes.count,
                    bytes[pos] == UInt8(ascii: " ") || bytes[pos] == UInt8(ascii: "\t")
                {
                    var j = pos
                    while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
                    if j < bytes.count, ![UInt8(ascii: "\n"), 13, UInt8(ascii: "#")].contains(bytes[j]) {
                        pos = j
                        return
                    }
                }
            } else {
                return
            }
        }
    }

    /// The column of `pos` (0 at a line's start).
    func column() -> Int {
        var i = pos
        while i > 0, bytes[i - 1] != UInt8(ascii: "\n") { i -= 1 }
        return pos - i
    }

    /// Past the rest of a statement whose value was refused: to the line break outside brackets and strings.
    mutating func skipStatement() {
        var depth = 0
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                let triple = pos + 2 < bytes.count && bytes[pos + 1] == c && bytes[pos + 2] == c
                pos += triple ? 3 : 1
                while pos < bytes.count {
                    if bytes[pos] == UInt8(ascii: "\\") {
                        pos += 2
                        continue
                    }
                    if bytes[pos] == c, !triple || (pos + 2 < bytes.count && bytes[pos + 1] == c && bytes[pos + 2] == c)
                    {
                        pos += triple ? 3 : 1
                        break
                    }
                    if bytes[pos] == UInt8(ascii: "\n"), !triple { break }
                    pos += 1
                }
                continue
            }
            if c == UInt8(ascii: "#") {
                while pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
                continue
            }
            if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { depth += 1 }
            if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") { depth = max(0, depth - 1) }
            if c == UInt8(ascii: "\n"), depth == 0, pos == 0 || bytes[pos - 1] != UInt8(ascii: "\\") {
                pos += 1
                return
            }
            pos += 1
        }
    }

    mutating func endOfStatement() throws(Failure) {
        skipInline()
        guard let c = peek() else { return }
        guard c == UInt8(ascii: "\n") || c == UInt8(ascii: ";") else {
            throw Failure(message: .pyTextAfterStatement, at: pos)
        }
        pos += 1
    }

    static func isName(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122)
    }

    /// True when `word` comes next, not as part of a longer name.
    mutating func peekWord(_ word: String) -> Bool {
        skipInline()
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else { return false }
        return pos + w.count == bytes.count || !PythonExpression.isName(bytes[pos + w.count])
    }

    mutating func takeWord(_ word: String) -> Bool {
        guard peekWord(word) else { return false }
        pos += word.utf8.count
        return true
    }

    /// The punctuation `s` next, taken.
    mutating func take(_ s: String) -> Bool {
        skipInline()
        let w = Array(s.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else { return false }
        pos += w.count
        return true
    }

    mutating func name() throws(Failure) -> String {
        skipInline()
        let start = pos
        while pos < bytes.count, PythonExpression.isName(bytes[pos]) { pos += 1 }
        guard pos > start, !(bytes[start] >= 48 && bytes[start] <= 57) else {
            throw Failure(message: .pyExpectedAName, at: start)
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    mutating func dottedName() throws(Failure) -> String {
        var parts = [try name()]
        while peek() == UInt8(ascii: ".") {
            pos += 1
            parts.append(try name())
        }
        return parts.joined(separator: ".")
    }

    // MARK: - expressions

    /// expression = term { ("+" | "-") term }
    mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < PythonConfig.maxDepth else {
            throw Failure(message: .pyNestsTooDeep(PythonConfig.maxDepth), at: pos)
        }
        var v = try term(depth)
        while true {
            skipInline()
            let at = pos
            if take("+") {
                v = try combine(v, try term(depth), "+", at)
            } else if take("-") {
                v = try combine(v, try term(depth), "-", at)
            } else {
                return v
            }
        }
    }

    /// term = factor { ("*" | "/" | "//" | "%") factor }
    mutating func term(_ depth: Int) throws(Failure) -> JSONValue {
        var v = try factor(depth)
        while true {
            skipInline()
            let at = pos
            if peek() == UInt8(ascii: "*"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "*") { return v }
            if take("*") {
                v = try combine(v, try factor(depth), "*", at)
            } else if take("//") {
                v = try combine(v, try factor(depth), "//", at)
            } else if take("/") {
                v = try combine(v, try factor(depth), "/", at)
            } else if take("%") {
                v = try combine(v, try factor(depth), "%", at)
            } else {
                return v
            }
        }
    }

    /// factor = ("-" | "+") factor | postfix [ "**" factor ]
    mutating func factor(_ depth: Int) throws(Failure) -> JSONValue {
        let at = pos
        if take("-") {
            guard case .number(let x) = try factor(depth + 1) else {
                throw Failure(message: .pyMinusBeforeNonNumber, at: at)
            }
            return .number(-x)
        }
        if take("+") { return try factor(depth + 1) }
        let v = try postfix(depth)
        let op = pos
        if take("**") { return try combine(v, try factor(depth + 1), "**", op) }
        return v
    }

    func combine(_ a: JSONValue, _ b: JSONValue, _ op: String, _ at: Int) throws(Failure) -> JSONValue {
        switch (a, b, op) {
        case (.number(let x), .number(let y), _):
            switch op {
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            case "/", "//", "%":
                guard y != 0 else { throw Failure(message: .pyDivisionByZero, at: at) }
                if op == "/" { return .number(x / y) }
                let q = (x / y).rounded(.down)
                return .number(op == "//" ? q : x - q * y)
            default: return .number(Foundation.pow(x, y))
            }
        case (.string(let x), .string(let y), "+"): return .string(x + y)
        case (.array(let x), .array(let y), "+"):
            guard x.count + y.count <= 100_000 else { throw Failure(message: .pyListTooLong, at: at) }
            return .array(x + y)
        case (.array(let x), .number(let n), "*") where n == n.rounded():
            guard Double(x.count) * n <= 100_000 else { throw Failure(message: .pyListTooLong, at: at) }
            return .array(Array(repeating: x, count: max(0, Int(n))).flatMap { $0 })
        default:
            throw Failure(message: .pyOperatorNotComputed(op, a.typeName, b.typeName), at: at)
        }
    }

    /// postfix = atom { "[" expression "]" | "." NAME }
    mutating func postfix(_ depth: Int) throws(Failure) -> JSONValue {
        var v = try atom(depth)
        while true {
            skipInline()
            let at = pos
            if take("[") {
                open += 1
                let k = try value(depth: depth + 1)
                skipInline()
                open -= 1
                guard take("]") else { throw Failure(message: .pyExpectedCloseBracket, at: pos) }
                v = try PythonExpression.index(v, k, at)
            } else if peek() == UInt8(ascii: "."), pos + 1 < bytes.count, PythonExpression.isName(bytes[pos + 1]),
                !(bytes[pos + 1] >= 48 && bytes[pos + 1] <= 57)
            {
                pos += 1
                let n = try name()
                if case .string(let s) = v, env.imported.contains(String(s.split(separator: ".")[0])) {
                    v = .string("\(s).\(n)")
                } else {
                    v = try PythonExpression.index(v, .string(n), at)
                }
            } else {
                return v
            }
        }
    }

    static func index(_ v: JSONValue, _ k: JSONValue, _ at: Int) throws(Failure) -> JSONValue {
        switch (v, k) {
        case (.object, .string(let key)):
            guard let x = v[key] else { throw Failure(message: .pyNoKey(key), at: at) }
            return x
        case (.array(let xs), .number(let x)) where x == x.rounded():
            let i = x < 0 ? Int(x) + xs.count : Int(x)
            guard i >= 0, i < xs.count else { throw Failure(message: .pyIndexOutOfRange(Int(x)), at: at) }
            return xs[i]
        default: throw Failure(message: .pyCannotIndex(v.typeName, k.typeName), at: at)
        }
    }

    /// A key's place, for diagnostics about it.
    mutating func record(_ key: String, _ range: SourceRange) {
        places[key] = places[key] ?? range
    }

    mutating func atom(_ depth: Int) throws(Failure) -> JSONValue {
        skipInline()
        guard let c = peek() else { throw Failure(message: .pyUnexpectedEnd, at: pos) }
        let start = pos
        if c == UInt8(ascii: "{"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "{") {
            pos += 2
            let ref = try dottedName()
            guard take("}}") else { throw Failure(message: .pyExpectedCloseInterpolation, at: pos) }
            guard ref.hasPrefix("_base_."), let base = env.base else {
                throw Failure(message: .pyInterpolationWithoutBase(ref), at: start)
            }
            var v = base
            for part in ref.split(separator: ".").dropFirst() {
                v = try PythonExpression.index(v, .string(String(part)), start)
            }
            return v
        }
        if c == UInt8(ascii: "[") || c == UInt8(ascii: "(") {
            pos += 1
            open += 1
            defer { open -= 1 }
            let close = c == UInt8(ascii: "[") ? "]" : ")"
            var items: [JSONValue] = []
            var tuple = c == UInt8(ascii: "[")
            let prefix = recordPrefix
            while true {
                skipInline()
                if take(close) { break }
                var end = pos
                while end < bytes.count, PythonExpression.isName(bytes[end]) { end += 1 }
                record("\(prefix)[\(items.count)]", SourceRange(pos, max(end, pos + 1)))
                recordPrefix = "\(prefix)[\(items.count)]"
                items.append(try value(depth: depth + 1))
                recordPrefix = prefix
                skipInline()
                if take(",") {
                    tuple = true
                } else if !take(close) {
                    throw Failure(message: .pyExpectedCommaOr(close), at: pos)
                } else {
                    break
                }
            }
            return tuple || items.count != 1 ? .array(items) : items[0]
        }
        if c == UInt8(ascii: "{") {
            pos += 1
            open += 1
            defer { open -= 1 }
            var pairs: [(String, JSONValue)] = []
            let prefix = recordPrefix
            while true {
                skipInline()
                if take("}") { return .object(pairs) }
                let keyAt = pos
                guard case .string(let key) = try value(depth: depth + 1) else {
                    throw Failure(message: .pyDictKeyNotString, at: keyAt)
                }
                guard take(":") else { throw Failure(message: .pyExpectedColon, at: pos) }
                places["\(prefix).\(key)"] = SourceRange(keyAt, keyAt + key.utf8.count + 2)
                recordPrefix = "\(prefix).\(key)"
                let v = try value(depth: depth + 1)
                recordPrefix = prefix
                // A key given twice keeps its first place and its last value, as a Python dict does.
                if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = v } else { pairs.append((key, v)) }
                if !take(",") {
                    guard take("}") else { throw Failure(message: .pyExpectedCommaOrBrace, at: pos) }
                    return .object(pairs)
                }
            }
        }
        if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") { return .string(try strings()) }
        if (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".") { return try number() }
        let n = try name()
        if ["r", "u", "R", "U"].contains(n), let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") {
            return .string(try strings())
        }
        switch n {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        default: break
        }
        skipInline()
        if peek() == UInt8(ascii: "(") {
            guard ["dict", "int", "float", "min", "max", "round", "abs", "list", "tuple"].contains(n),
                env.names[n] == nil
            else {
                throw Failure(message: .pyCallNotMade(n), at: start)
            }
            return try call(n, at: start, depth: depth)
        }
        if let v = env.names[n] { return v }
        if let f = env.unreadable[n] {
            throw Failure(message: .pyNameUnreadable(n, f.message), at: start)
        }
        if env.imported.contains(n) { return .string(n) }
        throw Failure(message: .pyNameNotAssigned(n), at: start)
    }

    /// The calls a config may make: dict(k=v, ...), and pure arithmetic on numbers.
    mutating func call(_ n: String, at start: Int, depth: Int) throws(Failure) -> JSONValue {
        guard take("(") else { throw Failure(message: .pyExpectedOpenParen, at: pos) }
        open += 1
        defer { open -= 1 }
        var args: [JSONValue] = []
        var kwargs: [(String, JSONValue)] = []
        let prefix = recordPrefix
        while true {
            skipInline()
            if take(")") { break }
            let argAt = pos
            var save = self
            if let k = try? save.name(), save.take("="), save.peek() != UInt8(ascii: "=") {
                self = save
                if kwargs.contains(where: { $0.0 == k }) {
                    throw Failure(message: .pyKeywordRepeated(k), at: argAt)
                }
                places["\(prefix).\(k)"] = SourceRange(argAt, argAt + k.utf8.count)
                recordPrefix = "\(prefix).\(k)"
                kwargs.append((k, try value(depth: depth + 1)))
                recordPrefix = prefix
            } else {
                if take("**") {
                    guard case .object(let kvs) = try value(depth: depth + 1), n == "dict" else {
                        throw Failure(message: .pyDoubleStarOutsideDict, at: argAt)
                    }
                    kwargs += kvs
                } else {
                    args.append(try value(depth: depth + 1))
                }
            }
            skipInline()
            if !take(",") {
                guard take(")") else { throw Failure(message: .pyExpectedCommaOrParen, at: pos) }
                break
            }
        }
        switch n {
        case "dict":
            var out: [(String, JSONValue)] = []
            for a in args {
                guard case .object(let kvs) = a else {
                    throw Failure(message: .pyDictOfNotADict, at: start)
                }
                kwargs = kvs + kwargs
            }
            for (k, v) in kwargs {
                if let i = out.firstIndex(where: { $0.0 == k }) { out[i].1 = v } else { out.append((k, v)) }
            }
            return .object(out)
        case "list", "tuple":
            guard kwargs.isEmpty, args.count <= 1 else { throw Failure(message: .pyTakesOneList(n), at: start) }
            guard let a = args.first else { return .array([]) }
            guard case .array = a else { throw Failure(message: .pyOfNotAList(n), at: start) }
            return a
        default:
            guard kwargs.isEmpty, !args.isEmpty else { throw Failure(message: .pyTakesNumbers(n), at: start) }
            var xs: [Double] = []
            for a in args {
                if case .array(let items) = a, args.count == 1, ["min", "max"].contains(n) {
                    for i in items {
                        guard let x = i.number else { throw Failure(message: .pyTakesNumbers(n), at: start) }
                        xs.append(x)
                    }
                } else {
                    guard case .number(let x) = a else { throw Failure(message: .pyTakesNumbers(n), at: start) }
                    xs.append(x)
                }
            }
            guard !xs.isEmpty else { throw Failure(message: .pyOfNoNumbers(n), at: start) }
            switch n {
            case "int": return .number(xs[0].rounded(.towardZero))
            case "float": return .number(xs[0])
            case "min": return .number(xs.min()!)
            case "max": return .number(xs.max()!)
            case "abs": return .number(Swift.abs(xs[0]))
            default:
                // round(x) rounds half to even, as Python's does; round(x, n) keeps n decimals.
                guard xs.count == 2 else { return .number(xs[0].rounded(.toNearestOrEven)) }
                let scale = Foundation.pow(10, xs[1])
                return .number((xs[0] * scale).rounded(.toNearestOrEven) / scale)
            }
        }
    }

    /// One or more adjacent string literals, joined.
    mutating func strings() throws(Failure) -> String {
        var out = ""
        while let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") {
            let start = pos
            pos += 1
            var chars: [UInt8] = []
            while pos < bytes.count, bytes[pos] != q, bytes[pos] != UInt8(ascii: "\n") {
                if bytes[pos] == UInt8(ascii: "\\"), pos + 1 < bytes.count {
                    chars.append(bytes[pos + 1])
                    pos += 2
                    continue
                }
                chars.append(bytes[pos])
                pos += 1
            }
            guard pos < bytes.count, bytes[pos] == q else { throw Failure(message: .pyUnterminatedString, at: start) }
            pos += 1
            out += String(decoding: chars, as: UTF8.self)
            skipInline()
        }
        return out
    }

    mutating func number() throws(Failure) -> JSONValue {
        let start = pos
        while pos < bytes.count, let ch = Optional(bytes[pos]),
            (ch >= UInt8(ascii: "0") && ch <= UInt8(ascii: "9")) || ch == UInt8(ascii: ".") || ch == UInt8(ascii: "_")
                || ch == UInt8(ascii: "e") || ch == UInt8(ascii: "E")
                || ((ch == UInt8(ascii: "-") || ch == UInt8(ascii: "+"))
                    && (bytes[pos - 1] | 0x20 == UInt8(ascii: "e")))
        {
            pos += 1
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self).replacingOccurrences(of: "_", with: "")
        guard let x = Double(text) else { throw Failure(message: .pyMalformedNumber(text), at: start) }
        return .number(x)
    }
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var typeName: String {
        switch self {
        case .null: return "None"
        case .bool: return "a bool"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a dict"
        }
    }
}
