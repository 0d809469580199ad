import Foundation

/// The one table of builtin names. The checker, `ramp list`, the docs and
/// the REPL's completion all read it, so a name, parameter or default is
/// written down exactly once.
public enum Builtins {
    public static let keywords: [String] = Keyword.allCases.map(\.rawValue)

    public static let settings: [SettingSpec] = [
        SettingSpec(name: "base", doc: "the base learning rate (default 1); `--base` overrides it"),
        SettingSpec(name: "steps_per_epoch", doc: "steps in one epoch, so durations can be written in epochs"),
        SettingSpec(
            name: "samples_per_step", doc: "samples in one step's batch, so durations can be written in samples"),
        SettingSpec(name: "tokens_per_step", doc: "tokens in one step's batch, so durations can be written in tokens"),
        SettingSpec(
            name: "sequence_length",
            doc: "tokens in one sample, so durations in tokens count through a scheduled batch_size"),
        SettingSpec(name: "total", doc: "the length of the run, so durations can be written as a percentage of it"),
        SettingSpec(
            name: "signals", doc: "the names `signal(...)` may use, as a list of strings; a name outside it is an error"
        ),
    ]

    /// A signal's name: an identifier, so it reads the same in a REPL command, a flag and a file name.
    public static func isSignalName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isIdentStart(first), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { $0 < 0x80 && isIdentPart($0) }
    }

    /// The names that start setting and output statements, for the parser.
    public static let statementNames = Parser.StatementNames(settings: Set(settings.map(\.name)))

    /// The outputs whose meaning Ramp knows: their ranges are checked, and
    /// adapters write them to the optimizer's fields. Any other name is an
    /// output too, carried as it is, its values checked to be finite.
    public static let outputs: [OutputSpec] = [
        OutputSpec(name: "lr", doc: "the learning rate (a bare schedule means this)", range: .nonNegative),
        OutputSpec(
            name: "momentum", doc: "momentum (or Adam's beta1); one-cycle and cyclic set it unless given",
            range: .unit),
        OutputSpec(name: "beta2", doc: "Adam's beta2, the decay of its average of squared gradients", range: .unit),
        OutputSpec(name: "weight_decay", doc: "weight decay (the optimizer's weight_decay)", range: .nonNegative),
        OutputSpec(
            name: "ema", doc: "the decay of an average of the weights (EMA), or a teacher's momentum (DINO)",
            range: .unit),
        OutputSpec(name: "batch_size", doc: "the batch size in samples, a whole number", range: .positiveInteger),
    ]

    public static func output(_ name: String) -> OutputSpec? { outputs.first { $0.name == name } }

    /// The output a name schedules: itself, or for a parameter group's (`lr[backbone]`) the one before the bracket.
    public static func baseOutput(of name: String) -> String { String(name.prefix { $0 != "[" }) }

    /// The group a parameter group's output names (`backbone` of `lr[backbone]`), or nil for a default output.
    public static func groupKey(of name: String) -> String? {
        guard let open = name.firstIndex(of: "["), name.hasSuffix("]") else { return nil }
        return String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    }

    /// The range an output's values are checked against: its own, or an unknown name's (finite).
    public static func range(of name: String) -> OutputRange { output(baseOutput(of: name))?.range ?? .finite }

    /// Names with a fixed meaning inside expressions.
    public static let specials: [(name: String, doc: String)] = [
        ("t", "the step within the current phase"),
        ("base", "the base learning rate"),
        ("pi", "3.14159..."),
        ("inf", "infinity"),
        ("metric", "the metric fed at the end of the step (conditions only)"),
        ("lr", "the learning rate of the step (conditions only)"),
        (
            "current",
            "the output's value at the last step before the phase, fixed when the phase starts; current(\"momentum\") "
                + "reads another output"
        ),
        (
            "elapsed",
            "the step at which the phase starts, counted from the start of the run, fixed when the phase starts"
        ),
        ("true", "boolean true (also True)"),
        ("false", "boolean false (also False)"),
        ("none", "no value (also None)"),
    ]

    public static let all: [BuiltinSpec] = schedules + conditions + functions + helpers

    private static let byName: [String: BuiltinSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static func lookup(_ name: String) -> BuiltinSpec? { byName[name] }

    /// Every name visible in a program by default, for suggestions and completion.
    public static var allNames: [String] {
        all.map(\.name) + specials.map(\.name) + settings.map(\.name) + keywords
    }
}
