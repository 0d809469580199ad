/// R06: imported configs. A message about a key is reported as `key: message`
/// (`at(_:_:)`), at the key in the config.
extension DiagnosticMessage {
    /// The message about `key`, or the message alone for the config as a whole (an empty key).
    static func at(_ key: String, _ message: DiagnosticMessage) -> Self {
        .init(message.kind, key.isEmpty ? message.text : "\(key): \(message.text)")
    }

    /// The message about `key` when a `_base_` file (`origin`) wrote it, reported where the config names its bases.
    static func at(_ key: String, from origin: String, _ message: DiagnosticMessage) -> Self {
        .init(message.kind, "\(key) (from \(origin)): \(message.text)")
    }

    static func configTooLarge(_ bytes: Int, megabytes: Int) -> Self {
        .init(.badConfig, "a config of \(bytes) bytes is over the \(megabytes) MB Ramp reads")
    }

    static func formatUnknown(_ formats: [String]) -> Self {
        .init(.badConfig, "cannot tell which config this is; give --format (\(formats.joined(separator: ", ")))")
    }

    static func notJSON(_ why: String) -> Self { .init(.badConfig, "not valid JSON: \(why)") }

    /// What libyaml reports (`context problem`) where it stops.
    static func invalidYAML(_ why: String) -> Self { .init(.badConfig, "not valid YAML: \(why)") }

    static func unreadableYAML(_ problem: String) -> Self { .init(.badConfig, "not readable as YAML: \(problem)") }

    /// An error Yams throws of no kind the reader knows.
    static func yamlError(_ error: String) -> Self { .init(.badConfig, "not YAML: \(error)") }

    static func nestsTooDeep(_ levels: Int) -> Self {
        .init(.badConfig, "nests deeper than \(levels) levels, the limit of configs read")
    }

    static func aliasesExpandTooFar(_ values: Int) -> Self {
        .init(.badConfig, "stands for more than \(values) values once its aliases are expanded")
    }

    static let yamlKeyNotScalar = DiagnosticMessage(.badConfig, "a key that is not a plain name or number")

    static let yamlMergeNotMap = DiagnosticMessage(.badConfig, "`<<` merges a map, or a list of maps")

    static let yamlAliasUnresolved = DiagnosticMessage(.badConfig, "an alias Yams did not resolve")

    static func yamlTagUnread(_ tag: String) -> Self {
        .init(.badConfig, "the tag \(tag) is not one a config read as data takes")
    }

    static func yamlTagMismatch(_ text: String, _ tag: String) -> Self {
        .init(.badConfig, "'\(text)' is not the \(tag) its tag says")
    }

    /// OmegaConf refuses a key given twice; PyYAML keeps the last.
    static func yamlKeyTwice(_ keys: [String]) -> Self {
        .init(
            .badConfig,
            "the key '\(keys.joined(separator: "', '"))' is given twice in one map: OmegaConf refuses it and PyYAML "
                + "keeps the last; write it once")
    }

    static let schedulerNeedsName = DiagnosticMessage(.badConfig, "a scheduler needs its name")

    static let expectedScheduler = DiagnosticMessage(
        .badConfig, "expected a scheduler: its name, with its arguments beneath")

    static let expectedSchedulerList = DiagnosticMessage(.badConfig, "expected a list of schedulers")

    static let noComposerSchedulers = DiagnosticMessage(
        .badConfig, "no schedulers: a Composer config lists them under `schedulers:` (or LLM Foundry's `scheduler:`)")

    static let composerNeedsDuration = DiagnosticMessage(
        .badConfig, "the run's length is needed, as Composer's times in 'dur' count it")

    static let expectedTable = DiagnosticMessage(.badConfig, "expected a table of arguments")

    static let expectedSchedulerArguments = DiagnosticMessage(.badConfig, "expected the scheduler's arguments as a map")

    static let noSchedulersListed = DiagnosticMessage(.badConfig, "no schedulers listed")

    static let expectedComposerTime = DiagnosticMessage(
        .badConfig, "expected a time such as '4800ba', '2ep' or '286720000sp'")

    static func notAComposerDuration(_ text: String) -> Self {
        .init(.badConfig, "'\(text)' is not a whole number of batches, epochs, samples or tokens")
    }

