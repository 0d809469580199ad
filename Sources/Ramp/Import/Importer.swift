import Foundation

/// The config formats `ramp import` reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// A DeepSpeed config JSON: its `scheduler` section, `optimizer.params.lr` as base.
    case deepspeed
    /// A Hugging Face `TrainingArguments` JSON (or a dict with them under `args`).
    case hf
    /// An MMEngine Python config's `param_scheduler`, read as data.
    case mmengine
    /// A Composer YAML `schedulers:` block (or LLM Foundry's `scheduler:`).
    case composer
    /// timm's training arguments: `--sched cosine --epochs 300 ...`.
    case timm
    /// Megatron-LM's arguments as a launch script passes them: `--lr-decay-style cosine --train-iters ...`.
    case megatron
    /// fairseq-train's arguments: `--lr-scheduler inverse_sqrt --warmup-updates 4000 --lr 5e-4 ...`.
    case fairseq
    /// A NeMo model's Hydra YAML: `model.optim.lr`, `model.optim.sched`, `trainer.max_steps`.
    case nemo
    /// torchtitan's job TOML: `[lr_scheduler]`, `[optimizer] lr`, `[training] steps`.
    case torchtitan
}

/// What a config does not say that its schedule needs.
public struct ImportOptions: Sendable {
    /// Optimizer steps in one epoch: a dataloader's length, which no config holds.
    public var stepsPerEpoch: Int?
    public var format: ImportFormat?

    public init(stepsPerEpoch: Int? = nil, format: ImportFormat? = nil) {
        self.stepsPerEpoch = stepsPerEpoch
        self.format = format
    }
}

/// Turns the configs people already have into Ramp: a commented program that
/// the compatibility namespaces reproduce exactly. Configs are read as data,
/// never executed; what Ramp cannot express is an error naming its key.
public enum Importer {
    /// Configs are a few kilobytes; past this a file is refused before it is read.
    public static let maxSize = 4_000_000

    /// The config in `file` as a Ramp program, or diagnostics located in the config.
    public static func convert(_ file: SourceFile, options: ImportOptions = ImportOptions()) throws(DiagnosticError)
        -> String
    {
        guard file.bytes.count <= Importer.maxSize else {
            let limit = Importer.maxSize / 1_000_000
            throw DiagnosticError([.error(.configTooLarge(file.bytes.count, megabytes: limit), at: SourceRange(0, 0))])
        }
        guard let format = options.format ?? detect(file) else {
            let formats = ImportFormat.allCases.map(\.rawValue)
            throw DiagnosticError([.error(.formatUnknown(formats), at: SourceRange(0, 0))])
        }
        var reader = ConfigReader(file: file, options: options)
        do throws(CheckError) {
            let body: [String]
            switch format {
            case .deepspeed: body = try reader.deepspeed(try reader.json())
            case .hf: body = try reader.huggingFace(try reader.json())
            case .mmengine: body = try reader.mmengine()
            case .composer: body = try reader.composer()
            case .timm: body = try reader.timm()
            case .megatron: body = try reader.megatron()
            case .fairseq: body = try reader.fairseq()
            case .nemo: body = try reader.nemo()
            case .torchtitan: body = try reader.torchtitan()
            }
            return (["# \(format.title) config \(file.name), imported by ramp import."] + body).joined(separator: "\n")
                + "\n"
        } catch {
            throw DiagnosticError(error.diagnostic.map { [$0] } ?? [])
        }
    }

    /// The format a file's name or content shows.
    public static func detect(_ file: SourceFile) -> ImportFormat? {
        let name = file.name.lowercased()
        let text = file.text
        if name.hasSuffix(".toml") { return .torchtitan }
        if name.hasSuffix(".py") || text.contains("param_scheduler") { return .mmengine }
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            return text.contains("sched:") && text.contains("optim:") ? .nemo : .composer
        }
        if text.contains("[lr_scheduler]") || text.contains("--job.config_file") { return .torchtitan }
        if text.contains("--lr-scheduler") { return .fairseq }
        if text.contains("--lr-decay-style") || text.contains("--global-batch-size") || text.contains("--train-iters")
            || text.contains("--train-samples")
        {
            return .megatron
        }
        if text.contains("--sched") || text.drop(while: \.isWhitespace).hasPrefix("--") { return .timm }
        if text.drop(while: \.isWhitespace).hasPrefix("{") {
            if text.contains("\"lr_scheduler_type\"") || text.contains("\"num_train_epochs\"")
                || text.contains("\"max_steps\"")
            {
                return .hf
            }
            if text.contains("\"scheduler\"") { return .deepspeed }
        }
        return nil
    }

    /// True when a program file is a config to import rather than Ramp or IR.
    public static func isConfig(_ file: SourceFile) -> Bool {
        if IR.isDocument(file.text) { return false }
        let name = file.name.lowercased()
        if [".py", ".json", ".args", ".sh", ".yaml", ".yml", ".toml"].contains(where: { name.hasSuffix($0) }) {
            return detect(file) != nil
        }
        return false
    }
}

