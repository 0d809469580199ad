import Foundation

extension ConfigReader {
    /// The arguments a launch script passes to Megatron-LM's pretrain_gpt.py (`--lr 3e-4 --train-iters 500000 ...`),
    /// derived as megatron/training/training.py's get_optimizer_param_scheduler derives the scheduler's
    /// lengths: in samples, through --global-batch-size.
    func megatron() throws(CheckError) -> [String] {
        let script = ShellArguments(file.bytes)
        if let quote = script.unclosedQuote { throw .error(.unclosedQuote, at: quote) }
        var given: [String: (flag: ShellWord, value: ShellWord?)] = [:]
        for option in script.options {
            let name = option.name
            if name == "warmup" { throw .error(.at("--warmup", .megatronOldWarmup), at: option.flag.range) }
            let dashed = name.replacingOccurrences(of: "_", with: "-")
            if dashed != name, Self.megatronFlags.contains(dashed) {
                throw .error(.at("--" + name, .megatronFlagSpelling("--" + dashed)), at: option.flag.range)
            }
            guard Self.megatronFlags.contains(name) else { continue }
            if let before = given[name], before.value?.text != option.value?.text,
                before.flag.conditional || option.flag.conditional
            {
                throw .error(.at("--" + name, .megatronConditionalFlag), at: option.flag.range)
            }
            given[name] = (option.flag, option.value)
        }
        var notes: [String] = []
        var args: [String: String] = [:]
        for (name, place) in given.sorted(by: { $0.value.flag.range.start < $1.value.flag.range.start }) {
            guard let value = place.value else {
                args[name] = ""
                continue
            }
            switch script.expand(value, defaults: &notes) {
            case .success(let text): args[name] = text
            case .failure(.unset(let v)): throw .error(.at("--" + name, .shellVariableUnset(v)), at: value.range)
            case .failure(.ambiguous(let v)):
                throw .error(.at("--" + name, .shellVariableAmbiguous(v)), at: value.range)
            case .failure(.computed(let t)): throw .error(.at("--" + name, .shellComputed(t)), at: value.range)
            }
        }
        func fail(_ key: String, _ message: DiagnosticMessage) -> CheckError {
            let name = String(key.dropFirst(2))
            return .error(.at(key, message), at: given[name]?.flag.range ?? SourceRange(0, 0))
        }
        func number(_ k: String) throws(CheckError) -> Double? {
            guard let s = args[k] else { return nil }
            guard let x = Double(s), x.isFinite else { throw fail("--" + k, .notANumber(s)) }
            return x
        }
        func whole(_ k: String) throws(CheckError) -> Int? {
            guard let x = try number(k) else { return nil }
            guard x >= 0, x == x.rounded(), x < 1e15 else { throw fail("--" + k, .expectedWholeNumber) }
            return Int(x)
        }
        /// validate_args refuses iteration-based and sample-based flags together, and two kinds of warmup.
        func refuse(_ k: String, when given: Bool, _ assertion: String) throws(CheckError) {
            if given { throw fail("--" + k, .megatronRefuses(assertion)) }
        }
        let fractionGiven = args["lr-warmup-fraction"] != nil
        let warmupIters = try number("lr-warmup-iters") ?? 0
        let warmupSamples = try number("lr-warmup-samples") ?? 0
        if args["train-iters"] != nil {
            try refuse("train-samples", when: args["train-samples"] != nil, "expected iteration-based training")
            try refuse(
                "lr-decay-samples", when: args["lr-decay-samples"] != nil,
                "expected iteration-based learning rate decay")
            try refuse(
                "lr-warmup-samples", when: warmupSamples != 0,
                "expected iteration-based learning rate warmup")
            try refuse(
                "lr-warmup-iters", when: fractionGiven && warmupIters != 0,
                "can only specify one of lr-warmup-fraction and lr-warmup-iters")
        } else if args["train-samples"] != nil {
            try refuse(
                "lr-decay-iters", when: args["lr-decay-iters"] != nil, "expected sample-based learning rate decay")
            try refuse(
                "lr-warmup-iters", when: warmupIters != 0,
                "expected sample-based learnig rate warmup")
            try refuse(
                "lr-warmup-samples", when: fractionGiven && warmupSamples != 0,
                "can only specify one of lr-warmup-fraction and lr-warmup-samples")
        }
        if args["rampup-batch-size"] != nil { throw fail("--rampup-batch-size", .megatronBatchRampup) }
        guard let lr = try number("lr") else { throw fail("", .megatronNeedsLr) }
        guard let batch = try whole("global-batch-size"), batch > 0 else {
            throw fail("", .megatronNeedsGlobalBatchSize)
        }
        let style = args["lr-decay-style"] ?? "linear"
        let styles = ["constant", "linear", "cosine", "inverse-square-root", "WSD"]
        guard styles.contains(style) else { throw fail("--lr-decay-style", .notAMegatronStyle(style, styles)) }
        let wsdStyle = args["lr-wsd-decay-style"] ?? "exponential"
        let wsdStyles = ["exponential", "linear", "cosine", "minus_sqrt"]
        guard wsdStyles.contains(wsdStyle) else {
            throw fail("--lr-wsd-decay-style", .notAMegatronStyle(wsdStyle, wsdStyles))
        }
        let incrStyle = args["weight-decay-incr-style"] ?? "constant"
        let incrStyles = ["constant", "linear", "cosine"]
        guard incrStyles.contains(incrStyle) else {
            throw fail("--weight-decay-incr-style", .notAMegatronStyle(incrStyle, incrStyles))
        }
        let gbs = Double(batch)
        let decay: Double
        let wdIncr: Double
        let warmup: Double
        let wsd: Double?
        let iterations: Int
        if let train = try whole("train-iters") {
            iterations = train
            decay = Double(try whole("lr-decay-iters") ?? train) * gbs
            wdIncr = Double(train) * gbs
            let wsdIters = try whole("lr-wsd-decay-iters")
            wsd = wsdIters.map { Double($0) * gbs }
            let fraction = try number("lr-warmup-fraction")
            let iters = try whole("lr-warmup-iters") ?? 0
            warmup = fraction.map { $0 * decay } ?? Double(iters) * gbs
        } else if let samples = try whole("train-samples") {
            iterations = samples / batch
            decay = Double(try whole("lr-decay-samples") ?? samples)
            wdIncr = Double(samples)
            let wsdSamples = try whole("lr-wsd-decay-samples")
            wsd = wsdSamples.map(Double.init)
            let fraction = try number("lr-warmup-fraction")
            let given = try whole("lr-warmup-samples") ?? 0
            warmup = fraction.map { $0 * decay } ?? Double(given)
        } else {
            throw fail("", .megatronNeedsLength)
        }
        let weightDecay = try number("weight-decay") ?? 0.01
        var kwargs = [
            "init_lr=\(fmt(try number("lr-warmup-init") ?? 0))", "max_lr=\(fmt(lr))",
            "min_lr=\(fmt(try number("min-lr") ?? 0))", "lr_warmup_steps=\(fmt(warmup))",
            "lr_decay_steps=\(fmt(decay))", "lr_decay_style=\(JSONValue.quote(style))",
            "start_wd=\(fmt(try number("start-weight-decay") ?? weightDecay))",
            "end_wd=\(fmt(try number("end-weight-decay") ?? weightDecay))", "wd_incr_steps=\(fmt(wdIncr))",
            "wd_incr_style=\(JSONValue.quote(incrStyle))",
        ]
        if style == "WSD" {
            guard let wsd else { throw fail("", .megatronWSDNeedsDecay) }
            kwargs += [
                "wsd_decay_steps=\(fmt(wsd))",
                "lr_wsd_decay_style=\(JSONValue.quote(wsdStyle))",
            ]
        }
        return notes.sorted().map { "# \($0) (the environment may set another)." } + [
            "# Megatron-LM's OptimizerParamScheduler, stepped after every iteration by the samples it consumed:",
            "# its lengths are samples, and an iteration is --global-batch-size of them.",
            "samples_per_step \(batch)",
            "total \(iterations)",
            "megatron.OptimizerParamScheduler(" + kwargs.joined(separator: ", ") + ")",
        ]
    }

    /// The flags get_optimizer_param_scheduler reads, directly or through validate_args.
    static let megatronFlags: Set<String> = [
        "lr", "min-lr", "lr-warmup-init", "lr-decay-style", "lr-wsd-decay-style", "global-batch-size", "train-iters",
        "train-samples", "lr-decay-iters", "lr-decay-samples", "lr-warmup-fraction", "lr-warmup-iters",
        "lr-warmup-samples", "lr-wsd-decay-iters", "lr-wsd-decay-samples", "weight-decay", "start-weight-decay",
        "end-weight-decay", "weight-decay-incr-style", "rampup-batch-size",
    ]
}
