import Foundation
import Testing

@testable import Ramp

/// The compat prelude is Ramp in one resource file per library: each must be
/// found, parse, declare only its own library's names with checkable
/// parameters, and be laid out as `ramp fmt` lays it out. (Each body is
/// checked where it is called: the parity tests call every constructor.)
@Suite struct PreludeTests {
    static func text(_ library: String) throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: library, withExtension: "ramp"),
            "\(library).ramp is not among the resources")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func everyLibraryIsLoaded() {
        #expect(Prelude.missing == [])
        #expect(Set(Prelude.libraries) == Compat.namespaces)
    }

    @Test(arguments: Prelude.libraries)
    func libraryFile(_ library: String) throws {
        let text = try Self.text(library)
        let file = SourceFile(name: "\(library).ramp", text: text)
        let program = try Parser.parse(file, names: Builtins.statementNames)
        var names: [String] = []
        for st in program.statements {
            guard case .definition(let name, let params, _) = st.kind else {
                Issue.record("\(library).ramp holds a statement that is not a definition at \(st.range)")
                continue
            }
            #expect(name.hasPrefix(library + "."), "\(name) in \(library).ramp")
            for p in params {
                #expect(throws: Never.self, "\(name)'s parameter \(p.name)") { _ = try Checker.spec(for: p) }
            }
            #expect(Prelude.docs[name]?.isEmpty == false, "\(name) has no ## line")
            names.append(name)
        }
        #expect(!names.isEmpty)
        #expect(Prelude.definitions.map(\.name).filter { $0.hasPrefix(library + ".") } == names)
        #expect(try Formatter.format(file) == text, "\(library).ramp is not as ramp fmt lays it out")
    }

    /// A default broken over lines by the formatter is shown on one line.
    @Test func signatureOnOneLine() throws {
        let d = try #require(Prelude.definitions.first { $0.name == "mmengine.CosineRestartLR" })
        #expect(Prelude.signature(d.name, d.params).contains("restart_weights: numbers = [1], eta_min"))
    }
}
