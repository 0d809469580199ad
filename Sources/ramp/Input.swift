import ArgumentParser
import Foundation
import Ramp

/// The program a command works on: a file, or source given with `-e`.
struct ProgramInput: ParsableArguments {
    @Argument(help: "A .ramp program file.")
    var file: String?

    @Option(name: [.customShort("e"), .customLong("expression")], help: "Program source given inline.")
    var source: String?

    @Option(help: "Override the program's base learning rate.")
    var base: Double?

    @Option(help: "For a config (DeepSpeed, Hugging Face, MMEngine, Composer, timm): optimizer steps in one epoch.")
    var stepsPerEpoch: Int?

    @Option(
        help: ArgumentHelp(
            "For a config: its format (deepspeed, hf, mmengine, composer, timm, megatron, fairseq, nemo, "
                + "torchtitan), when its name and content do not say.")
    )
    var configFormat: String?

    var importing: ImportOptions {
        ImportOptions(stepsPerEpoch: stepsPerEpoch, format: configFormat.flatMap(ImportFormat.init(rawValue:)))
    }

    func validate() throws {
        if (file == nil) == (source == nil) { throw ValidationError("give either a FILE or -e SOURCE") }
        if let base, !(base > 0 && base.isFinite) { throw ValidationError("--base must be a number above 0") }
        if let configFormat, ImportFormat(rawValue: configFormat) == nil {
            throw ValidationError(
                "--config-format takes \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")), "
                    + "got '\(configFormat)'"
            )
        }
        if let n = stepsPerEpoch, n < 1 { throw ValidationError("--steps-per-epoch must be at least 1") }
    }

    /// Loads and checks the program, printing diagnostics and exiting 1 on error.
    func compile() throws -> CompiledProgram {
        let text =
            try source.map { ProgramText.source(SourceFile(name: "<expression>", text: $0)) }
            ?? ProgramFile.load(self.file!, importing: importing)
        return try ProgramFile.compile(text, base: base)
    }
}

enum ProgramFile {
    /// Reads a program or IR file, or prints why not and exits 1.
    static func load(_ path: String, importing: ImportOptions = ImportOptions()) throws -> ProgramText {
        do {
            return try ProgramText.load(path: path, importing: importing)
        } catch {
            Stderr.print(error.description)
            throw ExitCode(1)
        }
    }

    /// Builds the program, printing its warnings, or prints its diagnostics and exits 1.
    static func compile(_ text: ProgramText, base: Double?) throws -> CompiledProgram {
        do {
            let program = try text.compile(base: base)
            if !program.warnings.isEmpty {
                Stderr.print(DiagnosticPrinter.render(program.warnings, in: program.source))
            }
            return program
        } catch {
            Stderr.print(error.description)
            throw ExitCode(1)
        }
    }
}

enum Metrics {
    /// Reads a metrics file (one number per line), or prints why not and exits 1.
    static func read(_ path: String) throws -> [Double?] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            Stderr.print("\(path): error: cannot read the metrics file")
            throw ExitCode(1)
        }
        do { return try Ramp.Table.parseMetrics(text, name: path) } catch {
            Stderr.print(error.description)
            throw ExitCode(1)
        }
    }
}

enum Stderr {
    /// Everything on stderr is for a person: a control character in it is shown as its escape.
    static func print(_ s: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(s) + "\n").utf8))
    }
}

enum Stdout {
    /// Standard output is a terminal: text from a program is shown with its control characters escaped.
    static let isTerminal = isatty(1) != 0

    /// `text` as it should reach standard output: escaped for a terminal, as it is for a pipe or file.
    static func shown(_ text: String) -> String { isTerminal ? TerminalText.escaped(text) : text }
}
