/// R06: imported configs. A message about a key is reported as `key: message`
/// (`at(_:_:)`), at the key in the config.
extension DiagnosticMessage {
    /// The message about `key`, or the message alone for the config as a whole (an empty key).
    static func at(_ key: String, _ message: DiagnosticMessage) -> Self {
        .init(message.kind, key.isEmpty ? message.text : "\(key): \(message.text)")
    }

    static func formatUnknown(_ formats: [String]) -> Self {
        .init(.badConfig, "cannot tell which config this is; give --format (\(formats.joined(separator: ", ")))")
    }

    static func notJSON(_ why: String) -> Self { .init(.badConfig, "not valid JSON: \(why)") }

    static func notYAML(_ why: String) -> Self { .init(.badConfig, "not YAML Ramp reads: \(why)") }

    /// A Python literal that cannot be read, assigned to `name`.
    static func notPythonLiteral(_ name: String, _ why: String) -> Self { .init(.badConfig, "\(name): \(why)") }

    static let schedulerNeedsName = DiagnosticMessage(.badConfig, "a scheduler needs its name")

    static let expectedScheduler = DiagnosticMessage(
        .badConfig, "expected a scheduler: its name, with its arguments beneath")

    static let expectedSchedulerList = DiagnosticMessage(.badConfig, "expected a list of schedulers")

    static let noComposerSchedulers = DiagnosticMessage(
        .badConfig, "no schedulers: a Composer config lists them under `schedulers:` (or LLM Foundry's `scheduler:`)")

    static let composerNeedsDuration = DiagnosticMessage(
        .badConfig, "the run's length is needed, as Composer's times in 'dur' count it")

    static let expectedTable = DiagnosticMessage(.badConfig, "expected a table of arguments")

    /// Why a config's schedule counts epochs, for `needsStepsPerEpoch`.
    enum EpochReason: Sendable {
        case runInEpochs, trainEpochs, scheduleOnUpdates
        /// An MMEngine scheduler (`type`) stepped by epoch.
        case byEpoch(String)

        var text: String {
            switch self {
            case .runInEpochs: "the run is counted in epochs"
            case .trainEpochs: "max_steps is not set, so the training steps are num_train_epochs epochs"
            case .scheduleOnUpdates: "--sched-on-updates steps the schedule every update"
            case .byEpoch(let type): "\(type) is stepped by epoch"
            }
        }
    }

    static func needsStepsPerEpoch(_ why: EpochReason) -> Self {
        .init(.badConfig,
              "\(why.text), and a config does not say how many steps an epoch has: give --steps-per-epoch (the "
                + "dataloader's length in optimizer steps)")
    }

    static let noDeepSpeedScheduler = DiagnosticMessage(
        .badConfig, "no \"scheduler\" section: a DeepSpeed config names its learning-rate schedule there")

    static let noSchedulerType = DiagnosticMessage(.badConfig, "no \"type\" naming the scheduler")

    static let expectedNumber = DiagnosticMessage(.badConfig, "expected a number")

    static let expectedNumbers = DiagnosticMessage(.badConfig, "expected numbers")

    static let expectedWholeNumber = DiagnosticMessage(.badConfig, "expected a whole number")

    static let expectedSchedulerTypeString = DiagnosticMessage(.badConfig, "expected a string such as \"cosine\"")

    static let kwargsNotJSON = DiagnosticMessage(.badConfig, "a string that is not a JSON table of arguments")

    static let expectedOption = DiagnosticMessage(.badConfig, "expected an option such as --sched")

    static func notANumber(_ text: String) -> Self { .init(.badConfig, "'\(text)' is not a number") }

    static let timmNeedsLr = DiagnosticMessage(
        .badConfig, "no --lr: timm computes it from --lr-base and the batch size; give --lr")

    static let noParamScheduler = DiagnosticMessage(
        .badConfig,
        "no param_scheduler in this config; one that inherits it from _base_ files needs them merged first")

    static let mmengineNeedsLr = DiagnosticMessage(
        .badConfig, "no optimizer lr: MMEngine's schedulers scale the optimizer's rate, which is base")

    static let expectedDictList = DiagnosticMessage(.badConfig, "expected a list of dict(type=..., ...)")

    static let expectedDict = DiagnosticMessage(.badConfig, "expected dict(type=..., ...)")

    static let endNotAfterBeginInConfig = DiagnosticMessage(.badConfig, "end must be after begin")

    static let momentumNeedsOptimizerMomentum = DiagnosticMessage(
        .badConfig,
        "a momentum scheduler needs the optimizer's momentum (or betas), which the config does not give")

    static func schedulerNeeds(_ type: String, _ key: String) -> Self { .init(.badConfig, "\(type) needs \(key)") }

    static let multiStepNeedsMilestones = DiagnosticMessage(.badConfig, "MultiStep needs milestones")
}

/// R0602: what a config uses that Ramp cannot express, named by its key.
extension DiagnosticMessage {
    static func durationUnit(_ duration: String) -> Self {
        .init(.unsupportedConfig, "'\(duration)': Ramp reads a run's length in ba or ep")
    }

    static func notAComposerScheduler(_ name: String, known: [String]) -> Self {
        .init(.unsupportedConfig,
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
        .init(.unsupportedConfig,
              "'\(sched)' is not a timm schedule Ramp reads (cosine, tanh, poly, step, multistep, plateau)")
    }

    /// `known` are MMEngine's names without their LR suffix.
    static func notAnMMEngineScheduler(_ type: String, known: [String], momentum: Bool) -> Self {
        let names = known.map { $0 + "LR" }.joined(separator: ", ")
        return momentum
            ? .init(.unsupportedConfig,
                    "'\(type)' is not a learning-rate or momentum scheduler Ramp reads (\(names), and their "
                        + "Momentum forms)")
            : .init(.unsupportedConfig, "'\(type)' is not a scheduler Ramp reads (\(names))")
    }

    static func setsValueOutright(_ type: String, _ param: String) -> Self {
        .init(.unsupportedConfig,
              "\(type) sets the value outright, so Ramp reads it only as the one \(param) scheduler of a config")
    }

    static func overlaps(_ key: String, at step: Int) -> Self {
        .init(.unsupportedConfig,
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
