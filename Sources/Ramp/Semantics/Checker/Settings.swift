/// Settings and durations: read first, so units anywhere can use them.
extension Checker {
    // MARK: - settings

    /// Settings are read first, in dependency order, so that durations
    /// anywhere in the program can use them.
    mutating func resolveSettings(_ program: Program) {
        var seen: [String: Statement] = [:]
        for st in program.statements {
            guard case .setting(let name, _) = st.kind else { continue }
            if let prev = seen[name] {
                diagnostics.append(.error(.settingTwice, "'\(name)' is already set", at: st.nameRange,
                                          notes: [.note("first set here", at: prev.nameRange)]))
                continue
            }
            seen[name] = st
        }
        func expr(_ n: String) -> Expr? {
            if case .setting(_, let e)? = seen[n]?.kind { return e }
            return nil
        }
        for (name, keyPath) in [("steps_per_epoch", \Settings.stepsPerEpoch), ("samples_per_step", \Settings.samplesPerStep),
                                ("tokens_per_step", \Settings.tokensPerStep)] {
            do throws(CheckError) {
                if let e = expr(name) {
                    let v = try evaluate(e, [:])
                    guard case .number(let x, _) = v, x >= 1, x == x.rounded(), x < 1e15 else {
                        throw CheckError.error(.badSetting, "\(name) must be a whole number of at least 1, got \(describe(v))", at: e.range)
                    }
                    settings[keyPath: keyPath] = Int(x)
                }
            } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        }
        do throws(CheckError) {
            if let e = expr("total") {
                if case .duration(_, .percent) = e.kind {
                    throw CheckError.error(.badSetting, "total cannot be a percentage of itself", at: e.range)
                }
                let value = try evaluate(e, [:])
                let v = try duration(value, e.range)
                guard v >= 1 else { throw CheckError.error(.badSetting, "total must be at least 1 step", at: e.range) }
                settings.total = v
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        do throws(CheckError) {
            if let e = expr("base") {
                let v = try evaluate(e, [:])
                guard case .number(let x, _) = v, x.isFinite, x > 0 else {
                    throw CheckError.error(.badSetting, "base must be a number above 0, got \(describe(v))", at: e.range)
                }
                settings.base = x
                settings.baseIsDefault = false
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        if let b = options.base {
            settings.base = b
            settings.baseIsDefault = false
        }
    }

    private func describe(_ v: Value) -> String {
        if case .number(let x, _) = v { return fmt(x) }
        return v.typeName
    }

    /// Turns `5 epochs`, `10%` or `375e6 tokens` into whole steps, or says
    /// which setting is missing. Samples and tokens take the steps needed to
    /// train on at least that many: 375e6 tokens at 3.2e6 a step is 118 steps.
    func resolve(_ x: Double, _ unit: DurationUnit, _ range: SourceRange) throws(CheckError) -> Int {
        let steps: Double
        switch unit {
        case .steps: steps = x
        case .epochs:
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.settingMissing, "a duration in epochs needs 'steps_per_epoch'; add a line such as `steps_per_epoch 390`", at: range)
            }
            steps = x * Double(spe)
        case .percent:
            guard let total = settings.total else {
                throw .error(.settingMissing, "a duration in % needs 'total'; add a line such as `total 90 epochs`", at: range)
            }
            steps = x / 100 * Double(total)
        case .samples, .tokens:
            let (name, per) = unit == .samples ? ("samples_per_step", settings.samplesPerStep) : ("tokens_per_step", settings.tokensPerStep)
            guard let per else {
                throw .error(.settingMissing, "a duration in \(unit.rawValue) needs '\(name)'; add a line such as `\(name) \(unit == .samples ? "256" : "524288")`", at: range)
            }
            steps = (x / Double(per)).rounded(.up)
        }
        guard steps.isFinite, steps.magnitude < 1e15 else {
            throw .error(.badDuration, "duration is too long to count in steps", at: range)
        }
        if unit == .steps, steps != steps.rounded() {
            throw .error(.badDuration, "a duration must be a whole number of steps, got \(fmt(steps))", at: range)
        }
        guard steps >= 0 else { throw .error(.badDuration, "a duration cannot be negative", at: range) }
        return Int(steps.rounded())
    }
}
