/// `ramp compile --to python`: one self-contained Python 3 module, generated
/// from the program's IR. The module's `program(base)` builds the schedule's
/// tree with every number that follows the base written as the arithmetic
/// that computes it (`base * 0.5`), so `Schedule(base=B)` gives, bit for bit,
/// what checking the program at base B gives; the decisions taken on such
/// numbers (lengths, counts, comparisons) are checked there first, and a
/// base that would change the schedule's shape is refused, naming the place.
/// The classes come from the runtime file `Python/runtime.py`: only the
/// sections the program uses.
public enum Python {
    /// The module for an IR document: its program is built from the tree.
    public static func module(_ document: JSONValue, name: String = "IR") throws -> String {
        let program: CompiledProgram
        do { program = try IR.program(from: document, name: name) } catch {
            throw ModuleError(description: error.description)
        }
        return try emit(program)
    }

    /// The module for a checked program, generated from its IR like every emitter's output.
    public static func module(_ program: CompiledProgram) throws -> String {
        try module(IR.document(program), name: program.source.name)
    }

    public struct ModuleError: Error, CustomStringConvertible {
        public var description: String
    }

    private static func emit(_ program: CompiledProgram) throws -> String {
        let runtime: PythonRuntime
        let checks: String
        do {
            runtime = try PythonRuntime.load()
            // Its imports are the module's own, computed below.
            checks = try PythonRuntime.file("checks").split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("import ") }.joined(separator: "\n").trimmingCharacters(in: .newlines)
        } catch { throw ModuleError(description: error.description) }
        var writer = Writer(source: program.source)
        let body = writer.program(program)

        var used = writer.used
        used.formUnion(["core", "sequence", "schedule", "torch"])
        var changed = true
        while changed {
            changed = false
            for s in runtime.sections where used.contains(s.name) {
                for r in s.requires where !used.contains(r) {
                    used.insert(r)
                    changed = true
                }
            }
        }
        let sections = runtime.sections.filter { used.contains($0.name) }
        let code = [checks] + sections.map(\.code)
        // Import what the sections use, and nothing else.
        var imports = PythonRuntime.standardModules.filter { m in (code + [body]).contains { $0.contains("\(m).") } }
        if writer.height > 300 { imports.append("sys") }
        var head = docstring(program) + "\n" + imports.sorted().map { "import \($0)\n" }.joined()
        if writer.height > 300 {
            // Evaluation recurses once per level of the tree.
            head += "\nsys.setrecursionlimit(max(sys.getrecursionlimit(), \(writer.height * 3 + 200)))\n"
        }
        head += """

            BASE = \(literal(program.settings.base))
            USES_METRIC = \(program.readsMetric ? "True" : "False")
            # The signals a run may raise, and what identifies the program to a saved state.
            SIGNALS = (\(program.signals.map { pythonString($0) + "," }.joined(separator: " ")))
            FINGERPRINT = \(pythonString(program.fingerprint))
            DURATION = \(program.duration.map(String.init) ?? "None")
            TOTAL = \(program.settings.total.map(String.init) ?? "None")
            # What each output may be, checked at another base as Ramp checks it.
            RANGES = {\((["lr", "momentum"] + program.outputs.map(\.name)).map { "\(pythonString($0)): \"\(program.libraryOutputs.contains($0) ? "any" : program.range(of: $0).rawValue)\"" }.joined(separator: ", "))}
            """
        let tail = """
            class Schedule(_Schedule):
                \(pythonString("This program's schedule: see _Schedule. Schedule(base=B) builds it at base B."))

                BASE = BASE
                TOTAL = TOTAL
                USES_METRIC = USES_METRIC
                SIGNALS = SIGNALS
                FINGERPRINT = FINGERPRINT
                RANGES = RANGES
                KINDS = (\(program.initialSlots.map { "\"\(kind($0))\"" }.joined(separator: ", "))\(program.initialSlots.count == 1 ? "," : ""))
                program = staticmethod(_program)


            def torch_scheduler(optimizer, **options):
                \(pythonString("This schedule as a torch LRScheduler (TorchScheduler: its options there); each parameter group's initial lr is its base."))
                return _torch_class(Schedule, __name__)(optimizer, **options)


            def hf_callback(scheduler, metric=None):
                \(pythonString("A transformers TrainerCallback that feeds the scheduler each evaluation's metric at the step it measured and stops training when the schedule finishes."))
                return _hf_callback(scheduler, metric)


            def lightning_config(module, optimizer, interval="step", monitor="val_loss", **options):
                \(pythonString("What a LightningModule's configure_optimizers returns: lightning_config(self, optimizer). The scheduler sees `monitor` only when a validation measured it, and fit stops when the schedule finishes."))
                return _lightning(Schedule, module, optimizer, interval, monitor, **options)


            def keras_callback(monitor="val_loss", base=None, signal_file=None, signal_every=10):
                \(pythonString("A keras Callback for model.fit: one step per batch, the optimizer's learning rate set from the schedule, `monitor` fed when an evaluation gave it, training stopped when the schedule finishes."))
                return _keras_callback(Schedule, monitor, base, signal_file, signal_every)


            def __getattr__(name):
                # TorchScheduler is made when first asked for, so torch is imported only then.
                if name == "TorchScheduler":
                    return _torch_class(Schedule, __name__)
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
            """
        return ([head] + code + [body, tail]).joined(separator: "\n\n\n") + "\n"
    }

    // MARK: - text

    private static func docstring(_ p: CompiledProgram) -> String {
        let source = p.source.text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        let metric = p.usesMetric ? "metric" : ""
        var text = """
            A learning-rate schedule compiled by Ramp from \(p.source.name):

            \(source)

            Use it as it is:

                schedule = Schedule()          # or Schedule(base=3e-4)
                for batch in data:
                    train(batch, lr=schedule.lr)
                    schedule.step(\(metric))\(p.usesMetric ? "      # the metric this step measured" : "")

            or in PyTorch, where it takes its base from the optimizer's lr:

                scheduler = torch_scheduler(optimizer)
                ...
                optimizer.step()
                scheduler.step(\(metric))

            state_dict() and load_state_dict() save and restore it exactly.
            Generated by `ramp compile --to python`: change the Ramp source, not this file.

            """
        text = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"\"\"", with: "\\\"\\\"\\\"")
        return "\"\"\"" + text + "\"\"\"\n"
    }

    /// A name as a Python identifier: `lr[backbone]` names functions `lr_backbone_...`.
    static func identifier(_ name: String) -> String {
        String(
            name.unicodeScalars.map {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) ? Character($0) : "_"
            })
    }

    static func literal(_ x: Double) -> String {
        if x.isNaN { return "_NAN" }
        if x.isInfinite { return x > 0 ? "_INF" : "-_INF" }
        return "\(x)"
    }

    static func pythonString(_ s: String) -> String {
        JSONValue.quote(s)
    }

    private static func kind(_ s: SlotState) -> String {
        switch s {
        case .sequence: return "sequence"
        case .plateau: return "plateau"
        case .reduce: return "reduce"
        }
    }
}
