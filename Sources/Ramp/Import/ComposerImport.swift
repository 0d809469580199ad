import Foundation

/// Composer YAML: a trainer config's `schedulers:` list (or LLM Foundry's
/// `scheduler:` with a `name`), its `max_duration`, and the optimizer's `lr`.
extension ConfigReader {
    /// The YAML names Composer's registry and LLM Foundry give its schedulers.
    static let composerNames: [String: String] = [
        "constant": "ConstantScheduler", "linear_decay": "LinearScheduler", "exponential": "ExponentialScheduler",
        "step": "StepScheduler", "multistep": "MultiStepScheduler", "cosine_decay": "CosineAnnealingScheduler",
        "cosine_warmrestart": "CosineAnnealingWarmRestartsScheduler", "polynomial": "PolynomialScheduler",
        "multistep_with_warmup": "MultiStepWithWarmupScheduler", "constant_with_warmup": "ConstantWithWarmupScheduler",
        "linear_decay_with_warmup": "LinearWithWarmupScheduler",
        "cosine_decay_with_warmup": "CosineAnnealingWithWarmupScheduler",
        "cosine_with_warmup": "CosineAnnealingWithWarmupScheduler",
        "polynomial_decay_with_warmup": "PolynomialWithWarmupScheduler",
        "polynomial_with_warmup": "PolynomialWithWarmupScheduler",
    ]

    /// A Composer or LLM Foundry YAML as Ramp: the optimizer's rate as `base`, `max_duration` as `total`
    /// (in samples or tokens through the batch and sequence sizes), the schedulers multiplied.
    mutating func composer() throws(CheckError) -> [String] {
        var yaml = YAMLReader(file: file)
        let raw: JSONValue
        do { raw = try yaml.read() } catch { throw .error(error.message, at: error.range) }
        places = yaml.places
        let doc = try interpolated(raw, root: raw, path: "", depth: 0)
        let entries = try composerEntries(doc)
        var lines = [
            "# Multipliers of the optimizer's rate, a function of the batch. Composer's Trainer",
            "# applies each rate one batch late; this is the schedule's own.",
        ]
        // The optimizer's rate: `optimizers: {name: {lr: ...}}` or `optimizer: {lr: ...}`.
        var lr: (value: JSONValue, key: String)?
        if case .object(let opts)? = doc["optimizers"], let first = opts.first, let v = first.1["lr"] {
            lr = (v, "optimizers.\(first.0).lr")
        } else if let v = doc["optimizer"]?["lr"] {
            lr = (v, "optimizer.lr")
        }
        if let lr {
            guard case .number(let x) = lr.value else { throw fail(lr.key, .expectedNumber) }
            lines += ["# The optimizer's lr is base.", "base \(fmt(try rate(x, lr.key)))"]
        } else {
            lines.append("# No optimizer lr: the optimizer's rate is base (set it with --base).")
        }
        let run = try composerDuration(doc)
        lines += run.lines
        var calls: [String] = []
        for e in entries {
            let short = e.name.replacingOccurrences(of: "composer.optim.", with: "")
            let known = ConfigReader.composerNames.values.contains(short) ? short : nil
            guard let type = ConfigReader.composerNames[short] ?? known else {
                let names = ConfigReader.composerNames.keys.sorted()
                throw fail(e.key, .notAComposerScheduler(e.name, known: names))
            }
            var args = e.args
            if case .object(let kvs)? = args {
                args = .object(
                    try kvs.map { k, v throws(CheckError) in (k, try composerTime(v, "\(e.key).\(k)", run)) })
            }
            calls.append("composer.\(type)(\(try keywords(args, e.key, skipping: ["name"]).joined(separator: ", ")))")
        }
        // Schedulers stack: their multipliers multiply.
        let power = calls.count > 2 ? " ^ \(calls.count - 1)" : ""
        lines.append(calls.count == 1 ? calls[0] : "(" + calls.joined(separator: " * ") + ") / base" + power)
        return lines
    }

