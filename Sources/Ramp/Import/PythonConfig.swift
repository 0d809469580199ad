import Foundation

/// An MMEngine Python config read as data, as MMEngine builds its dict: the
/// module's assignments in order (a name assigned twice keeps the last value),
/// names, arithmetic and references between assignments evaluated, `_base_`
/// files (and `with read_base():` imports) loaded relative to the file and
/// merged as `Config._merge_a_into_b` merges them. Nothing is executed: a
/// statement or expression outside that subset is refused at its place.
struct PythonConfig {
    /// Nesting of brackets and calls in one expression; configs need a handful.
    static let maxDepth = 100
    /// `_base_` files loaded for one config, all levels together.
    static let maxFiles = 64

    struct Failure: Error {
        /// The catalogue's words (R06PythonConfigs.swift).
        var message: DiagnosticMessage
        var at: Int
    }

    /// The module's names in the order they were first assigned, with their last values.
    var names: [(String, JSONValue)] = []
    /// Where each key path of this file's own values is written (`param_scheduler[1].end`).
    var places: [String: SourceRange] = [:]
    /// The `_base_` file each name inherited and not reassigned here came from.
    var origins: [String: String] = [:]
    /// Names whose value is outside what is evaluated: refused where they are used, not before
    /// (a base file's model or pipeline need not be readable for its schedule to be).
    var unreadable: [String: Failure] = [:]
    /// Names bound by `import`: they stand for themselves (`type=CosineAnnealingLR`).
    var imported: Set<String> = []
    /// Where `_base_` or `read_base()` is written, for what comes from those files.
    var baseAt: SourceRange?
    /// Old-style `_base_`: this file's assignments are merged over the bases', not put in their place.
    var mergesOver = false

    let file: SourceFile
    private var loaded: Int

    init(file: SourceFile, loaded: Int = 0) {
        self.file = file
        self.loaded = loaded
    }

    func value(_ name: String) -> JSONValue? { names.last { $0.0 == name }?.1 }

    /// A name's value, or its refusal when it could not be read.
    func read(_ name: String) throws(Failure) -> JSONValue? {
        if let f = unreadable[name] { throw f }
        return value(name)
    }

    mutating func set(_ name: String, _ v: JSONValue) {
        origins[name] = nil
        unreadable[name] = nil
        if let i = names.firstIndex(where: { $0.0 == name }) { names[i].1 = v } else { names.append((name, v)) }
    }

    // MARK: - statements

