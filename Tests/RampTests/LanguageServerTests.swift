import Foundation
import Testing

@testable import Ramp

/// A client for the server value: frames each message as a real client
/// would, and reads the answers back as JSON.
struct LSPSession {
    var server = LanguageServer()
    var reader = JSONRPC.Reader()
    var nextID = 1

    /// Feeds raw bytes; returns every message the server answers with.
    mutating func feed(_ bytes: [UInt8]) -> [JSONValue] {
        reader.append(bytes)
        var out: [JSONValue] = []
        while let frame = reader.next() {
            out += server.receive(frame).map { try! JSONValue.parse($0) }
        }
        return out
    }

    mutating func send(_ json: String) -> [JSONValue] { feed(JSONRPC.frame(json)) }

    mutating func request(_ method: String, _ params: String = "{}") -> JSONValue {
        nextID += 1
        let answers = send(#"{"jsonrpc":"2.0","id":\#(nextID),"method":"\#(method)","params":\#(params)}"#)
        return answers.first { $0["id"]?.number == Double(nextID) } ?? .null
    }

    mutating func notify(_ method: String, _ params: String) -> [JSONValue] {
        send(#"{"jsonrpc":"2.0","method":"\#(method)","params":\#(params)}"#)
    }

    static func started(_ capabilities: String = "{}") -> LSPSession {
        var s = LSPSession()
        _ = s.request("initialize", #"{"capabilities":\#(capabilities)}"#)
        _ = s.notify("initialized", "{}")
        return s
    }

    mutating func open(_ text: String, uri: String = "file:///w/card.ramp") -> JSONValue {
        let quoted = JSONValue.string(text).renderCompact()
        return notify(
            "textDocument/didOpen",
            #"{"textDocument":{"uri":"\#(uri)","languageId":"ramp","version":1,"text":\#(quoted)}}"#
        ).first ?? .null
    }

    mutating func at(
        _ method: String, _ line: Int, _ character: Int, extra: String = "", uri: String = "file:///w/card.ramp"
    ) -> JSONValue {
        request(
            method,
            #"{"textDocument":{"uri":"\#(uri)"},"position":{"line":\#(line),"character":\#(character)}\#(extra)}"#)
    }
}

extension JSONValue {
    var result: JSONValue? { self["result"] }
    var errorCode: Double? { self["error"]?["code"]?.number }
    var text: String? { if case .string(let s) = self { return s } else { return nil } }
    var items: [JSONValue] { if case .array(let xs) = self { return xs } else { return [] } }
}

func range(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int) -> String {
    #"{"start":{"line":\#(l1),"character":\#(c1)},"end":{"line":\#(l2),"character":\#(c2)}}"#
}

let card = """
    base 0.1
    steps_per_epoch 10
    let peak = base * 2
    warmup 5 epochs then cosine(T=50, min=peak / 100) until plateau(patience 3)
    def keep(x, n=5) = constant(x) for n
    momentum: cosine(T=5, from=0.9, min=0.8)

    """

@Suite struct LanguageServerTests {
    @Test func initializeAnswersCapabilities() {
        var s = LSPSession()
        let r = s.request("initialize", #"{"capabilities":{"general":{"positionEncodings":["utf-8","utf-16"]}}}"#)
        let caps = r.result!["capabilities"]!
        #expect(caps["positionEncoding"]?.text == "utf-8")
        #expect(caps["textDocumentSync"]?.renderCompact() == #"{"openClose":true,"change":1}"#)
        for p in [
            "hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
            "documentFormattingProvider", "inlayHintProvider",
        ] {
            #expect(caps[p] == .bool(true), "\(p)")
        }
        #expect(r.result!["serverInfo"]?["version"]?.text == RampRelease.version)
    }

    @Test func diagnosticsCarryCodesAndNotes() {
        var s = LSPSession.started()
        let published = s.open("let a = 1\nlet a = 2\nwarmup 5 then cosin(T=5)\n")
        #expect(published["method"]?.text == "textDocument/publishDiagnostics")
        #expect(
            published["params"]!.renderCompact() == #"{"uri":"file:///w/card.ramp","version":1,"diagnostics":["#
                + #"{"range":\#(range(1, 4, 1, 5)),"severity":1,"code":"R0101","source":"ramp","message":"'a' is "#
                + #"already defined","#
                + #""relatedInformation":[{"location":{"uri":"file:///w/card.ramp","range":\#(range(0, 4, 0, 5))},"#
                + #""message":"first defined here"}]},"#
                + #"{"range":\#(range(2, 14, 2, 19)),"severity":1,"code":"R0104","source":"ramp","message":"unknown "#
                + #"name 'cosin'; did you mean 'cosine'?"}]}"#
        )
        // The same messages as `ramp check`.
        let checked =
            (try? Compiler.compile(SourceFile(name: "x", text: "let a = 1\nlet a = 2\nwarmup 5 then cosin(T=5)\n")))
        #expect(checked == nil)
        // A change replaces the document; fixing it clears the diagnostics.
        let fixed = s.notify(
            "textDocument/didChange",
            #"{"textDocument":{"uri":"file:///w/card.ramp","version":2},"contentChanges":[{"text":"warmup 5"}]}"#)
        #expect(
            fixed.first?["params"]?.renderCompact() == #"{"uri":"file:///w/card.ramp","version":2,"diagnostics":[]}"#)
        // A syntax error is one diagnostic at its place.
        let broken = s.notify(
            "textDocument/didChange",
            #"{"textDocument":{"uri":"file:///w/card.ramp","version":3},"contentChanges":[{"text":"warmup(5"}]}"#)
        #expect(broken.first?["params"]?["diagnostics"]?.items.map { $0["code"]?.text } == ["R0201"])
        let closed = s.notify("textDocument/didClose", #"{"textDocument":{"uri":"file:///w/card.ramp"}}"#)
        #expect(closed.first?["params"]?["diagnostics"]?.items.isEmpty == true)
    }

    @Test func hoverShowsSignaturesPhasesAndDurations() {
        var s = LSPSession.started()
        _ = s.open(card)
        func hover(_ l: Int, _ c: Int) -> String? {
            s.at("textDocument/hover", l, c).result?["contents"]?["value"]?.text
        }
        #expect(hover(3, 10) == "5 epochs = 50 steps\n\n---\n\nphase 1: steps 0–49, ends after 50 steps")
        #expect(hover(3, 52) == "phase 2: steps 50–99, ends on plateau(patience=3) or after 50 steps")
        #expect(
            hover(3, 23)!.hasPrefix(
                "```ramp\ncosine(T, from=base, min=0, exponent=1, k=1, periodic=false)\n```\n\nhalf a cosine from "
                    + "`from` down to `min` over T steps\n\n- `T`: length in steps\n"
            ))
        #expect(
            hover(3, 23)!.hasSuffix("\n\n---\n\nphase 2: steps 50–99, ends on plateau(patience=3) or after 50 steps"))
        #expect(
            hover(3, 28)
                == "```ramp\nT\n```\n\nparameter of `cosine`: length in steps\n\n---\n\nphase 2: steps 50–99, ends on "
                + "plateau(patience=3) or after 50 steps"
        )
        #expect(hover(2, 5) == "```ramp\nlet peak = base * 2\n```\n\nbound on line 3")
        #expect(hover(4, 5) == "```ramp\ndef keep(x, n=5)\n```\n\ndefined on line 5")
        #expect(hover(4, 28) == "```ramp\nx\n```\n\na parameter of the enclosing `def`")
        #expect(
            hover(5, 2) == "output `momentum`: momentum (or Adam's beta1); one-cycle and cyclic set it unless given")
        #expect(hover(5, 28) == "momentum phase 1: steps 0–4, ends after 5 steps")
        #expect(hover(0, 1) == "setting `base`: the base learning rate (default 1); `--base` overrides it")
        _ = s.open("torch.StepLR(step_size=5)", uri: "file:///w/t.ramp")
        #expect(
            s.at("textDocument/hover", 0, 8, uri: "file:///w/t.ramp").result?["contents"]?["value"]?.text?.hasPrefix(
                "```ramp\ntorch.StepLR(step_size: integer >= 1, gamma: number > 0 = 0.1") == true)
        #expect(s.at("textDocument/hover", 6, 0).result == .null)
    }

    @Test func completionOffersParametersNamesUnitsAndSettings() {
        var s = LSPSession.started()
        _ = s.open(card + "to\nwarmup 5 ep\ncosine(T=5, mi")
        let params = s.at("textDocument/completion", 8, 14).result!["items"]!.items
        #expect(
            params.first?.renderCompact()
                == #"{"label":"min","kind":5,"detail":"= 0","documentation":{"kind":"markdown","value":"the "#
                + #"floor"},"sortText":"0002","textEdit":{"range":\#(range(8, 12, 8, 14)),"newText":"min="}}"#
        )
        let units = s.at("textDocument/completion", 7, 11).result!["items"]!.items
        #expect(units.map { $0["label"]?.text } == ["epochs"])
        let names = s.at("textDocument/completion", 6, 2).result!["items"]!.items.map { $0["label"]!.text! }
        #expect(names.contains("total") && names.contains("torch") && !names.contains("cosine"))
        let dotted = s.at("textDocument/completion", 3, 0).result!["items"]!.items.map { $0["label"]!.text! }
        #expect(
            dotted.contains("base") && dotted.contains("momentum") && dotted.contains("peak") && dotted.contains("keep")
        )
        // The broken lines at the end do not hide the names above them.
        let symbols = s.request("textDocument/documentSymbol", #"{"textDocument":{"uri":"file:///w/card.ramp"}}"#)
            .result!.items
        #expect(
            symbols.map { $0["name"]!.text! } == ["base", "steps_per_epoch", "peak", "lr", "keep", "momentum", "lr"])
        _ = s.open("torch.Ste", uri: "file:///w/t.ramp")
        let constructors = s.at("textDocument/completion", 0, 9, uri: "file:///w/t.ramp").result!["items"]!.items
        #expect(constructors.map { $0["label"]!.text! } == ["torch.StepLR"])
        #expect(constructors.first?["textEdit"]?["range"]?.renderCompact() == range(0, 0, 0, 9))
    }

