/// A table header toml++ cannot be handed. toml++ (TOMLKit's parser) asserts, and aborts the process, on a
/// header whose name starts with neither a key character, a quote nor `]` (`[[[`, `[ {a=1} ]`), unless its
/// asserts are compiled out as the Makefile does. Any build of Ramp finds such a header first and refuses it,
/// in toml++'s own words, where toml++ would have stopped had its asserts been off.
enum TOMLHeaders {
    /// The byte offset and the byte of the first top-level header name toml++ would assert on, or nil.
    /// Strings, comments and values that span lines (arrays, whose lines may start with `[`) are stepped over,
    /// so only a line toml++ reads as a table header is looked at.
    static func unreadable(_ bytes: [UInt8]) -> (offset: Int, byte: UInt8)? {
        var i = 0
        var depth = 0
        var lineStart = true
        while i < bytes.count {
            if lineStart {
                while i < bytes.count, bytes[i] == space || bytes[i] == tab { i += 1 }
                lineStart = false
                if depth == 0, i < bytes.count, bytes[i] == open, let bad = headerName(bytes, after: i) {
                    return bad
                }
                continue
            }
            switch bytes[i] {
            case newline: lineStart = true
            case hash: while i + 1 < bytes.count, bytes[i + 1] != newline { i += 1 }
            case quote, apostrophe: i = stringEnd(bytes, i) - 1
            case open, brace: depth += 1
            case close, braceClose: depth = max(0, depth - 1)
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Where the name of the header opened at `at` starts, as toml++ reads it, if toml++ would assert there.
    private static func headerName(_ bytes: [UInt8], after at: Int) -> (offset: Int, byte: UInt8)? {
        var i = at + 1
        func blanks() -> Bool {
            let from = i
            while i < bytes.count, bytes[i] == space || bytes[i] == tab { i += 1 }
            return i > from
        }
        let spaced = blanks()
        if i < bytes.count, bytes[i] == open {
            // `[ [` is refused by toml++ itself; `[[` opens an array of tables.
            if spaced { return nil }
            i += 1
            _ = blanks()
        }
        guard i < bytes.count else { return nil }
        let b = bytes[i]
        let keyStart =
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
            || b == quote || b == apostrophe || b == close
        return keyStart ? nil : (i, b)
    }

    /// The offset just past the string that opens at `at`: basic or literal, on one line or in triple quotes.
    private static func stringEnd(_ bytes: [UInt8], _ at: Int) -> Int {
        let q = bytes[at]
        let triple = at + 2 < bytes.count && bytes[at + 1] == q && bytes[at + 2] == q
        var i = at + (triple ? 3 : 1)
        while i < bytes.count {
            let b = bytes[i]
            if b == backslash, q == quote {
                i += 2
                continue
            }
            if !triple, b == newline { return i }
            if b == q, !triple || (i + 2 < bytes.count && bytes[i + 1] == q && bytes[i + 2] == q) {
                return i + (triple ? 3 : 1)
            }
            i += 1
        }
        return i
    }

    private static let (space, tab, newline, hash): (UInt8, UInt8, UInt8, UInt8) = (0x20, 0x09, 0x0A, 0x23)
    private static let (quote, apostrophe, backslash): (UInt8, UInt8, UInt8) = (0x22, 0x27, 0x5C)
    private static let (open, close, brace, braceClose): (UInt8, UInt8, UInt8, UInt8) = (0x5B, 0x5D, 0x7B, 0x7D)
}
