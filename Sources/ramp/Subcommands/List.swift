import ArgumentParser
import Ramp

extension RampCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every builtin with its parameters and defaults.")

        @Flag(name: .shortAndLong, help: "Also describe each parameter.")
        var verbose = false

        func run() throws {
            for (title, kind) in [("Schedules", BuiltinSpec.Kind.schedule), ("Conditions (for `until`)", .condition), ("Functions", .function)] {
                print("\(title):")
                for b in Builtins.all where b.kind == kind {
                    print("  \(b.signature)")
                    print("      \(b.doc)")
                    if verbose {
                        for p in b.params { print("      \(p.name): \(p.type.description); \(p.doc)") }
                    }
                }
                print("")
            }
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
