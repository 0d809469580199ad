import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Lsp: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the language server on stdin and stdout (LSP 3.17).",
            discussion:
                "Editors start it; docs/editors.md shows how. It exits on the protocol's exit notification, or when "
                + "stdin closes.\n\nExit status, as LSP defines it: 0 after shutdown then exit; 1 on exit without "
                + "shutdown."
        )

        func run() throws {
            var server = LanguageServer()
            var reader = JSONRPC.Reader()
            let input = FileHandle.standardInput
            while server.exitCode == nil {
                let chunk = input.availableData
                if chunk.isEmpty { break }
                reader.append([UInt8](chunk))
                while let frame = reader.next() {
                    for message in server.receive(frame) {
                        let bytes = JSONRPC.frame(message)
                        FileHandle.standardOutput.write(Data(bytes))
                    }
                    if server.exitCode != nil { break }
                }
            }
            if let code = server.exitCode, code != 0 { throw ExitCode(code) }
        }
    }
}
