import Foundation

/// The compatibility layer: the schedulers of torch, transformers, timm,
/// optax, keras, DeepSpeed, Composer, fvcore, MMEngine, Megatron-LM,
/// torchtitan, NeMo and PaddlePaddle, written in Ramp
/// over the native builtins, with each
/// library's own names, parameter names, defaults and positional order.
///
/// Parameters carry types and ranges, so a call the library would reject is
/// reported at the user's argument. The optimizer argument is dropped: the
/// optimizer's rate is `base`. Library schedules never end, so shapes with a
/// natural length are followed by the value the library holds afterwards.
public enum Prelude {
    /// One file per library, `Compat/Prelude/NAME.ramp`, shipped as a resource so
    /// it is read, highlighted and formatted as Ramp. This order is the order of
    /// `ramp list` and of checking.
    public static let libraries = [
        "torch", "transformers", "timm", "optax", "keras", "deepspeed", "composer", "fvcore", "mmengine", "megatron",
        "torchtitan", "nemo", "paddle", "fairseq",
    ]

    /// Each library's text, or nil when its file is missing from this installation.
    static let texts: [(library: String, text: String?)] = libraries.map { name in
        let url = Bundle.module.url(forResource: name, withExtension: "ramp")
        return (name, url.flatMap { try? String(contentsOf: $0, encoding: .utf8) })
    }

    /// Libraries whose file could not be read; a test and the fuzz target require none.
    public static let missing: [String] = texts.filter { $0.text == nil }.map(\.library)

    /// The libraries' files, one after another, checked as one file.
    static let source: String = texts.compactMap(\.text).joined(separator: "\n")

    public static let file = SourceFile(name: "<prelude>", text: source)

    /// Parsed once; a syntax error here is a bug caught by the test suite.
    public static let program: Program =
        (try? Parser.parse(file, names: Builtins.statementNames)) ?? Program(statements: [])

    /// The compatibility constructors, in prelude order.
    public static let definitions: [(name: String, params: [Parameter], doc: String)] =
        program.statements.compactMap { st in
            guard case .definition(let name, let params, _) = st.kind else { return nil }
            return (name, params, docs[name] ?? "")
        }

    /// The constructor called `name` (`torch.StepLR`), if the prelude defines one.
    public static func definition(_ name: String) -> (name: String, params: [Parameter], doc: String)? {
        definitions.first { $0.name == name }
    }

    /// The names a library's constructors go by without its prefix (`StepLR` for `torch`), in prelude
    /// order: what a refusal of an unknown one lists.
    static func names(in library: String) -> [String] {
        let prefix = library + "."
        return definitions.map(\.name).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// `name(param: type = default, ...)`, for `ramp list`.
    public static func signature(_ name: String, _ params: [Parameter]) -> String {
        let ps = params.map { p -> String in
            var s = p.name
            if let t = p.type { s += ": " + file.oneLine(t.range) }
            if let d = p.defaultValue { s += " = " + file.oneLine(d.range) }
            return s
        }
        return "\(name)(\(ps.joined(separator: ", ")))"
    }

    /// One line per constructor: what it is in the library.
    static let docs: [String: String] = {
        var out: [String: String] = [:]
        var pending: [String] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                pending.append(String(line.dropFirst(3)))
            } else if line.hasPrefix("def ") {
                let name = line.dropFirst(4).prefix { $0 != "(" }
                out[String(name)] = pending.joined(separator: " ")
                pending = []
            }
        }
        return out
    }()
}

extension SourceFile {
    /// The text of a range on one line: `ramp fmt` may break a parameter's
    /// default over lines (`[\n    1,\n]`), and a signature shows it as `[1]`.
    func oneLine(_ range: SourceRange) -> String {
        var out = ""
        for line in slice(range).split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("]") || line.hasPrefix(")") {
                if out.hasSuffix(",") { out.removeLast() }
            } else if !out.isEmpty, !out.hasSuffix("["), !out.hasSuffix("(") {
                out += " "
            }
            out += line
        }
        return out
    }
}