    /// The schedulers: a `schedulers:` list (a name, or a one-key map of a name to its arguments, or a map
    /// with `name`), a `schedulers:` map of names to arguments, or LLM Foundry's `scheduler:` with a `name`.
    func composerEntries(_ doc: JSONValue) throws(CheckError) -> [(name: String, args: JSONValue?, key: String)] {
        var entries: [(name: String, args: JSONValue?, key: String)] = []
        switch (doc["schedulers"], doc["scheduler"]) {
        case (.array(let items)?, _):
            for (i, item) in items.enumerated() {
                let key = "schedulers[\(i)]"
                switch item {
                case .string(let name): entries.append((name, nil, key))
                case .object(let kvs) where kvs.count == 1 && item["name"] == nil:
                    entries.append((kvs[0].0, kvs[0].1, "\(key).\(kvs[0].0)"))
                case .object:
                    guard case .string(let name)? = item["name"] else {
                        throw fail(key, .schedulerNeedsName)
                    }
                    entries.append((name, item, key))
                default: throw fail(key, .expectedScheduler)
                }
            }
        case (.object(let kvs)?, _):
            for (name, args) in kvs { entries.append((name, args, "schedulers.\(name)")) }
        case (_, let s?):
            guard case .string(let name)? = s["name"] else {
                throw fail("scheduler", .schedulerNeedsName)
            }
            entries.append((name, s, "scheduler"))
        default:
            throw fail("", .noComposerSchedulers)
        }
        for e in entries {
            switch e.args {
            case nil, .null?, .object?: continue
            default: throw fail(e.key, .expectedSchedulerArguments)
            }
        }
        guard !entries.isEmpty else { throw fail("schedulers", .noSchedulersListed) }
        return entries
    }

    /// How a run counts: batches per sample or token count, when the run is counted in them.
    struct ComposerRun {
        var lines: [String]
        /// Samples or tokens in one batch, for times written in `sp` or `tok`.
        var samples: Int?, tokens: Int?
    }

    /// `max_duration` as Ramp's `total`: `ba`, `ep` (through --steps-per-epoch), an integer (epochs, as
    /// Composer reads one), `sp` through the global batch size, `tok` through it times the sequence length.
    func composerDuration(_ doc: JSONValue) throws(CheckError) -> ComposerRun {
        let key = "max_duration"
        var run = ComposerRun(lines: [])
        let text: String
        switch doc[key] {
        case .string(let s)?: text = s.trimmingCharacters(in: .whitespaces)
        case .number(let x)? where x >= 0 && x == x.rounded() && x < 1e15: text = "\(Int(x))ep"
        case nil, .null?:
            throw fail(key, .composerNeedsDuration)
        default: throw fail(key, .expectedComposerTime)
        }
        let unit = String(text.drop { $0.isNumber || $0 == "." || $0 == "_" })
        let count = text.dropLast(unit.count).replacingOccurrences(of: "_", with: "")
        guard let n = Double(count), n >= 0, n == n.rounded() || unit == "ep", n < 1e18 else {
            throw fail(key, .notAComposerDuration(text))
        }
        let spe = options.stepsPerEpoch
        switch unit {
        case "ba":
            if let spe { run.lines.append("steps_per_epoch \(spe)") }
            run.lines.append("total \(count)")
        case "ep":
            let e = try stepsPerEpoch(key, .runInEpochs)
            run.lines += ["steps_per_epoch \(e)", "total \(count) epochs"]
        case "sp", "tok":
            let batch = try composerBatch(doc, unit == "sp" ? "samples" : "tokens")
            var per = batch.size
            if unit == "tok" {
                let seq = try composerSequenceLength(doc)
                per *= seq.size
                run.lines.append(
                    "# \(batch.key) \(batch.size) samples of \(seq.key) \(seq.size) tokens: \(per) tokens a batch.")
                run.tokens = per
            } else {
                run.lines.append("# \(batch.key): \(per) samples a batch.")
                run.samples = per
            }
            guard n.truncatingRemainder(dividingBy: Double(per)) == 0 else {
                throw fail(key, .durationNotWholeBatches(text, per, unit == "sp" ? "samples" : "tokens"))
            }
            if let spe { run.lines.append("steps_per_epoch \(spe)") }
            run.lines += [
                "\(unit == "sp" ? "samples" : "tokens")_per_step \(per)",
                "total \(count) \(unit == "sp" ? "samples" : "tokens")",
            ]
        default:
            throw fail(key, .durationUnit(text))
        }
        return run
    }