extension ImportFormat {
    var title: String {
        switch self {
        case .deepspeed: return "DeepSpeed"
        case .hf: return "Hugging Face TrainingArguments"
        case .mmengine: return "MMEngine"
        case .composer: return "Composer"
        case .timm: return "timm"
        case .megatron: return "Megatron-LM"
        case .fairseq: return "fairseq"
        case .nemo: return "NeMo"
        case .torchtitan: return "torchtitan"
        }
    }
}

/// A config's text, read into values, with each key located for diagnostics.
struct ConfigReader {
    let file: SourceFile
    let options: ImportOptions
    /// Where each key path is written, when the reader knows (YAML); else keys are found in the text.
    var places: [String: SourceRange] = [:]
    /// The `_base_` file a top-level name was inherited from, and where the bases are named.
    var origins: [String: String] = [:]
    var baseAt: SourceRange?

    // MARK: - locating keys

    /// Where a dotted key path (`scheduler.params.warmup_max_lr`) is written:
    /// each part found after the one before it, quoted or followed by `=`/`:`.
    func locate(_ path: String) -> SourceRange {
        if let place = places[path] { return place }
        let text = Array(file.text.utf8)
        var from = 0
        var found: SourceRange?
        for part in path.split(separator: ".") {
            let name = part.prefix { $0 != "[" }
            guard !name.isEmpty, let r = find(Array(name.utf8), in: text, from: from) else { break }
            found = r
            from = r.end
            // `param_scheduler[1]`: the second item's dict( or {, counted from the list's name.
            if let open = part.firstIndex(of: "["), let index = Int(part[part.index(after: open)...].dropLast()) {
                var seen = -1
                while seen < index, let item = nextItem(in: text, from: from) {
                    seen += 1
                    from = item.end
                    if seen == index { found = item }
                }
            }
        }
        return found ?? SourceRange(0, 0)
    }

    /// The next `dict(` or `{` from `from`: where a list's next item starts.
    private func nextItem(in text: [UInt8], from: Int) -> SourceRange? {
        let dict = Array("dict(".utf8)
        var i = from
        while i < text.count {
            if text[i] == UInt8(ascii: "{") { return SourceRange(i, i + 1) }
            if i + dict.count <= text.count, Array(text[i..<(i + dict.count)]) == dict { return SourceRange(i, i + 4) }
            i += 1
        }
        return nil
    }

    private func find(_ word: [UInt8], in text: [UInt8], from: Int) -> SourceRange? {
        var i = from
        while i + word.count <= text.count {
            if Array(text[i..<(i + word.count)]) == word {
                let before = i > 0 ? text[i - 1] : 0
                let after = i + word.count < text.count ? text[i + word.count] : 0
                func isIdent(_ c: UInt8) -> Bool {
                    c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || (c >= 48 && c <= 57)
                        || (c | 0x20 >= 97 && c | 0x20 <= 122)
                }
                if !isIdent(before), !isIdent(after) { return SourceRange(i, i + word.count) }
            }
            i += 1
        }
        return nil
    }

    /// The optimizer's rate a config gives, refused at its place unless finite (YAML's `.nan` and `.inf`, JSON's
    /// `1e999`): in the Ramp written, `base inf` would be refused with its place lost.
    func rate(_ x: Double, _ key: String) throws(CheckError) -> Double {
        guard x.isFinite else { throw fail(key, .expectedFiniteNumber(x)) }
        return x
    }

