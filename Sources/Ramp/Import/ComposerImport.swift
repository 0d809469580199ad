/// Composer YAML: a trainer config's `schedulers:` list (or LLM Foundry's
/// `scheduler:` with a `name`), its `max_duration`, and the optimizer's `lr`.
extension ConfigReader {
    /// The YAML names Composer's registry and LLM Foundry give its schedulers.
    static let composerNames: [String: String] = [
        "constant": "ConstantScheduler", "linear_decay": "LinearScheduler", "exponential": "ExponentialScheduler",
        "step": "StepScheduler", "multistep": "MultiStepScheduler", "cosine_decay": "CosineAnnealingScheduler",
        "cosine_warmrestart": "CosineAnnealingWarmRestartsScheduler", "polynomial": "PolynomialScheduler",
        "multistep_with_warmup": "MultiStepWithWarmupScheduler", "constant_with_warmup": "ConstantWithWarmupScheduler",
        "linear_decay_with_warmup": "LinearWithWarmupScheduler", "cosine_decay_with_warmup": "CosineAnnealingWithWarmupScheduler",
        "cosine_with_warmup": "CosineAnnealingWithWarmupScheduler", "polynomial_decay_with_warmup": "PolynomialWithWarmupScheduler",
        "polynomial_with_warmup": "PolynomialWithWarmupScheduler",
    ]

    func composer() throws(CheckError) -> [String] {
        let doc: JSONValue
        do { doc = try YAMLSubset.parse(file.text) } catch {
            throw .error(.notYAML(error.message), at: lineRange(error.line))
        }
        var entries: [(name: String, args: JSONValue?, key: String)] = []
        switch (doc["schedulers"], doc["scheduler"]) {
        case (.array(let items)?, _):
            for (i, item) in items.enumerated() {
                let key = "schedulers[\(i)]"
                switch item {
                case .string(let name): entries.append((name, nil, key))
                case .object(let kvs) where kvs.count == 1 && item["name"] == nil: entries.append((kvs[0].0, kvs[0].1, key))
                case .object:
                    guard case .string(let name)? = item["name"] else { throw fail(key, .schedulerNeedsName) }
                    entries.append((name, item, key))
                default: throw fail(key, .expectedScheduler)
                }
            }
        case (.object?, _):
            throw fail("schedulers", .expectedSchedulerList)
        case (_, let s?):
            guard case .string(let name)? = s["name"] else { throw fail("scheduler", .schedulerNeedsName) }
            entries.append((name, s, "scheduler"))
        default:
            throw fail("", .noComposerSchedulers)
        }
        var lines = ["# Multipliers of the optimizer's rate, a function of the batch. Composer's Trainer",
                     "# applies each rate one batch late; this is the schedule's own."]
        guard case .string(let duration)? = doc["max_duration"] else {
            throw fail("max_duration", .composerNeedsDuration)
        }
        // The optimizer's rate: `optimizers: {name: {lr: ...}}` or `optimizer: {lr: ...}`.
        var lr: Double?
        if case .object(let opts)? = doc["optimizers"] { lr = opts.first?.1["lr"]?.number }
        if lr == nil { lr = doc["optimizer"]?["lr"]?.number }
        if let lr { lines += ["# The optimizer's lr is base.", "base \(fmt(lr))"] }
        else { lines.append("# No optimizer lr: the optimizer's rate is base (set it with --base).") }
        let spe = options.stepsPerEpoch
        let unit = duration.drop { $0.isNumber || $0 == "." }
        let count = duration.dropLast(unit.count)
        switch unit {
        case "ba": break
        case "ep": _ = try stepsPerEpoch("max_duration", .runInEpochs)
        default: throw fail("max_duration", .durationUnit(duration))
        }
        if let spe { lines.append("steps_per_epoch \(spe)") }
        lines.append("total \(count)" + (unit == "ep" ? " epochs" : ""))
        var calls: [String] = []
        for e in entries {
            let short = e.name.replacingOccurrences(of: "composer.optim.", with: "")
            guard let type = ConfigReader.composerNames[short] ?? (ConfigReader.composerNames.values.contains(short) ? short : nil) else {
                throw fail(e.key, .notAComposerScheduler(e.name, known: ConfigReader.composerNames.keys.sorted()))
            }
            calls.append("composer.\(type)(\(try keywords(e.args, e.key, skipping: ["name"]).joined(separator: ", ")))")
        }
        // Schedulers stack: their multipliers multiply.
        lines.append(calls.count == 1 ? calls[0] : "(" + calls.joined(separator: " * ") + ") / base" + (calls.count > 2 ? " ^ \(calls.count - 1)" : ""))
        return lines
    }

    func lineRange(_ line: Int) -> SourceRange {
        var offset = 0, n = 1
        for b in file.text.utf8 {
            if n == line { break }
            offset += 1
            if b == UInt8(ascii: "\n") { n += 1 }
        }
        return SourceRange(offset, offset)
    }
}

/// The YAML that configs are written in: block maps and lists by indentation,
/// `[a, b]` lists, scalars (numbers, true/false, null, quoted or plain
/// strings) and comments. Anchors, tags and multi-line strings are refused.
struct YAMLSubset {
    struct Failure: Error { var message: String; var line: Int }

