/// `ramp lsp`: a Language Server Protocol 3.17 server. It is a value that
/// takes one message and returns the messages to send, so the command
/// line only moves bytes, and tests drive it without a process.
///
/// Documents are synchronised whole (`TextDocumentSyncKind.Full`); each
/// version is analysed once, on open or change, and its diagnostics are
/// published then. A message that cannot be read gets a JSON-RPC error and
/// changes nothing.
public struct LanguageServer: Sendable {
    var documents: [String: DocumentAnalysis] = [:]
    var initialized = false
    var shutdownRequested = false
    var encoding: PositionEncoding = .utf16
    /// Set by `exit`: 0 after `shutdown`, 1 without, as the protocol says.
    public private(set) var exitCode: Int32?

    public init() {}

    /// Answers one frame with the messages to write, each already JSON.
    public mutating func receive(_ frame: JSONRPC.Frame) -> [String] {
        switch frame {
        case .malformed(let why):
            return [JSONRPC.error(id: .null, .parseError, "cannot read the message: \(why)").renderCompact()]
        case .message(let body):
            let message: JSONValue
            do { message = try JSONValue.parse(body) } catch {
                return [
                    JSONRPC.error(id: .null, .parseError, "the message is not JSON: \(error.message)").renderCompact()
                ]
            }
            return handle(message).map { $0.renderCompact() }
        }
    }

    mutating func handle(_ message: JSONValue) -> [JSONValue] {
        guard case .object = message else {
            return [
                JSONRPC.error(id: .null, .invalidRequest, "a message is a JSON object (batches are not used by LSP)")
            ]
        }
        let id = message["id"]
        if let id {
            switch id {
            case .number, .string: break
            default: return [JSONRPC.error(id: .null, .invalidRequest, "\"id\" must be a number or a string")]
            }
        }
        guard case .string(let method)? = message["method"] else {
            // A response to a request of ours (we send none), or nonsense.
            if id != nil, message["result"] != nil || message["error"] != nil { return [] }
            return [JSONRPC.error(id: id ?? .null, .invalidRequest, "a request needs a \"method\" string")]
        }
        let params = message["params"] ?? .null
        guard let id else {
            return notification(method, params)
        }
        if method == "initialize" {
            if initialized { return [JSONRPC.error(id: id, .invalidRequest, "initialize was already received")] }
            initialized = true
            return [JSONRPC.response(id: id, result: initialize(params))]
        }
        guard initialized else {
            return [JSONRPC.error(id: id, .serverNotInitialized, "the first request must be initialize")]
        }
        if shutdownRequested {
            return [JSONRPC.error(id: id, .invalidRequest, "the server is shutting down; only exit is accepted")]
        }
        do throws(RequestError) {
            return [JSONRPC.response(id: id, result: try request(method, params))]
        } catch {
            return [JSONRPC.error(id: id, error.code, error.message)]
        }
    }

    struct RequestError: Error {
        var code: JSONRPC.ErrorCode
        var message: String
        static func params(_ m: String) -> RequestError { RequestError(code: .invalidParams, message: m) }
    }

    // MARK: - lifecycle

    mutating func initialize(_ params: JSONValue) -> JSONValue {
        if case .array(let offered)? = params["capabilities"]?["general"]?["positionEncodings"] {
            let names = offered.compactMap { v -> String? in if case .string(let s) = v { return s } else { return nil }
            }
            encoding = names.contains("utf-8") ? .utf8 : names.contains("utf-32") ? .utf32 : .utf16
        }
        let triggers: JSONValue = .array([".", "(", ",", " "].map { .string($0) })
        return .object([
            (
                "capabilities",
                .object([
                    ("positionEncoding", .string(encoding.rawValue)),
                    ("textDocumentSync", .object([("openClose", .bool(true)), ("change", .number(1))])),
                    ("hoverProvider", .bool(true)),
                    (
                        "completionProvider",
                        .object([("triggerCharacters", triggers), ("resolveProvider", .bool(false))])
                    ),
                    ("signatureHelpProvider", .object([("triggerCharacters", .array([.string("("), .string(",")]))])),
                    ("definitionProvider", .bool(true)),
                    ("referencesProvider", .bool(true)),
                    ("documentSymbolProvider", .bool(true)),
                    ("documentFormattingProvider", .bool(true)),
                    ("inlayHintProvider", .bool(true)),
                ])
            ),
            ("serverInfo", .object([("name", .string("ramp")), ("version", .string(RampRelease.version))])),
        ])
    }

