import Foundation

/// The inputs other than a program that the fuzzer feeds: saved states (as
/// documents and through serve), metrics files and the language server's
/// framing. `RAMP_FUZZ=state,lsp` runs only those parts (the others are
/// `programs`, `configs` and `metrics`); unset, every part runs.
enum FuzzParts {
    static let selected: Set<String>? = ProcessInfo.processInfo.environment["RAMP_FUZZ"].map {
        Set($0.split(separator: ",").map(String.init))
    }

    static func wants(_ part: String) -> Bool { selected?.contains(part) ?? true }

    /// Programs whose states are loaded: phases of fixed length and a plateau,
    /// a reduce_on_plateau with momentum, phases built at entry with signals.
    static let programs: [CompiledProgram] = [
        "base 0.1\nwarmup 5 then cosine(T=50) until plateau(patience 3)",
        "base 0.2\nreduce_on_plateau(factor=0.5, patience=2, cooldown=1)\nmomentum: 0.9 until signal(\"cooldown\") "
            + "then 0.95",
        "base 0.1\nsignals [\"cooldown\", \"stop\"]\n0.1 until signal(\"cooldown\") then warmup 3 then cosine(T=20, "
            + "from=current * 0.5) until signal(\"stop\") then current for elapsed then 0.001",
        "base 0.1\n1 until plateau(patience 1, accumulate=2) then 0.1",
    ].map { try! Compiler.compile(SourceFile(name: "fuzz-state.ramp", text: $0)) }
}

/// A state document, loaded as it is and replayed, into each program; every
/// line also as a serve request. A state that loads steps to finite rates,
/// and what it saves after steps loads again.
func fuzzStates(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let state = try? StateJSON.decode(
        Data(StateJSON.acceptingPythonNonFinite(text).utf8), as: SchedulerState.self)
    for program in FuzzParts.programs {
        if let state {
            for replay in [false, true] {
                guard var (s, _) = try? Scheduler.resuming(program, from: state, replay: replay, limit: 10_000) else {
                    continue
                }
                for i in 0..<20 {
                    let lr = s.step(metric: i % 3 == 0 ? nil : Double(i % 5) / 4)
                    precondition(lr.isFinite, "a loaded state gives the rate \(lr)")
                }
                do { _ = try Scheduler(program, state: s.saved) } catch {
                    preconditionFailure("a state saved after loading is refused: \(error)")
                }
            }
        }
        var session = ServeSession(program: program)
        for line in text.split(separator: "\n").prefix(20) { _ = session.handle(String(line)) }
    }
}

/// A metrics file, read and fed to a schedule.
func fuzzMetrics(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let metrics = try? Table.parseMetrics(text, name: "fuzz.metrics") else { return }
    for row in Table.rows(FuzzParts.programs[0], steps: min(metrics.count + 5, 400), metrics: metrics) {
        precondition(row.lr.isFinite, "a metric gives the rate \(row.lr)")
    }
}

/// A byte stream to the language server, arriving in pieces of growing size.
func fuzzFraming(_ bytes: [UInt8]) {
    var reader = JSONRPC.Reader()
    var server = LanguageServer()
    var i = 0
    var piece = 1
    while i < bytes.count {
        let j = min(bytes.count, i + piece)
        reader.append(Array(bytes[i..<j]))
        while let frame = reader.next() { _ = server.receive(frame) }
        i = j
        piece = piece * 2 + 1
    }
}