    static let expectedWholeSamples = DiagnosticMessage(.badConfig, "expected a whole number of samples")

    static let expectedWholeTokens = DiagnosticMessage(.badConfig, "expected a whole number of tokens")

    /// `what` is the unit the run is counted in (samples, tokens).
    static func needsBatchSize(_ what: String) -> Self {
        .init(
            .badConfig,
            "a run counted in \(what) needs the batch size (global_train_batch_size, as LLM Foundry names it) to "
                + "count it in batches")
    }

    static let needsSequenceLength = DiagnosticMessage(
        .badConfig, "a run counted in tokens needs the sequence length (max_seq_len) to count it in batches")

    static let interpolationLoop = DiagnosticMessage(.badConfig, "interpolations refer to each other in a loop")

    static func interpolationNotText(_ ref: String) -> Self {
        .init(.badConfig, "'${\(ref)}' is not a number or a string to write inside a string")
    }

    static let noOptimizerType = DiagnosticMessage(
        .badConfig, "no \"type\" naming the optimizer, which decides whether OneCycle cycles momentum")

    static let expectedPositiveNumber = DiagnosticMessage(.badConfig, "expected a positive number")

    /// Why a config's schedule counts epochs, for `needsStepsPerEpoch`.
    enum EpochReason: Sendable {
        case runInEpochs, trainEpochs, scheduleOnUpdates
        /// An MMEngine scheduler with no end, whose end the Runner takes from the train loop.
        case runEnd
        /// An MMEngine scheduler (`type`) stepped by epoch.
        case byEpoch(String)

        var text: String {
            switch self {
            case .runInEpochs: "the run is counted in epochs"
            case .trainEpochs: "max_steps is not set, so the training steps are num_train_epochs epochs"
            case .scheduleOnUpdates: "--sched-on-updates steps the schedule every update"
            case .byEpoch(let type): "\(type) is stepped by epoch"
            case .runEnd: "its end is the run's max_iters, max_epochs epochs of iterations"
            }
        }
    }

    static func needsStepsPerEpoch(_ why: EpochReason) -> Self {
        .init(
            .badConfig,
            "\(why.text), and a config does not say how many steps an epoch has: give --steps-per-epoch (the "
                + "dataloader's length in optimizer steps)")
    }

    static let noDeepSpeedScheduler = DiagnosticMessage(
        .badConfig, "no \"scheduler\" section: a DeepSpeed config names its learning-rate schedule there")

    static let noSchedulerType = DiagnosticMessage(.badConfig, "no \"type\" naming the scheduler")

    static let expectedNumber = DiagnosticMessage(.badConfig, "expected a number")

    /// YAML's `.nan` and `.inf` (and JSON's `1e999`) are numbers to a reader, never a rate; NaN is never an
    /// argument either.
    static func expectedFiniteNumber(_ x: Double) -> Self {
        .init(.badConfig, "expected a finite number, got \(fmt(x))")
    }

    static let expectedNumbers = DiagnosticMessage(.badConfig, "expected numbers")

    static let expectedWholeNumber = DiagnosticMessage(.badConfig, "expected a whole number")

    static let expectedSchedulerTypeString = DiagnosticMessage(.badConfig, "expected a string such as \"cosine\"")

    static let kwargsNotJSON = DiagnosticMessage(.badConfig, "a string that is not a JSON table of arguments")

    static let expectedOption = DiagnosticMessage(.badConfig, "expected an option such as --sched")

    static func notANumber(_ text: String) -> Self { .init(.badConfig, "'\(text)' is not a number") }

    static let expectedMegatronOption = DiagnosticMessage(.badConfig, "expected an option such as --lr-decay-style")

    static let nemoNeedsOptim = DiagnosticMessage(.badConfig, "no model.optim: where a NeMo model's optimizer is")

    static let nemoNeedsLr = DiagnosticMessage(.badConfig, "no lr: the rate NeMo's policies scale")

    static let nemoNeedsSched = DiagnosticMessage(.badConfig, "no sched: the scheduler NeMo builds for the optimizer")

    static let nemoNeedsMaxSteps = DiagnosticMessage(
        .badConfig,
        "no max_steps: give trainer.max_steps (or model.optim.sched.max_steps); NeMo otherwise derives it from "
            + "max_epochs and the dataloader")

