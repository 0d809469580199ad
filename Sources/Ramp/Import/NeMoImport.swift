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
        guard case .number(let given)? = doc["model"]?["optim"]?["lr"] else { throw fail("model.optim", .nemoNeedsLr) }
        let lr = try rate(given, "model.optim.lr")
        guard case .object(let sched)? = doc["model"]?["optim"]?["sched"] else {
            throw fail("model.optim", .nemoNeedsSched)
        }
        // `args: {params: ...}` is the older form; the params sit beside `name` otherwise.
        var params = sched
        if case .object(let inner)? = doc["model"]?["optim"]?["sched"]?["args"]?["params"] { params += inner }
        guard case .string(let name)? = doc["model"]?["optim"]?["sched"]?["name"] else {
            throw fail("model.optim.sched", .schedulerNeedsName)
        }
        let constructor = Self.nemoTorchSchedulers[name] ?? "nemo." + name
        guard let definition = Prelude.definition(constructor) else {
            let known = Prelude.names(in: "nemo").joined(separator: ", ")
            throw fail("model.optim.sched.name", .notANeMoPolicy(name, known))
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
        var maxSteps: Double?
        let needsLength = fields.contains("max_steps")
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
        } else if case .number(let epochs)? = doc["trainer"]?["max_epochs"], epochs > 0 || !needsLength {
            // A scheduler that takes no max_steps is built whatever compute_max_steps gives (-1 epochs: endless).
            guard epochs == epochs.rounded() else { throw fail("trainer.max_epochs", .expectedWholeNumber) }
            if let n = options.stepsPerEpoch, epochs > 0 {
                maxSteps = epochs * Double(n)
                notes.append(
                    "# max_steps \(fmt(epochs * Double(n))): trainer.max_epochs \(fmt(epochs)) of --steps-per-epoch "
                        + "\(n), as NeMo's compute_max_steps derives it.")
            } else if needsLength {
                throw fail("trainer.max_epochs", .nemoEpochsNeedSteps)
            }
        } else {
            throw fail("", .nemoNeedsMaxSteps)
        }
        if needsLength, let maxSteps { kwargs.append("max_steps=\(fmt(maxSteps))") }
        for p in definition.params where p.defaultValue == nil && !seen.contains(p.name) && p.name != "max_steps" {
            throw fail("model.optim.sched", .schedulerNeedsArgument(name, p.name))
        }
        var stepping = "stepped by Lightning after every optimizer step"
        if name == "ExponentialLR" {
            // In EPOCH_SCHEDULERS: Lightning steps it at each epoch's end (interval='epoch').
            let n = try stepsPerEpoch("model.optim.sched.name", .byEpoch("NeMo's ExponentialLR"))
            stepping = "stepped at each epoch's end (one of NeMo's EPOCH_SCHEDULERS)"
            notes.append("steps_per_epoch \(n)")
        }
        return ["# model.optim.sched \(name), \(stepping); model.optim.lr is base."] + notes + ["base \(fmt(lr))"]
            + (maxSteps.map { ["total \(fmt($0))"] } ?? [])
            + [constructor + "(" + kwargs.joined(separator: ", ") + ")"]
    }

    /// The torch schedulers in NeMo's AVAILABLE_SCHEDULERS that Ramp reads, built with the sched's params:
    /// StepLR and CyclicLR stepped every step, ExponentialLR every epoch (Ramp's by-epoch form of it).
    static let nemoTorchSchedulers = [
        "StepLR": "torch.StepLR", "CyclicLR": "torch.CyclicLR", "ExponentialLR": "mmengine.ExponentialLR",
    ]
}
