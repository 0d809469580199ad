import Foundation

/// JSON-RPC 2.0 over the LSP base protocol: each message is a header block
/// (`Content-Length: N`, optionally `Content-Type`), a blank line, and N
/// bytes of JSON.
public enum JSONRPC {
    /// The error codes of JSON-RPC and LSP.
    public enum ErrorCode: Int, Sendable {
        case parseError = -32700
        case invalidRequest = -32600
        case methodNotFound = -32601
        case invalidParams = -32602
        case internalError = -32603
        case serverNotInitialized = -32002
        case requestFailed = -32803
    }

    /// One message, framed.
    public static func frame(_ body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        return Array("Content-Length: \(bytes.count)\r\n\r\n".utf8) + bytes
    }

    /// What the reader found: a message's body, or a header it could not
    /// read (which is skipped, so the stream goes on).
    public enum Frame: Sendable, Equatable {
        case message(String)
        case malformed(String)
    }

    /// Splits a byte stream into frames as bytes arrive.
    public struct Reader: Sendable {
        var buffer: [UInt8] = []
        var start = 0
        /// A frame's body may not exceed this, so a hostile length cannot
        /// make the server wait for, or hold, gigabytes.
        public static let maxBody = 64 << 20

        public init() {}

        public mutating func append(_ bytes: [UInt8]) {
            // Drop what has been read, so a long session holds at most one frame.
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// The next complete frame, or nil until more bytes arrive.
        public mutating func next() -> Frame? {
            // The header ends at the first blank line.
            guard let end = headerEnd() else {
                if buffer.count - start > 8192 {
                    start = buffer.count
                    return .malformed("a header longer than 8 KiB without a blank line")
                }
                return nil
            }
            let header = String(decoding: buffer[start..<end.headerStop], as: UTF8.self)
            var length: Int?
            for line in header.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                if parts[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "content-length" {
                    length = Int(parts[1].trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            guard let n = length, n >= 0, n <= Reader.maxBody else {
                // The body's length is unknown: resume at the next header.
                start = nextHeader(after: end.bodyStart) ?? buffer.count
                return .malformed(
                    length == nil
                        ? "a header without a valid Content-Length" : "a Content-Length above \(Reader.maxBody) bytes")
            }
            guard buffer.count - end.bodyStart >= n else { return nil }
            let body = String(decoding: buffer[end.bodyStart..<end.bodyStart + n], as: UTF8.self)
            start = end.bodyStart + n
            return .message(body)
        }

        /// Where the next `Content-Length` header starts, at or after `offset`.
        private func nextHeader(after offset: Int) -> Int? {
            let key = Array("content-length".utf8)
            var i = offset
            while i + key.count <= buffer.count {
                if (0..<key.count).allSatisfy({ buffer[i + $0] | 0x20 == key[$0] | 0x20 }) { return i }
                i += 1
            }
            return nil
        }

        /// Where the header stops and the body starts (after `\r\n\r\n`, or a bare `\n\n`).
        private func headerEnd() -> (headerStop: Int, bodyStart: Int)? {
            var i = start
            while i < buffer.count {
                if buffer[i] == UInt8(ascii: "\n") {
                    if i + 1 < buffer.count, buffer[i + 1] == UInt8(ascii: "\n") { return (i, i + 2) }
                    if i + 2 < buffer.count, buffer[i + 1] == UInt8(ascii: "\r"), buffer[i + 2] == UInt8(ascii: "\n") {
                        return (i, i + 3)
                    }
                }
                i += 1
            }
            return nil
        }
    }

    static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        .object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)])
    }

    static func error(id: JSONValue, _ code: ErrorCode, _ message: String) -> JSONValue {
        .object([
            ("jsonrpc", .string("2.0")), ("id", id),
            ("error", .object([("code", .number(Double(code.rawValue))), ("message", .string(message))])),
        ])
    }

    static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        .object([("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params)])
    }
}