    func fail(_ key: String, _ message: DiagnosticMessage) -> CheckError {
        let top = String(key.prefix { $0 != "." && $0 != "[" })
        if let origin = origins[top], places[key] == nil {
            // Written in a _base_ file: named, and shown where this config names its bases.
            return .error(.at(key, from: origin, message), at: baseAt ?? SourceRange(0, 0))
        }
        return .error(.at(key, message), at: key.isEmpty ? SourceRange(0, 0) : locate(key))
    }

    // MARK: - values

    func json() throws(CheckError) -> JSONValue {
        do { return ConfigReader.lastWins(try JSONValue.parse(file.text)) } catch {
            throw .error(.notJSON(error.message), at: SourceRange(error.offset, error.offset + 1))
        }
    }

    /// A key given twice keeps its first place and its last value, as `json.load` and a Python dict keep it:
    /// the schedule read is the one the library runs.
    static func lastWins(_ v: JSONValue) -> JSONValue {
        switch v {
        case .array(let xs): return .array(xs.map(lastWins))
        case .object(let kvs):
            var out: [(String, JSONValue)] = []
            var at: [String: Int] = [:]
            for (k, x) in kvs {
                if let i = at[k] {
                    out[i].1 = lastWins(x)
                } else {
                    at[k] = out.count
                    out.append((k, lastWins(x)))
                }
            }
            return .object(out)
        default: return v
        }
    }

    /// A config value as Ramp writes it: numbers exactly, strings quoted, lists.
    func literal(_ v: JSONValue, _ key: String) throws(CheckError) -> String {
        switch v {
        case .number(let x):
            // YAML's `.nan` is refused here, at its line: in the Ramp written, its place would be lost.
            guard !x.isNaN else { throw fail(key, .expectedFiniteNumber(x)) }
            return fmt(x)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "None"
        case .string(let s):
            if s == "auto" {
                throw fail(key, .autoValue)
            }
            return JSONValue.quote(s)
        case .array(let xs):
            var items: [String] = []
            for (i, x) in xs.enumerated() { items.append(try literal(x, "\(key)[\(i)]")) }
            return "[" + items.joined(separator: ", ") + "]"
        case .object:
            throw fail(key, .nestedTable)
        }
    }

    /// `name=value, ...` from a table of keyword arguments, in the config's order.
    func keywords(_ table: JSONValue?, _ key: String, skipping: Set<String> = []) throws(CheckError) -> [String] {
        guard let table else { return [] }
        guard case .object(let kvs) = table else { throw fail(key, .expectedTable) }
        var out: [String] = []
        for (k, v) in kvs where !skipping.contains(k) { out.append("\(k)=\(try literal(v, "\(key).\(k)"))") }
        return out
    }

    func stepsPerEpoch(_ key: String, _ why: DiagnosticMessage.EpochReason) throws(CheckError) -> Int {
        guard let n = options.stepsPerEpoch else {
            throw fail(key, .needsStepsPerEpoch(why))
        }
        return n
    }

    // MARK: - DeepSpeed

    static let deepspeedSchedulers = ["WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle", "LRRangeTest"]

    /// `{"optimizer": {"params": {"lr": ...}}, "scheduler": {"type": ..., "params": {...}}}`.
    func deepspeed(_ doc: JSONValue) throws(CheckError) -> [String] {
        guard let scheduler = doc["scheduler"] else {
            throw fail("", .noDeepSpeedScheduler)
        }
        guard case .string(let type)? = scheduler["type"] else { throw fail("scheduler", .noSchedulerType) }
        guard ConfigReader.deepspeedSchedulers.contains(type) else {
            throw fail("scheduler.type", .notADeepSpeedScheduler(type, known: ConfigReader.deepspeedSchedulers))
        }
        if let last = scheduler["params"]?["last_batch_iteration"], last != .number(-1) {
            throw fail("scheduler.params.last_batch_iteration", .resumedPartWay)
        }
        var lines = ["# scheduler \(type), stepped after every optimizer step."]
        if let lr = doc["optimizer"]?["params"]?["lr"] {
            guard case .number(let x) = lr else {
                _ = try literal(lr, "optimizer.params.lr")
                throw fail("optimizer.params.lr", .expectedNumber)
            }
            let base = try rate(x, "optimizer.params.lr")
            lines += ["# The optimizer's rate (optimizer.params.lr) is base.", "base \(fmt(base))"]
        } else {
            lines.append("# No optimizer.params.lr: the optimizer's rate is base (set it with --base).")
        }
        var args = try keywords(scheduler["params"], "scheduler.params", skipping: ["last_batch_iteration"])
        if type == "OneCycle", scheduler["params"]?["cycle_momentum"] != .bool(false) {
            lines += try oneCycleMomentum(doc, &args)
        }
        lines.append("deepspeed.\(type)(\(args.joined(separator: ", ")))")
        return lines
    }

