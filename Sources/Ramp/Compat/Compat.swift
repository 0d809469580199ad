/// What the compatibility layer needs beyond the prelude (the libraries'
/// constructors, written in Ramp): their module paths, the names users paste
/// that Ramp does without, and the one constructor that cannot be written in
/// Ramp. Everything library-specific the checker knows lives here.
public enum Compat {
    /// Module paths as the libraries spell them, shortened to Ramp's namespaces.
    static let modulePaths: [(String, String)] = [
        ("torch.optim.lr_scheduler.", "torch."), ("transformers.optimization.", "transformers."),
        ("timm.scheduler.", "timm."), ("keras.optimizers.schedules.", "keras."), ("optax.schedules.", "optax."),
        ("deepspeed.runtime.lr_schedules.", "deepspeed."), ("composer.optim.scheduler.", "composer."),
        ("composer.optim.", "composer."),
        ("fvcore.common.param_scheduler.", "fvcore."), ("mmengine.optim.scheduler.", "mmengine."),
        ("mmengine.optim.", "mmengine."), ("megatron.core.optimizer_param_scheduler.", "megatron."),
        ("torchtitan.components.optimizer.lr_scheduler.", "torchtitan."), ("nemo.core.optim.lr_scheduler.", "nemo."),
        ("paddle.optimizer.lr.", "paddle."),
    ]

    /// The libraries' namespaces, as calls begin with them.
    static let namespaces: Set<String> = [
        "torch", "transformers", "timm", "optax", "keras", "deepspeed", "composer", "fvcore", "mmengine", "megatron",
        "torchtitan", "nemo", "paddle", "fairseq",
    ]

    /// `torch.optim.lr_scheduler.StepLR` → `torch.StepLR`.
    static func shortName(_ name: String) -> String {
        for (long, short) in modulePaths where name.hasPrefix(long) { return short + name.dropFirst(long.count) }
        return name
    }

    /// Optimizers, which a pasted call passes first: Ramp drops them (the rate is `base`).
    static let optimizerNames: Set<String> = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "optimizer"]

    /// Why a library argument that Ramp leaves unsupported cannot be reproduced, when there is more to say.
    static func unsupportedReason(_ parameter: String) -> String? {
        parameter.hasPrefix("noise")
            ? "the noise comes from torch's random generator, which cannot be reproduced outside torch" : nil
    }

    static let sgdrName = "optax.sgdr_schedule"

    /// Constructors written in Swift rather than in the prelude, as `ramp list` shows them.
    public static let nativeConstructors: [(signature: String, doc: String)] = [
        (
            "\(sgdrName)(cosine_kwargs: list)",
            "optax.warmup_cosine_decay_schedule cycles, one per dict(...) of keyword arguments"
        )
    ]
}

extension Checker {

    /// `optax.sgdr_schedule([dict(...), ...])`: one warmup-cosine cycle per
    /// keyword dict, joined at the running sum of their `decay_steps`. Written
    /// here rather than in the prelude because it calls a schedule once per
    /// dict with the dict as its keyword arguments.
    mutating func sgdr(_ args: [CallArgument], _ range: SourceRange, _ env: Env) throws(CheckError) -> Value {
        let (bound, _) = try bind(["cosine_kwargs"], variadic: false, args, callee: Compat.sgdrName, env)
        guard let (list, listRange) = bound["cosine_kwargs"] else {
            throw .error(.missingArgument("cosine_kwargs", for: Compat.sgdrName), at: range)
        }
        guard case .list(let dicts) = list, !dicts.isEmpty else {
            throw .error(.expectsDictList("cosine_kwargs", of: Compat.sgdrName), at: listRange)
        }
        guard case .function(let cycle)? = globals["optax.warmup_cosine_decay_schedule"] else { throw .alreadyReported }
        var schedules: [Value] = []
        var boundaries: [Value] = []
        var total = 0
        for d in dicts {
            guard case .map(let entries) = d else {
                throw .error(.expectsDictItems("cosine_kwargs", of: Compat.sgdrName, found: d.typeName), at: listRange)
            }
            var kwargs: [String: Value] = [:]
            for e in entries {
                guard case .string(let k) = e.key else { throw .error(.dictKeysNotNames, at: listRange) }
                kwargs[k] = e.value
            }
            schedules.append(try callClosure(cycle, keywords: kwargs, range))
            if case .number(let n, let form)? = kwargs["decay_steps"] {
                if let form {
                    try record(BaseGuard(expr: form.expr, rule: .equals(n), what: "decay_steps", range: listRange))
                }
                total += Int(n)
            }
            boundaries.append(.duration(total))
        }
        boundaries.removeLast()
        return try callBuiltin(
            Builtins.lookup("chain")!, [], range, env,
            prebound: [
                "schedules": (.list(schedules), listRange),
                "at": (.list(boundaries), listRange),
            ])
    }
}
