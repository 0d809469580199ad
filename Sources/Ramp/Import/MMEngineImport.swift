/// MMEngine configs: Python files read as data. `param_scheduler`,
/// `optim_wrapper` (or `optimizer`) and `train_cfg` are parsed as Python
/// literals (dicts, lists, tuples, numbers, strings); nothing is executed.
extension ConfigReader {
    /// One `dict(type=..., ...)` of `param_scheduler`, in iterations.
    struct MMScheduler {
        var index: Int
        var type: String
        var args: [String: JSONValue]
        /// Ticks and span in iterations; a tick is an epoch when stepped by epoch without conversion.
        var begin: Int, end: Int?, tick: Int
        /// `lr` or `momentum`.
        var param: String
        var key: String { "param_scheduler[\(index)]" }
    }

    static let mmTypes = [
        "Linear", "Constant", "CosineAnnealing", "Exponential", "MultiStep", "Step", "Poly", "OneCycle",
        "CosineRestart", "ReduceOnPlateau",
    ]

    mutating func mmengine() throws(CheckError) -> [String] {
        var config = PythonConfig(file: file)
        do { try config.run() } catch {
            let at = SourceRange(error.at, min(file.bytes.count, error.at + 1))
            throw .error(error.message, at: at)
        }
        places = config.places
        origins = config.origins
        baseAt = config.baseAt
        func read(_ name: String) throws(CheckError) -> JSONValue? {
            do { return try config.read(name) } catch {
                let at = SourceRange(error.at, min(file.bytes.count, error.at + 1))
                throw .error(error.message, at: at)
            }
        }
        guard let schedulers = try read("param_scheduler") else {
            throw fail("", .noParamScheduler)
        }
        var optimizer = try read("optim_wrapper")?["optimizer"]
        if optimizer == nil { optimizer = try read("optimizer") }
        let trainCfg = try read("train_cfg")
        var lines: [String] = []
        guard case .number(let base)? = optimizer?["lr"] else {
            throw fail("optim_wrapper", .mmengineNeedsLr)
        }
        lines += ["# The optimizer's lr is base.", "base \(fmt(base))"]
        var momentum: Double?
        if case .number(let m)? = optimizer?["momentum"] { momentum = m }
        if case .array(let betas)? = optimizer?["betas"], case .number(let b1)? = betas.first { momentum = b1 }
        let list: [JSONValue]
        switch schedulers {
        case .array(let xs): list = xs
        case .object: list = [schedulers]
        default: throw fail("param_scheduler", .expectedDictList)
        }
        let spe = options.stepsPerEpoch
        var parsed: [MMScheduler] = []
        for (i, item) in list.enumerated() {
            let key = "param_scheduler[\(i)]"
            guard case .object(let kvs) = item, case .string(let type)? = item["type"] else {
                throw fail(key, .expectedDict)
            }
            var args: [String: JSONValue] = [:]
            for (k, v) in kvs where k != "type" { args[k] = v }
            let param: String
            let stem: String
            if type.hasSuffix("LR") {
                (param, stem) = ("lr", String(type.dropLast(2)))
            } else if type.hasSuffix("Momentum") {
                (param, stem) = ("momentum", String(type.dropLast(8)))
            } else if type.hasSuffix("ParamScheduler") {
                // Any parameter of the optimizer's groups, named by param_name: an output Ramp schedules.
                guard case .string(let name)? = args.removeValue(forKey: "param_name"), !name.isEmpty else {
                    throw fail(key, .needsParamName(type))
                }
                (param, stem) = (name, String(type.dropLast(14)))
            } else {
                throw fail("\(key).type", .notAnMMEngineScheduler(type, known: ConfigReader.mmTypes, forms: true))
            }
            guard ConfigReader.mmTypes.contains(stem) else {
                throw fail("\(key).type", .notAnMMEngineScheduler(type, known: ConfigReader.mmTypes, forms: false))
            }
            let byEpoch = args["by_epoch"].map { $0 != .bool(false) } ?? true
            let convert = args["convert_to_iter_based"] == .bool(true)
            func count(_ k: String) throws(CheckError) -> Int? {
                switch args[k] {
                case nil, .null?: return nil
                case .number(let x)? where x == x.rounded() && x >= 0 && x < 1e15: return Int(x)
                default: throw fail("\(key).\(k)", .expectedWholeNumber)
                }
            }
            var scale = 1
            var tick = 1
            if byEpoch {
                let e = try stepsPerEpoch("\(key).by_epoch", .byEpoch(type))
                if convert { scale = e } else { tick = e }
            }
            if convert, byEpoch {
                // convert_to_iter_based: the scheduler is stepped every iteration, its epoch lengths in iterations.
                for k in ["T_max", "step_size", "total_steps"] {
                    if case .number(let x)? = args[k] { args[k] = .number(x * Double(scale)) }
                }
                for k in ["milestones", "periods"] {
                    if case .array(let xs)? = args[k] {
                        args[k] = .array(xs.map { $0.number.map { .number($0 * Double(scale)) } ?? $0 })
                    }
                }
            }
            if args["end"] == nil, let runEnd = try mmRunEnd(trainCfg, byEpoch: byEpoch, key: key) {
                // The Runner's default: a scheduler without `end` runs to the train loop's max_epochs or max_iters.
                args["end"] = .number(Double(runEnd))
            }
            let begin = (try count("begin") ?? 0) * scale * tick
            let end = (try count("end")).map { $0 * scale * tick }
            if let end, end <= begin { throw fail("\(key).end", .endNotAfterBeginInConfig) }
            if stem == "CosineAnnealing", (args["T_max"]?.number ?? 0) == 0 {
                // CosineAnnealingParamScheduler: `T_max or (end - begin)`, after the conversion to iterations.
                guard let end else { throw fail(key, .needsTMax(type)) }
                args["T_max"] = .number(Double((end - begin) / tick))
            }
            parsed.append(
                MMScheduler(index: i, type: stem, args: args, begin: begin, end: end, tick: tick, param: param))
        }
        if let spe { lines.append("steps_per_epoch \(spe)") }
        if case .number(let n)? = trainCfg?["max_epochs"], spe != nil {
            lines.append("total \(fmt(n)) epochs")
        } else if case .number(let n)? = trainCfg?["max_iters"] {
            lines.append("total \(fmt(n))")
        }
        var params = ["lr", "momentum"]
        for s in parsed where !params.contains(s.param) { params.append(s.param) }
        for param in params {
            let group = parsed.filter { $0.param == param }
            guard !group.isEmpty else { continue }
            let start: Double
            switch param {
            case "lr": start = base
            case "momentum":
                guard let m = momentum else {
                    throw fail(group[0].key, .momentumNeedsOptimizerMomentum)
                }
                start = m
            default:
                guard case .number(let v)? = optimizer?[param] else {
                    throw fail(group[0].key, .needsOptimizerValue(param))
                }
                start = v
            }
            lines.append(
                "# "
                    + group.map { s in
                        let kind = ["lr": "LR", "momentum": "Momentum"][param] ?? "ParamScheduler(\(param))"
                        let span = s.end.map { "steps \(s.begin)-\($0 - 1)" } ?? "from step \(s.begin)"
                        return "\(s.key) \(s.type)\(kind) (\(span)\(s.tick > 1 ? ", once an epoch" : ""))"
                    }.joined(separator: "; "))
            let text = try mmCompose(group, start: start, param: param, spe: spe)
            lines.append(param == "lr" ? text : "\(param): " + text)
        }
        return lines
    }