    @Test func signatureHelpFollowsTheArgument() {
        var s = LSPSession.started()
        _ = s.open("cosine(50, min=0.1, \nwarmup(5, shape=")
        let first = s.at("textDocument/signatureHelp", 0, 8).result!
        #expect(
            first["signatures"]?.items.first?["label"]?.text
                == "cosine(T, from=base, min=0, exponent=1, k=1, periodic=false)")
        #expect(first["activeParameter"]?.number == 0)
        #expect(first["signatures"]?.items.first?["parameters"]?.items.first?["label"]?.renderCompact() == "[7,8]")
        #expect(s.at("textDocument/signatureHelp", 0, 18).result!["activeParameter"]?.number == 2)
        #expect(s.at("textDocument/signatureHelp", 0, 20).result!["activeParameter"]?.number == 2)
        #expect(s.at("textDocument/signatureHelp", 1, 16).result!["activeParameter"]?.number == 3)
        // Inside the unclosed `cosine(` still; after a closed call, no signature.
        #expect(
            s.at("textDocument/signatureHelp", 1, 0).result?["signatures"]?.items.first?["label"]?.text?.hasPrefix(
                "cosine(") == true)
        _ = s.open("cosine(T=5) then warmup 5", uri: "file:///w/closed.ramp")
        #expect(s.at("textDocument/signatureHelp", 0, 12, uri: "file:///w/closed.ramp").result == .null)
    }

    @Test func definitionsAndReferences() {
        var s = LSPSession.started()
        _ = s.open(card + "lr_of: keep(peak, 3) then keep(peak)\n")
        #expect(
            s.at("textDocument/definition", 3, 40).result?.renderCompact()
                == #"{"uri":"file:///w/card.ramp","range":\#(range(2, 4, 2, 8))}"#)
        #expect(s.at("textDocument/definition", 6, 8).result?["range"]?.renderCompact() == range(4, 4, 4, 8))
        #expect(s.at("textDocument/definition", 4, 29).result?["range"]?.renderCompact() == range(4, 9, 4, 10))
        #expect(s.at("textDocument/definition", 3, 23).result == .null)
        let refs = s.at("textDocument/references", 2, 5, extra: #","context":{"includeDeclaration":true}"#).result!
            .items
        #expect(
            refs.map { $0["range"]!.renderCompact() } == [
                range(2, 4, 2, 8), range(3, 38, 3, 42), range(6, 12, 6, 16), range(6, 31, 6, 35),
            ])
        let without = s.at("textDocument/references", 6, 13, extra: #","context":{"includeDeclaration":false}"#).result!
            .items
        #expect(without.count == 3)
        let params = s.at("textDocument/references", 4, 9, extra: #","context":{"includeDeclaration":true}"#).result!
            .items
        #expect(params.map { $0["range"]!.renderCompact() } == [range(4, 9, 4, 10), range(4, 28, 4, 29)])
    }

    @Test func symbolsFormattingAndInlayHints() {
        var s = LSPSession.started()
        _ = s.open(card)
        let symbols = s.request("textDocument/documentSymbol", #"{"textDocument":{"uri":"file:///w/card.ramp"}}"#)
            .result!.items
        #expect(
            symbols.map { "\($0["name"]!.text!) \(Int($0["kind"]!.number!)) \($0["detail"]!.text!)" }
                == [
                    "base 14 0.1", "steps_per_epoch 14 10", "peak 13 base * 2", "lr 7 the learning rate",
                    "keep 12 (x, n=5)", "momentum 7 output",
                ])
        // The card is formatted already; a messy file gets one edit, the whole file.
        #expect(
            s.request("textDocument/formatting", #"{"textDocument":{"uri":"file:///w/card.ramp"},"options":{}}"#).result
                == .array([]))
        _ = s.open("base=0.1\nwarmup 5 then cosine( T=50 )\n", uri: "file:///w/messy.ramp")
        let edits = s.request(
            "textDocument/formatting",
            #"{"textDocument":{"uri":"file:///w/messy.ramp"},"options":{"tabSize":4,"insertSpaces":true}}"#
        ).result!.items
        #expect(
            edits.map { $0.renderCompact() } == [
                #"{"range":\#(range(0, 0, 2, 0)),"newText":"base 0.1\nwarmup 5 then cosine(T=50)\n"}"#
            ])
        let hints = s.request(
            "textDocument/inlayHint", #"{"textDocument":{"uri":"file:///w/card.ramp"},"range":\#(range(0, 0, 7, 0))}"#
        ).result!.items
        #expect(
            hints.map { $0.renderCompact() } == [
                #"{"position":{"line":3,"character":21},"label":"step 50:","paddingRight":true,"tooltip":"phase 2: "#
                    + #"steps 50–99, ends on plateau(patience=3) or after 50 steps"}"#
            ])
        _ = s.open("warmup 5 then", uri: "file:///w/b.ramp")
        #expect(
            s.request("textDocument/formatting", #"{"textDocument":{"uri":"file:///w/b.ramp"},"options":{}}"#).result
                == .null)
    }

    /// Positions count UTF-16 code units unless the client asks otherwise.
    @Test func positionsCountTheClientsUnits() {
        var s = LSPSession.started()
        let d = s.open("# ünïcødé 🙂\nlet x = \"🙂\"; cosin(T=5)")
        #expect(d["params"]?["diagnostics"]?.items.first?["range"]?.renderCompact() == range(1, 14, 1, 19))
        var u8 = LSPSession.started(#"{"general":{"positionEncodings":["utf-8"]}}"#)
        let e = u8.open("# ünïcødé 🙂\nlet x = \"🙂\"; cosin(T=5)")
        #expect(e["params"]?["diagnostics"]?.items.first?["range"]?.renderCompact() == range(1, 16, 1, 21))
        var u32 = LSPSession.started(#"{"general":{"positionEncodings":["utf-32"]}}"#)
        let f = u32.open("# ünïcødé 🙂\nlet x = \"🙂\"; cosin(T=5)")
        #expect(f["params"]?["diagnostics"]?.items.first?["range"]?.renderCompact() == range(1, 13, 1, 18))
        // A position inside the emoji's two UTF-16 units lands after it.
        let index = LineIndex(SourceFile(name: "x", text: "# ü\nlet x = \"🙂\""), encoding: .utf16)
        #expect(index.offset(line: 1, character: 9) == 14)
        #expect(index.offset(line: 1, character: 10) == 18)
        #expect(index.offset(line: 1, character: 11) == 18)
        #expect(index.offset(line: 1, character: 12) == 19)
        #expect(index.position(18) == (1, 11))
        #expect(index.offset(line: 0, character: 99) == 4)
    }

    /// Malformed frames, unknown methods and requests out of order each get
    /// an error, and the server goes on answering.
    @Test func badMessagesGetErrorsAndTheServerGoesOn() {
        var s = LSPSession()
        #expect(s.request("textDocument/hover").errorCode == -32002)
        #expect(s.feed(Array("Content-Type: x\r\n\r\n{}".utf8)).first?.errorCode == -32700)
        #expect(s.feed(Array("Content-Length: 5\r\n\r\n{oops".utf8)).first?.errorCode == -32700)
        #expect(s.send("[1, 2]").first?.errorCode == -32600)
        #expect(s.send(#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#).first?.errorCode == -32600)
        #expect(s.send(#"{"jsonrpc":"2.0","id":7}"#).first?.errorCode == -32600)
        // A frame split across reads, and two in one read.
        let framed = JSONRPC.frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#)
        #expect(s.feed(Array(framed[..<10])).isEmpty)
        #expect(s.feed(Array(framed[10...])).first?["result"]?["capabilities"] != nil)
        #expect(s.request("initialize").errorCode == -32600)
        #expect(s.request("workspace/symbol", #"{"query":""}"#).errorCode == -32601)
        #expect(s.notify("workspace/unknownNotification", "{}").isEmpty)
        #expect(s.at("textDocument/hover", 0, 0, uri: "file:///never-opened.ramp").errorCode == -32602)
        #expect(s.request("textDocument/hover", #"{"textDocument":{}}"#).errorCode == -32602)
        _ = s.open("warmup 5")
        #expect(
            s.request(
                "textDocument/hover",
                #"{"textDocument":{"uri":"file:///w/card.ramp"},"position":{"line":-1,"character":"x"}}"#
            ).errorCode == -32602)
        #expect(s.at("textDocument/hover", 999, 0).errorCode == -32602)
        #expect(s.at("textDocument/hover", 0, 0, extra: "").result != nil)
        #expect(
            s.request(
                "textDocument/hover",
                #"{"textDocument":{"uri":"file:///w/card.ramp"},"position":{"line":1e300,"character":0}}"#
            ).errorCode == -32602)
        #expect(
            s.request(
                "textDocument/inlayHint",
                #"{"textDocument":{"uri":"file:///w/card.ramp"},"range":{"start":{"line":1e300,"character":-1e300},"#
                    + #""end":{"line":2,"character":0}}}"#
            ).result != nil)
        _ = s.notify(
            "textDocument/didChange",
            #"{"textDocument":{"uri":"file:///w/card.ramp","version":1e300},"contentChanges":[{"text":"warmup 5 # "#
                + #"note"}]}"#
        )
        #expect(s.at("textDocument/completion", 0, 15).result?["items"]?.items.isEmpty == true)
        _ = s.open("warmup 5")
        // Past the end of a line is its end, which the phase there reaches.
        #expect(s.at("textDocument/hover", 0, 999).result?["range"]?.renderCompact() == range(0, 0, 0, 8))
        #expect(s.at("textDocument/hover", 0, 1).result?["contents"] != nil)
        #expect(s.request("shutdown").result == .null)
        #expect(s.request("textDocument/hover").errorCode == -32600)
        #expect(s.server.exitCode == nil)
        _ = s.notify("exit", "{}")
        #expect(s.server.exitCode == 0)
        var early = LSPSession.started()
        _ = early.notify("exit", "{}")
        #expect(early.server.exitCode == 1)
    }
}

