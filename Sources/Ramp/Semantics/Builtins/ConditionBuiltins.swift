import Foundation

/// Conditions end phases; pointwise functions combine schedules.
extension Builtins {

    public static let conditions: [BuiltinSpec] = [
        BuiltinSpec(
            "plateau", .condition, doc: "holds when the metric has stopped improving",
            params: [
                ParamSpec(
                    "patience", .integer, .number(10), .nonNegative,
                    doc: "evaluations without improvement tolerated; the next one ends the phase"),
                ParamSpec(
                    "threshold", .number, .number(1e-4), .nonNegative, doc: "least change that counts as improvement"),
                ParamSpec(
                    "mode", .choice(PlateauSpec.Mode.allCases.map(\.rawValue)), .string("min"),
                    doc: "min (a loss) or max (an accuracy)"),
                ParamSpec(
                    "cooldown", .integer, .number(0), .nonNegative, doc: "evaluations ignored at the start of the phase"
                ),
                ParamSpec(
                    "threshold_mode", .choice(PlateauSpec.ThresholdMode.allCases.map(\.rawValue)), .string("rel"),
                    doc: "rel or abs"),
                atol, accumulate,
            ]
        ) { a in .condition(.plateau(a.plateau(), slot: 0)) },
        BuiltinSpec(
            "signal", .condition,
            doc:
                "holds at the end of the step on which the signal was raised (scheduler.signal(name), serve's signal "
                + "op, the REPL's :signal, ramp run --signal NAME@STEP)",
            params: [
                ParamSpec(
                    "name", .string, .required,
                    doc: "the signal's name, an identifier; one of `signals` when the program declares them")
            ]
        ) { a throws(CheckError) in
            let name = a.str("name")
            guard Builtins.isSignalName(name) else {
                throw .error(.badSignalName(name), at: a.range("name"))
            }
            if let declared = a.settings.signals, !declared.contains(name) {
                let hint = suggestion(for: name, among: declared)
                throw .error(.unknownSignal(name, declared: declared, hint: hint), at: a.range("name"))
            }
            return .condition(.signal(name))
        },
    ]

    // MARK: - functions

    public static let functions: [BuiltinSpec] =
        MathFunction.allCases.map { f in
            BuiltinSpec(
                f.rawValue, .function, doc: "\(f.rawValue)(x), pointwise",
                params: [
                    ParamSpec("x", .schedule, .required, doc: "the argument")
                ]
            ) { _ in .none }
        } + [
            BuiltinSpec(
                "mod", .function, doc: "a - b * floor(a / b), pointwise (Python's %)",
                params: [
                    ParamSpec("a", .schedule, .required, doc: "the dividend"),
                    ParamSpec("b", .schedule, .required, doc: "the divisor"),
                ]
            ) { _ in .none }
        ]
        + [Combine.min, Combine.max].map { f in
            BuiltinSpec(
                f.rawValue, .function, doc: "the pointwise \(f.rawValue)imum of two or more schedules",
                params: [
                    ParamSpec("a", .schedule, .required, doc: "a schedule"),
                    ParamSpec("b", .schedule, .required, doc: "more schedules"),
                ], variadic: true
            ) { _ in .none }
        }
}
