import ArgumentParser
import CMallocCounter
import Foundation
import Ramp

extension RampCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the micro-benchmarks: stepping, tables, the front end, the optimizer runtime.",
            discussion:
                "Each prints the median ns per operation with the min–max spread of the samples, and heap allocations "
                + "per operation. Build with `swift build -c release` for meaningful figures.\n\nExit status: 0; "
                + "64 a misused option."
        )

        @Flag(help: "Smaller sizes and fewer samples.")
        var quick = false

        @Flag(help: "Print a JSON array of {name, ns_per_op, allocs_per_op, min_ns, max_ns}.")
        var json = false

        @Option(help: "Run only the benchmarks whose name contains this (step, table, front end, adam, ...).")
        var filter: String?

        func run() throws {
            let harness = BenchHarness(samples: quick ? 3 : 7, filter: filter, allocations: { ramp_allocation_count() })
            let results = try Benchmarks.run(quick: quick, harness: harness) { name in
                if !json { FileHandle.standardError.write(Data("  done: \(name)\n".utf8)) }
            }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try e.encode(results), as: UTF8.self))
                return
            }
            let width = results.map(\.name.count).max() ?? 10
            print(
                "benchmark".padding(toLength: width, withPad: " ", startingAt: 0)
                    + "   median ns/op        min–max   allocs/op")
            for r in results {
                let line =
                    r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %14.2f  %8.2f–%-8.2f  %8.3f", r.nsPerOp, r.minNs, r.maxNs, r.allocsPerOp)
                print(line + (r.note.map { "  " + $0 } ?? ""))
            }
        }
    }
}
