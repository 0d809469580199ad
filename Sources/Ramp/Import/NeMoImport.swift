import Foundation

extension ConfigReader {
    /// A NeMo model's Hydra YAML: `model.optim.lr` as base, `model.optim.sched` as the policy its `name` names,
    /// given its params and `max_steps` (the scheduler's own, else `trainer.max_steps`), as
    /// nemo.core.optim.lr_scheduler.prepare_lr_scheduler builds it; stepped by Lightning after every step.
    mutating func nemo() throws(CheckError) -> [String] {
        var yaml = YAMLReader(file: file)
        let raw: JSONValue
        do { raw = try yaml.read() } catch { throw .error(error.message, at: error.range) }
        places = yaml.places
        let doc = try interpolated(raw, root: raw, path: "", depth: 0)
        guard case .object? = doc["model"]?["optim"] else { throw fail("", .nemoNeedsOptim) }
        guard case .number(let lr)? = doc["model"]?["optim"]?["lr"] else { throw fail("model.optim", .nemoNeedsLr) }
        guard case .object(let sched)? = doc["model"]?["optim"]?["sched"] else {
            throw fail("model.optim", .nemoNeedsSched)
        }
        // `args: {params: ...}` is the older form; the params sit beside `name` otherwise.
        var params = sched
        if case .object(let inner)? = doc["model"]?["optim"]?["sched"]?["args"]?["params"] { params += inner }
        guard case .string(let name)? = doc["model"]?["optim"]?["sched"]?["name"] else {
            throw fail("model.optim.sched", .schedulerNeedsName)
        }
        let constructor = "nemo." + name
        guard let definition = Prelude.definitions.first(where: { $0.name == constructor }) else {
            let known = Prelude.definitions.map(\.name).filter { $0.hasPrefix("nemo.") }.map { $0.dropFirst(5) }
            throw fail("model.optim.sched.name", .notANeMoPolicy(name, known.joined(separator: ", ")))
        }
        let fields = Set(definition.params.map(\.name))
        var kwargs: [String] = []
        var seen: Set<String> = []
        for (key, value) in params where fields.contains(key) && key != "max_steps" && !seen.contains(key) {
            if value == .null { continue }
            seen.insert(key)
            kwargs.append("\(key)=\(try literal(value, "model.optim.sched.\(key)"))")
        }
        // ModelPT.setup_optimization: a trainer.max_steps of 0 or more replaces the scheduler's; else
        // prepare_lr_scheduler takes the scheduler's own (-1: no scheduler), else derives it from max_epochs.
        var notes: [String] = []
        let maxSteps: Double
        let own = params.last { $0.0 == "max_steps" }?.1
        if case .number(let x)? = doc["trainer"]?["max_steps"], x >= 0 {
            guard x == x.rounded(), x > 0 else { throw fail("trainer.max_steps", .expectedPositiveWholeNumber) }
            maxSteps = x
        } else if case .number(let x)? = own {
            if x == -1 {
                return [
                    "# model.optim.sched.max_steps is -1 and trainer.max_steps is not set: NeMo builds no scheduler,",
                    "# so the rate stays model.optim.lr.",
                    "base \(fmt(lr))", "base",
                ]
            }
            guard x == x.rounded(), x > 0 else { throw fail("model.optim.sched.max_steps", .expectedWholeNumber) }
            maxSteps = x
        } else if case .number(let epochs)? = doc["trainer"]?["max_epochs"], epochs > 0 {
            guard epochs == epochs.rounded() else { throw fail("trainer.max_epochs", .expectedWholeNumber) }
            guard let n = options.stepsPerEpoch else { throw fail("trainer.max_epochs", .nemoEpochsNeedSteps) }
            maxSteps = epochs * Double(n)
            notes.append(
                "# max_steps \(fmt(maxSteps)): trainer.max_epochs \(fmt(epochs)) of --steps-per-epoch \(n), as NeMo's "
                    + "compute_max_steps derives it.")
        } else {
            throw fail("", .nemoNeedsMaxSteps)
        }
        if fields.contains("max_steps") { kwargs.append("max_steps=\(fmt(maxSteps))") }
        return notes + [
            "# model.optim.sched \(name), stepped by Lightning after every optimizer step; model.optim.lr is base.",
            "base \(fmt(lr))",
            "total \(fmt(maxSteps))",
            constructor + "(" + kwargs.joined(separator: ", ") + ")",
        ]
    }
}
