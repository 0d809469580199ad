import ArgumentParser
import Ramp

extension RampCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check programs and report every problem with its line and column.",
            discussion:
                "Exit status: 0 every program checks (warnings allowed); 1 any has an error or cannot be read; 64 a "
                + "misused option."
        )

        @Argument(help: "Program files to check.")
        var files: [String] = []

        @Option(
            name: [.customShort("e"), .customLong("expression")],
            help: "Program source given inline, reported as <expression>.")
        var source: String?

        @Option(help: "Override the base learning rate while checking.")
        var base: Double?

        @Option(
            help: ArgumentHelp(
                "text, or json: one document listing every diagnostic with its file, line, column, code, message, "
                    + "notes and printed text.")
        )
        var format: CheckFormat = .text

        enum CheckFormat: String, ExpressibleByArgument { case text, json }

        func validate() throws {
            if files.isEmpty && source == nil { throw ValidationError("give at least one FILE or -e SOURCE") }
        }

        func run() throws {
            var failed = false
            var found: [JSONValue] = []
            let inputs =
                files.map { (path: $0, text: nil as ProgramText?) }
                + (source.map {
                    [(path: "<expression>", text: ProgramText.source(SourceFile(name: "<expression>", text: $0)))]
                } ?? [])
            for (path, text) in inputs {
                do {
                    let program = try (text ?? ProgramText.load(path: path)).compile(base: base)
                    guard !program.warnings.isEmpty else { continue }
                    if format == .json {
                        found += program.warnings.map { DiagnosticPrinter.json($0, in: program.source) }
                    } else {
                        Stderr.print(DiagnosticPrinter.render(program.warnings, in: program.source))
                    }
                } catch let error as ProgramError {
                    failed = true
                    guard format == .json else {
                        Stderr.print(error.description)
                        continue
                    }
                    if let file = error.file {
                        found += error.diagnostics.map { DiagnosticPrinter.json($0, in: file) }
                    } else {
                        found.append(
                            .object([
                                ("file", .string(path)), ("severity", .string("error")),
                                ("message", .string(error.load?.message ?? error.description)),
                                ("rendered", .string(error.description)),
                            ]))
                    }
                } catch let error as LoadError {
                    failed = true
                    guard format == .json else {
                        Stderr.print(error.description)
                        continue
                    }
                    // A file that could not be read has no place to point at.
                    found.append(
                        .object([
                            ("file", .string(path)), ("severity", .string("error")),
                            ("message", .string(error.message)), ("rendered", .string(error.description)),
                        ]))
                } catch {
                    Stderr.print("\(error)")
                    failed = true
                }
            }
            if format == .json { print(JSONValue.object([("diagnostics", .array(found))]).render()) }
            if failed { throw ExitCode(1) }
        }
    }
}