    /// The samples in one optimizer step: LLM Foundry's `global_train_batch_size`, or `train_batch_size`.
    func composerBatch(_ doc: JSONValue, _ what: String) throws(CheckError) -> (size: Int, key: String) {
        for key in ["global_train_batch_size", "train_batch_size"] {
            guard let v = doc[key] else { continue }
            guard case .number(let x) = v, x >= 1, x == x.rounded(), x < 1e12 else {
                throw fail(key, .expectedWholeSamples)
            }
            return (Int(x), key)
        }
        throw fail("max_duration", .needsBatchSize(what))
    }

    /// Tokens in one sample: `max_seq_len`, at the top (LLM Foundry), under `model:` or the train loader's dataset.
    func composerSequenceLength(_ doc: JSONValue) throws(CheckError) -> (size: Int, key: String) {
        let places: [(String, JSONValue?)] = [
            ("max_seq_len", doc["max_seq_len"]), ("model.max_seq_len", doc["model"]?["max_seq_len"]),
            ("train_loader.dataset.max_seq_len", doc["train_loader"]?["dataset"]?["max_seq_len"]),
        ]
        for (key, v) in places {
            guard let v else { continue }
            guard case .number(let x) = v, x >= 1, x == x.rounded(), x < 1e9 else {
                throw fail(key, .expectedWholeTokens)
            }
            return (Int(x), key)
        }
        throw fail("max_duration", .needsSequenceLength)
    }

    /// A scheduler's time argument in samples or tokens, as batches (`'1000sp'` at 100 a batch is `'10ba'`).
    func composerTime(_ v: JSONValue, _ key: String, _ run: ComposerRun) throws(CheckError) -> JSONValue {
        guard case .string(let text) = v else { return v }
        let unit = text.hasSuffix("tok") ? "tok" : text.hasSuffix("sp") ? "sp" : ""
        guard !unit.isEmpty, let n = Double(text.dropLast(unit.count).replacingOccurrences(of: "_", with: "")) else {
            return v
        }
        guard let per = unit == "sp" ? run.samples : run.tokens else {
            throw fail(key, .timeUnitNeedsDuration(text, unit))
        }
        guard n >= 0, n.truncatingRemainder(dividingBy: Double(per)) == 0 else {
            throw fail(key, .timeNotWholeBatches(text, per))
        }
        return .string("\(fmt(n / Double(per)))ba")
    }

    /// OmegaConf's `${path}` interpolations (LLM Foundry's `${variables.max_seq_len}`), resolved against the
    /// document: a whole `${path}` is the value there, one inside a string its text. Others are left as written.
    func interpolated(_ v: JSONValue, root: JSONValue, path: String, depth: Int) throws(CheckError) -> JSONValue {
        switch v {
        case .array(let xs):
            var out: [JSONValue] = []
            for (i, x) in xs.enumerated() {
                out.append(try interpolated(x, root: root, path: "\(path)[\(i)]", depth: depth))
            }
            return .array(out)
        case .object(let kvs):
            var out: [(String, JSONValue)] = []
            for (k, x) in kvs {
                out.append((k, try interpolated(x, root: root, path: path.isEmpty ? k : "\(path).\(k)", depth: depth)))
            }
            return .object(out)
        case .string(let s) where s.contains("${"):
            guard depth < 16 else { throw fail(path, .interpolationLoop) }
            var out = ""
            var rest = Substring(s)
            while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
                let ref = String(rest[open.upperBound..<close])
                guard let target = lookup(ref, in: root) else { return v }
                let resolved = try interpolated(target, root: root, path: ref, depth: depth + 1)
                if rest[..<open.lowerBound].isEmpty, rest[rest.index(after: close)...].isEmpty, out.isEmpty {
                    return resolved
                }
                switch resolved {
                case .string(let t): out += rest[..<open.lowerBound] + t
                case .number(let x): out += rest[..<open.lowerBound] + fmt(x)
                default:
                    throw fail(path, .interpolationNotText(ref))
                }
                rest = rest[rest.index(after: close)...]
            }
            return .string(out + rest)
        default: return v
        }
    }

    /// The value at a dotted path (`variables.max_seq_len`), or nil.
    func lookup(_ path: String, in root: JSONValue) -> JSONValue? {
        var v: JSONValue? = root
        for part in path.split(separator: ".") {
            if case .array(let xs)? = v, let i = Int(part) {
                v = i >= 0 && i < xs.count ? xs[i] : nil
            } else {
                v = v?[String(part)]
            }
        }
        return v
    }
}
