/// Turns source bytes into tokens.
///
/// Built like a small hand-written scanner: `next` consumes a byte, `peek`
/// looks ahead, `backup` undoes one `next`, and `emit` closes a token. Newlines
/// inside brackets are dropped here, so the parser only sees the ones that can
/// end a statement.
///
/// It reads the file's bytes through a pointer that is valid only inside
/// `Lexer.with(_:_:)`, which is how every lexer is made.
public struct Lexer {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private var start = 0
    private var depth = 0
    private var sawNewline = true

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Runs `body` with a lexer over the file's bytes.
    static func with<R>(_ file: SourceFile, _ body: (inout Lexer) throws(Diagnostic) -> R) throws(Diagnostic) -> R {
        try file.bytes.withUnsafeBufferPointer { buf throws(Diagnostic) in
            var lexer = Lexer(buf)
            return try body(&lexer)
        }
    }

    /// All tokens of the file, ending with `.eof`.
    public static func tokenize(_ file: SourceFile) throws(Diagnostic) -> [Token] {
        try with(file) { lexer throws(Diagnostic) in
            var out: [Token] = []
            while true {
                let t: Token
                do throws(Failure) { t = try lexer.nextToken() } catch { throw lexer.diagnostic(error) }
                out.append(t)
                if t.kind == .eof { return out }
            }
        }
    }

    /// Why lexing stopped, as plain data: the token path then carries no
    /// String-bearing error, and the message is written only when one is
    /// reported (`diagnostic(_:)`), from the bytes the range covers.
    struct Failure: Error, Sendable {
        enum Reason: UInt8, Sendable {
            case unexpectedCharacter, nulByte, controlCharacter
            case malformedNumberWithText, malformedNumber, numberTooLarge
            case unterminatedString
        }
        var reason: Reason
        var range: SourceRange
    }

    /// The diagnostic for a failure of this lexer.
    func diagnostic(_ f: Failure) -> Diagnostic {
        let covered = UnsafeBufferPointer(rebasing: bytes[f.range.start..<min(f.range.end, bytes.count)])
        let text = String(decoding: covered, as: UTF8.self)
        let first = covered.first ?? 0
        switch f.reason {
        case .unexpectedCharacter:
            // One ASCII byte, or the whole scalar when the byte starts one.
            let shown = first < 0x80 ? String(Character(Unicode.Scalar(first))) : text
            return .error(.unexpectedCharacter(shown), at: f.range)
        case .nulByte: return .error(.nulByte, at: f.range)
        case .controlCharacter:
            return .error(.controlCharacter(first), at: f.range)
        case .malformedNumberWithText: return .error(.malformedNumber(text), at: f.range)
        case .malformedNumber: return .error(.malformedNumber, at: f.range)
        case .numberTooLarge:
            return .error(.numberTooLarge(text.filter { $0 != "_" }), at: f.range)
        case .unterminatedString: return .error(.unterminatedString, at: f.range)
        }
    }

    // MARK: - scanner primitives

    private mutating func next() -> UInt8? {
        guard pos < bytes.count else {
            pos += 1
            return nil
        }
        defer { pos += 1 }
        return bytes[pos]
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        pos + ahead < bytes.count ? bytes[pos + ahead] : nil
    }

    private mutating func backup() { pos -= 1 }

    private mutating func emit(_ kind: TokenKind) -> Token {
        let t = Token(kind: kind, range: SourceRange(start, min(pos, bytes.count)), atLineStart: sawNewline)
        sawNewline = false
        return t
    }

    private func failure(_ reason: Failure.Reason) -> Failure {
        Failure(reason: reason, range: SourceRange(start, max(start + 1, min(pos, bytes.count))))
    }

    // MARK: - tokens