    static let nemoEpochsNeedSteps = DiagnosticMessage(
        .badConfig,
        "NeMo derives max_steps from max_epochs and the dataloader, ceil(batches / accumulate_grad_batches) an "
            + "epoch; give --steps-per-epoch, the optimizer steps of an epoch")

    static func schedulerNeedsArgument(_ name: String, _ argument: String) -> Self {
        .init(.badConfig, "\(name) needs \(argument), which is not given here")
    }

    static func notANeMoPolicy(_ name: String, _ known: String) -> Self {
        .init(.unsupportedConfig, "'\(name)' is not a NeMo scheduler Ramp reads (\(known))")
    }

    static func fairseqOneRate(_ scheduler: String) -> Self {
        .init(
            .badConfig,
            "fairseq's \(scheduler) refuses several rates: 'Cannot use a fixed learning rate schedule with "
                + "\(scheduler == "tri_stage" ? "tri-stage lr" : scheduler).'")
    }

    static let unclosedQuote = DiagnosticMessage(.badConfig, "a quote that is not closed")

    static func notAFairseqScheduler(_ name: String, _ known: String) -> Self {
        .init(.unsupportedConfig, "'\(name)' is not a fairseq scheduler Ramp reads (\(known))")
    }

    static let megatronNeedsLr = DiagnosticMessage(.badConfig, "no --lr: the peak rate Megatron-LM decays from")

    static let megatronNeedsGlobalBatchSize = DiagnosticMessage(
        .badConfig,
        "no --global-batch-size: Megatron-LM counts its schedule in samples, --global-batch-size of them an iteration")

    static let megatronNeedsLength = DiagnosticMessage(
        .badConfig, "no --train-iters or --train-samples: the run's length, from which the decay's is derived")

    static let megatronWSDNeedsDecay = DiagnosticMessage(
        .badConfig, "--lr-decay-style WSD needs --lr-wsd-decay-iters (or --lr-wsd-decay-samples), the decay's length")

    static let megatronBatchRampup = DiagnosticMessage(
        .unsupportedConfig,
        "a batch size that ramps up changes the samples each iteration consumes; Ramp reads a fixed "
            + "--global-batch-size")

    static func shellVariableUnset(_ name: String) -> Self {
        .init(
            .badConfig,
            "$\(name) is not set in this file: Ramp reads a launch script as text, without its environment; "
                + "write the value, or set \(name)=... in the file")
    }

    static func shellVariableAmbiguous(_ name: String) -> Self {
        .init(
            .badConfig,
            "$\(name) is set more than once, to an array, or inside an if or a loop: Ramp reads a launch script "
                + "without running it; write the value")
    }

    static func shellComputed(_ text: String) -> Self {
        .init(
            .badConfig,
            "'\(text)' is computed by the shell when the script runs; Ramp reads a launch script without running "
                + "it: write the number")
    }

    static func megatronFlagSpelling(_ flag: String) -> Self {
        .init(.badConfig, "Megatron-LM's argparse refuses this spelling: the flag is \(flag)")
    }

    static let megatronOldWarmup = DiagnosticMessage(
        .badConfig,
        "no longer valid in Megatron-LM, which refuses it; give --lr-warmup-iters, --lr-warmup-samples or "
            + "--lr-warmup-fraction")

    /// The assertion validate_args makes, quoted.
    static func megatronRefuses(_ assertion: String) -> Self {
        .init(.badConfig, "Megatron-LM refuses it: '\(assertion)'")
    }

    static let megatronConditionalFlag = DiagnosticMessage(
        .badConfig,
        "given more than once, to different values, inside an if or a loop: Ramp reads a launch script without "
            + "running it; give it once")

    static func notAMegatronStyle(_ style: String, _ styles: [String]) -> Self {
        .init(.unsupportedConfig, "'\(style)' is not a decay style Megatron-LM has (\(styles.joined(separator: ", ")))")
    }

    /// What toml++ reports where it stops.
    static func invalidTOML(_ why: String) -> Self { .init(.badConfig, "not valid TOML: \(why)") }