    mutating func notification(_ method: String, _ params: JSONValue) -> [JSONValue] {
        switch method {
        case "exit":
            exitCode = shutdownRequested ? 0 : 1
            return []
        case "initialized", "$/cancelRequest", "$/setTrace", "textDocument/didSave", "workspace/didChangeConfiguration":
            return []
        case "textDocument/didOpen":
            guard initialized, case .string(let uri)? = params["textDocument"]?["uri"],
                case .string(let text)? = params["textDocument"]?["text"]
            else { return [] }
            return open(uri, version: LanguageServer.integer(params["textDocument"]?["version"]) ?? 0, text: text)
        case "textDocument/didChange":
            guard initialized, case .string(let uri)? = params["textDocument"]?["uri"],
                case .array(let changes)? = params["contentChanges"]
            else { return [] }
            // Full synchronisation: the last change holds the whole text.
            guard let last = changes.last, case .string(let text)? = last["text"], last["range"] == nil else {
                guard documents[uri] != nil else { return [] }
                return [
                    logMessage(
                        "ramp lsp takes whole documents (TextDocumentSyncKind.Full); a ranged change to \(uri) was "
                            + "ignored"
                    )
                ]
            }
            return open(uri, version: LanguageServer.integer(params["textDocument"]?["version"]) ?? 0, text: text)
        case "textDocument/didClose":
            guard case .string(let uri)? = params["textDocument"]?["uri"], documents.removeValue(forKey: uri) != nil
            else { return [] }
            return [
                JSONRPC.notification(
                    "textDocument/publishDiagnostics", .object([("uri", .string(uri)), ("diagnostics", .array([]))]))
            ]
        default:
            return []
        }
    }

    func logMessage(_ text: String) -> JSONValue {
        JSONRPC.notification(
            "window/logMessage", .object([("type", .number(2)), ("message", .string(TerminalText.escaped(text)))]))
    }

    mutating func open(_ uri: String, version: Int, text: String) -> [JSONValue] {
        let doc = DocumentAnalysis(uri: uri, version: version, text: text, encoding: encoding)
        documents[uri] = doc
        return [publishDiagnostics(doc)]
    }

    func publishDiagnostics(_ doc: DocumentAnalysis) -> JSONValue {
        let ds = doc.diagnostics.map { d -> JSONValue in
            var fields: [(String, JSONValue)] = [
                ("range", doc.index.range(d.range)),
                ("severity", .number(d.severity == .error ? 1 : d.severity == .warning ? 2 : 3)),
                ("code", .string(d.kind.code)),
                ("source", .string("ramp")),
                // An editor shows the message as text: control characters in it are shown escaped.
                ("message", .string(TerminalText.escaped(d.message))),
            ]
            if !d.notes.isEmpty {
                fields.append(
                    (
                        "relatedInformation",
                        .array(
                            d.notes.map { n in
                                .object([
                                    (
                                        "location",
                                        .object([("uri", .string(doc.uri)), ("range", doc.index.range(n.range))])
                                    ),
                                    ("message", .string(TerminalText.escaped(n.message))),
                                ])
                            })
                    ))
            }
            return .object(fields)
        }
        return JSONRPC.notification(
            "textDocument/publishDiagnostics",
            .object([("uri", .string(doc.uri)), ("version", .number(Double(doc.version))), ("diagnostics", .array(ds))])
        )
    }

    // MARK: - requests

    func document(_ params: JSONValue) throws(RequestError) -> DocumentAnalysis {
        guard case .string(let uri)? = params["textDocument"]?["uri"] else {
            throw .params("textDocument.uri is missing")
        }
        guard let doc = documents[uri] else { throw .params("\(uri) is not open (send textDocument/didOpen first)") }
        return doc
    }

    func offset(_ params: JSONValue, _ doc: DocumentAnalysis) throws(RequestError) -> Int {
        guard let line = LanguageServer.integer(params["position"]?["line"]),
            let character = LanguageServer.integer(params["position"]?["character"]),
            line >= 0, character >= 0
        else {
            throw .params("position.line and position.character must be numbers from 0")
        }
        guard line < doc.index.lineStarts.count else { throw .params("line \(line) is past the end of the document") }
        return doc.index.offset(line: line, character: character)
    }

    /// A whole number a client sent, or nil for anything else (a hostile
    /// 1e300 must not trap when it is made an Int).
    static func integer(_ v: JSONValue?) -> Int? {
        guard case .number(let x)? = v, x == x.rounded(), x.magnitude < 1e9 else { return nil }
        return Int(x)
    }