    /// The `end` MMEngine's Runner gives a scheduler that has none: the train loop's max_epochs for one
    /// stepped by epoch, max_iters for one stepped by iteration (max_epochs epochs of the dataloader in
    /// an epoch-based loop). Nil without a train loop, where the scheduler runs on (MMEngine's INF).
    func mmRunEnd(_ trainCfg: JSONValue?, byEpoch: Bool, key: String) throws(CheckError) -> Int? {
        guard let trainCfg else { return nil }
        func whole(_ k: String) throws(CheckError) -> Int? {
            guard let v = trainCfg[k] else { return nil }
            guard case .number(let x) = v, x == x.rounded(), x >= 1, x < 1e12 else {
                throw fail("train_cfg.\(k)", .expectedWholeNumber)
            }
            return Int(x)
        }
        let iterLoop = trainCfg["type"]?.stringValue == "IterBasedTrainLoop" || trainCfg["by_epoch"] == .bool(false)
        if iterLoop {
            guard !byEpoch else {
                throw fail(key, .epochSchedulerInIterationLoop)
            }
            return try whole("max_iters")
        }
        guard let epochs = try whole("max_epochs") else { return nil }
        if byEpoch { return epochs }
        return epochs * (try stepsPerEpoch(key, .runEnd))
    }

