/// Settings and durations: read first, so units anywhere can use them.
extension Checker {
    // MARK: - settings

    /// Settings are read first, in dependency order, so that durations
    /// anywhere in the program can use them.
    mutating func resolveSettings(_ program: Program) {
        var seen: [String: Statement] = [:]
        let batch = program.statements.first {
            if case .output("batch_size", _) = $0.kind { return true } else { return false }
        }
        batchStatement = batch
        for st in program.statements {
            guard case .setting(let name, _) = st.kind else { continue }
            if let prev = seen[name] {
                diagnostics.append(
                    .error(
                        .settingTwice(name), at: st.nameRange,
                        notes: [.note(.firstSetHere, at: prev.nameRange)]))
                continue
            }
            seen[name] = st
        }
        func expr(_ n: String) -> Expr? {
            if case .setting(_, let e)? = seen[n]?.kind { return e }
            return nil
        }
        for (name, keyPath) in [
            ("steps_per_epoch", \Settings.stepsPerEpoch), ("samples_per_step", \Settings.samplesPerStep),
            ("tokens_per_step", \Settings.tokensPerStep), ("sequence_length", \Settings.sequenceLength),
        ] {
            do throws(CheckError) {
                if let e = expr(name) {
                    // A scheduled batch gives each step's samples; a fixed count beside it would contradict it.
                    if batch != nil, name == "samples_per_step" || name == "tokens_per_step" {
                        throw CheckError.error(
                            .settingBesideScheduledBatch(name), at: seen[name]!.nameRange,
                            notes: [.note(.batchSizeScheduledHere, at: batch!.nameRange)])
                    }
                    let v = try evaluate(e, [:])
                    guard case .number(let x, _) = v, x >= 1, x == x.rounded(), x < 1e15 else {
                        throw CheckError.error(.settingNotWholeNumber(name, got: describe(v)), at: e.range)
                    }
                    settings[keyPath: keyPath] = Int(x)
                }
            } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        }
        do throws(CheckError) {
            if let e = expr("total") {
                if case .duration(_, .percent) = e.kind {
                    throw CheckError.error(.totalPercentOfItself, at: e.range)
                }
                let value = try evaluate(e, [:])
                let v = try duration(value, e.range)
                guard v >= 1 else { throw CheckError.error(.totalBelowOneStep, at: e.range) }
                settings.total = v
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        do throws(CheckError) {
            if let e = expr("base") {
                let v = try evaluate(e, [:])
                guard case .number(let x, _) = v, x.isFinite, x > 0 else {
                    throw CheckError.error(.baseNotPositive(got: describe(v)), at: e.range)
                }
                settings.base = x
                settings.baseIsDefault = false
            }
        } catch { if let d = error.diagnostic { diagnostics.append(d) } }
        do throws(CheckError) {
            if let e = expr("signals") {
                let v = try evaluate(e, [:])
                var names: [String] = []
                var seen: Set<String> = []
                if case .list(let items) = v {
                    for case .string(let s) in items where Builtins.isSignalName(s) && seen.insert(s).inserted {
                        names.append(s)
                    }
                }
                guard case .list(let items) = v, names.count == items.count else {
                    throw CheckError.error(.badSignals, at: e.range)
                }
                settings.signals = names
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
    /// With a scheduled `batch_size` they count through its running sum, from
    /// the step at which the phase they are written in starts.
    mutating func resolve(_ x: Double, _ unit: DurationUnit, _ range: SourceRange) throws(CheckError) -> Int {
        let steps: Double
        switch unit {
        case .steps: steps = x
        case .epochs:
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.epochsNeedStepsPerEpoch, at: range)
            }
            steps = x * Double(spe)
        case .percent:
            guard let total = settings.total else {
                throw .error(.percentNeedsTotal, at: range)
            }
            steps = x / 100 * Double(total)
        case .samples, .tokens:
            if batchStatement != nil { return try throughBatch(x, unit, range) }
            let (name, per) =
                unit == .samples
                ? ("samples_per_step", settings.samplesPerStep) : ("tokens_per_step", settings.tokensPerStep)
            guard let per else {
                throw .error(.unitNeedsSetting(unit, name), at: range)
            }
            steps = (x / Double(per)).rounded(.up)
        }
        guard steps.isFinite, steps.magnitude < 1e15 else {
            throw .error(.durationTooLong, at: range)
        }
        if unit == .steps, steps != steps.rounded() {
            throw .error(.durationNotWhole(steps), at: range)
        }
        guard steps >= 0 else { throw .error(.durationNegative, at: range) }
        return Int(steps.rounded())
    }

    /// A duration in samples or tokens counted through the scheduled batch
    /// size: the fewest steps, from the start of the phase it is written in,
    /// whose batches add up to at least that many.
    private mutating func throughBatch(_ x: Double, _ unit: DurationUnit, _ range: SourceRange) throws(CheckError)
        -> Int
    {
        guard x.isFinite, x >= 0 else { throw .error(.durationNegative, at: range) }
        var samples = x
        if unit == .tokens {
            guard let len = settings.sequenceLength else {
                throw .error(.tokensNeedSequenceLength, at: range)
            }
            samples = x / Double(len)
        }
        samples = samples.rounded(.up)
        guard let start = phaseStart else {
            throw .error(.unitsBeforeEventUnknown(unit), at: range)
        }
        var counts = try scheduledBatch(for: range)
        do throws(BatchCounts.Failure) {
            let n = try counts.steps(covering: samples, from: start)
            batchCounts = counts
            return n
        } catch {
            let at = batchStatement!.range
            switch error {
            case .notWhole(let step, let value):
                throw .error(
                    .batchSizeNotWhole(step: step, value), at: at,
                    notes: [.note(.countedHere(for: unit), at: range)])
            case .tooFar:
                throw .error(.batchCountsPast(BatchCounts.limit), at: range)
            }
        }
    }

    /// The running sum of the scheduled batch size, checking `batch_size:` on
    /// first use wherever it is written, so durations before it can count through it.
    private mutating func scheduledBatch(for range: SourceRange) throws(CheckError) -> BatchCounts {
        if let counts = batchCounts { return counts }
        guard let st = batchStatement, case .output(_, let expr) = st.kind else {
            preconditionFailure("batch_size is scheduled")
        }
        switch batchCheck {
        case .checking:
            throw .error(.batchSizeOwnDurations, at: range)
        case .failed:
            throw .alreadyReported
        case .done(let node):
            guard case .sequence(let seq) = node, let counts = BatchCounts(seq) else {
                throw .error(.batchSizeFollowsMetric, at: range, notes: [.note(.batchSizeScheduledHere, at: st.range)])
            }
            batchCounts = counts
            return counts
        case nil:
            batchCheck = .checking
            // Checked as its own statement: from step 0, outside any call being expanded.
            let (outer, call, stack) = (phaseStart, preludeCall, expanding)
            let (output, scope, depth) = (checkingOutput, entryScope, sequenceDepth)
            (phaseStart, preludeCall, expanding) = (0, nil, [])
            (checkingOutput, entryScope, sequenceDepth) = ("batch_size", false, 0)
            defer {
                (phaseStart, preludeCall, expanding) = (outer, call, stack)
                (checkingOutput, entryScope, sequenceDepth) = (output, scope, depth)
            }
            do throws(CheckError) {
                batchCheck = .done(try Checker.topLevel(try evaluate(expr, [:]), expr.range))
            } catch {
                batchCheck = .failed
                if let d = error.diagnostic { diagnostics.append(d) }
                throw .alreadyReported
            }
            return try scheduledBatch(for: range)
        }
    }
}
