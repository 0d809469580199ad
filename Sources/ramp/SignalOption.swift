import ArgumentParser
import Ramp

/// `--signal NAME@STEP` (run, table, plot, diff): read, and checked against
/// the programs it is raised in; with several, each signal must be one that
/// some program waits for (each program then sees the ones it knows).
enum SignalOption {
    static func parse(_ items: [String], for programs: [CompiledProgram]) throws -> [EventLog.SignalEvent] {
        do throws(ReplayError) {
            var events: [EventLog.SignalEvent] = []
            for s in items { events.append(try EventLog.SignalEvent(parsing: s)) }
            if programs.count == 1 {
                do throws(UnknownSignal) { try EventLog.check(events, against: programs[0]) } catch {
                    throw ReplayError("--signal: " + error.description)
                }
            } else if let unknown = events.first(where: { e in !programs.contains { $0.signals.contains(e.name) } }) {
                throw ReplayError("--signal: no program waits for '\(unknown.name)'")
            }
            return events
        } catch {
            Stderr.print("error: \(error.description)")
            throw ExitCode(1)
        }
    }
}
