import Foundation
import TOMLKit

extension ConfigReader {
    /// The fields of torchtitan's `[lr_scheduler]` (LRSchedulersContainer.Config), in its order.
    static let torchtitanFields = ["warmup_steps", "total_steps", "decay_ratio", "decay_type", "min_lr_factor"]

    /// torchtitan's job TOML (`train_configs/*.toml`): `[lr_scheduler]` as LRSchedulersContainer.Config, built
    /// over `[training] steps` with `[optimizer] lr` as base, each missing key at torchtitan's default. The trainer
    /// steps the scheduler after every training step.
    func torchtitan() throws(CheckError) -> [String] {
        if !file.name.lowercased().hasSuffix(".toml"), file.text.contains("--job.config_file") {
            return try torchtitanLaunch()
        }
        switch Self.tomlTable(file) {
        case .success(let doc): return try torchtitanJob(doc)
        case .failure(let why):
            throw .error(why.message, at: SourceRange(why.offset, min(why.offset + 1, file.bytes.count)))
        }
    }

    /// Why TOML could not be read: toml++'s words and where it stopped.
    struct TOMLFailure: Error {
        let message: DiagnosticMessage
        let offset: Int
    }

    /// TOMLKit's table of `source`, or where and why toml++ stops. A header toml++ would assert on
    /// (TOMLHeaders) is refused unless toml++ stops before it: only the lines above it are handed over.
    static func tomlTable(_ source: SourceFile) -> Result<TOMLTable, TOMLFailure> {
        let header = TOMLHeaders.unreadable(source.bytes)
        var text = source.text
        if let header {
            let line = source.bytes[..<header.offset].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            text = String(decoding: source.bytes[..<line], as: UTF8.self)
        }
        do {
            let table = try TOMLTable(string: text)
            guard let header else { return .success(table) }
            let end = min(source.bytes.count, header.offset + 4)
            let saw = String(decoding: source.bytes[header.offset..<end], as: UTF8.self).first.map(String.init) ?? ""
            return .failure(TOMLFailure(message: .tomlHeaderName(saw), offset: header.offset))
        } catch let error as TOMLParseError {
            let at = source.offset(line: error.source.begin.line, column: error.source.begin.column)
            return .failure(TOMLFailure(message: .invalidTOML(error.description), offset: at))
        } catch {
            return .failure(TOMLFailure(message: .invalidTOML("\(error)"), offset: 0))
        }
    }