    /// A table header toml++ would assert on (TOMLHeaders), in the words toml++ reports it with when its asserts
    /// are off.
    static func tomlHeaderName(_ saw: String) -> Self {
        invalidTOML("Error while parsing key: expected bare key starting character or string delimiter, saw '\(saw)'")
    }

    static let expectedTOMLTable = DiagnosticMessage(.badConfig, "expected a table ([section] or key = { ... })")

    static let expectedPositiveWholeNumber = DiagnosticMessage(.badConfig, "expected a whole number of at least 1")

    static let expectedFraction = DiagnosticMessage(.badConfig, "expected a number from 0 to 1")

    static func notATorchtitanField(_ name: String, _ fields: [String]) -> Self {
        .init(.badConfig, "'\(name)' is not a field of torchtitan's lr_scheduler (\(fields.joined(separator: ", ")))")
    }

    static let torchtitanWarmupInTraining = DiagnosticMessage(
        .badConfig,
        "the torchtitan of 2024 read warmup_steps here, before it had [lr_scheduler]; with [lr_scheduler], give "
            + "it there alone")

    static let torchtitanNeedsJobFile = DiagnosticMessage(
        .badConfig, "no --job.config_file: the job TOML whose values the command's options override")

    static func torchtitanJobFileUnread(_ path: String) -> Self {
        .init(.badConfig, "cannot read the job file \(path) as TOML (its path is taken from the script's folder)")
    }

    static func notATorchtitanDecayType(_ name: String) -> Self {
        .init(.unsupportedConfig, "'\(name)' is not a decay type torchtitan has (linear, sqrt, cosine)")
    }

    static let timmNeedsLr = DiagnosticMessage(
        .badConfig, "no --lr: timm computes it from --lr-base and the batch size; give --lr")

    static let noParamScheduler = DiagnosticMessage(
        .badConfig,
        "no param_scheduler in this config or its _base_ files")

    static let mmengineNeedsLr = DiagnosticMessage(
        .badConfig, "no optimizer lr: MMEngine's schedulers scale the optimizer's rate, which is base")

    static let expectedDictList = DiagnosticMessage(.badConfig, "expected a list of dict(type=..., ...)")

    static let expectedDict = DiagnosticMessage(.badConfig, "expected dict(type=..., ...)")

    static let endNotAfterBeginInConfig = DiagnosticMessage(.badConfig, "end must be after begin")

    static let momentumNeedsOptimizerMomentum = DiagnosticMessage(
        .badConfig,
        "a momentum scheduler needs the optimizer's momentum (or betas), which the config does not give")

    static func schedulerNeeds(_ type: String, _ key: String) -> Self { .init(.badConfig, "\(type) needs \(key)") }

    static func needsParamName(_ type: String) -> Self {
        .init(.badConfig, "\(type) needs param_name, the optimizer parameter it schedules")
    }

    /// CosineAnnealing's `T_max or (end - begin)`.
    static func needsTMax(_ type: String) -> Self {
        .init(.badConfig, "\(type) needs T_max, or an end to take it from")
    }

    /// A scheduler of an optimizer parameter other than lr and momentum starts from the optimizer's value.
    static func needsOptimizerValue(_ param: String) -> Self {
        .init(.badConfig, "a \(param) scheduler starts from the optimizer's \(param), which the config does not give")
    }

    static let multiStepNeedsMilestones = DiagnosticMessage(.badConfig, "MultiStep needs milestones")
}

/// R0602: what a config uses that Ramp cannot express, named by its key.
extension DiagnosticMessage {
    static func durationUnit(_ duration: String) -> Self {
        .init(.unsupportedConfig, "'\(duration)': Ramp reads a run's length in ba, ep, sp or tok")
    }

    /// `unit` is what the batch counts (samples, tokens).
    static func durationNotWholeBatches(_ text: String, _ per: Int, _ unit: String) -> Self {
        .init(
            .unsupportedConfig,
            "'\(text)' is not a whole number of batches of \(per) \(unit): Composer's last batch would end past it, "
                + "and its fractions of the run would not fall on batches")
    }

    static func timeUnitNeedsDuration(_ text: String, _ unit: String) -> Self {
        .init(
            .unsupportedConfig,
            "'\(text)': a time in \(unit) is read only when max_duration is in \(unit) too, as Composer requires "
                + "of a warmup and its t_max")
    }

