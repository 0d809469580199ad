import Foundation

/// Buffered output to standard output or a file: tables can be millions of lines.
public struct Output: TextOutputStream {
    private var buffer: [UInt8] = []
    private let fd: Int32
    /// Set when a write failed (a full disk, a closed pipe).
    public private(set) var failed = false

    public init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    /// Output kept in memory (the REPL shows it), never written to a file.
    public static func inMemory() -> Output { Output(fd: -1) }

    /// What an in-memory output holds.
    public var text: String { String(decoding: buffer, as: UTF8.self) }

    public mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 16, fd >= 0 { flush() }
    }

    /// Raw bytes, as they are.
    public mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16, fd >= 0 { flush() }
    }

    /// Numbers print themselves through this (TextOutputStream's hook for
    /// ASCII text), straight into the buffer.
    public mutating func _writeASCII(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16, fd >= 0 { flush() }
    }

    public mutating func flush() {
        guard !buffer.isEmpty, fd >= 0 else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The one way Ramp writes a file (compiled output, charts, checkpoints,
/// saved sessions): into a temporary file beside it, synced, then renamed
/// over it, so a reader or a crash sees the old file or the new one, never
/// half of one.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): error: cannot write (\(reason))" }
    }

    /// Writes what `body` streams into `path`. A file is replaced whole, by renaming a finished temporary over it;
    /// a link is followed, so the file it names is replaced and the link stays; anything that is not a file
    /// (`/dev/null`, `/dev/stdout`, a FIFO) is written in place, never replaced by a file.
    public static func write(to path: String, _ body: (inout Output) throws -> Void) throws {
        var path = path
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, let resolved = realpath(path, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            return try writeInPlace(to: path, body)
        }
        reapStale(beside: path)
        let temporary = path + temporarySuffix + String(getpid())
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var out = Output(fd: fd)
        do { try body(&out) } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        out.flush()
        let synced = !out.failed && fsync(fd) == 0
        let closed = close(fd) == 0
        guard synced, closed, rename(temporary, path) == 0 else {
            let reason = out.failed ? "the write failed" : String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: path, reason: reason)
        }
    }

    /// Streams into what is not a regular file: there is nothing to replace atomically, and no fsync to ask for.
    static func writeInPlace(to path: String, _ body: (inout Output) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        var out = Output(fd: fd)
        defer { close(fd) }
        try body(&out)
        out.flush()
        if out.failed { throw Failure(path: path, reason: "the write failed") }
    }

    /// A temporary is named `PATH.tmp-PID`, after the process writing it.
    static let temporarySuffix = ".tmp-"

    /// Removes the temporaries of `path` that a killed writer left: those of
    /// this naming whose process is gone (a kill -9 mid-write cannot clean
    /// up after itself, so the next write does). A temporary whose process
    /// lives, or whose name is not of this form, is left alone.
    static func reapStale(beside path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + temporarySuffix
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                let pid = pid_t(digits), pid > 0, pid != getpid()
            else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink(folder + "/" + name) }
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(to: path) { $0.write(text) }
    }

    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { out in out.write(bytes: [UInt8](data)) }
    }
}