/// `ramp lsp` as a process: bytes in, framed answers out, a clean exit.
@Suite struct LanguageServerProcessTests {
    /// The bodies of the frames in `output`.
    static func bodies(_ output: String) -> [String] {
        var reader = JSONRPC.Reader()
        reader.append(Array(output.utf8))
        var out: [String] = []
        while case .message(let body)? = reader.next() { out.append(body) }
        return out
    }

    @Test func rawFramesOverStdio() throws {
        func frame(_ s: String) -> String { String(decoding: JSONRPC.frame(s), as: UTF8.self) }
        let input =
            "Content-Lenght: 3\r\n\r\nabc"
            + frame(#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#)
            + frame(#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}"#)
            + frame("{not json")
            + frame(#"{"jsonrpc":"2.0","id":3,"method":"no/such/method"}"#)
            + frame(
                #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.ramp","#
                    + #""version":1,"text":"warmup 5 then"}}}"#
            )
            + frame(#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#)
            + frame(#"{"jsonrpc":"2.0","method":"exit"}"#)
            + frame(#"{"jsonrpc":"2.0","id":5,"method":"shutdown"}"#)
        let r = try ramp(["lsp"], stdin: input)
        #expect(r.status == 0)
        let answers = LanguageServerProcessTests.bodies(r.stdout).map { try! JSONValue.parse($0) }
        #expect(
            answers.map { $0["error"]?["code"]?.number ?? $0["id"]?.number ?? -1 } == [
                -32700, -32002, 2, -32700, -32601, -1, 4,
            ])
        #expect(
            answers[5]["params"]?["diagnostics"]?.items.first?["message"]?.text
                == "expected an expression, found end of input")
        // Without shutdown first, exit is an error exit.
        let early = try ramp(
            ["lsp"],
            stdin: frame(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
                + frame(#"{"jsonrpc":"2.0","method":"exit"}"#))
        #expect(early.status == 1)
    }
}