    static func timeNotWholeBatches(_ text: String, _ per: Int) -> Self {
        .init(.unsupportedConfig, "'\(text)' is not a whole number of batches of \(per)")
    }

    static func optimizerBetasUnknown(_ name: String) -> Self {
        .init(
            .unsupportedConfig,
            "'\(name)': Ramp cannot tell whether its defaults hold betas, which decides whether OneCycle cycles "
                + "momentum; give cycle_momentum in scheduler.params")
    }

    static let lrNoise = DiagnosticMessage(
        .unsupportedConfig,
        "timm adds noise drawn from torch's generator (seeded noise_seed + t, redrawn while beyond --lr-noise-pct), "
            + "which Ramp does not reproduce; remove --lr-noise to import the schedule without it")

    static func notAComposerScheduler(_ name: String, known: [String]) -> Self {
        .init(
            .unsupportedConfig,
            "'\(name)' is not a Composer scheduler Ramp reads (\(known.joined(separator: ", ")))")
    }

    static let autoValue = DiagnosticMessage(
        .unsupportedConfig,
        "\"auto\" is filled in at run time by the Hugging Face Trainer; give the number it stands for")

    static let nestedTable = DiagnosticMessage(.unsupportedConfig, "a nested table is not a value a scheduler takes")

    static func notADeepSpeedScheduler(_ type: String, known: [String]) -> Self {
        .init(.unsupportedConfig, "'\(type)' is not one of DeepSpeed's schedulers (\(known.joined(separator: ", ")))")
    }

    static let resumedPartWay = DiagnosticMessage(
        .unsupportedConfig,
        "a run resumed part-way is resumed from a saved scheduler state, not from the config")

    static func notATrainerSchedule(_ type: String, known: [String]) -> Self {
        .init(.unsupportedConfig, "'\(type)' is not a schedule Trainer builds (\(known.joined(separator: ", ")))")
    }

    static func notATimmSchedule(_ sched: String) -> Self {
        .init(
            .unsupportedConfig,
            "'\(sched)' is not a timm schedule Ramp reads (cosine, tanh, poly, step, multistep, plateau)")
    }

    /// `known` are MMEngine's names without their LR suffix; `forms` when the type has no suffix Ramp reads.
    static func notAnMMEngineScheduler(_ type: String, known: [String], forms: Bool) -> Self {
        let names = known.map { $0 + "LR" }.joined(separator: ", ")
        return forms
            ? .init(
                .unsupportedConfig,
                "'\(type)' is not a parameter scheduler Ramp reads (\(names), their Momentum and ParamScheduler "
                    + "forms)")
            : .init(.unsupportedConfig, "'\(type)' is not a scheduler Ramp reads (\(names))")
    }

    static let epochSchedulerInIterationLoop = DiagnosticMessage(
        .unsupportedConfig,
        "a scheduler stepped by epoch without an end, in an iteration-based train loop; give its end")

    static func setsValueOutright(_ type: String, _ param: String) -> Self {
        .init(
            .unsupportedConfig,
            "\(type) sets the value outright, so Ramp reads it only as the one \(param) scheduler of a config")
    }

    static func overlaps(_ key: String, at step: Int) -> Self {
        .init(
            .unsupportedConfig,
            "overlaps \(key) at step \(step); Ramp reads overlapping schedulers only when each scales the value by a "
                + "factor (a cosine or poly to 0, linear, constant, step, multistep, exponential)")
    }

    static func followsEndless(_ key: String) -> Self { .init(.unsupportedConfig, "follows \(key), which has no end") }

    /// `why` is the first diagnostic of checking the config's schedule.
    static func notCheckable(_ why: String) -> Self {
        .init(.unsupportedConfig, "its values are not a schedule Ramp can check: " + why)
    }

    static let polyWithoutEnd = DiagnosticMessage(.unsupportedConfig, "PolyLR without an end decays over no length")

    static func onlySoleScheduler(_ type: String) -> Self {
        .init(.unsupportedConfig, "\(type) is read only as a config's one scheduler")
    }

    static func momentumFormUnread(_ type: String) -> Self {
        .init(.unsupportedConfig, "\(type)Momentum is not one Ramp reads")
    }
}
