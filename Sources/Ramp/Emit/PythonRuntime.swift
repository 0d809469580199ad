import Foundation

/// The Python runtime the emitted modules are made of: `Python/runtime.py`,
/// a real Python file shipped as a resource (linted and unit-tested as one),
/// cut into the sections its `# ramp-section: NAME requires: A, B` lines
/// start. A module carries only the sections its program uses.
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
        var description: String { "\(name).py, which compiled modules are made of, is missing from this installation of Ramp" }
    }

    /// A Python file shipped with Ramp (checks.py, the array runtimes),
    /// without its docstring, which stays in the file.
    static func file(_ name: String) throws(Missing) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "py"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { throw Missing(name: name) }
        return text.components(separatedBy: "\n\"\"\"\n").dropFirst().joined(separator: "\n\"\"\"\n")
            .trimmingCharacters(in: .newlines)
    }

    static func load() throws(Missing) -> PythonRuntime {
        guard let url = Bundle.module.url(forResource: "runtime", withExtension: "py"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { throw Missing(name: "runtime") }
        return PythonRuntime(text: text)
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
