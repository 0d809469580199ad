/// What the runtime (Schedules/) is given from the checker's side, so that it
/// reads no registry of names itself: the builder of phases fixed at entry,
/// the ranges of outputs, and the rules for names and source text.
extension PrimitiveBuilder {
    /// Builds through the builtins registry, as the checker built the phase's template.
    public static let builtins = PrimitiveBuilder { name, parameters, settings in
        guard let spec = Builtins.lookup(name) else { return nil }
        var args: NameMap<Value> = [:]
        for (name, value) in parameters {
            switch value {
            case .number(let x): args[name] = .number(x)
            case .integer(let n): args[name] = .duration(n)
            case .flag(let b): args[name] = .bool(b)
            case .choice(let c): args[name] = .string(c)
            case .integers(let xs): args[name] = .list(xs.map { .duration($0) })
            case .numbers(let xs): args[name] = .list(xs.map { .number($0) })
            }
        }
        var bound = BoundArguments(values: args, ranges: [:], callRange: SourceRange(0, 0), base: settings.base)
        bound.settings = settings
        guard case .schedule(let node)? = try? spec.build(bound) else { return nil }
        return node
    }
}

extension EntryInput {
    /// How Ramp source writes it, for the output `own` the phase belongs to.
    public func source(own: String?) -> String {
        switch self {
        case .elapsed: return "elapsed"
        case .current(let name): return name == own ? "current" : "current(\(JSONValue.quote(name)))"
        }
    }
}

extension CompiledProgram {
    /// The range an output's values are held to: its own (Builtins.range(of:)),
    /// or only finiteness for an output a library's constructor writes (whose
    /// values outside it are warned of, not refused).
    public func range(of name: String) -> OutputRange {
        if libraryOutputs.contains(name) { return .finite }
        return name == "lr" ? .nonNegative : name == "momentum" ? .unit : Builtins.range(of: name)
    }
}

extension EventLog.SignalEvent {
    /// `cooldown@1200`, as `--signal` takes it: raised during step 1200.
    public init(parsing text: String) throws(ReplayError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, Builtins.isSignalName(String(parts[0])), let step = Int(parts[1]), step >= 0 else {
            throw ReplayError("'\(text)' is not a signal at a step: write NAME@STEP, such as cooldown@1200")
        }
        self.init(step: step, name: String(parts[0]))
    }
}
