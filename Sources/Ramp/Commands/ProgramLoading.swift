/// A program as a command is handed it: Ramp source, or an IR document
/// (`ramp compile --to json`), which is built from its tree.
public enum ProgramText: Sendable {
    case source(SourceFile)
    case ir(String, name: String)

    /// Reads a program file; an IR document is recognised by its content.
    public static func load(path: String) throws(LoadError) -> ProgramText {
        let file = try SourceFile.load(path: path)
        return IR.isDocument(file.text) ? .ir(file.text, name: path) : .source(file)
    }

    /// Reads a program file, importing a config (DeepSpeed, Hugging Face,
    /// MMEngine, timm) as the Ramp `ramp import` prints for it. Diagnostics
    /// about the config point into the config.
    public static func load(path: String, importing options: ImportOptions) throws(ProgramError) -> ProgramText {
        let file: SourceFile
        do { file = try SourceFile.load(path: path) } catch { throw ProgramError(load: error) }
        if IR.isDocument(file.text) { return .ir(file.text, name: path) }
        guard options.format != nil || Importer.isConfig(file) else { return .source(file) }
        do {
            return .source(SourceFile(name: "\(path) (as Ramp)", text: try Importer.convert(file, options: options)))
        } catch {
            throw ProgramError(diagnostics: error.diagnostics, file: file)
        }
    }

    /// Checks source, or builds an IR document's program, at its own base or `base`.
    public func compile(base: Double? = nil) throws(ProgramError) -> CompiledProgram {
        switch self {
        case .source(let file):
            do { return try Compiler.compile(file, options: CheckOptions(base: base)) } catch {
                throw ProgramError(diagnostics: error.diagnostics, file: file)
            }
        case .ir(let text, let name):
            do { return try IR.load(text, name: name, base: base) } catch {
                switch error {
                case .malformed(let e): throw ProgramError(load: e)
                case .diagnostics(let d, let file): throw ProgramError(diagnostics: d.diagnostics, file: file)
                }
            }
        }
    }

    /// The text a person edits: the source, or an IR document's native program.
    public var editableText: String {
        switch self {
        case .source(let file): return file.text
        case .ir(let text, _):
            if let doc = try? JSONValue.parse(text), case .string(let native)? = doc["native"] { return native }
            return ""
        }
    }
}

/// Why a program could not be built, as the command line prints it: located
/// diagnostics with the source line and caret, or a file-level message.
public struct ProgramError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic] = []
    public var file: SourceFile?
    public var load: LoadError?

    init(diagnostics: [Diagnostic], file: SourceFile) {
        self.diagnostics = diagnostics
        self.file = file
    }

    init(load: LoadError) { self.load = load }

    public var description: String {
        if let load { return load.description }
        return file.map { DiagnosticPrinter.render(diagnostics, in: $0) } ?? ""
    }
}
