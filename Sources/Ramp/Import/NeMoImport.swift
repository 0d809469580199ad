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
        // prepare_lr_scheduler: the scheduler's max_steps, else the trainer's (-1 and None are not a length).
        var maxSteps: Double?
        let own = params.last { $0.0 == "max_steps" }?.1
        for (key, v) in [("model.optim.sched.max_steps", own), ("trainer.max_steps", doc["trainer"]?["max_steps"])] {
            if case .number(let x)? = v, x > 0 {
                guard x == x.rounded() else { throw fail(key, .expectedWholeNumber) }
                maxSteps = x
                break
            }
        }
        guard let maxSteps else { throw fail("", .nemoNeedsMaxSteps) }
        if fields.contains("max_steps") { kwargs.append("max_steps=\(fmt(maxSteps))") }
        return [
            "# model.optim.sched \(name), stepped by Lightning after every optimizer step; model.optim.lr is base.",
            "base \(fmt(lr))",
            "total \(fmt(maxSteps))",
            constructor + "(" + kwargs.joined(separator: ", ") + ")",
        ]
    }
}
