import Foundation

/// The one rule for numbers JSON cannot write: infinities and NaN are the
/// strings "inf", "-inf" and "nan" in everything Ramp writes (the IR, saved
/// state, serve's answers, tables as JSON), and are read back from those
/// strings, or from the bare NaN, Infinity and -Infinity that Python's json
/// module writes.
public enum NonFinite {
    public static let infinity = "inf", negativeInfinity = "-inf", nan = "nan"

    /// The spelling of a non-finite number, or nil for a finite one.
    public static func spelling(_ x: Double) -> String? {
        if x.isNaN { return nan }
        if x.isInfinite { return x > 0 ? infinity : negativeInfinity }
        return nil
    }

    /// The number a spelling stands for.
    public static func value(_ s: String) -> Double? {
        switch s {
        case infinity: return .infinity
        case negativeInfinity: return -.infinity
        case nan: return .nan
        default: return nil
        }
    }

    /// A number as JSON: Swift's shortest round-trip form, or the spelling as a string.
    public static func json(_ x: Double) -> String { spelling(x).map { "\"\($0)\"" } ?? "\(x)" }
}

/// A small JSON value, rendered with numbers in their shortest exact form.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.render() == b.render() }

    public func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x): return NonFinite.spelling(x).map { "\"\($0)\"" } ?? fmt(x)
        case .string(let s): return JSONValue.quote(s)
        case .array(let xs):
            if xs.isEmpty { return "[]" }
            if xs.allSatisfy({
                if case .number = $0 { return true }
                return false
            }) {
                return "[" + xs.map { $0.render() }.joined(separator: ", ") + "]"
            }
            return "[\n" + xs.map { pad + "  " + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad
                + "]"
        case .object(let kvs):
            if kvs.isEmpty { return "{}" }
            return "{\n"
                + kvs.map { pad + "  " + JSONValue.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }.joined(
                    separator: ",\n") + "\n" + pad + "}"
        }
    }

    /// On one line, without spaces: for protocols that frame messages (the language server).
    public func renderCompact() -> String {
        var out = ""
        writeCompact(into: &out)
        return out
    }

    private func writeCompact(into out: inout String) {
        switch self {
        case .array(let xs):
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                x.writeCompact(into: &out)
            }
            out += "]"
        case .object(let kvs):
            out += "{"
            for (i, kv) in kvs.enumerated() {
                if i > 0 { out += "," }
                out += JSONValue.quote(kv.0) + ":"
                kv.1.writeCompact(into: &out)
            }
            out += "}"
        case .string(let text):
            // Most strings need no escape: copied whole, not scalar by scalar.
            if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                out += "\""
                out += text
                out += "\""
            } else {
                out += JSONValue.quote(text)
            }
        case .number(let x) where x == x.rounded() && x.magnitude < 1e15:
            out += String(Int64(x))
        default:
            out += render()
        }
    }

    static func quote(_ s: String) -> String {
        // Built as bytes: appending scalars to a String one at a time is slow.
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(s.utf8.count + 2)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONValue {
    /// The value of `key` in an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let kvs) = self else { return nil }
        return kvs.first { $0.0 == key }?.1
    }

    /// Parses JSON text. Numbers are read with Swift's correctly rounded
    /// parser, so a number written in its shortest form comes back to the
    /// same bits; "inf", "-inf" and "nan" strings stand for those numbers
    /// where a number is expected (`number`), as Ramp writes them.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(bytes: Array(text.utf8))
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return v
    }

    /// A number, or one of the spelled-out non-finite numbers.
    public var number: Double? {
        switch self {
        case .number(let x): return x
        case .string(let s): return NonFinite.value(s)
        default: return nil
        }
    }
}

public struct JSONParseError: Error, Sendable {
    public var message: String
    public var offset: Int
}

/// A small recursive-descent JSON reader (RFC 8259), nesting limited so that
/// hostile input cannot overflow the stack.
struct JSONParser {
    let bytes: [UInt8]
    var pos = 0
    static let maxDepth = 512

    func fail(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: pos) }

    mutating func skipSpace() {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw fail("JSON nests too deeply") }
        skipSpace()
        guard pos < bytes.count else { throw fail("unexpected end of JSON") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var kvs: [(String, JSONValue)] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(kvs)
            }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                pos += 1
                kvs.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "}") {
                    pos += 1
                    return .object(kvs)
                }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSONValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of JSON") }
                if bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                if bytes[pos] == UInt8(ascii: "]") {
                    pos += 1
                    return .array(items)
                }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try word("true", .bool(true))
        case UInt8(ascii: "f"): return try word("false", .bool(false))
        case UInt8(ascii: "n"): return try word("null", .null)
        default: return try number()
        }
    }

    private mutating func word(_ w: String, _ v: JSONValue) throws(JSONParseError) -> JSONValue {
        let u = Array(w.utf8)
        guard pos + u.count <= bytes.count, Array(bytes[pos..<pos + u.count]) == u else {
            throw fail("unexpected character")
        }
        pos += u.count
        return v
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = pos
        while pos < bytes.count, "+-0123456789.eE".utf8.contains(bytes[pos]) { pos += 1 }
        guard pos > start, let x = Double(String(decoding: bytes[start..<pos], as: UTF8.self)) else {
            pos = start
            throw fail("unexpected character")
        }
        return .number(x)
    }

    private mutating func string() throws(JSONParseError) -> String {
        pos += 1  // the opening quote
        var out: [UInt8] = []
        while pos < bytes.count {
            let c = bytes[pos]
            pos += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard pos < bytes.count else { throw fail("unterminated string") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"),
                        bytes[pos + 1] == UInt8(ascii: "u")
                    {
                        pos += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                default: out.append(e)
                }
            default:
                out.append(c)
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[pos..<pos + 4], as: UTF8.self), radix: 16)
        else {
            throw fail("bad \\u escape")
        }
        pos += 4
        return v
    }
}
