import ArgumentParser
import Ramp

extension RampCommand {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the phases with their resolved lengths, parameters and end conditions.",
            discussion: "Exit status: 0; 1 the program cannot be read or checked; 64 a misused option.")

        @OptionGroup var input: ProgramInput

        func run() throws {
            print(Stdout.shown(Ramp.Explain.text(try input.compile())))
        }
    }
}