    mutating func request(_ method: String, _ params: JSONValue) throws(RequestError) -> JSONValue {
        switch method {
        case "shutdown":
            shutdownRequested = true
            return .null
        case "textDocument/hover":
            let doc = try document(params)
            guard let (text, range) = doc.hover(at: try offset(params, doc)) else { return .null }
            return .object([
                ("contents", .object([("kind", .string("markdown")), ("value", .string(text))])),
                ("range", doc.index.range(range)),
            ])
        case "textDocument/completion":
            let doc = try document(params)
            let at = try offset(params, doc)
            let (start, items) = doc.completions(at: at)
            let replace = doc.index.range(SourceRange(start, at))
            return .object([
                ("isIncomplete", .bool(false)),
                (
                    "items",
                    .array(
                        items.map { item in
                            var fields: [(String, JSONValue)] = [
                                ("label", .string(item.label)), ("kind", .number(Double(item.kind))),
                            ]
                            if let d = item.detail { fields.append(("detail", .string(d))) }
                            if let d = item.documentation {
                                fields.append(
                                    ("documentation", .object([("kind", .string("markdown")), ("value", .string(d))])))
                            }
                            if let s = item.sortText { fields.append(("sortText", .string(s))) }
                            fields.append(
                                (
                                    "textEdit",
                                    .object([("range", replace), ("newText", .string(item.insertText ?? item.label))])
                                ))
                            return .object(fields)
                        })
                ),
            ])
        case "textDocument/signatureHelp":
            let doc = try document(params)
            guard let (callable, active) = doc.signatureHelp(at: try offset(params, doc)) else { return .null }
            let (label, offsets) = callable.signature
            return .object([
                (
                    "signatures",
                    .array([
                        .object([
                            ("label", .string(label)),
                            (
                                "documentation",
                                .object([("kind", .string("markdown")), ("value", .string(callable.doc))])
                            ),
                            (
                                "parameters",
                                .array(
                                    zip(callable.params, offsets).map { p, o in
                                        .object([
                                            ("label", .array([.number(Double(o.0)), .number(Double(o.1))])),
                                            ("documentation", .string(p.doc)),
                                        ])
                                    })
                            ),
                        ])
                    ])
                ),
                ("activeSignature", .number(0)), ("activeParameter", .number(Double(active))),
            ])
        case "textDocument/definition":
            let doc = try document(params)
            guard let r = doc.definition(at: try offset(params, doc)) else { return .null }
            return location(doc, r)
        case "textDocument/references":
            let doc = try document(params)
            let include: Bool
            if case .bool(let b)? = params["context"]?["includeDeclaration"] { include = b } else { include = true }
            return .array(
                doc.references(at: try offset(params, doc), includeDeclaration: include).map { location(doc, $0) })
        case "textDocument/documentSymbol":
            return .array(symbols(try document(params)))
        case "textDocument/formatting":
            let doc = try document(params)
            // Only a file that parses as it is (not one with broken statements blanked out).
            guard doc.parses, let program = doc.program,
                let formatted = try? Formatter.format(doc.file, program: program, tokens: doc.tokens)
            else { return .null }
            if formatted == doc.file.text { return .array([]) }
            return .array([
                .object([
                    ("range", doc.index.range(SourceRange(0, doc.file.bytes.count))), ("newText", .string(formatted)),
                ])
            ])
        case "textDocument/inlayHint":
            let doc = try document(params)
            var lo = 0
            var hi = doc.file.bytes.count
            if let s = params["range"]?["start"], let e = params["range"]?["end"],
                let sl = LanguageServer.integer(s["line"]), let sc = LanguageServer.integer(s["character"]),
                let el = LanguageServer.integer(e["line"]), let ec = LanguageServer.integer(e["character"])
            {
                lo = doc.index.offset(line: sl, character: sc)
                hi = doc.index.offset(line: el, character: ec)
            }
            let phases = doc.phases
            var hints: [JSONValue] = []
            for p in phases where p.number > 1 && p.range.start >= lo && p.range.start <= hi {
                guard let start = p.start else { continue }
                hints.append(
                    .object([
                        ("position", LineIndex.position(doc.index.position(p.range.start))),
                        ("label", .string((p.output == "lr" ? "" : p.output + " ") + "step \(start):")),
                        ("paddingRight", .bool(true)),
                        ("tooltip", .string(p.summary)),
                    ]))
            }
            return .array(hints)
        default:
            throw RequestError(code: .methodNotFound, message: "ramp lsp does not handle \(method)")
        }
    }

    func location(_ doc: DocumentAnalysis, _ r: SourceRange) -> JSONValue {
        .object([("uri", .string(doc.uri)), ("range", doc.index.range(r))])
    }

    /// Settings, `let`s, `def`s and outputs, each with its range.
    func symbols(_ doc: DocumentAnalysis) -> [JSONValue] {
        guard let program = doc.program else { return [] }
        return program.statements.map { s -> JSONValue in
            let (name, kind, detail): (String, Int, String)
            switch s.kind {
            case .setting(let n, let e): (name, kind, detail) = (n, 14, doc.file.slice(e.range))
            case .binding(let n, let e): (name, kind, detail) = (n, 13, doc.file.slice(e.range))
            case .definition(let n, let params, _):
                (name, kind, detail) = (
                    n, 12, "(" + params.map { Callable.param(doc.file, $0).label }.joined(separator: ", ") + ")"
                )
            case .output(let n, _): (name, kind, detail) = (n, 7, "output")
            case .group(let key, let n, let scale, _):
                (name, kind, detail) = ("\(n)[\(key)]", 7, scale ? "scales \(n)" : "output of a parameter group")
            case .expression: (name, kind, detail) = ("lr", 7, "the learning rate")
            }
            return .object([
                ("name", .string(name)), ("detail", .string(detail)), ("kind", .number(Double(kind))),
                ("range", doc.index.range(s.range)), ("selectionRange", doc.index.range(s.nameRange)),
            ])
        }
    }
}