    struct Line { var indent: Int; var text: String; var number: Int }

    static func parse(_ text: String) throws(Failure) -> JSONValue {
        var lines: [Line] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = stripComment(String(raw))
            guard !content.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            if content.hasPrefix("---") { continue }
            let indent = content.prefix { $0 == " " }.count
            let body = content.dropFirst(indent).trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("&") || body.hasPrefix("*") || body.hasPrefix("!") || body.hasSuffix("|") || body.hasSuffix(">") {
                throw Failure(message: "anchors, tags and block strings are not read", line: i + 1)
            }
            lines.append(Line(indent: indent, text: body, number: i + 1))
        }
        var at = 0
        guard !lines.isEmpty else { return .object([]) }
        return try block(lines, &at, indent: lines[0].indent)
    }

    static func stripComment(_ s: String) -> String {
        var quote: Character?
        var out = ""
        var previous: Character = " "
        for ch in s {
            if let q = quote { if ch == q { quote = nil } }
            else if ch == "'" || ch == "\"" { quote = ch }
            else if ch == "#", previous == " " { break }
            out.append(ch)
            previous = ch
        }
        return out
    }

    /// A map or a list whose lines are indented `indent`.
    static func block(_ lines: [Line], _ at: inout Int, indent: Int) throws(Failure) -> JSONValue {
        if lines[at].text.hasPrefix("- ") || lines[at].text == "-" {
            var items: [JSONValue] = []
            while at < lines.count, lines[at].indent == indent, lines[at].text.hasPrefix("-") {
                let rest = lines[at].text.dropFirst().trimmingCharacters(in: .whitespaces)
                if rest.isEmpty {
                    at += 1
                    guard at < lines.count, lines[at].indent > indent else { items.append(.null); continue }
                    items.append(try block(lines, &at, indent: lines[at].indent))
                } else if splitKey(rest) != nil {
                    // `- key: value` starts a map whose keys line up after the dash.
                    var inner = lines
                    inner[at] = Line(indent: indent + 2, text: rest, number: lines[at].number)
                    items.append(try block(inner, &at, indent: indent + 2))
                } else {
                    items.append(try scalar(rest, line: lines[at].number))
                    at += 1
                }
            }
            return .array(items)
        }
        var pairs: [(String, JSONValue)] = []
        while at < lines.count, lines[at].indent == indent {
            guard let (key, rest) = splitKey(lines[at].text) else {
                throw Failure(message: "expected `key: value`", line: lines[at].number)
            }
            let line = lines[at].number
            at += 1
            if rest.isEmpty {
                if at < lines.count, lines[at].indent > indent || (lines[at].indent == indent && lines[at].text.hasPrefix("- ")) {
                    pairs.append((key, try block(lines, &at, indent: lines[at].indent)))
                } else {
                    pairs.append((key, .null))
                }
            } else {
                pairs.append((key, try scalar(rest, line: line)))
            }
        }
        if at < lines.count, lines[at].indent > indent { throw Failure(message: "unexpected indentation", line: lines[at].number) }
        return .object(pairs)
    }

    /// `key: rest`, the key unquoted.
    static func splitKey(_ s: String) -> (String, String)? {
        var quote: Character?
        for i in s.indices {
            let ch = s[i]
            if let q = quote { if ch == q { quote = nil }; continue }
            if ch == "'" || ch == "\"" { quote = ch; continue }
            if ch == ":", s.index(after: i) == s.endIndex || s[s.index(after: i)] == " " {
                var key = String(s[..<i]).trimmingCharacters(in: .whitespaces)
                if key.count >= 2, let f = key.first, f == "'" || f == "\"", key.last == f { key = String(key.dropFirst().dropLast()) }
                guard !key.isEmpty, !key.hasPrefix("[") else { return nil }
                return (key, String(s[s.index(after: i)...]).trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    static func scalar(_ s: String, line: Int) throws(Failure) -> JSONValue {
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { throw Failure(message: "an unclosed [", line: line) }
            let inner = s.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if inner.isEmpty { return .array([]) }
            var items: [JSONValue] = []
            for part in inner.split(separator: ",") { items.append(try scalar(part.trimmingCharacters(in: .whitespaces), line: line)) }
            return .array(items)
        }
        if s.hasPrefix("{") { throw Failure(message: "flow maps ({...}) are not read; write the keys on lines of their own", line: line) }
        if let f = s.first, f == "'" || f == "\"" {
            guard s.count >= 2, s.last == f else { throw Failure(message: "an unterminated string", line: line) }
            return .string(String(s.dropFirst().dropLast()))
        }
        switch s {
        case "true", "True", "yes": return .bool(true)
        case "false", "False", "no": return .bool(false)
        case "null", "~", "None": return .null
        default: break
        }
        if let x = Double(s.replacingOccurrences(of: "_", with: "")), s.first.map({ $0.isNumber || $0 == "-" || $0 == "." || $0 == "+" }) ?? false {
            return .number(x)
        }
        return .string(s)
    }
}
