import ArgumentParser
import Ramp

extension RampCommand {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the phases with their resolved lengths, parameters and end conditions.")

        @OptionGroup var input: ProgramInput

        func run() throws {
            print(Ramp.Explain.text(try input.compile()))
        }
    }
}