    /// DeepSpeed's OneCycle cycles momentum only when the optimizer's defaults hold `betas`; with any
    /// other it warns and leaves momentum alone. The config's optimizer type says which.
    func oneCycleMomentum(_ doc: JSONValue, _ args: inout [String]) throws(CheckError) -> [String] {
        guard let optimizer = doc["optimizer"] else {
            return [
                "# No optimizer section: OneCycle cycles momentum (as with Adam's betas); "
                    + "pass cycle_momentum=false for an optimizer without betas."
            ]
        }
        guard case .string(let name)? = optimizer["type"] else {
            throw fail("optimizer", .noOptimizerType)
        }
        let lower = name.lowercased()
        let withBetas = [
            "adam", "adamw", "lamb", "onebitadam", "zerooneadam", "onebitlamb", "lion", "muadam",
            "muadamw", "adamax", "nadam", "radam", "sparseadam", "fusedadam", "cpuadam",
            "deepspeedcpuadam",
        ]
        let without = [
            "sgd", "musgd", "adagrad", "cpuadagrad", "rmsprop", "adadelta", "asgd", "rprop", "lbfgs",
            "adafactor",
        ]
        if withBetas.contains(lower) {
            return ["# optimizer \(name) has betas: OneCycle cycles its beta1 as momentum."]
        }
        guard without.contains(lower) else {
            throw fail("optimizer.type", .optimizerBetasUnknown(name))
        }
        args.append("cycle_momentum=false")
        return [
            "# optimizer \(name) has no betas: DeepSpeed's OneCycle leaves its momentum alone "
                + "(cycle_momentum=false)."
        ]
    }

    // MARK: - Hugging Face

    /// `lr_scheduler_type` → the transformers function Trainer calls, and
    /// whether it takes the warmup and the training steps.
    static let huggingFace: [String: (function: String, warmup: Bool, training: Bool)] = [
        "linear": ("get_linear_schedule_with_warmup", true, true),
        "cosine": ("get_cosine_schedule_with_warmup", true, true),
        "cosine_with_restarts": ("get_cosine_with_hard_restarts_schedule_with_warmup", true, true),
        "polynomial": ("get_polynomial_decay_schedule_with_warmup", true, true),
        "constant": ("get_constant_schedule", false, false),
        "constant_with_warmup": ("get_constant_schedule_with_warmup", true, false),
        "inverse_sqrt": ("get_inverse_sqrt_schedule", true, false),
        "reduce_lr_on_plateau": ("get_reduce_on_plateau_schedule", false, false),
        "cosine_with_min_lr": ("get_cosine_with_min_lr_schedule_with_warmup", true, true),
        "warmup_stable_decay": ("get_wsd_schedule", true, true),
    ]

