import Foundation

/// `ramp serve`: a JSON-lines protocol, one request per line and exactly one
/// response line each, so any language can drive a scheduler over a pipe.
/// See docs/serve.md.
public struct ServeSession {
    public private(set) var scheduler: Scheduler?
    let base: Double?

    public init(program: CompiledProgram?, base: Double? = nil) {
        scheduler = program.map { Scheduler($0) }
        self.base = base
    }

    struct Request: Decodable {
        var op: String
        var metric: Double?
        var source: String?
        var state: SchedulerState?
        /// `signal`'s name.
        var name: String?
        /// `load`: rebuild a state saved by another program by replaying its log.
        var replay: Bool?
    }

    /// Answers one request line. A bad line gets `{"error": ...}` and leaves the state as it was.
    public mutating func handle(_ line: String) -> String {
        let request: Request
        do {
            request = try StateJSON.decode(Data(StateJSON.acceptingPythonNonFinite(line).utf8), as: Request.self)
        } catch DecodingError.keyNotFound(let key, let context) {
            return ServeSession.error("missing \"\(ServeSession.path(context.codingPath + [key]))\"")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty
        {
            let field = ServeSession.path(context.codingPath)
            return ServeSession.error(
                field == "metric" ? "\"metric\" must be a number or null" : "\"\(field)\" has the wrong type")
        } catch {
            return ServeSession.error("not a JSON object with an \"op\"")
        }
        switch request.op {
        case "load_program":
            guard let source = request.source else {
                return ServeSession.error("load_program needs \"source\", a string")
            }
            let file = SourceFile(name: "<serve>", text: source)
            do {
                scheduler = Scheduler(try Compiler.compile(file, options: CheckOptions(base: base)))
                return status()
            } catch {
                let messages = error.diagnostics.map { DiagnosticPrinter.brief($0, in: file) }
                return ServeSession.error(messages.joined(separator: "; "))
            }
        case "step", "lr", "state", "load", "reset", "signal":
            break
        default:
            return ServeSession.error(
                "unknown op \"\(request.op)\"; the ops are step, signal, lr, state, load, reset and load_program")
        }
        guard let program = scheduler?.program else {
            return ServeSession.error("no program: send {\"op\":\"load_program\",\"source\":\"...\"} first")
        }
        // The scheduler is changed in place: a second reference would share the
        // growing log, and make every step copy it whole.
        switch request.op {
        case "step":
            scheduler!.step(metric: request.metric)
            return status()
        case "lr":
            return status()
        case "signal":
            guard let name = request.name else { return ServeSession.error("signal needs \"name\", a string") }
            do throws(UnknownSignal) { try scheduler!.signal(name) } catch {
                return ServeSession.error(error.description)
            }
            return status()
        case "state":
            guard let data = try? scheduler!.saved.encoded() else {
                return ServeSession.error("the state could not be encoded")
            }
            return "{\"state\":" + String(decoding: data, as: UTF8.self) + "}"
        case "load":
            guard let state = request.state else { return ServeSession.error("load needs \"state\", a saved state") }
            do throws(ReplayError) {
                let (restored, report) = try Scheduler.resuming(program, from: state, replay: request.replay ?? false)
                scheduler = restored
                let line = report.replayed ? ",\"resumed\":" + JSONValue.quote(report.line) : ""
                return String(status().dropLast()) + line + "}"
            } catch {
                return ServeSession.error(error.labelled)
            }
        default:  // reset
            scheduler = Scheduler(program)
            return status()
        }
    }

    /// `{"step":12,"lr":0.093,"momentum":0.9,"finished":false}`, with
    /// `"values":{"weight_decay":0.05}` when the program has other outputs.
    func status() -> String {
        guard let s = scheduler else { return ServeSession.error("no program") }
        let momentum = s.momentum.map { ServeSession.number($0) } ?? "null"
        // The other outputs, by name, when the program schedules any.
        let values =
            s.program.outputs.isEmpty
            ? ""
            : ",\"values\":{"
                + zip(s.program.outputs, s.values)
                .map { "\(JSONValue.quote($0.name)):\(ServeSession.number($1))" }.joined(separator: ",") + "}"
        return
            "{\"step\":\(s.step),\"lr\":\(ServeSession.number(s.lr)),\"momentum\":\(momentum)\(values),"
            + "\"finished\":\(s.finished)}"
    }

    /// `state.slots.0.reduce.value`: where in the request a value is wrong.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    static func number(_ x: Double) -> String { NonFinite.json(x) }

    static func error(_ message: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: ["error": message])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":\"bad request\"}"
    }
}

extension ReplayError {
    /// `error[R0802]: the saved state's ...`: a refused state as the CLI and a compiled Python module word it.
    public var labelled: String { (kind.map { "error[\($0.code)]: " } ?? "") + description }
}