    /// One output's schedulers as one schedule. Schedulers that scale the
    /// value by a factor compose as a product, overlapping or not; otherwise
    /// they must follow one another, each starting from the value it finds.
    func mmCompose(_ group: [MMScheduler], start: Double, param: String, spe: Int?) throws(CheckError) -> String {
        let sorted = group.sorted { $0.begin < $1.begin }
        if sorted.count == 1, ["OneCycle", "CosineRestart", "ReduceOnPlateau"].contains(sorted[0].type) {
            return try mmWhole(sorted[0], param: param)
        }
        for s in sorted where ["OneCycle", "CosineRestart", "ReduceOnPlateau"].contains(s.type) {
            throw fail("\(s.key).type", .setsValueOutright(s.type, param))
        }
        if param == "lr", sorted.allSatisfy(isFactor) {
            // Each multiplies the rate: the product of each on its own, over the base once for each but one.
            let parts = try sorted.map { s throws(CheckError) in
                let body = try mmBody(s, from: "base", start: start)
                return s.begin == 0 && s.end == nil
                    ? body : "span(\(body), begin=\(s.begin), end=\(s.end.map(String.init) ?? "None"))"
            }
            return parts.count == 1
                ? parts[0]
                : "(" + parts.joined(separator: " * ") + ")" + " / base"
                    + (parts.count > 2 ? " ^ \(parts.count - 1)" : "")
        }
        // One after another: each starts from the value the last left.
        var phases: [String] = []
        var at = 0
        var value = start
        for (i, s) in sorted.enumerated() {
            if s.begin < at {
                throw fail(s.key, .overlaps(sorted[i - 1].key, at: s.begin))
            }
            if s.begin > at { phases.append("constant(\(fmt(value))) for \(s.begin - at)") }
            let body = try mmBody(s, from: fmt(value), start: start)
            guard let end = s.end else {
                if i < sorted.count - 1 { throw fail(sorted[i + 1].key, .followsEndless(s.key)) }
                phases.append(body)
                return phases.joined(separator: " then ")
            }
            phases.append("(\(body)) for \(end - s.begin)")
            // The value it stops at, frozen from its end: what the program so far gives at end - 1.
            let sofar = (spe.map { "steps_per_epoch \($0)\n" } ?? "") + phases.joined(separator: " then ")
            do {
                value = try Compiler.compile(SourceFile(name: "<import>", text: sofar)).value(at: end - 1)
            } catch {
                throw fail(s.key, .notCheckable(error.diagnostics.first?.message ?? ""))
            }
            at = end
        }
        phases.append("constant(\(fmt(value)))")
        return phases.joined(separator: " then ")
    }

