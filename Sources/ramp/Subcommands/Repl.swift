import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Repl: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "An interactive schedule workbench.",
            discussion: """
                Type a schedule to see its phases, a sparkline and a few rates; :help lists the commands.
                On a terminal, lines are edited with libedit (emacs keys, Tab completion, history in
                $XDG_STATE_HOME/ramp/history or ~/.ramp_history). From a pipe, lines are read plainly.

                Exit status: 0; from a pipe, 1 when any input was refused (an input still open
                at the end of the lines is checked and counts).
                """)

        @Option(help: "Override the base learning rate of every schedule.")
        var base: Double?

        func run() throws {
            let terminal = isatty(0) != 0
            let color = terminal && isatty(1) != 0 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
            let session = ReplSession(ReplEngine(color: color, base: base))
            if terminal,
                var reader = EditLineReader(
                    historyPath: Repl.historyPath(),
                    complete: { [session] line, cursor in
                        session.engine.completions(line: line, cursor: cursor)
                    })
            {
                print("Ramp: type a schedule, or :help. Ctrl-D leaves.")
                session.run(reader: &reader) { print($0) }
            } else {
                var reader = PlainLineReader()
                var out = Output()
                session.run(reader: &reader) { text in
                    out.write(text + "\n")
                    out.flush()
                }
                if session.errors > 0 { throw ExitCode(1) }
            }
        }

        /// `$XDG_STATE_HOME/ramp/history`, else `~/.ramp_history`.
        static func historyPath() -> String? {
            let env = ProcessInfo.processInfo.environment
            if let state = env["XDG_STATE_HOME"], !state.isEmpty {
                let dir = state + "/ramp"
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                return dir + "/history"
            }
            guard let home = env["HOME"], !home.isEmpty else { return nil }
            return home + "/.ramp_history"
        }
    }
}
