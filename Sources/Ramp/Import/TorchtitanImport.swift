import Foundation
import TOMLKit

extension ConfigReader {
    /// The fields of torchtitan's `[lr_scheduler]` (LRSchedulersContainer.Config), in its order.
    static let torchtitanFields = ["warmup_steps", "total_steps", "decay_ratio", "decay_type", "min_lr_factor"]

    /// torchtitan's job TOML (`train_configs/*.toml`): `[lr_scheduler]` as LRSchedulersContainer.Config, built
    /// over `[training] steps` with `[optimizer] lr` as base, each missing key at torchtitan's default. The trainer
    /// steps the scheduler after every training step.
    func torchtitan() throws(CheckError) -> [String] {
        let doc: TOMLTable
        do {
            doc = try TOMLTable(string: file.text)
        } catch let error as TOMLParseError {
            let at = file.offset(line: error.source.begin.line, column: error.source.begin.column)
            throw .error(.invalidTOML(error.description), at: SourceRange(at, min(at + 1, file.bytes.count)))
        } catch {
            throw .error(.invalidTOML("\(error)"), at: SourceRange(0, 0))
        }
        let sched = try section(doc, "lr_scheduler")
        let optimizer = try section(doc, "optimizer")
        let training = try section(doc, "training")
        for key in sched?.keys ?? [] where !ConfigReader.torchtitanFields.contains(key) {
            throw fail("lr_scheduler.\(key)", .notATorchtitanField(key, ConfigReader.torchtitanFields))
        }
        let lr = try tomlNumber(optimizer?["lr"], "optimizer.lr") ?? 8e-4
        let steps = try tomlWhole(training?["steps"], "training.steps", least: 1) ?? 10000
        if let old = try tomlWhole(training?["warmup_steps"], "training.warmup_steps", least: 0) {
            guard sched == nil else { throw fail("training.warmup_steps", .torchtitanWarmupInTraining) }
            return Self.torchtitanBefore2025(lr: lr, steps: steps, warmup: old)
        }
        let warmup = try tomlWhole(sched?["warmup_steps"], "lr_scheduler.warmup_steps", least: 0) ?? 200
        let totalSteps = try tomlWhole(sched?["total_steps"], "lr_scheduler.total_steps", least: 1)
        let ratio = try tomlFraction(sched?["decay_ratio"], "lr_scheduler.decay_ratio")
        let floor = try tomlFraction(sched?["min_lr_factor"], "lr_scheduler.min_lr_factor") ?? 0
        var decayType = "linear"
        if let value = sched?["decay_type"] {
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
            optimizer?["lr"] == nil ? "[optimizer] lr" : nil, training?["steps"] == nil ? "[training] steps" : nil,
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

    /// A top-level table of the job file, or nil when the file has none (every field then at its default).
    private func section(_ doc: TOMLTable, _ name: String) throws(CheckError) -> TOMLTable? {
        guard let value = doc[name] else { return nil }
        guard let table = value.table else { throw fail(name, .expectedTOMLTable) }
        return table
    }

    private func tomlNumber(_ value: TOMLValueConvertible?, _ key: String) throws(CheckError) -> Double? {
        guard let value else { return nil }
        if let x = value.double, x.isFinite { return x }
        if let n = value.int { return Double(n) }
        throw fail(key, .expectedNumber)
    }

    private func tomlWhole(_ value: TOMLValueConvertible?, _ key: String, least: Int) throws(CheckError) -> Int? {
        guard let value else { return nil }
        guard let n = value.int else { throw fail(key, .expectedWholeNumber) }
        guard n >= least else { throw fail(key, least == 1 ? .expectedPositiveWholeNumber : .expectedWholeNumber) }
        return n
    }

    private func tomlFraction(_ value: TOMLValueConvertible?, _ key: String) throws(CheckError) -> Double? {
        guard let x = try tomlNumber(value, key) else { return nil }
        guard x >= 0, x <= 1 else { throw fail(key, .expectedFraction) }
        return x
    }
}
