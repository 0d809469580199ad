import Foundation

/// libFuzzer entry point: the bytes as every config format, a saved state,
/// serve requests, a metrics file and a language server's byte stream; then as
/// source through the language server's
/// analysis and the formatter, then the lexer, parser and checker,
/// then 100 steps of the scheduler with metrics taken from the same bytes,
/// next to the tree walk (the kernels must give the same bits), then explain,
/// the IR (built back, and at another base), the Python and JAX modules and a
/// save/restore. Anything but a diagnostic
/// or finite rates is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Every check here samples at most 1,000,000 values, a tenth of a release check's 10,000,000: under the
    // sanitizer a value costs about five times what it costs in a release build, and each input is checked four
    // times (the language server's check has its own 2,000,000). An input's time is then bounded by its budgets,
    // well within the 1-second bar, and a timeout finds work that no budget counts. A check past the limit takes
    // the same paths as in a release build: refused (R0712), or warned about where it stops.
    CheckBudget.$perCheck.withValue(1_000_000) { fuzzInput(data, size) }
}

/// One input through every part `RAMP_FUZZ` selects.
func fuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The compat prelude's files are read beside the fuzzer (the Makefile copies them there).
    precondition(Prelude.missing.isEmpty, "the prelude lacks \(Prelude.missing)")
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let file = SourceFile(name: "fuzz", bytes: bytes)
    // Each config reader answers any bytes with a program or a located refusal, in bounded time.
    if FuzzParts.wants("configs") {
        for format in ImportFormat.allCases {
            let options = ImportOptions(stepsPerEpoch: 7, format: format)
            _ = try? Importer.convert(SourceFile(name: "fuzz", bytes: bytes), options: options)
        }
    }
    // Saved states, metrics files and the language server's framing (FuzzInputs.swift).
    if FuzzParts.wants("state") { fuzzStates(bytes) }
    if FuzzParts.wants("metrics") { fuzzMetrics(bytes) }
    if FuzzParts.wants("lsp") { fuzzFraming(bytes) }
    guard FuzzParts.wants("programs") else { return 0 }
    // The language server reads any text, and answers about any place in it.
    let doc = DocumentAnalysis(uri: "file:///fuzz.ramp", version: 1, text: file.text, encoding: .utf16)
    for offset in [0, file.bytes.count / 3, file.bytes.count / 2, file.bytes.count] {
        _ = doc.hover(at: offset)
        _ = doc.completions(at: offset)
        _ = doc.signatureHelp(at: offset)
        _ = doc.references(at: offset, includeDeclaration: true)
    }
    // Every program that parses formats to the same tree (R0701 would be a bug here), and formatting twice
    // changes nothing.
    if file.invalidUTF8 == nil, (try? Parser.parse(file, names: Builtins.statementNames)) != nil {
        let formatted = try! Formatter.format(file)
        precondition(
            try! Formatter.format(SourceFile(name: "fuzz", text: formatted)) == formatted,
            "formatting is not idempotent")
    }
    guard let program = try? Compiler.compile(file) else { return 0 }
    var s = Scheduler(program)
    var walk = Scheduler(program, walkTree: true)
    var seed = UInt64(size) &* 0x9E37_79B9_7F4A_7C15
    for i in 0..<100 {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let metric: Double? = i % 3 == 2 ? nil : Double(seed >> 11) / Double(1 << 53) * (i % 7 == 0 ? -1 : 1)
        let lr = s.step(metric: metric)
        precondition(
            walk.step(metric: metric).bitPattern == lr.bitPattern || lr.isNaN,
            "kernels and tree walk differ at step \(i + 1)")
        precondition(lr.isFinite && lr >= 0 || !program.lr.phases.isEmpty && lr.isFinite, "rate \(lr) at step \(i + 1)")
        if let m = s.momentum { precondition(m.isFinite, "momentum \(m) at step \(i + 1)") }
    }
    _ = Explain.text(program)
    // The IR is the contract: the program built from it steps identically,
    // and at another base it equals a fresh check at that base.
    let ir = IR.document(program).render()
    // Read back as an emitter reads it: the program was checked above, so its rates are not range-checked
    // again (the rebase below checks them at another base, as a fresh check does).
    let rebuilt = try! IR.program(from: JSONValue.parse(ir), name: "fuzz", checkingRanges: false)
    precondition(IR.document(rebuilt).render() == ir, "the IR does not round-trip")
    var r = Scheduler(rebuilt)
    var f = Scheduler(program)
    for i in 0..<50 {
        let metric: Double? = Double(i % 5) / 4
        precondition(
            r.step(metric: metric).bitPattern == f.step(metric: metric).bitPattern,
            "the IR's program differs at step \(i + 1)")
    }
    let other = program.settings.base * 3
    let fresh = try? Compiler.compile(file, options: CheckOptions(base: other))
    if let rebased = try? program.rebased(to: other) {
        precondition(fresh != nil, "a rebase succeeded where a fresh check fails")
        precondition(
            IR.document(rebased).render() == IR.document(fresh!).render(), "a rebase differs from a fresh check")
    }
    _ = try! Python.module(program)
    // The JAX module may refuse a program (a metric, a part that is not arithmetic), never crash on one.
    _ = try? JAX.module(program)
    let saved = try! s.state.encoded()
    let restored = try! Scheduler(program, state: SchedulerState.decoded(from: saved))
    precondition(restored.lr.bitPattern == s.lr.bitPattern, "restore changed the rate")
    return 0
}
