import Foundation

/// The Python runtime the emitted modules are made of: the files in `Python/`
/// (`files`, in order), real Python shipped as resources (linted and
/// unit-tested as they are), cut into the sections their
/// `# ramp-section: NAME requires: A, B` lines start. A module carries only
/// the sections its program uses.
struct PythonRuntime: Sendable {
    struct Section: Sendable {
        var name: String
        /// Sections whose definitions this one uses.
        var requires: [String]
        var code: String
    }

    /// The sections, in the order a module lists them.
    let sections: [Section]

    /// The Python class of each primitive.
    static let primitiveClasses: [String: String] = [
        "cyclic": "Cyclic", "onecycle": "OneCycle", "piecewise": "Piecewise", "interpolate": "Interpolate",
        "wsd": "WarmupStableDecay",
    ]

    /// The standard modules a section may use, imported by the module when used.
    static let standardModules = ["bisect", "copy", "json", "math", "struct"]

    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String {
            "\(name).py, which compiled modules are made of, is missing from this installation of Ramp"
        }
    }

    /// A Python file shipped with Ramp (checks.py, the array runtimes),
    /// without its docstring, which stays in the file. Its import of the
    /// messages table becomes the table itself (`RuntimeMessages`), and its
    /// imports of the Python core's parts (marked `# ramp: carried`) go: the
    /// module carries those parts before it.
    static func file(_ name: String) throws(Missing) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "py"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw Missing(name: name) }
        return text.components(separatedBy: "\n\"\"\"\n").dropFirst().joined(separator: "\n\"\"\"\n")
            .replacingOccurrences(of: "\nfrom messages import _MESSAGES\n", with: "\n\(RuntimeMessages.pythonTable)\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasSuffix("# ramp: carried") }.joined(separator: "\n")
            .trimmingCharacters(in: .newlines)
    }

    /// The runtime's files, in the order a module lists their sections:
    /// the tree's parts, the stateful shapes, sequences and conditions, the
    /// schedule (state codec, event log, replay), its state checks, the trainer adapters.
    static let files = ["nodes", "shapes", "sequence", "runtime", "state", "adapters"]

    static func load() throws(Missing) -> PythonRuntime {
        var sections: [Section] = []
        for name in files {
            guard let url = Bundle.module.url(forResource: name, withExtension: "py"),
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { throw Missing(name: name) }
            // Each file's own docstring and imports come before its first section.
            sections += PythonRuntime(text: text).sections
        }
        return PythonRuntime(sections: sections)
    }

    /// The runtime as plain Python modules carry it: the core's decisions
    /// over its backend, `B.where(c, a, b)`, `B.select(i, branches, x)` and
    /// `B.at(xs, i)`, written out as the conditional, the call and the index they are in plain Python
    /// (nodes.py's `_Plain`), so a step pays no call for them, and each call of a one-line helper
    /// over `_Plain` written out as its expression (`PythonHelper`). The JAX modules
    /// carry the same text as written, over jax_runtime.py's `_Arrays`.
    func plain() -> PythonRuntime {
        let helpers = PythonHelper.all(in: sections.map { Self.plain($0.code) })
        return PythonRuntime(
            sections: sections.map {
                Section(name: $0.name, requires: $0.requires, code: Self.plain($0.code, helpers: helpers))
            })
    }

    static func plain(_ code: String, helpers: [PythonHelper] = []) -> String {
        let bytes = Array(code.utf8)
        var calls = backend
        for helper in helpers {
            calls.append(
                Call(name: Array("\(helper.name)(".utf8), arity: helper.parameters.count) {
                    $0.last == "_Plain" ? helper.expanded($0) : nil
                })
        }
        return String(decoding: inline(bytes, 0, bytes.count, calls), as: UTF8.self)
    }

    /// A call written out: its name with the opening parenthesis, its arguments' count, and what it
    /// is in plain Python given the arguments' text (nil leaves the call as it is).
    struct Call: Sendable {
        var name: [UInt8]
        var arity: Int
        var text: @Sendable ([String]) -> String?
    }

    /// The backend's calls, and what each is in plain Python.
    static let backend: [Call] = [
        Call(name: Array("B.where(".utf8), arity: 3) { "(\($0[1]) if \($0[0]) else \($0[2]))" },
        Call(name: Array("B.select(".utf8), arity: 3) { "(\($0[1]))[\($0[0])](\($0[2]))" },
        Call(name: Array("B.at(".utf8), arity: 2) { "(\($0[0]))[\($0[1])]" },
    ]

    /// `bytes[from..<to]` with every call of `calls` in it written out.
    private static func inline(_ bytes: [UInt8], _ from: Int, _ to: Int, _ calls: [Call]) -> [UInt8] {
        var out: [UInt8] = []
        var i = from
        scan: while i < to {
            let boundary = i == from || !(isIdentifier(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: "."))
            if boundary {
                for call in calls where i + call.name.count <= to && Array(bytes[i..<i + call.name.count]) == call.name
                {
                    guard let (args, end) = arguments(bytes, i + call.name.count, to), args.count == call.arity
                    else { continue }
                    let a = args.map {
                        String(decoding: inline(bytes, $0.lowerBound, $0.upperBound, calls), as: UTF8.self)
                    }
                    guard let text = call.text(a) else { continue }
                    out += inline(Array(text.utf8), 0, text.utf8.count, calls)
                    i = end
                    continue scan
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// The top-level arguments of a call whose parenthesis opened before
    /// `start`, trimmed, and the index after its closing parenthesis.
    static func arguments(_ bytes: [UInt8], _ start: Int, _ to: Int) -> ([Range<Int>], Int)? {
        var depth = 0
        var args: [Range<Int>] = []
        var begin = start
        var i = start
        var quote: UInt8?
        func trimmed(_ r: Range<Int>) -> Range<Int> {
            var lo = r.lowerBound
            var hi = r.upperBound
            while lo < hi, [32, 10, 9].contains(bytes[lo]) { lo += 1 }
            while hi > lo, [32, 10, 9].contains(bytes[hi - 1]) { hi -= 1 }
            return lo..<hi
        }
        while i < to {
            let c = bytes[i]
            if let q = quote {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == q { quote = nil }
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                quote = c
            } else if [UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{")].contains(c) {
                depth += 1
            } else if [UInt8(ascii: "]"), UInt8(ascii: "}")].contains(c) {
                depth -= 1
            } else if c == UInt8(ascii: ")") {
                if depth == 0 {
                    args.append(trimmed(begin..<i))
                    return (args, i + 1)
                }
                depth -= 1
            } else if c == UInt8(ascii: ","), depth == 0 {
                args.append(trimmed(begin..<i))
                begin = i + 1
            }
            i += 1
        }
        return nil
    }

    static func isIdentifier(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }

    init(sections: [Section]) {
        self.sections = sections
    }

    init(text: String) {
        var sections: [Section] = []
        for chunk in text.components(separatedBy: "\n# ramp-section: ").dropFirst() {
            let header = chunk.prefix { $0 != "\n" }
            let parts = header.components(separatedBy: " requires: ")
            let requires = parts.count > 1 ? parts[1].components(separatedBy: ", ") : []
            let code = String(chunk.dropFirst(header.count + 1)).trimmingCharacters(in: .newlines)
            sections.append(Section(name: parts[0], requires: requires, code: code))
        }
        self.sections = sections
    }
}
