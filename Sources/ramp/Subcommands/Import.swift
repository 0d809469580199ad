import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the Ramp program a config stands for: a DeepSpeed or Hugging Face JSON, an MMEngine Python "
                + "config, a Composer or NeMo YAML, timm, Megatron-LM or fairseq-train arguments.",
            discussion:
                "ramp table, plot, explain and compile read the same files directly.\n\nExit status: 0; 1 the config "
                + "cannot be read or stands for no schedule Ramp can write; 64 a misused option."
        )

        @Argument(help: "The config file.")
        var file: String

        @Option(
            help: ArgumentHelp(
                "Its format (deepspeed, hf, mmengine, composer, timm, megatron, fairseq, nemo, torchtitan), when its "
                    + "name and content do not say.")
        )
        var format: String?

        @Option(help: "Optimizer steps in one epoch, for a config whose schedule counts epochs.")
        var stepsPerEpoch: Int?

        func validate() throws {
            if let format, ImportFormat(rawValue: format) == nil {
                throw ValidationError(
                    "--format takes \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(format)'")
            }
            if let n = stepsPerEpoch, n < 1 { throw ValidationError("--steps-per-epoch must be at least 1") }
        }

        func run() throws {
            let config: SourceFile
            do { config = try SourceFile.load(path: file) } catch {
                Stderr.print(error.description)
                throw ExitCode(1)
            }
            let options = ImportOptions(
                stepsPerEpoch: stepsPerEpoch, format: format.flatMap(ImportFormat.init(rawValue:)))
            let text: String
            do { text = try Importer.convert(config, options: options) } catch {
                Stderr.print(DiagnosticPrinter.render(error.diagnostics, in: config))
                throw ExitCode(1)
            }
            // What it prints is checked, so a config that imports is a program that runs.
            _ = try ProgramFile.compile(.source(SourceFile(name: "\(file) (as Ramp)", text: text)), base: nil)
            print(text, terminator: "")
        }
    }
}
