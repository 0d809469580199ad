/// How a client counts the characters of a line: UTF-16 code units (LSP's
/// default), UTF-8 bytes or Unicode scalars, as agreed at `initialize`.
public enum PositionEncoding: String, Sendable {
    case utf16 = "utf-16"
    case utf8 = "utf-8"
    case utf32 = "utf-32"
}

/// Byte offsets, which the whole of Ramp uses, turned into LSP positions
/// (0-based line and character) and back, only at the protocol's edge.
struct LineIndex: Sendable {
    let bytes: [UInt8]
    let lineStarts: [Int]
    let encoding: PositionEncoding
    /// The client's units before each multiple of `markStride` bytes: a
    /// position then costs at most that many bytes of counting, however long
    /// its line (a diagnostic or a hint on each of 10,000 phases on one line).
    let unitMarks: [Int]
    static let markStride = 1024

    init(_ file: SourceFile, encoding: PositionEncoding) {
        bytes = file.bytes
        lineStarts = file.lineStarts
        self.encoding = encoding
        var marks = [0]
        var units = 0
        for (i, b) in file.bytes.enumerated() {
            units += LineIndex.units(b, encoding)
            if (i + 1) % Self.markStride == 0 { marks.append(units) }
        }
        unitMarks = marks
    }

    /// The client's units in `bytes[0..<offset]`, from the nearest mark.
    private func units(before offset: Int) -> Int {
        let mark = offset / Self.markStride
        var n = unitMarks[mark]
        for i in (mark * Self.markStride)..<offset { n += units(bytes[i]) }
        return n
    }

    func line(of offset: Int) -> Int {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The width of one scalar starting with byte `b` in the client's units.
    private func units(_ b: UInt8) -> Int { LineIndex.units(b, encoding) }

    private static func units(_ b: UInt8, _ encoding: PositionEncoding) -> Int {
        switch encoding {
        case .utf8: return 1
        case .utf32: return b & 0xC0 == 0x80 ? 0 : 1
        case .utf16: return b & 0xC0 == 0x80 ? 0 : (b >= 0xF0 ? 2 : 1)
        }
    }

    func position(_ offset: Int) -> (line: Int, character: Int) {
        let offset = min(max(0, offset), bytes.count)
        let l = line(of: offset)
        return (l, units(before: offset) - units(before: lineStarts[l]))
    }

    /// The byte offset of a position; past the end of its line, the line's end.
    func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        var i = lineStarts[line]
        var c = 0
        let end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        while i < end, c < character {
            c += units(bytes[i])
            i += 1
            // Step over the rest of a multi-byte scalar.
            while i < end, bytes[i] & 0xC0 == 0x80 {
                if encoding == .utf8 { c += 1 }
                i += 1
            }
        }
        return i
    }

    func range(_ r: SourceRange) -> JSONValue {
        let a = position(r.start)
        let b = position(r.end)
        return .object([("start", LineIndex.position(a)), ("end", LineIndex.position(b))])
    }

    static func position(_ p: (line: Int, character: Int)) -> JSONValue {
        .object([("line", .number(Double(p.line))), ("character", .number(Double(p.character)))])
    }
}
