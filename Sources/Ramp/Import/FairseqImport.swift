import Foundation

extension ConfigReader {
    /// fairseq-train's arguments (`--lr-scheduler inverse_sqrt --warmup-updates 4000 --lr 5e-4 ...`): the scheduler
    /// named by --lr-scheduler, given the flags that are fields of its config (the others configure the rest of
    /// fairseq-train), stepped as fairseq's Trainer steps it.
    func fairseq() throws(CheckError) -> [String] {
        let words = try fairseqWords()
        var args: [(name: String, value: String?)] = []
        var i = 0
        while i < words.count {
            let w = words[i]
            guard w.hasPrefix("--") else {
                i += 1  // fairseq-train's positional data directory
                continue
            }
            var name = String(w.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            } else if i + 1 < words.count, !words[i + 1].hasPrefix("--") || Double(words[i + 1]) != nil {
                value = words[i + 1]
                i += 1
            }
            args.append((name, value))
            i += 1
        }
        let scheduler = args.last { $0.name == "lr-scheduler" }?.value ?? "fixed"
        let constructor = "fairseq." + scheduler
        guard let definition = Prelude.definitions.first(where: { $0.name == constructor }) else {
            let known = Prelude.definitions.map(\.name).filter { $0.hasPrefix("fairseq.") }.map { $0.dropFirst(8) }
            throw fail("--lr-scheduler", .notAFairseqScheduler(scheduler, known.joined(separator: ", ")))
        }
        let fields = Set(definition.params.map(\.name))
        var kwargs: [String] = []
        var seen: Set<String> = []
        for (name, value) in args.reversed() {
            let field = name.replacingOccurrences(of: "-", with: "_")
            guard fields.contains(field), !seen.contains(field) else { continue }
            seen.insert(field)
            kwargs.insert("\(field)=\(try fairseqValue(field, value, flag: "--" + name))", at: 0)
        }
        guard seen.contains("lr") else { throw fail("", .fairseqNeedsLr) }
        var lines = [
            "# --lr-scheduler \(scheduler), stepped as fairseq's Trainer steps it: every update, and at each "
                + "epoch's start.",
            "# --lr is the rate, not base.",
        ]
        if let n = options.stepsPerEpoch { lines.append("steps_per_epoch \(n)") }
        lines.append(constructor + "(" + kwargs.joined(separator: ", ") + ")")
        return lines
    }

    /// The words of the command line, quotes removed as a shell removes them (`--phase-ratio '(0.1, 0.4, 0.5)'`).
    private func fairseqWords() throws(CheckError) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var inWord = false
        for c in file.text {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c.isWhitespace || c == "\\" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if quote != nil { throw fail("", .unclosedQuote) }
        if inWord { words.append(word) }
        return words
    }

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