    /// A torchtitan launch command (`./run_train.sh --job.config_file job.toml --lr_scheduler.warmup_steps 20`):
    /// the job file it names, relative to the script, with the `--section.key value` overrides given after it
    /// laid over its values, as torchtitan's ConfigManager lays them.
    private func torchtitanLaunch() throws(CheckError) -> [String] {
        let script = ShellArguments(file.bytes)
        if let quote = script.unclosedQuote { throw .error(.unclosedQuote, at: quote) }
        var notes: [String] = []
        func value(_ o: (name: String, flag: ShellWord, value: ShellWord?)) throws(CheckError) -> (String, SourceRange)
        {
            guard let word = o.value else { return ("True", o.flag.range) }
            let flag = "--" + o.name
            switch script.expand(word, defaults: &notes) {
            case .success(let text):
                return (text.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")), word.range)
            case .failure(.unset(let v)): throw .error(.at(flag, .shellVariableUnset(v)), at: word.range)
            case .failure(.ambiguous(let v)): throw .error(.at(flag, .shellVariableAmbiguous(v)), at: word.range)
            case .failure(.computed(let t)): throw .error(.at(flag, .shellComputed(t)), at: word.range)
            }
        }
        let options = script.options
        guard let named = options.last(where: { $0.name == "job.config_file" }) else {
            throw .error(.torchtitanNeedsJobFile, at: SourceRange(0, 0))
        }
        let (path, place) = try value(named)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let dir = URL(fileURLWithPath: file.name, relativeTo: cwd).absoluteURL.deletingLastPathComponent()
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : dir.appendingPathComponent(path)
        guard let data = FileManager.default.contents(atPath: url.path), data.count <= Importer.maxSize,
            let text = String(data: data, encoding: .utf8)
        else {
            throw .error(.at("--job.config_file", .torchtitanJobFileUnread(path)), at: place)
        }
        guard case .success(let doc) = Self.tomlTable(SourceFile(name: path, text: text)) else {
            throw .error(.at("--job.config_file", .torchtitanJobFileUnread(path)), at: place)
        }
        var overrides: [String: (value: TOMLValueConvertible, place: SourceRange)] = [:]
        for option in options where option.name.contains(".") && option.name != "job.config_file" {
            let key = option.name
            guard Self.torchtitanRead.contains(where: { key.hasPrefix($0) }) else { continue }
            let (text, at) = try value(option)
            // As the command line's parser converts it: a number, a bool, else the text.
            if let n = Int(text) {
                overrides[key] = (n, at)
            } else if let x = Double(text) {
                overrides[key] = (x, at)
            } else if ["True", "true", "False", "false"].contains(text) {
                overrides[key] = (text.lowercased() == "true", at)
            } else {
                overrides[key] = (text, at)
            }
        }
        let lines = try torchtitanJob(doc, overrides: overrides, origin: (path, place))
        let said = "# The job file \(path), with the command's overrides of it."
        return notes.sorted().map { "# \($0) (the environment may set another)." } + [said] + lines
    }

    /// The overrides the schedule reads: the lr_scheduler's fields, the optimizer's lr, the training steps.
    private static let torchtitanRead = ["lr_scheduler.", "optimizer.lr", "training.steps", "training.warmup_steps"]

    /// A job file's schedule, with a launch command's overrides; a value of the job file a launch command named is
    /// refused at that command's --job.config_file.
    private func torchtitanJob(
        _ doc: TOMLTable, overrides: [String: (value: TOMLValueConvertible, place: SourceRange)] = [:],
        origin: (String, SourceRange)? = nil
    ) throws(CheckError) -> [String] {
        func fail(_ key: String, _ message: DiagnosticMessage) -> CheckError {
            if let o = overrides[key] { return .error(.at("--" + key, message), at: o.place) }
            if let (path, place) = origin { return .error(.at(key, from: path, message), at: place) }
            return self.fail(key, message)
        }
        let sched = try section(doc, "lr_scheduler")
        let optimizer = try section(doc, "optimizer")
        let training = try section(doc, "training")
        func get(_ table: TOMLTable?, _ key: String) -> TOMLValueConvertible? {
            overrides[key]?.value ?? table?[String(key.split(separator: ".").last ?? "")]
        }
        let overridden = overrides.keys.filter { $0.hasPrefix("lr_scheduler.") }.map { String($0.dropFirst(13)) }
        for key in (sched?.keys ?? []) + overridden where !ConfigReader.torchtitanFields.contains(key) {
            throw fail("lr_scheduler.\(key)", .notATorchtitanField(key, ConfigReader.torchtitanFields))
        }
        let lr = try tomlNumber(get(optimizer, "optimizer.lr"), "optimizer.lr", fail) ?? 8e-4
        let steps = try tomlWhole(get(training, "training.steps"), "training.steps", least: 1, fail) ?? 10000
        if let old = try tomlWhole(get(training, "training.warmup_steps"), "training.warmup_steps", least: 0, fail) {
            guard sched == nil else { throw fail("training.warmup_steps", .torchtitanWarmupInTraining) }
            return Self.torchtitanBefore2025(lr: lr, steps: steps, warmup: old)
        }
        let warmup =
            try tomlWhole(get(sched, "lr_scheduler.warmup_steps"), "lr_scheduler.warmup_steps", least: 0, fail) ?? 200
        let totalSteps = try tomlWhole(
            get(sched, "lr_scheduler.total_steps"), "lr_scheduler.total_steps", least: 1, fail)
        let ratio = try tomlFraction(get(sched, "lr_scheduler.decay_ratio"), "lr_scheduler.decay_ratio", fail)
        let floor = try tomlFraction(get(sched, "lr_scheduler.min_lr_factor"), "lr_scheduler.min_lr_factor", fail) ?? 0
        var decayType = "linear"
        if let value = get(sched, "lr_scheduler.decay_type") {
            guard let s = value.string else { throw fail("lr_scheduler.decay_type", .expectedSchedulerTypeString) }
            guard ["linear", "sqrt", "cosine"].contains(s) else {
                throw fail("lr_scheduler.decay_type", .notATorchtitanDecayType(s))
            }
            decayType = s
        }
        var kwargs = ["warmup_steps=\(warmup)"]
        if let ratio { kwargs.append("decay_ratio=\(fmt(ratio))") }
        kwargs += ["decay_type=\(JSONValue.quote(decayType))", "min_lr_factor=\(fmt(floor))"]
        if let totalSteps { kwargs.append("total_steps=\(totalSteps)") }
        let defaulted = [
            get(optimizer, "optimizer.lr") == nil ? "[optimizer] lr" : nil,
            get(training, "training.steps") == nil ? "[training] steps" : nil,
        ].compactMap { $0 }
        var lines = [
            "# [lr_scheduler] as torchtitan's LRSchedulersContainer.Config, built over [training] steps,",
            "# stepped after every training step; [optimizer] lr is base.",
        ]
        if !defaulted.isEmpty {
            lines.append("# Not in the file, so torchtitan's defaults: " + defaulted.joined(separator: ", ") + ".")
        }
        lines += [
            "base \(fmt(lr))", "total \(steps)",
            "torchtitan.LRSchedulersContainer.Config(" + kwargs.joined(separator: ", ") + ")",
        ]
        return lines
    }

    /// torchtitan before its `[lr_scheduler]` table read `[training] warmup_steps` into one LambdaLR,
    /// linear_warmup_linear_decay: (i + 1) / (warmup_steps + 1) while i < warmup_steps, then
    /// 1 - (i - warmup_steps) / max(1, steps - warmup_steps), unclamped past the end.
    private static func torchtitanBefore2025(lr: Double, steps: Int, warmup: Int) -> [String] {
        let decay = max(1, steps - warmup)
        let tail = "base * (1 - t / \(decay))"
        return [
            "# [training] warmup_steps: the torchtitan of 2024, before [lr_scheduler], whose one LambdaLR warms up as",
            "# (i + 1) / (warmup_steps + 1), then decays linearly over max(1, steps - warmup_steps), unclamped past",
            "# the end; stepped after every training step; [optimizer] lr is base.",
            "base \(fmt(lr))", "total \(steps)",
            warmup > 0 ? "base * ((t + 1) / \(warmup + 1)) for \(warmup) then " + tail : tail,
        ]
    }

    typealias Fail = (String, DiagnosticMessage) -> CheckError

    /// A top-level table of the job file, or nil when the file has none (every field then at its default).
    private func section(_ doc: TOMLTable, _ name: String) throws(CheckError) -> TOMLTable? {
        guard let value = doc[name] else { return nil }
        guard let table = value.table else { throw fail(name, .expectedTOMLTable) }
        return table
    }

    private func tomlNumber(_ value: TOMLValueConvertible?, _ key: String, _ fail: Fail) throws(CheckError) -> Double? {
        guard let value else { return nil }
        if let x = value.double, x.isFinite { return x }
        if let n = value.int { return Double(n) }
        throw fail(key, .expectedNumber)
    }

    private func tomlWhole(_ value: TOMLValueConvertible?, _ key: String, least: Int, _ fail: Fail) throws(CheckError)
        -> Int?
    {
        guard let value else { return nil }
        guard let n = value.int else { throw fail(key, .expectedWholeNumber) }
        guard n >= least else { throw fail(key, least == 1 ? .expectedPositiveWholeNumber : .expectedWholeNumber) }
        return n
    }

    private func tomlFraction(_ value: TOMLValueConvertible?, _ key: String, _ fail: Fail) throws(CheckError)
        -> Double?
    {
        guard let x = try tomlNumber(value, key, fail) else { return nil }
        guard x >= 0, x <= 1 else { throw fail(key, .expectedFraction) }
        return x
    }
}
