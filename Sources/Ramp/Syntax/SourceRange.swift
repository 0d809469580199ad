/// A half-open range of UTF-8 byte offsets into a source file.
///
/// Nodes carry byte offsets only; line and column are computed when a
/// diagnostic is reported, so parsing never pays for them.
public struct SourceRange: Sendable, Hashable, Codable {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// A line and column, both 1-based. Columns count Unicode scalars.
public struct SourceLocation: Sendable, Hashable {
    public var line: Int
    public var column: Int
}

/// The text of one program together with the offsets of its line starts.
public struct SourceFile: Sendable {
    public let name: String
    public let text: String
    public let bytes: [UInt8]
    /// Where each line starts, as byte offsets.
    let lineStarts: [Int]
    /// Continuation bytes (10xxxxxx) before each multiple of `markStride`:
    /// a column then costs at most that many bytes of counting, however long
    /// its line (a program of 10,000 phases on one line places each phase).
    let continuationMarks: [Int]
    static let markStride = 1024
    /// Where the first invalid UTF-8 byte was, when the file had one.
    public internal(set) var invalidUTF8: SourceRange?

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        var starts = [0]
        var marks = [0]
        var continuations = 0
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "\n") { starts.append(i + 1) }
            if b & 0xC0 == 0x80 { continuations += 1 }
            if (i + 1) % Self.markStride == 0 { marks.append(continuations) }
        }
        self.lineStarts = starts
        self.continuationMarks = marks
    }

    /// The 1-based line and column of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let offset = min(max(0, offset), bytes.count)
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let column = scalarCount(from: lineStarts[lo], to: offset) + 1
        return SourceLocation(line: lo + 1, column: column)
    }

    /// The byte offset of a 1-based line and a 1-based column counted in scalars, as libyaml and toml++ count;
    /// past the last line, the end of the text.
    func offset(line: Int, column: Int) -> Int {
        guard line >= 1, line <= lineStarts.count else { return bytes.count }
        var i = lineStarts[line - 1]
        var seen = 0
        while i < bytes.count, bytes[i] != UInt8(ascii: "\n"), seen < column - 1 {
            i += 1
            while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
            seen += 1
        }
        return i
    }

    /// The text of a 1-based line, without its line terminator.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The source text covered by a range.
    public func slice(_ range: SourceRange) -> String {
        let s = min(max(0, range.start), bytes.count)
        let e = min(max(s, range.end), bytes.count)
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }

    /// The scalars in `start..<end`: the bytes that do not continue one.
    private func scalarCount(from start: Int, to end: Int) -> Int {
        (end - start) - (continuations(before: end) - continuations(before: start))
    }

    /// The continuation bytes before `offset`, from the nearest mark.
    private func continuations(before offset: Int) -> Int {
        let mark = offset / Self.markStride
        var n = continuationMarks[mark]
        for i in (mark * Self.markStride)..<offset where bytes[i] & 0xC0 == 0x80 { n += 1 }
        return n
    }
}