    /// True for a scheduler whose every update multiplies the value.
    func isFactor(_ s: MMScheduler) -> Bool {
        switch s.type {
        case "Linear", "Constant", "Exponential", "MultiStep", "Step": return true
        case "CosineAnnealing", "Poly":
            return (s.args["eta_min"]?.number ?? 0) == 0 && (s.args["eta_min_ratio"]?.number ?? 0) == 0
        default: return false
        }
    }

    /// A scheduler from its own step 0, starting at `from` (the value it finds), in closed form.
    func mmBody(_ s: MMScheduler, from v: String, start: Double) throws(CheckError) -> String {
        func num(_ k: String, _ fallback: Double?) throws(CheckError) -> String {
            switch s.args[k] {
            case .number(let x)?: return fmt(x)
            case nil, .null?:
                guard let fallback else { throw fail(s.key, .schedulerNeeds(s.type, k)) }
                return fmt(fallback)
            default: throw fail("\(s.key).\(k)", .expectedNumber)
            }
        }
        let k = s.tick > 1 ? "floor(t / \(s.tick))" : "t"
        // MMEngine's end - 1: the last update is at end - 1, begin to end - 1 in its own ticks.
        let last = s.end.map { ($0 - s.begin) / s.tick - 1 }
        let eta: String = {
            if case .number(let x)? = s.args["eta_min"] { return fmt(x) }
            if case .number(let r)? = s.args["eta_min_ratio"] { return fmt(start * r) }
            return "0"
        }()
        switch s.type {
        case "Linear":
            let sf = try num("start_factor", 1.0 / 3)
            let ef = try num("end_factor", 1)
            guard let last else { return "\(v) * \(sf)" }
            return "\(v) * (\(sf) + (\(ef) - \(sf)) * (min(\(k), \(last)) / \(max(1, last))))"
        case "Constant":
            let f = try num("factor", 1.0 / 3)
            guard let last else { return "\(v) * \(f)" }
            return "\(v) * at(piecewise(boundaries=[\(last)], values=[\(f), 1]), \(k))"
        case "Exponential": return "\(v) * \(try num("gamma", nil)) ^ \(k)"
        case "MultiStep":
            guard case .array(let marks)? = s.args["milestones"] else { throw fail(s.key, .multiStepNeedsMilestones) }
            let m = try marks.map { x throws(CheckError) -> String in
                guard let n = x.number else { throw fail("\(s.key).milestones", .expectedNumbers) }
                return fmt(n)
            }
            return
                "\(v) * at(multistep(milestones=[\(m.joined(separator: ", "))], "
                + "gamma=\(try num("gamma", 0.1)), from=1), \(k))"
        case "Step": return "\(v) * \(try num("gamma", 0.1)) ^ floor(\(k) / \(try num("step_size", nil)))"
        case "CosineAnnealing":
            return "\(eta) + (\(v) - \(eta)) * (1 + cos(pi * \(k) / \(try num("T_max", nil)))) / 2"
        case "Poly":
            guard let last else { throw fail(s.key, .polyWithoutEnd) }
            return "\(eta) + (\(v) - \(eta)) * (1 - min(\(k), \(last)) / \(max(1, last))) ^ \(try num("power", 1))"
        default:
            throw fail("\(s.key).type", .onlySoleScheduler(s.type))
        }
    }

    /// A scheduler that sets the value outright, as the mmengine. namespace writes it.
    func mmWhole(_ s: MMScheduler, param: String) throws(CheckError) -> String {
        guard param == "lr" else { throw fail("\(s.key).type", .momentumFormUnread(s.type)) }
        var args = try keywords(
            .object(s.args.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }), s.key,
            skipping: ["begin", "end", "by_epoch", "convert_to_iter_based"])
        args +=
            ["begin=\(s.begin / s.tick)"] + (s.end.map { ["end=\($0 / s.tick)"] } ?? []) + [
                "by_epoch=\(s.tick > 1 ? "true" : "false")"
            ]
        return "mmengine.\(s.type)LR(\(args.joined(separator: ", ")))"
    }
}
