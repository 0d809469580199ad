import Foundation

/// One benchmark's figures: median, fastest and slowest sample, per operation.
public struct BenchResult: Sendable, Codable {
    public var name: String
    public var nsPerOp: Double
    public var allocsPerOp: Double
    public var minNs: Double
    public var maxNs: Double
    /// A derived figure, such as bandwidth.
    public var note: String?

    /// `--json` keeps the field names scripts already read.
    enum CodingKeys: String, CodingKey {
        case name, note
        case nsPerOp = "ns_per_op"
        case allocsPerOp = "allocs_per_op"
        case minNs = "min_ns"
        case maxNs = "max_ns"
    }
}

/// A small harness: one warm-up run, then repeated samples; the median
/// per-operation time with the min–max spread, and allocations per operation.
public struct BenchHarness {
    public var samples: Int
    /// Counts the process's heap allocations (the CLI interposes malloc).
    public var allocations: () -> UInt64
    /// Only benchmarks whose name contains this run.
    public var filter: String?

    public init(samples: Int, filter: String? = nil, allocations: @escaping () -> UInt64) {
        self.samples = max(1, samples)
        self.filter = filter
        self.allocations = allocations
    }

    /// Times `body`, which performs `ops` operations per call and may return a
    /// value that is kept alive so the work is not optimised away; nil when
    /// the filter leaves it out.
    public func measure(_ name: String, ops: Int, note: ((Double) -> String)? = nil, _ body: () -> Double)
        -> BenchResult?
    {
        if let filter, !name.contains(filter) { return nil }
        var sink = body()  // warm-up
        var times: [Double] = []
        var allocs: UInt64 = 0
        for _ in 0..<samples {
            let a0 = allocations()
            let t0 = DispatchTime.now().uptimeNanoseconds
            sink += body()
            let t1 = DispatchTime.now().uptimeNanoseconds
            allocs += allocations() - a0
            times.append(Double(t1 - t0) / Double(ops))
        }
        blackHole(sink)
        times.sort()
        let median = times[times.count / 2]
        return BenchResult(
            name: name, nsPerOp: median, allocsPerOp: Double(allocs) / Double(samples * ops),
            minNs: times.first!, maxNs: times.last!, note: note?(median))
    }
}

@inline(never) func blackHole(_ x: Double) {
    if x == 0x1.fffffep127 { print("") }
}

