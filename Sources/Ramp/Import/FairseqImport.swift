import Foundation

extension ConfigReader {
    /// fairseq-train's arguments (`--lr-scheduler inverse_sqrt --warmup-updates 4000 --lr 5e-4 ...`): the scheduler
    /// named by --lr-scheduler, given the flags that are fields of its config (the others configure the rest of
    /// fairseq-train), stepped as fairseq's Trainer steps it.
    func fairseq() throws(CheckError) -> [String] {
        let script = ShellArguments(file.bytes)
        if let quote = script.unclosedQuote { throw .error(.unclosedQuote, at: quote) }
        let flags = script.options
        var notes: [String] = []
        /// A flag's value, its variable substituted when the script sets it; else refused at the value.
        func value(_ option: (name: String, flag: ShellWord, value: ShellWord?)) throws(CheckError) -> String? {
            guard let word = option.value else { return nil }
            let flag = "--" + option.name
            switch script.expand(word, defaults: &notes) {
            case .success(let text): return text
            case .failure(.unset(let v)): throw .error(.at(flag, .shellVariableUnset(v)), at: word.range)
            case .failure(.ambiguous(let v)): throw .error(.at(flag, .shellVariableAmbiguous(v)), at: word.range)
            case .failure(.computed(let t)): throw .error(.at(flag, .shellComputed(t)), at: word.range)
            }
        }
        var scheduler = "fixed"
        if let named = flags.last(where: { $0.name == "lr-scheduler" }) {
            scheduler = try value(named) ?? ""
        }
        let constructor = "fairseq." + scheduler
        guard let definition = Prelude.definition(constructor) else {
            let known = Prelude.names(in: "fairseq").joined(separator: ", ")
            throw fail("--lr-scheduler", .notAFairseqScheduler(scheduler, known))
        }
        let fields = Set(definition.params.map(\.name))
        var kwargs: [String] = []
        var seen: Set<String> = []
        for option in flags.reversed() {
            let field = option.name.replacingOccurrences(of: "-", with: "_")
            guard fields.contains(field), !seen.contains(field) else { continue }
            seen.insert(field)
            let text = try fairseqValue(field, try value(option), flag: "--" + option.name)
            if field == "lr", text.contains(","), Self.fairseqOneRate.contains(scheduler) {
                // These schedulers raise a ValueError for several rates; the others take lr[0], or lr per epoch.
                throw .error(.at("--lr", .fairseqOneRate(scheduler)), at: option.value?.range ?? option.flag.range)
            }
            kwargs.insert("\(field)=\(text)", at: 0)
        }
        var lines = notes.sorted().map { "# \($0) (the environment may set another)." }
        if !seen.contains("lr") {
            // fairseq's OptimizationConfig: lr defaults to [0.25].
            kwargs.append("lr=[0.25]")
            lines.append("# no --lr: fairseq's default, 0.25.")
        }
        lines += [
            "# --lr-scheduler \(scheduler), stepped as fairseq's Trainer steps it: every update, and at each "
                + "epoch's start.",
            "# --lr is the rate, not base.",
        ]
        if let n = options.stepsPerEpoch { lines.append("steps_per_epoch \(n)") }
        lines.append(constructor + "(" + kwargs.joined(separator: ", ") + ")")
        return lines
    }

    /// The schedulers whose constructor refuses more than one --lr.
    static let fairseqOneRate: Set<String> = [
        "inverse_sqrt", "cosine", "reduce_lr_on_plateau", "tri_stage", "triangular",
    ]

    /// A flag's value as its config field holds it: `--lr 0.1,0.05` a list, `(0.1, 0.4, 0.5)` a list, a bare
    /// flag True, a number, or else a string.
    private func fairseqValue(_ field: String, _ value: String?, flag: String) throws(CheckError) -> String {
        guard let value else { return "True" }
        if field == "lr" || field == "phase_ratio" {
            let items = value.trimmingCharacters(in: CharacterSet(charactersIn: "()[] ")).split(separator: ",")
            var numbers: [String] = []
            for item in items {
                let text = item.trimmingCharacters(in: .whitespaces)
                guard let x = Double(text), x.isFinite else { throw fail(flag, .notANumber(text)) }
                numbers.append(fmt(x))
            }
            return "[" + numbers.joined(separator: ", ") + "]"
        }
        if field == "epoch2lr" || field == "update2lr" {
            // Read now, so that a dict fairseq cannot read is refused at its flag.
            do throws(CheckError) {
                _ = try Builtins.manualRates(value, at: SourceRange(0, 0))
            } catch {
                guard let d = error.diagnostic else { throw error }
                throw fail(flag, DiagnosticMessage(d.kind, d.message))
            }
            return JSONValue.quote(value)
        }
        if ["True", "False"].contains(value) { return value }
        if let x = Double(value), x.isFinite { return fmt(x) }
        return JSONValue.quote(value)
    }
}