    mutating func run() throws(Failure) {
        var p = PythonExpression(bytes: file.bytes, pos: 0)
        while true {
            p.skipBlankLines()
            guard p.pos < p.bytes.count else { return }
            let start = p.pos
            if p.peekWord("import") || p.peekWord("from") {
                try importStatement(&p, base: false)
            } else if let c = p.peek(), c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                p.skipStatement()  // a docstring does nothing
            } else if p.peekWord("with") {
                try readBase(&p)
            } else {
                try assignment(&p, start: start)
            }
        }
    }

    /// `import a.b as c`, `from x import (a, b as c)`: the names bound stand for themselves.
    private mutating func importStatement(_ p: inout PythonExpression, base: Bool) throws(Failure) {
        let start = p.pos
        if p.peekWord("import") {
            p.pos += 6
            repeat {
                let dotted = try p.dottedName()
                var bound = String(dotted.split(separator: ".")[0])
                if p.takeWord("as") { bound = try p.name() }
                imported.insert(bound)
            } while p.take(",")
            try p.endOfStatement()
            return
        }
        p.pos += 4
        p.skipInline()
        var dots = 0
        while p.peek() == UInt8(ascii: ".") {
            dots += 1
            p.pos += 1
        }
        let module = p.peekWord("import") ? "" : try p.dottedName()
        guard p.takeWord("import") else { throw Failure(message: .pyExpectedImport, at: p.pos) }
        let paren = p.take("(")
        var wanted: [(String, String)] = []
        var all = false
        repeat {
            if paren { p.skipSpace() }
            if p.take("*") {
                all = true
                break
            }
            if paren, p.peek() == UInt8(ascii: ")") { break }
            let n = try p.name()
            wanted.append((n, p.takeWord("as") ? try p.name() : n))
        } while p.take(",")
        if paren {
            p.skipSpace()
            guard p.take(")") else { throw Failure(message: .pyExpectedCloseParen, at: p.pos) }
        }
        try p.endOfStatement()
        guard base else {
            for (_, bound) in wanted { imported.insert(bound) }
            if all {
                throw Failure(message: .pyImportStarOutsideReadBase, at: start)
            }
            return
        }
        guard dots > 0 else {
            throw Failure(message: .pyReadBaseImportsOtherConfig, at: start)
        }
        var dir = directory
        for _ in 1..<dots { dir = dir.deletingLastPathComponent() }
        let path = module.split(separator: ".").reduce(dir) { $0.appendingPathComponent(String($1)) }.path + ".py"
        let base = try load(path, at: start)
        for (name, v) in base.names where all ? !name.hasPrefix("_") : wanted.contains(where: { $0.0 == name }) {
            let bound = wanted.first { $0.0 == name }?.1 ?? name
            set(bound, v)
            origins[bound] = base.origins[name] ?? relative(path)
        }
        for (name, f) in base.unreadable where all ? !name.hasPrefix("_") : wanted.contains(where: { $0.0 == name }) {
            let bound = wanted.first { $0.0 == name }?.1 ?? name
            unreadable[bound] = translated(f, from: base, at: start)
        }
        imported.formUnion(base.imported)
        baseAt = baseAt ?? SourceRange(start, p.pos)
    }

    /// `with read_base():` and its indented imports (MMEngine's pure-Python configs).
    private mutating func readBase(_ p: inout PythonExpression) throws(Failure) {
        let start = p.pos
        p.pos += 4
        guard p.takeWord("read_base"), p.take("("), p.take(")"), p.take(":") else {
            throw Failure(message: .pyWithOtherThanReadBase, at: start)
        }
        try p.endOfStatement()
        while true {
            p.skipBlankLines()
            guard p.pos < p.bytes.count, p.column() > 0 else { return }
            p.skipInline()
            guard p.peekWord("from") || p.peekWord("import") else {
                throw Failure(message: .pyNotAnImportInReadBase, at: p.pos)
            }
            try importStatement(&p, base: true)
        }
    }

    /// `name = expr`, `name[...] = expr`, `name.update(...)`, `name[i].update(...)`.
    private mutating func assignment(_ p: inout PythonExpression, start: Int) throws(Failure) {
        guard let first = try? p.name() else {
            throw Failure(message: .pyNotAnAssignment, at: start)
        }
        if ["def", "class", "if", "for", "while", "try", "del", "global", "lambda", "assert", "raise"].contains(first) {
            throw Failure(message: .pyStatementNotRun(first), at: start)
        }
        var path: [JSONValue] = []
        var keyPath = first
        while true {
            p.skipInline()
            if p.take("[") {
                var sub = p
                sub.env = env
                let k = try sub.value(depth: 1)
                p.pos = sub.pos
                guard p.take("]") else { throw Failure(message: .pyExpectedCloseBracket, at: p.pos) }
                path.append(k)
                keyPath += k.number.map { "[\(Int($0))]" } ?? ".\(k.stringValue ?? "")"
            } else if p.peek() == UInt8(ascii: "."), !p.peekWord(".update") {
                p.pos += 1
                let n = try p.name()
                path.append(.string(n))
                keyPath += ".\(n)"
            } else {
                break
            }
        }
        if p.take(".update") {
            guard p.take("(") else { throw Failure(message: .pyExpectedOpenParen, at: p.pos) }
            var sub = p
            sub.env = env
            sub.pos -= 1
            sub.recordPrefix = keyPath
            let changes = try sub.call("dict", at: start, depth: 1)
            places.merge(sub.places) { $1 }
            p.pos = sub.pos
            try p.endOfStatement()
            guard case .object(let kvs) = changes else { throw Failure(message: .pyUpdateTakesADict, at: start) }
            try modify(first, path, at: start) { old throws(Failure) in
                guard case .object(var current) = old else {
                    throw Failure(message: .pyUpdateOfNotADict, at: start)
                }
                for (k, v) in kvs {
                    if let i = current.firstIndex(where: { $0.0 == k }) {
                        current[i].1 = v
                    } else {
                        current.append((k, v))
                    }
                }
                return .object(current)
            }
            return
        }
        guard p.take("="), p.peek() != UInt8(ascii: "=") else {
            throw Failure(message: .pyNotAnAssignment, at: start)
        }
        var sub = p
        sub.env = env
        sub.recordPrefix = keyPath
        places[keyPath] = SourceRange(start, start + first.utf8.count)
        let v: JSONValue
        do { v = try sub.value(depth: 0) } catch {
            let failure = Failure(message: .pyAtKey(keyPath, error.message), at: error.at)
            guard path.isEmpty else { throw failure }
            // Skipped from the value's start, so that brackets opened before the failure are closed.
            p.skipStatement()
            if let i = names.firstIndex(where: { $0.0 == first }) { names.remove(at: i) }
            unreadable[first] = failure
            return
        }
        places.merge(sub.places) { $1 }
        p.pos = sub.pos
        try p.endOfStatement()
        if path.isEmpty, first == "_base_" {
            try inherit(v, at: SourceRange(start, start + 6))
            return
        }
        if path.isEmpty, mergesOver {
            try mergeName(first, v, at: start)
            return
        }
        try modify(first, path, at: start) { _ in v }
    }

    /// The names every expression sees: this module's and its bases'.
    private var env: PythonExpression.Environment {
        PythonExpression.Environment(
            names: Dictionary(names, uniquingKeysWith: { $1 }), imported: imported,
            base: baseDict, unreadable: unreadable)
    }

    private var baseDict: JSONValue? { baseAt == nil ? nil : .object(names) }

    /// Replaces the value at `name[path...]` by `change(old)`.
    private mutating func modify(
        _ name: String, _ path: [JSONValue], at: Int,
        _ change: (JSONValue) throws(Failure) -> JSONValue
    ) throws(Failure) {
        func go(_ v: JSONValue, _ rest: ArraySlice<JSONValue>) throws(Failure) -> JSONValue {
            guard let k = rest.first else { return try change(v) }
            switch (v, k) {
            case (.object(var kvs), .string(let key)):
                guard let i = kvs.firstIndex(where: { $0.0 == key }) else {
                    guard rest.count == 1 else { throw Failure(message: .pyNoKey(key), at: at) }
                    kvs.append((key, try change(.null)))
                    return .object(kvs)
                }
                kvs[i].1 = try go(kvs[i].1, rest.dropFirst())
                return .object(kvs)
            case (.array(var xs), .number(let x)):
                var i = Int(x)
                if i < 0 { i += xs.count }
                guard i >= 0, i < xs.count else { throw Failure(message: .pyIndexOutOfRange(Int(x)), at: at) }
                xs[i] = try go(xs[i], rest.dropFirst())
                return .array(xs)
            default: throw Failure(message: .pyCannotIndexThisValue, at: at)
            }
        }
        if path.isEmpty {
            set(name, try change(value(name) ?? .null))
            return
        }
        guard let old = value(name) else { throw Failure(message: .pyNotDefined(name), at: at) }
        let origin = origins[name]
        set(name, try go(old, path[...]))
        origins[name] = origin
    }

    // MARK: - _base_

    /// `_base_ = 'x.py'` or a list: each loaded, merged together (a name in two bases is refused, as
    /// MMEngine refuses it), and this file's names merged over them.
    private mutating func inherit(_ v: JSONValue, at range: SourceRange) throws(Failure) {
        let paths: [String]
        switch v {
        case .string(let s): paths = [s]
        case .array(let xs):
            paths = xs.compactMap(\.stringValue)
            guard paths.count == xs.count else { throw Failure(message: .pyBaseListsFilePaths, at: range.start) }
        default: throw Failure(message: .pyBaseNotPaths, at: range.start)
        }
        let dir = directory
        var merged: [(String, JSONValue)] = []
        var from: [String: String] = [:]
        var inherited: [String: Failure] = [:]
        for rel in paths {
            let path = rel.hasPrefix("/") ? rel : dir.appendingPathComponent(rel).standardized.path
            let base = try load(path, at: range.start)
            for (name, value) in base.names where name != "_base_" {
                if let other = from[name] {
                    throw Failure(message: .pyKeyInTwoBases(name, other, rel), at: range.start)
                }
                merged.append((name, value))
                from[name] = base.origins[name] ?? rel
            }
            for (name, f) in base.unreadable { inherited[name] = translated(f, from: base, at: range.start) }
            imported.formUnion(base.imported)
        }
        // What this file assigned before `_base_` (rare) is merged over the bases like the rest.
        let own = names
        names = merged
        origins = from
        unreadable = inherited
        baseAt = range
        mergesOver = true
        for (name, value) in own { try mergeName(name, value, at: range.start) }
    }

    /// This file's `name = value` over an inherited one: dicts key by key, anything else replaced.
    mutating func mergeName(_ name: String, _ v: JSONValue, at: Int) throws(Failure) {
        guard baseAt != nil, let old = value(name) else {
            set(name, PythonConfig.stripDelete(v))
            return
        }
        set(name, try PythonConfig.merge(v, into: old, key: name, at: at))
    }

    /// `Config._merge_a_into_b`: a dict merged into a dict key by key, unless it says `_delete_=True`.
    static func merge(_ a: JSONValue, into b: JSONValue, key: String, at: Int) throws(Failure) -> JSONValue {
        guard case .object(let kvs) = a else { return a }
        if kvs.contains(where: { $0.0 == "_delete_" && $0.1 == .bool(true) }) { return stripDelete(a) }
        guard case .object(var out) = b else {
            if case .object = b { return a }
            throw Failure(message: .pyDictOverNonDict(key), at: at)
        }
        for (k, v) in kvs where k != "_delete_" {
            if let i = out.firstIndex(where: { $0.0 == k }) {
                if case .object = v {
                    out[i].1 = try merge(v, into: out[i].1, key: "\(key).\(k)", at: at)
                } else {
                    out[i].1 = v
                }
            } else {
                out.append((k, stripDelete(v)))
            }
        }
        return .object(out)
    }

    static func stripDelete(_ v: JSONValue) -> JSONValue {
        guard case .object(let kvs) = v else { return v }
        return .object(kvs.filter { $0.0 != "_delete_" }.map { ($0.0, stripDelete($0.1)) })
    }

    /// A base file read as this one is, its own bases first.
    private mutating func load(_ path: String, at: Int) throws(Failure) -> PythonConfig {
        guard loaded < PythonConfig.maxFiles else {
            throw Failure(message: .pyTooManyBaseFiles(PythonConfig.maxFiles), at: at)
        }
        loaded += 1
        guard let data = FileManager.default.contents(atPath: path), data.count <= Importer.maxSize else {
            throw Failure(message: .pyUnreadableBase(relative(path)), at: at)
        }
        var base = PythonConfig(file: SourceFile(name: path, bytes: [UInt8](data)), loaded: loaded)
        do { try base.run() } catch {
            let loc = base.file.location(of: error.at)
            throw Failure(message: .pyInBase(relative(path), loc.line, loc.column, error.message), at: at)
        }
        loaded = base.loaded
        return base
    }

    /// A refusal in a base file, told where this file names that base.
    private func translated(_ f: Failure, from base: PythonConfig, at: Int) -> Failure {
        if f.message.text.hasPrefix("in ") && f.message.text.contains(".py:") {
            return Failure(message: f.message, at: at)
        }
        let loc = base.file.location(of: f.at)
        return Failure(message: .pyInBase(relative(base.file.name), loc.line, loc.column, f.message), at: at)
    }

    /// The folder of this file, absolute: base paths are relative to it.
    private var directory: URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let name = file.name.hasSuffix(" (as Ramp)") ? String(file.name.dropLast(10)) : file.name
        return URL(fileURLWithPath: name, relativeTo: cwd).absoluteURL.deletingLastPathComponent()
    }

    private func relative(_ path: String) -> String {
        let dir = directory.standardized.path + "/"
        let full = URL(fileURLWithPath: path).standardized.path
        return full.hasPrefix(dir) ? String(full.dropFirst(dir.count)) : full
    }
}
