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
    /// messages table becomes the table itself (`RuntimeMessages`).
    static func file(_ name: String) throws(Missing) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "py"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { throw Missing(name: name) }
        return text.components(separatedBy: "\n\"\"\"\n").dropFirst().joined(separator: "\n\"\"\"\n")
            .replacingOccurrences(of: "\nfrom messages import _MESSAGES\n", with: "\n\(RuntimeMessages.pythonTable)\n")
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
