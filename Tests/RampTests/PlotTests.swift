import Foundation
import Testing

@testable import Ramp

#if canImport(FoundationXML)
    import FoundationXML
#endif

func compiled(_ source: String) throws -> CompiledProgram {
    try Compiler.compile(SourceFile(name: "t", text: source))
}

/// Counts elements of an SVG by tag and class.
final class SVGCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        for c in (attributes["class"] ?? "").split(separator: " ") { counts["\(name).\(c)", default: 0] += 1 }
        counts[name, default: 0] += 1
    }
}

@Suite struct PlotTests {
    /// Tick labels as people write numbers: decimals, or mantissas and one shared factor.
    @Test func tickLabels() {
        #expect(Scale.ticks(0, 1, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(Scale.labels(Scale.ticks(0, 1, count: 5)).labels == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(Scale.ticks(0, 0.1, count: 4) == [0, 0.025, 0.05, 0.075, 0.1])
        #expect(Scale.labels([0, 0.025, 0.05, 0.075, 0.1]) == (["0", "0.025", "0.05", "0.075", "0.1"], nil))
        #expect(Scale.ticks(0, 3e-4, count: 5) == [0, 1e-4, 2e-4, 3e-4])
        let small = Scale.labels(Scale.ticks(0, 3e-4, count: 5))
        #expect(small.labels == ["0", "1", "2", "3"] && small.factor == "×10⁻⁴")
        #expect(Scale.labels([0, 2.5e-5, 5e-5]) == (["0", "2.5", "5"], "×10⁻⁵"))
        let large = Scale.labels(Scale.ticks(0, 2e6, count: 4))
        #expect(large.labels == ["0", "0.5", "1", "1.5", "2"] && large.factor == "×10⁶")
        #expect(Scale.labels([1500, 2000, 2500]) == (["1500", "2000", "2500"], nil))
        #expect(Scale.ticks(1e-4, 0.1, count: 5, log: true) == [1e-4, 1e-3, 0.01, 0.1])
        #expect(
            Scale.labels([1e-5, 1e-4, 1e-3, 0.01, 0.1, 1], log: true).labels == [
                "1e-5", "1e-4", "0.001", "0.01", "0.1", "1",
            ])
    }

    /// The x axis in epochs or tokens, from the program's settings.
    @Test func xAxisInEpochsAndTokens() throws {
        let p = try compiled("base 0.1\nsteps_per_epoch 100\ntokens_per_step 1000000\ncosine(T=3 epochs)")
        let epochs = try Commands.xAxis("epochs", [p])
        #expect(epochs == XAxis(name: "epoch", perStep: 0.01))
        let plot = Commands.plot([(name: "c", program: p)], x: epochs)
        let svg = SVGChart(title: "c").render(plot.panels)
        #expect(svg.contains(">epoch</text>") && svg.contains("text-anchor=\"middle\">2.5</text>"))
        let tokens = Commands.plot([(name: "c", program: p)], x: try Commands.xAxis("tokens", [p]))
        #expect(TerminalChart(width: 40, height: 4).render(tokens.panels[0]).contains("tokens (×10⁸)"))
        #expect(throws: Commands.Failure.self) { try Commands.xAxis("samples", [p]) }
        do { _ = try Commands.xAxis("samples", [p]) } catch {
            #expect(error.description == "--x samples needs the program to set samples_per_step")
        }
        do { _ = try Commands.xAxis("hours", [p]) } catch {
            #expect(error.description == "--x takes steps, epochs, samples or tokens, got 'hours'")
        }
    }

    /// With a scheduled batch size the axis is linear in samples or tokens,
    /// counted through the batches, and not in steps.
    @Test func xAxisThroughAScheduledBatch() throws {
        let p = try compiled(
            "sequence_length 10\nbatch_size: 1 + floor(linear(T=4, from=0, to=4)) then constant(5)\nlinear(T=9, "
                + "from=1, to=0)"
        )
        let x = try Commands.xAxis("tokens", [p])
        #expect(x == XAxis(name: "tokens", perStep: 1, counts: .tokens))
        let plot = Commands.plot([(name: "c", program: p)], x: x)
        // Batches 1, 2, 3, 4, then 5 a step: 10, 20, 30, 40, 50 tokens.
        #expect(plot.panels[0].x.before == [0, 10, 30, 60, 100, 150, 200, 250, 300])
        #expect(plot.panels[0].x.value(at: 3.5) == 80)
        let svg = SVGChart(title: "c").render(plot.panels)
        #expect(svg.contains(">tokens</text>") && svg.contains(">300</text>"))
        let q = try compiled("sequence_length 10\nbatch_size: constant(7)\nlinear(T=9, from=1, to=0)")
        let differ = #expect(throws: Commands.Failure.self) { try Commands.xAxis("tokens", [p, q]) }
        #expect(differ?.description == "--x tokens: the programs schedule batch_size differently")
        let r = try compiled("batch_size: constant(7)\nlinear(T=9, from=1, to=0)")
        let missing = #expect(throws: Commands.Failure.self) { try Commands.xAxis("tokens", [r]) }
        #expect(
            missing?.description == "--x tokens needs the program to set sequence_length, since batch_size is scheduled"
        )
        #expect(try Commands.xAxis("samples", [r]).counts == .samples)
    }

    /// Each output beyond the rate gets a panel of its own.
    @Test func aPanelPerOutput() throws {
        let p = try compiled("base 0.1\ncosine(T=10)\nweight_decay: linear(T=10, from=0.1, to=0.2)\nema: 0.99")
        let plot = Commands.plot([(name: "recipe", program: p)])
        #expect(plot.panels.map(\.title) == ["learning rate", "weight_decay", "ema"])
        #expect(plot.panels[1].series[0].values.first == 0.1)
    }

    /// A parameter group's output is drawn in its output's panel, a legend entry each.
    @Test func groupsShareTheirOutputsPanel() throws {
        let p = try compiled(
            "base 0.1\ncosine(T=10)\nweight_decay: 0.05\ngroup \"head\" lr *= 2\ngroup 1 weight_decay: 0")
        let plot = Commands.plot([(name: "recipe", program: p)])
        #expect(plot.panels.map(\.title) == ["learning rate", "weight_decay"])
        #expect(plot.panels.map { $0.series.map(\.name) } == [["recipe", "lr[head]"], ["recipe", "weight_decay[1]"]])
        #expect(plot.panels[0].series[1].values.first == 0.2)
    }

    /// Small rates get mantissa ticks and the shared factor beside the axis's name.
    @Test func sharedFactorInTheAxisLabel() throws {
        let run = ChartData.run(try compiled("base 3e-4\ncosine(T=100)"), name: "c", steps: 100)
        let panel = Panel(title: "learning rate", yLabel: "lr", series: [Series(name: "c", values: run.lr)])
        let svg = SVGChart(title: "c").render([panel])
        #expect(svg.contains(">lr (×10⁻⁴)</text>"))
        #expect(["1", "2", "3"].allSatisfy { svg.contains("dominant-baseline=\"middle\">\($0)</text>") })
        #expect(!svg.contains("e-4</text>") && !svg.contains("e-6</text>"))
        #expect(TerminalChart(width: 40, height: 8).render(panel).hasPrefix("learning rate  (×10⁻⁴)\n"))
    }

    @Test func terminalSnapshot() throws {
        let run = ChartData.run(try compiled("warmup 4 then cosine(T=16)"), name: "wc", steps: 20)
        let panel = Panel(
            title: "learning rate", yLabel: "lr", series: [Series(name: run.name, values: run.lr)], markers: run.markers
        )
        let text = TerminalChart(width: 40, height: 6, color: false).render(panel)
        #expect(
            text == """
                learning rate
                  1 ┤      ⢀⠎⠉⠉⠒⠒⠤⢄⣀                    
                    │     ⡠⠃┆       ⠉⠒⠤⡀                
                    │    ⡔⠁ ┆          ⠈⠑⠢⣀             
                0.5 ┤  ⢀⠎   ┆              ⠑⠢⣀          
                    │ ⢠⠊    ┆                 ⠉⠒⢄⡀      
                  0 ┤⡰⠁     ┆                    ⠈⠉⠒⠒⠤⢄⣀
                    └───────────────────────────────────
                     0               9                19  step
                  ⣿ wc
                  ┆ 4: phase 2

                """)
    }

    @Test func colourOnlyWhenAsked() throws {
        let run = ChartData.run(try compiled("cosine(T=10)"), name: "c", steps: 10)
        let panel = Panel(title: "lr", yLabel: "lr", series: [Series(name: "c", values: run.lr)])
        #expect(TerminalChart(color: true).render(panel).contains("\u{1B}["))
        #expect(!TerminalChart(color: false).render(panel).contains("\u{1B}"))
    }

    @Test func svgHasSeriesAndMarkers() throws {
        let card = try compiled("base 0.1\nwarmup 5 then cosine(T=50) until plateau(patience 3)")
        let metrics: [Double?] = (0..<60).map { $0 < 30 ? pow(0.95, Double($0)) : 0.2 }
        let run = ChartData.run(card, name: "card", steps: 60, metrics: metrics)
        #expect(run.markers.map(\.kind) == [.phase, .plateau])
        #expect(run.markers.map(\.step) == [5, 35])
        let other = ChartData.run(try compiled("base 0.1\ncosine(T=60)"), name: "cosine", steps: 60)
        let panels = [
            Panel(
                title: "learning rate", yLabel: "lr",
                series: [Series(name: "card", values: run.lr), Series(name: "cosine", values: other.lr)],
                markers: run.markers, logY: true)
        ]
        let svg = SVGChart(title: "card vs cosine").render(panels)
        let counter = SVGCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "the SVG is not well-formed XML")
        #expect(counter.counts["path.series"] == 2)
        #expect(counter.counts["line.phase"] == 1)
        #expect(counter.counts["line.plateau"] == 1)
        #expect(counter.counts["g.legend"] == 2)
        #expect(svg.contains("(log)"))
    }

    @Test func decimationKeepsTheShapeOfLongSchedules() {
        let values: [Double?] = (0..<100_000).map { $0 == 50_000 ? 5 : Double($0 % 7) }
        let points = SVGChart(title: "x").decimate(values, buckets: 500)
        #expect(points.count <= 4 * 500)
        #expect(points.contains { $0.1 == 5 })
    }

    /// Renders the chart with a real SVG renderer and checks the picture is not blank.
    @Test func rendersToANonBlankPNG() throws {
        guard
            let renderer = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first(
                where: FileManager.default.isExecutableFile)
        else {
            print("note: skipping the PNG rendering test: rsvg-convert is not installed (apt-get install librsvg2-bin)")
            return
        }
        let svgPath = try temporaryFile("", name: "chart.svg")
        let r = try ramp(["plot", "samples/onecycle.ramp", "--out", svgPath])
        #expect(r.status == 0, "\(r.stderr)")
        let png = svgPath + ".png"
        #expect(try run(URL(fileURLWithPath: renderer), [svgPath, "-o", png]).status == 0)
        // Decode the PNG with Python's zlib and count distinct byte values in the pixels.
        let check = try python([
            "-c",
            """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            i, idat, w = 8, b'', 0
            while i < len(data):
                n, kind = struct.unpack('>I4s', data[i:i+8])
                if kind == b'IHDR': w = struct.unpack('>I', data[i+8:i+12])[0]
                if kind == b'IDAT': idat += data[i+8:i+8+n]
                i += 12 + n
            raw = zlib.decompress(idat)
            print(w, len(set(raw)))
            """, png,
        ])
        let fields = check.stdout.split(separator: " ")
        #expect(check.status == 0, "\(check.stderr)")
        #expect(Int(fields.first ?? "") == 900)
        #expect(
            (Int(fields.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0) > 20,
            "the rendered chart looks blank")
    }
}
