import Foundation

/// Why a program file could not be read.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): error: \(message)" }
}

extension SourceFile {
    /// Reads a program file. Invalid UTF-8 is reported as a located
    /// diagnostic by `Compiler.parse` (from `invalidUTF8`), not here, so the caret can point at it.
    public static func load(path: String) throws(LoadError) -> SourceFile {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw LoadError(path: path, message: "no such file")
        }
        if isDir.boolValue { throw LoadError(path: path, message: "is a directory, not a program file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, message: "cannot be read (check its permissions)")
        }
        return SourceFile(name: path, bytes: [UInt8](data))
    }

    /// A source from raw bytes; invalid UTF-8 sequences become U+FFFD in the
    /// text, and `firstInvalidUTF8` remembers where the first one was.
    public init(name: String, bytes: [UInt8]) {
        self.init(name: name, text: String(decoding: bytes, as: UTF8.self))
        if let bad = SourceFile.firstInvalidUTF8(in: bytes) {
            invalidUTF8 = SourceRange(bad, bad + 1)
        }
    }

    /// The offset of the first byte that is not part of valid UTF-8.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let n: Int
            if b < 0x80 {
                n = 1
            } else if b & 0xE0 == 0xC0, b >= 0xC2 {
                n = 2
            } else if b & 0xF0 == 0xE0 {
                n = 3
            } else if b & 0xF8 == 0xF0, b <= 0xF4 {
                n = 4
            } else {
                return i
            }
            if i + n > bytes.count { return i }
            for k in 1..<n where bytes[i + k] & 0xC0 != 0x80 { return i }
            if n > 1, String(validating: bytes[i..<(i + n)], as: UTF8.self) == nil { return i }
            i += n
        }
        return nil
    }
}