    mutating func nextToken() throws(Failure) -> Token {
        while true {
            start = pos
            guard let c = next() else {
                pos = bytes.count
                start = pos
                return emit(.eof)
            }
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                continue
            case 0xEF where start == 0 && peek() == 0xBB && peek(1) == 0xBF:
                pos += 2  // byte-order mark
                continue
            case UInt8(ascii: "#"):
                while let d = peek(), d != UInt8(ascii: "\n") { pos += 1 }
                continue
            case UInt8(ascii: "\\") where peek() == UInt8(ascii: "\n"):
                pos += 1  // explicit line continuation
                continue
            case UInt8(ascii: "\n"):
                if depth > 0 { continue }
                let t = emit(.newline)
                sawNewline = true
                return t
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                backup()
                return try number()
            case UInt8(ascii: ".") where peek().map(isDigit) ?? false:
                backup()
                return try number()
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                return try string(quote: c)
            case _ where isIdentStart(c):
                while let d = peek(), isIdentPart(d) { pos += 1 }
                if let k = keyword() { return emit(.keyword(k)) }
                return emit(
                    .identifier(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)))
            default:
                return try symbol(c)
            }
        }
    }

    private mutating func symbol(_ c: UInt8) throws(Failure) -> Token {
        /// `yes` when the next byte is `second` (a byte, not a Character, whose
        /// ASCII value would be worked out at every call), else `no`.
        func two(_ second: UInt8, _ yes: Symbol, _ no: Symbol?) throws(Failure) -> Token {
            if peek() == second {
                pos += 1
                return emit(.symbol(yes))
            }
            guard let no else { throw failure(.unexpectedCharacter) }
            return emit(.symbol(no))
        }
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            return emit(.symbol(c == UInt8(ascii: "(") ? .lparen : c == UInt8(ascii: "[") ? .lbracket : .lbrace))
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            depth = max(0, depth - 1)
            return emit(.symbol(c == UInt8(ascii: ")") ? .rparen : c == UInt8(ascii: "]") ? .rbracket : .rbrace))
        case UInt8(ascii: ","): return emit(.symbol(.comma))
        case UInt8(ascii: ":"): return emit(.symbol(.colon))
        case UInt8(ascii: ";"): return emit(.symbol(.semicolon))
        case UInt8(ascii: "."): return emit(.symbol(.dot))
        case UInt8(ascii: "+"): return emit(.symbol(.plus))
        case UInt8(ascii: "-"): return emit(.symbol(.minus))
        case UInt8(ascii: "/"):
            // `//` is Python's floor division, which pasted lambdas use.
            if peek() == UInt8(ascii: "/") {
                pos += 1
                return emit(.symbol(.slashSlash))
            }
            return emit(.symbol(.slash))
        case UInt8(ascii: "^"): return emit(.symbol(.caret))
        case UInt8(ascii: "%"): return emit(.symbol(.percent))
        case UInt8(ascii: "|"): return emit(.symbol(.bar))
        case UInt8(ascii: "*"): return try two(UInt8(ascii: "*"), .starStar, .star)
        case UInt8(ascii: "="): return try two(UInt8(ascii: "="), .equalEqual, .assign)
        case UInt8(ascii: "<"): return try two(UInt8(ascii: "="), .lessEqual, .less)
        case UInt8(ascii: ">"): return try two(UInt8(ascii: "="), .greaterEqual, .greater)
        case UInt8(ascii: "!"): return try two(UInt8(ascii: "="), .notEqual, nil)
        case 0:
            throw failure(.nulByte)
        default:
            if c >= 0x80 {
                // Report the whole scalar (a source file's text is valid
                // UTF-8: invalid bytes were replaced, and are reported from
                // `SourceFile.invalidUTF8` before lexing).
                var n = 0
                while let d = peek(n), d & 0xC0 == 0x80, n < 3 { n += 1 }
                pos += n
                throw failure(.unexpectedCharacter)
            }
            if c < 0x20 || c == 0x7F { throw failure(.controlCharacter) }
            throw failure(.unexpectedCharacter)
        }
    }

    /// number = digits [ "." digits ] [ ("e"|"E") ["+"|"-"] digits ] ; digits may contain "_".
    private mutating func number() throws(Failure) -> Token {
        var underscores = false
        func digits() {
            while let d = peek(), isDigit(d) || d == UInt8(ascii: "_") {
                if d == UInt8(ascii: "_") { underscores = true }
                pos += 1
            }
        }
        digits()
        if peek() == UInt8(ascii: "."),
            peek(1).map({ isDigit($0) || !isIdentStart($0) && $0 != UInt8(ascii: ".") }) ?? true
        {
            // "3." is a number too, as Python writes it (`1.`, `[1., 2.]`), but "3.foo" is not something we need.
            pos += 1
            digits()
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var k = 1
            if let s = peek(1), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { k = 2 }
            if peek(k).map(isDigit) ?? false {
                pos += k
                digits()
            }
        }
        let end = pos
        if let d = peek(), isIdentStart(d) {
            while let d = peek(), isIdentPart(d) { pos += 1 }
            // "5epochs" is allowed to read as "5 epochs": split at the letters.
            if DurationUnit(word: String(decoding: UnsafeBufferPointer(rebasing: bytes[end..<pos]), as: UTF8.self))
                != nil
            {
                pos = end
            } else {
                throw failure(.malformedNumberWithText)
            }
        }
        if !underscores, let value = exactDecimal(start, end) { return emit(.number(value)) }
        var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        if underscores { text.removeAll { $0 == "_" } }
        guard let value = Double(text) else { throw failure(.malformedNumber) }
        guard value.isFinite else { throw failure(.numberTooLarge) }
        return emit(.number(value))
    }

    /// The value of a short decimal literal (`20`, `0.95`, `1e-4`) when one
    /// correctly rounded operation gives it: at most 15 significant digits
    /// make an exact integer mantissa, and powers of ten up to 1e22 are exact,
    /// so `m * 10^k` or `m / 10^k` is the correctly rounded value, the same
    /// double `Double(text)` returns. Anything else goes to `Double(text)`.
    private func exactDecimal(_ from: Int, _ to: Int) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var i = from
        var fraction = false
        while i < to {
            let c = bytes[i]
            if isDigit(c) {
                if mantissa == 0 && c == UInt8(ascii: "0") {
                    if fraction { scale -= 1 }
                } else {
                    digits += 1
                    guard digits <= 15 else { return nil }
                    mantissa = mantissa * 10 + UInt64(c - UInt8(ascii: "0"))
                    if fraction { scale -= 1 }
                }
            } else if c == UInt8(ascii: ".") {
                fraction = true
            } else {
                break
            }
            i += 1
        }
        if i < to {
            // An exponent: e, an optional sign, digits.
            i += 1
            var negative = false
            if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                negative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            while i < to {
                e = e * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                guard e < 400 else { return nil }
                i += 1
            }
            scale += negative ? -e : e
        }
        if mantissa == 0 { return 0 }
        guard abs(scale) <= 22 else { return nil }
        let m = Double(mantissa)
        return scale >= 0 ? m * Lexer.powersOfTen[scale] : m / Lexer.powersOfTen[-scale]
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The keyword spelled by the word just scanned, compared as bytes
    /// (no string is made for it).
    private func keyword() -> Keyword? {
        let n = pos - start
        func spelled(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == n else { return false }
            for i in 0..<n where word.utf8Start[i] != bytes[start + i] { return false }
            return true
        }
        switch bytes[start] {
        case UInt8(ascii: "l"): return spelled("let") ? .let : spelled("lambda") ? .lambda : nil
        case UInt8(ascii: "d"): return spelled("def") ? .def : nil
        case UInt8(ascii: "t"): return spelled("then") ? .then : nil
        case UInt8(ascii: "u"): return spelled("until") ? .until : nil
        case UInt8(ascii: "f"): return spelled("for") ? .for : nil
        case UInt8(ascii: "a"): return spelled("and") ? .and : nil
        case UInt8(ascii: "o"): return spelled("or") ? .or : nil
        case UInt8(ascii: "n"): return spelled("not") ? .not : nil
        default: return nil
        }
    }

    private mutating func string(quote: UInt8) throws(Failure) -> Token {
        var out: [UInt8] = []
        while true {
            guard let c = next() else {
                pos = bytes.count
                throw Failure(reason: .unterminatedString, range: SourceRange(start, start + 1))
            }
            if c == quote { break }
            if c == UInt8(ascii: "\n") {
                throw Failure(reason: .unterminatedString, range: SourceRange(start, start + 1))
            }
            if c == UInt8(ascii: "\\"), let d = next() {
                switch d {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                default: out.append(d)
                }
                continue
            }
            out.append(c)
        }
        // Valid UTF-8: the text is, and escapes only drop ASCII backslashes.
        return emit(.string(String(decoding: out, as: UTF8.self)))
    }
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
@inline(__always) func isIdentStart(_ c: UInt8) -> Bool {
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
}
@inline(__always) func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

/// The unit a duration literal is written in.
public enum DurationUnit: String, Sendable, Hashable, Codable {
    case steps, epochs, samples, tokens
    case percent = "%"

    /// Reads `step(s)`, `epoch(s)`, `sample(s)`, `token(s)`.
    public init?(word: String) {
        switch word {
        case "step", "steps": self = .steps
        case "epoch", "epochs": self = .epochs
        case "sample", "samples": self = .samples
        case "token", "tokens": self = .tokens
        default: return nil
        }
    }
}
