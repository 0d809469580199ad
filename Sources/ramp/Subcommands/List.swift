import ArgumentParser
import Ramp

extension RampCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every builtin and compatibility constructor with its parameters and defaults.",
            discussion: "Exit status: 0; 64 a misused option.")

        @Flag(name: .shortAndLong, help: "Also describe each parameter of the builtins.")
        var verbose = false

        @Flag(help: "List the diagnostic codes instead, as docs/diagnostics.md shows them.")
        var diagnostics = false

        @Flag(help: "Print every word of the language by kind, as JSON: what editor grammars must cover.")
        var vocabulary = false

        @Flag(help: .hidden)
        var pythonRuntime = false

        func run() throws {
            if pythonRuntime {
                // The `ramp` package's runtime module, which the wheel's build writes as ramp/_runtime.py.
                print(try Python.runtimeModule(), terminator: "")
                return
            }
            if vocabulary {
                print(Vocabulary.json.render())
                return
            }
            if diagnostics {
                print(DiagnosticCatalogue.markdown, terminator: "")
                return
            }
            let sections: [(String, BuiltinSpec.Kind)] = [
                ("Schedules", .schedule), ("Conditions (for `until`)", .condition),
                ("Functions (pointwise)", .function), ("Helpers (evaluated when the program is checked)", .helper),
            ]
            for (title, kind) in sections {
                print("\(title):")
                for b in Builtins.all where b.kind == kind {
                    print("  \(b.signature)")
                    print("      \(b.doc)")
                    if verbose {
                        for p in b.params {
                            let range = p.constraint.annotation
                            print("      \(p.name): \(p.type.description)\(range.isEmpty ? "" : " " + range); \(p.doc)")
                        }
                    }
                }
                print("")
            }
            print("Compatibility constructors (the optimizer argument is dropped; its rate is `base`):")
            for d in Prelude.definitions {
                print("  \(Prelude.signature(d.name, d.params))")
                if !d.doc.isEmpty { print("      \(d.doc)") }
            }
            for c in Compat.nativeConstructors {
                print("  \(c.signature)")
                print("      \(c.doc)")
            }
            print("")
            print("Settings:")
            for s in Builtins.settings { print("  \(s.name): \(s.doc)") }
            print("")
            print("Outputs (`name: schedule`):")
            for o in Builtins.outputs { print("  \(o.name): \(o.doc)") }
            print("")
            print("Names:")
            for s in Builtins.specials { print("  \(s.name): \(s.doc)") }
            print("")
            print("Keywords: " + Builtins.keywords.joined(separator: " "))
        }
    }
}