/// The benchmarks `ramp bench` runs.
public enum Benchmarks {
    public static func run(quick: Bool, harness: BenchHarness, progress: (String) -> Void = { _ in }) throws
        -> [BenchResult]
    {
        var out: [BenchResult] = []
        func add(_ r: BenchResult?) {
            guard let r else { return }
            out.append(r)
            progress(r.name)
        }

        // 1. Stepping.
        let stepOps = quick ? 200_000 : 2_000_000
        func stepping(_ name: String, _ program: CompiledProgram) {
            add(
                harness.measure(name, ops: stepOps) {
                    var s = Scheduler(program)
                    var acc = 0.0
                    for _ in 0..<stepOps { acc += s.step() }
                    return acc
                })
        }
        let wc = try Compiler.compile(SourceFile(name: "bench", text: "base 0.1\nwarmup 1000 then cosine(T=100000)"))
        stepping("step warmup+cosine (Scheduler.step)", wc)
        let plateau = try Compiler.compile(
            SourceFile(name: "bench", text: "base 0.1\nwarmup 1000 then reduce_on_plateau(factor=0.5, patience=10)"))
        let metrics = (0..<stepOps).map { i in 1.0 / Double(1 + i / 50) }
        add(
            harness.measure("step warmup+reduce_on_plateau with a metric", ops: stepOps) {
                var s = Scheduler(plateau)
                var acc = 0.0
                for i in 0..<stepOps { acc += s.step(metric: metrics[i]) }
                return acc
            })

        // Restarts: a kernel whose body is a kernel (after the older lines, which then run as they always have).
        stepping(
            "step warmup+restarts(cosine) (Scheduler.step)",
            try Compiler.compile(
                SourceFile(
                    name: "bench",
                    text:
                        "base 0.1\nwarmup 1000 then restarts(cosine(T=1000, min=1e-4), period=1000, mult=2, decay=0.5)")
            ))

        // Decay on demand: a signal at step 1000 ends the stable phase; the decay after it is fixed
        // there (from the rate, over the steps run), or written in advance, which costs the same.
        func onDemand(_ name: String, _ decay: String) throws {
            let program = try Compiler.compile(
                SourceFile(
                    name: "bench",
                    text: "base 0.1\nwarmup 100 then constant(base) until signal(\"cooldown\") then \(decay)"))
            add(
                harness.measure(name, ops: stepOps) {
                    var s = Scheduler(program)
                    var acc = 0.0
                    for i in 0..<stepOps {
                        if i == 1000 { try? s.signal("cooldown") }
                        acc += s.step()
                    }
                    return acc
                })
        }
        try onDemand(
            "step a decay on demand fixed at entry (linear(T=1000 * elapsed, from=current))",
            "linear(T=1000 * elapsed, from=current, to=0)")
        try onDemand(
            "step a decay on demand written in advance (linear(T=1001000, from=base))",
            "linear(T=1001000, from=base, to=0)")

        // 2. Tables from the closed form.
        let entries = quick ? 1_000_000 : 10_000_000
        var table = [Double](repeating: 0, count: entries)
        add(
            harness.measure("table warmup+cosine closed form (\(entries / 1_000_000)M entries)", ops: entries) {
                wc.fill(&table)
                return table[entries / 2]
            })

        // What one libm cosine costs: the floor under a cosine table's per-entry time.
        add(
            harness.measure("reference: libm cos, per call", ops: entries) {
                var acc = 0.0
                for i in 0..<entries { acc += cos(Double(i) * 1e-5) }
                return acc
            })

        // 3. Front end.
        for size in quick ? [100_000] : [100_000, 1_000_000] {
            let source = Benchmarks.generatedProgram(bytes: size)
            // The program must check, or the benchmark would time an early error.
            _ = try Compiler.compile(SourceFile(name: "gen", text: source))
            add(
                harness.measure("front end: lex+parse+check \(size / 1000) KB program", ops: 1) {
                    (try? Compiler.compile(SourceFile(name: "gen", text: source)))?.value(at: 1) ?? 0
                })
            // Its parts, to see where the time goes.
            let file = SourceFile(name: "gen", text: source)
            add(
                harness.measure("front end: lex \(size / 1000) KB program", ops: 1) {
                    Double((try? Lexer.tokenize(file))?.count ?? 0)
                })
            add(
                harness.measure("front end: lex+parse \(size / 1000) KB program", ops: 1) {
                    Double((try? Parser.parse(file, names: Builtins.statementNames))?.statements.count ?? 0)
                })
        }
        let nested =
            (0..<200).map { _ in String(repeating: "(", count: 199) + "0.5" + String(repeating: ")", count: 199) }
            .enumerated().map { "let n\($0.offset) = \($0.element)" }.joined(separator: "\n") + "\nn0"
        _ = try Compiler.compile(SourceFile(name: "nested", text: nested))
        add(
            harness.measure("front end: 200 lines nested to the limit (80 KB)", ops: 1) {
                (try? Compiler.compile(SourceFile(name: "nested", text: nested)))?.value(at: 0) ?? 0
            })

        // 4. The language server on a 1,000-line program: each request as an editor sends it.
        var server = LanguageServer()
        let uri = "file:///bench.ramp"
        _ = server.receive(.message(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#))
        let longProgram = Benchmarks.languageServerProgram(lines: 1000)
        _ = try Compiler.compile(SourceFile(name: "lsp", text: longProgram))
        let text = JSONValue.string(longProgram).renderCompact()
        let change =
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":"#
            + #"{"textDocument":{"uri":"\#(uri)","version":2},"contentChanges":[{"text":\#(text)}]}}"#
        _ = server.receive(
            .message(
                #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":"#
                    + #"{"textDocument":{"uri":"\#(uri)","version":1,"text":\#(text)}}}"#
            ))
        func request(_ method: String, _ params: String) -> String {
            #"{"jsonrpc":"2.0","id":2,"method":"\#(method)","params":{"textDocument":{"uri":"\#(uri)"}\#(params)}}"#
        }
        let at = #","position":{"line":502,"character":60}"#
        let requests: [(String, String)] = [
            ("didChange: check and publish diagnostics", change),
            ("hover", request("textDocument/hover", at)),
            ("completion", request("textDocument/completion", at)),
            ("signature help", request("textDocument/signatureHelp", at)),
            ("definition", request("textDocument/definition", #","position":{"line":503,"character":22}"#)),
            (
                "references",
                request(
                    "textDocument/references",
                    #","position":{"line":501,"character":5},"context":{"includeDeclaration":true}"#)
            ),
            ("document symbols", request("textDocument/documentSymbol", "")),
            ("formatting", request("textDocument/formatting", #","options":{"tabSize":4,"insertSpaces":true}"#)),
            (
                "inlay hints",
                request(
                    "textDocument/inlayHint",
                    #","range":{"start":{"line":0,"character":0},"end":{"line":1000,"character":0}}"#)
            ),
        ]
        for (name, message) in requests {
            add(
                harness.measure("lsp, 1,000 lines: \(name)", ops: 1) {
                    Double(server.receive(.message(message)).reduce(0) { $0 + $1.utf8.count })
                })
        }

        // 5. Runtime: Adam against a triad over the same memory.
        let n = quick ? 2_000_000 : 10_000_000
        var p = [Double](repeating: 1, count: n)
        let g = [Double](repeating: 0.001, count: n)
        var adam = Optimizer(OptimizerConfig(kind: .adam), dimension: n)
        let gb = { (bytes: Double) in { (ns: Double) in String(format: "%.1f GB/s", bytes / ns) } }
        add(
            harness.measure("adam step, \(n / 1_000_000)M parameters", ops: 1, note: gb(Double(n) * 56)) {
                adam.update(&p, g, lr: 1e-3, momentum: nil)
                return p[0]
            })
        var a = [Double](repeating: 0, count: n)
        add(
            harness.measure("triad a = b + s*c, \(n / 1_000_000)M doubles", ops: 1, note: gb(Double(n) * 24)) {
                triad(&a, p, g, 0.5)
                return a[n - 1]
            })
        return out
    }

    @inline(never) static func triad(_ a: inout [Double], _ b: [Double], _ c: [Double], _ s: Double) {
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeBufferPointer { c in
                    for i in 0..<a.count { a[i] = b[i] + s * c[i] }
                }
            }
        }
    }

    /// A program of `lines` lines as people write them: comments, `let`s,
    /// `def`s and phases that end on plateaus, ending in the outputs.
    public static func languageServerProgram(lines: Int) -> String {
        var out = ["# A long program for timing the language server.", "base 0.1", "steps_per_epoch 100", ""]
        var i = 0
        while out.count < lines - 4 {
            out.append("# block \(i)")
            out.append("let peak_\(i) = base * \(1 + i % 7) / 7")
            out.append(
                "def phase_\(i)(n=10, floor=1e-5) = warmup(n, to=peak_\(i)) then cosine(T=5 * n, min=floor) for 5 * n")
            out.append(
                "let part_\(i) = phase_\(i)(\(5 + i % 5)) then linear(T=\(20 + i % 9), to=0) until plateau(patience "
                    + "\(1 + i % 4))"
            )
            i += 1
        }
        out += [
            "lr: part_0 then part_1 then part_2", "momentum: cosine(T=10 epochs, from=0.95, min=0.85)",
            "weight_decay: 0.05", "",
        ]
        return out.joined(separator: "\n")
    }

    /// A program of about `bytes` bytes: many `def`s, `let`s, and a long sequence.
    public static func generatedProgram(bytes: Int) -> String {
        var lines = ["base 0.1", "steps_per_epoch 100"]
        var size = 40
        var i = 0
        while size < bytes - 200 {
            let line: String
            switch i % 4 {
            case 0:
                line =
                    "def shape\(i)(T=\(10 + i % 50), peak=0.\(1 + i % 9)) = warmup(floor(T / 5), to=peak) then "
                    + "cosine(T=T, from=peak, min=peak / 100)"
            case 1: line = "let factor\(i) = min(0.5 + \(i % 7) / 20, 0.95)"
            case 2: line = "let rate\(i) = 0.1 * factor\(i - 1) ^ 2 + \(i % 5) * 1e-4"
            default: line = "def combined\(i)(k=1) = shape\(i - 3)(T=\(20 + i % 30)) * k + rate\(i - 1)"
            }
            lines.append(line)
            size += line.utf8.count + 1
            i += 1
        }
        // One long sequence using many of the definitions.
        let phases = stride(from: 3, to: i, by: 4).prefix(2000).map { "(combined\($0)() for \(5 + $0 % 20))" }
        lines.append(phases.joined(separator: " then\n"))
        return lines.joined(separator: "\n")
    }
}

extension CompiledProgram {
    /// Fills `out[i]` with the rate at step i, for closed-form programs.
    public func fill(_ out: inout [Double]) {
        out.withUnsafeMutableBufferPointer { buf in
            guard let plan = lrPlan else {
                for i in 0..<buf.count { buf[i] = lrNode.value(at: Double(i), initialSlots) }
                return
            }
            // Phase by phase, each with its own specialised loop.
            for k in plan.phases where k.start < buf.count {
                let end = Swift.min(k.end, buf.count)
                k.kernel.fill(
                    UnsafeMutableBufferPointer(rebasing: buf[k.start..<end]), last: k.last, initialSlots, plan)
            }
        }
    }
}
