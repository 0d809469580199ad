import Foundation

extension ConfigReader {
    /// The arguments a launch script passes to Megatron-LM's pretrain_gpt.py (`--lr 3e-4 --train-iters 500000 ...`),
    /// derived as megatron/training/training.py's get_optimizer_param_scheduler derives the scheduler's
    /// lengths: in samples, through --global-batch-size.
    func megatron() throws(CheckError) -> [String] {
        var args: [String: String] = [:]
        let words = file.text.split(whereSeparator: { $0.isWhitespace || $0 == "\\" }).map(String.init)
        var i = 0
        while i < words.count {
            var w = words[i]
            guard w.hasPrefix("--") else { throw fail(w, .expectedMegatronOption) }
            w = String(w.dropFirst(2))
            if let eq = w.firstIndex(of: "=") {
                args[String(w[..<eq])] = String(w[w.index(after: eq)...])
            } else if i + 1 < words.count, !words[i + 1].hasPrefix("--") {
                args[w] = words[i + 1]
                i += 1
            } else {
                args[w] = ""
            }
            i += 1
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
        if args["rampup-batch-size"] != nil { throw fail("--rampup-batch-size", .megatronBatchRampup) }
        guard let lr = try number("lr") else { throw fail("", .megatronNeedsLr) }
        guard let batch = try whole("global-batch-size"), batch > 0 else {
            throw fail("", .megatronNeedsGlobalBatchSize)
        }
        let style = args["lr-decay-style"] ?? "linear"
        let styles = ["constant", "linear", "cosine", "inverse-square-root", "WSD"]
        guard styles.contains(style) else { throw fail("--lr-decay-style", .notAMegatronStyle(style, styles)) }
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
            "wd_incr_style=\(JSONValue.quote(args["weight-decay-incr-style"] ?? "constant"))",
        ]
        if style == "WSD" {
            guard let wsd else { throw fail("", .megatronWSDNeedsDecay) }
            kwargs += [
                "wsd_decay_steps=\(fmt(wsd))",
                "lr_wsd_decay_style=\(JSONValue.quote(args["lr-wsd-decay-style"] ?? "exponential"))",
            ]
        }
        return [
            "# Megatron-LM's OptimizerParamScheduler, stepped after every iteration by the samples it consumed:",
            "# its lengths are samples, and an iteration is --global-batch-size of them.",
            "samples_per_step \(batch)",
            "total \(iterations)",
            "megatron.OptimizerParamScheduler(" + kwargs.joined(separator: ", ") + ")",
        ]
    }
}