    /// TrainingArguments as Trainer turns them into a schedule: the training
    /// steps from `max_steps`, else `num_train_epochs` epochs; the warmup from
    /// `warmup_steps`, else `ceil(warmup_ratio * steps)`.
    func huggingFace(_ doc: JSONValue) throws(CheckError) -> [String] {
        let args = doc["args"] ?? doc
        func number(_ k: String) -> Double? { args[k]?.number }
        let type: String
        switch args["lr_scheduler_type"] {
        case .string(let s)?: type = s.replacingOccurrences(of: "SchedulerType.", with: "").lowercased()
        case nil: type = "linear"
        default: throw fail("lr_scheduler_type", .expectedSchedulerTypeString)
        }
        guard let spec = ConfigReader.huggingFace[type] else {
            throw fail("lr_scheduler_type", .notATrainerSchedule(type, known: ConfigReader.huggingFace.keys.sorted()))
        }
        var lines = ["# lr_scheduler_type \(type): transformers.\(spec.function), stepped after every optimizer step."]
        let lr = number("learning_rate") ?? 5e-5
        lines += [
            "# learning_rate is base\(args["learning_rate"] == nil ? " (Trainer's default)" : "").", "base \(fmt(lr))",
        ]
        var training = 0
        if spec.training || spec.warmup {
            if let m = number("max_steps"), m > 0 {
                training = Int(m)
                lines.append("# max_steps: \(training) training steps.")
            } else {
                let epochs = number("num_train_epochs") ?? 3
                let spe = try stepsPerEpoch("num_train_epochs", .trainEpochs)
                training = Int((epochs * Double(spe)).rounded(.up))
                lines.append("# num_train_epochs \(fmt(epochs)) of \(spe) steps: \(training) training steps.")
            }
        }
        var warmup = 0
        if spec.warmup {
            let steps = number("warmup_steps") ?? 0
            let ratio = number("warmup_ratio") ?? 0
            if steps >= 1 {
                warmup = Int(steps)
            } else if steps > 0 || ratio > 0 {
                let r = steps > 0 ? steps : ratio
                warmup = Int((Double(training) * r).rounded(.up))
                lines.append("# warmup \(fmt(r)) of the training steps: ceil(\(training) * \(fmt(r))) = \(warmup).")
            }
        }
        var kwargs: JSONValue?
        switch args["lr_scheduler_kwargs"] {
        case .string(let s)? where !s.trimmingCharacters(in: .whitespaces).isEmpty:
            guard let parsed = (try? JSONValue.parse(s)).map(ConfigReader.lastWins) else {
                throw fail("lr_scheduler_kwargs", .kwargsNotJSON)
            }
            kwargs = parsed
        case .object?: kwargs = args["lr_scheduler_kwargs"]
        default: kwargs = nil
        }
        var call: [String] = []
        if spec.warmup { call.append("num_warmup_steps=\(warmup)") }
        if spec.training { call.append("num_training_steps=\(training)") }
        call += try keywords(kwargs, "lr_scheduler_kwargs")
        lines.append("transformers.\(spec.function)(\(call.joined(separator: ", ")))")
        return lines
    }

    // MARK: - timm

    /// timm's train.py arguments as create_scheduler_v2 reads them, stepped
    /// once per epoch (or per update with --sched-on-updates).
    func timm() throws(CheckError) -> [String] {
        var args: [String: String] = [:]
        var flags: Set<String> = []
        let words = file.text.split(whereSeparator: { $0.isWhitespace || $0 == "\\" }).map(String.init)
        var i = 0
        while i < words.count {
            var w = words[i]
            guard w.hasPrefix("--") else { throw fail(w, .expectedOption) }
            w = String(w.dropFirst(2))
            if let eq = w.firstIndex(of: "=") {
                args[String(w[..<eq])] = String(w[w.index(after: eq)...])
            } else if i + 1 < words.count, !words[i + 1].hasPrefix("--") {
                // A list (--decay-milestones 30 60) gathers the words up to the next option.
                var values: [String] = []
                while i + 1 < words.count, !words[i + 1].hasPrefix("--") {
                    values.append(words[i + 1])
                    i += 1
                }
                args[w] = values.joined(separator: " ")
            } else {
                flags.insert(w)
            }
            i += 1
        }
        func number(_ k: String, _ fallback: Double) throws(CheckError) -> Double {
            guard let s = args[k] else { return fallback }
            guard let x = Double(s) else { throw fail(k, .notANumber(s)) }
            return x
        }
        if args["lr-noise"] != nil {
            throw fail("--lr-noise", .lrNoise)
        }
        let sched = args["sched"] ?? "cosine"
        let perUpdate = flags.contains("sched-on-updates")
        let scale = perUpdate ? try stepsPerEpoch("sched-on-updates", .scheduleOnUpdates) : 1
        func t(_ k: String, _ fallback: Double) throws(CheckError) -> String {
            fmt((try number(k, fallback) * Double(scale)).rounded())
        }
        guard let lr = args["lr"].flatMap(Double.init) else {
            throw fail("", .timmNeedsLr)
        }
        let common = [
            "warmup_t=\(try t("warmup-epochs", 5))", "warmup_lr_init=\(fmt(try number("warmup-lr", 1e-5)))",
            "warmup_prefix=\(flags.contains("warmup-prefix") ? "true" : "false")",
        ]
        let epochs = try number("epochs", 300)
        let stepped = perUpdate ? "update (--sched-on-updates, \(scale) an epoch)" : "epoch"
        var lines = [
            "# --sched \(sched), stepped once per \(stepped): a step is \(perUpdate ? "an update" : "an epoch").",
            "# --lr is base.", "base \(fmt(lr))",
        ]
        let cycle = [
            "cycle_mul=\(fmt(try number("lr-cycle-mul", 1)))", "cycle_decay=\(fmt(try number("lr-cycle-decay", 0.5)))",
            "cycle_limit=\(fmt(try number("lr-cycle-limit", 1)))",
        ]
        let main: String
        switch sched {
        case "cosine":
            main =
                "timm.CosineLRScheduler("
                + (["t_initial=\(try t("epochs", 300))", "lr_min=\(fmt(try number("min-lr", 0)))"] + cycle
                + ["k_decay=\(fmt(try number("lr-k-decay", 1)))"] + common).joined(separator: ", ") + ")"
        case "tanh":
            main =
                "timm.TanhLRScheduler("
                + (["t_initial=\(try t("epochs", 300))", "lr_min=\(fmt(try number("min-lr", 0)))"] + cycle + common)
                .joined(separator: ", ") + ")"
        case "poly":
            main =
                "timm.PolyLRScheduler("
                + ([
                    "t_initial=\(try t("epochs", 300))", "power=\(fmt(try number("decay-rate", 0.1)))",
                    "lr_min=\(fmt(try number("min-lr", 0)))",
                ] + cycle + ["k_decay=\(fmt(try number("lr-k-decay", 1)))"] + common)
                .joined(separator: ", ") + ")"
        case "step":
            // --decay-epochs is a float in train.py, and StepLRScheduler floors t / decay_t with it unrounded.
            let decay = try number("decay-epochs", 90) * Double(scale)
            let rate = fmt(try number("decay-rate", 0.1))
            if decay == decay.rounded() {
                let args = ["decay_t=\(fmt(decay))", "decay_rate=\(rate)"] + common
                main = "timm.StepLRScheduler(" + args.joined(separator: ", ") + ")"
            } else {
                guard decay > 0 else { throw fail("decay-epochs", .expectedPositiveNumber) }
                let warm = try t("warmup-epochs", 5)
                let prefix = flags.contains("warmup-prefix")
                lines.append(
                    "# --decay-epochs \(fmt(decay)) is kept a fraction, as timm keeps it: "
                        + "rate^floor(t / \(fmt(decay))).")
                main =
                    "warmup(\(warm), from=\(fmt(try number("warmup-lr", 1e-5))), to=base) then "
                    + "at(base * \(rate) ^ floor(t / \(fmt(decay))), t\(prefix ? "" : " + \(warm)"))"
            }
        case "multistep":
            var marks: [String] = []
            for m in (args["decay-milestones"] ?? "90 180 270").split(separator: " ") {
                guard let x = Double(m) else { throw fail("decay-milestones", .notANumber(String(m))) }
                marks.append(fmt((x * Double(scale)).rounded()))
            }
            main =
                "timm.MultiStepLRScheduler("
                + (["decay_t=[\(marks.joined(separator: ", "))]", "decay_rate=\(fmt(try number("decay-rate", 0.1)))"]
                + common)
                .joined(separator: ", ") + ")"
        case "plateau":
            let mode =
                args["plateau-mode"] ?? (args["eval-metric"].map { $0.contains("loss") ? "min" : "max" } ?? "max")
            main =
                "timm.PlateauLRScheduler("
                + ([
                    "decay_rate=\(fmt(try number("decay-rate", 0.1)))", "patience_t=\(try t("patience-epochs", 10))",
                    "lr_min=\(fmt(try number("min-lr", 0)))", "mode=\(JSONValue.quote(mode))",
                    "warmup_t=\(try t("warmup-epochs", 5))", "warmup_lr_init=\(fmt(try number("warmup-lr", 1e-5)))",
                ])
                .joined(separator: ", ") + ")"
        default:
            throw fail("sched", .notATimmSchedule(sched))
        }
        lines.append(main)
        let cooldown = try number("cooldown-epochs", 0)
        if cooldown > 0 {
            lines.append(
                "# --cooldown-epochs \(fmt(cooldown)): timm trains them at lr_min after the cycles (\(fmt(epochs)) + "
                    + "\(fmt(cooldown)) epochs in all)."
            )
        }
        return lines
    }
}
