import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive a scheduler over stdin/stdout with JSON lines (see docs/serve.md).",
            discussion:
                #"Requests: {"op":"step","metric":0.31}, {"op":"lr"}, {"op":"state"}, {"op":"load","state":{...}}, "#
                + #"{"op":"reset"}, {"op":"load_program","source":"..."}. One response line each; a bad request "#
                + #"gets an error line and the session goes on as it was.\n\nExit status: 0 at the end of input; "#
                + #"1 the starting program cannot be read or checked; 64 a misused option."#
        )

        @Argument(help: "A .ramp program to start with (or send load_program).")
        var file: String?

        @Option(help: "Override the base learning rate.")
        var base: Double?

        func run() throws {
            var program: CompiledProgram?
            if let file {
                program = try ProgramFile.compile(try ProgramFile.load(file), base: base)
            }
            var session = ServeSession(program: program, base: base)
            var out = Output()
            while let line = readLine(strippingNewline: true) {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                out.write(session.handle(line) + "\n")
                out.flush()
            }
        }
    }
}
